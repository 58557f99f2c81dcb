"""Edits to a document, described on its data: what to add, replace or delete, and where.

Paths and indices refer to the document as it was read; several inserts at one index keep the
order in which they are listed. ``textpatch`` turns these into changes of the original text.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .stream import Path


class Insert(NamedTuple):
    """Insert ``value`` into the sequence at ``path`` before item ``before`` (its length: append)."""

    path: Path
    before: int
    value: Any


class AddKey(NamedTuple):
    """Add ``key: value`` to the end of the mapping at ``path``, which lacks ``key``."""

    path: Path
    key: str
    value: Any


class Replace(NamedTuple):
    """Replace whatever stands at ``path`` (a mapping value or a sequence item) with ``value``."""

    path: Path
    value: Any


class Delete(NamedTuple):
    """Remove the sequence item or mapping entry at ``path``."""

    path: Path


Edit = Insert | AddKey | Replace | Delete


def prefixed(prefix: Path, edits: list[Edit]) -> list[Edit]:
    """The same edits with ``prefix`` in front of every path (a resource inside a List)."""
    return [e._replace(path=prefix + e.path) for e in edits] if prefix else edits
