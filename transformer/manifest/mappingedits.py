"""Edits that make a mapping hold some keys, creating the mappings on the way when missing."""

from __future__ import annotations

from typing import Any

from . import edits as ed
from .edits import Edit
from .stream import Path


def put(data: dict[str, Any], path: Path, values: dict[str, Any]) -> list[Edit]:
    """Edits that make the mapping at ``path`` hold ``values``, creating it when missing."""
    parent: Any = data
    for depth, step in enumerate(path):
        if not isinstance(parent, dict) or step not in parent:
            return put(data, path[:depth], _nest(path[depth:], values))
        if parent[step] is None:
            return [ed.Replace(path[: depth + 1], _nest(path[depth + 1 :], values))]
        parent = parent[step]
    if not isinstance(parent, dict):
        return []
    return [
        ed.AddKey(path, key, value) if key not in parent else ed.Replace(path + (key,), value)
        for key, value in values.items()
        if key not in parent or parent[key] != value
    ]


def _nest(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    for step in reversed(path):
        values = {str(step): values}
    return values
