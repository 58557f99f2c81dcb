"""Whole documents of a manifest stream: where each one's text lies, removing and adding documents.

A document owns its ``---`` line (and any ``%`` directives before it), the comments after that
line (Helm's ``# Source:``), its content, and everything up to the next document's marker
(trailing comments, ``...``). Comments before the first ``---`` stay with the file. Cutting
along these lines leaves a stream whose other documents read back exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .stream import Source
from .textpatch import Patch

# A marker or directive can only stand at column 0; inside a document's content it cannot
# (YAML forbids `---` at column 0 in scalars), so searching the gaps between contents is exact.
_MARKER = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


def regions(source: Source) -> list[tuple[int, int]]:
    """The ``[start, end)`` of every document's text, in order; consecutive ones touch."""
    text = source.text
    starts: list[int] = []
    previous_end = 0
    for document in source.documents:
        node = document.node
        content = node.start_mark.index if node is not None else previous_end
        starts.append(_region_start(text, previous_end, content, first=not starts))
        previous_end = node.end_mark.index if node is not None else content
    ends = starts[1:] + [len(text)]
    return list(zip(starts, ends, strict=True))


def _region_start(text: str, gap_start: int, content: int, *, first: bool) -> int:
    markers = [m.start() for m in _MARKER.finditer(text, gap_start, content)]
    if not markers:
        return 0 if first else gap_start
    directives = [m.start() for m in _DIRECTIVE.finditer(text, gap_start, markers[-1])]
    return min(directives + markers[-1:])


def removal(source: Source, indices: Iterable[int], order: int = 0) -> list[Patch]:
    """Patches that cut the documents at ``indices`` out of the source's text."""
    spans = regions(source)
    return [
        Patch(start=spans[i][0], end=spans[i][1], depth=0, order=order + n, text="")
        for n, i in enumerate(sorted(set(indices)))
    ]


def addition(source: Source, after: int, body: str, order: int = 0) -> Patch:
    """A patch that adds a document with ``body`` (YAML lines, ``\\n``-separated) after one."""
    text = source.text
    at = regions(source)[after][1]
    lead = "\n" if at == len(text) and text and not text.endswith("\n") else ""
    tail = "" if body.endswith("\n") else "\n"
    # A directive that follows must follow an ended document.
    end = "...\n" if text.startswith("%", at) else ""
    return Patch(start=at, end=at, depth=0, order=order, text=f"{lead}---\n{body}{tail}{end}")
