"""Reading Kubernetes objects held as plain data.

Two kinds of reader. The tolerant ones (``dig``, ``as_map``, ``as_list``, ``labels_of``,
``annotations_of``) serve reports over data nobody checked: a mistyped field reads as missing.
The ``checked_`` ones serve the code that edits: they read data a check has typed (null and
absent are empty, as Kubernetes decodes them) and refuse any other type instead of coercing it,
so that a hole in the checks is a crash, never an edit of something unchecked.
"""

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


def checked_map(value: Any) -> dict[str, Any]:
    """A mapping field a check has typed: null or absent reads as empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"unchecked field: a mapping was checked for, found {type(value).__name__}")
    return value


def checked_list(value: Any) -> list[Any]:
    """A list field a check has typed: null or absent reads as empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"unchecked field: a list was checked for, found {type(value).__name__}")
    return value


def checked_annotations(obj: Any) -> dict[str, Any]:
    """The annotations of an object whose metadata a check has typed."""
    return checked_map(checked_map(checked_map(obj).get("metadata")).get("annotations"))
