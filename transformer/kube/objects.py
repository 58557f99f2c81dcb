"""Reading Kubernetes objects held as plain data: tolerant of missing or mistyped fields."""

from __future__ import annotations

from typing import Any

from ..manifest.stream import Path


def dig(data: Any, path: Path) -> Any:
    """The value at ``path`` through mappings, or None where a step is missing."""
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


def as_map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def labels_of(obj: Any) -> dict[str, Any]:
    return as_map(as_map(as_map(obj).get("metadata")).get("labels"))


def annotations_of(obj: Any) -> dict[str, Any]:
    return as_map(as_map(as_map(obj).get("metadata")).get("annotations"))
