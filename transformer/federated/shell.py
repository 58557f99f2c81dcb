"""Bash words that carry exactly the given text, whatever it holds.

Plain text goes in single quotes; text with control characters (a newline, an escape) goes in
``$'...'`` so that the script stays one line per word and still passes those characters on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Inside double quotes bash still expands these (! only in interactive shells, but who knows).
_DOUBLE_SPECIAL = re.compile(r'[$`"\\!]')
_ANSI_C = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


@dataclass(frozen=True)
class Var:
    """A shell variable's value, spliced into a word."""

    name: str


def quote(text: str) -> str:
    """``text`` as one bash word; bash hands exactly ``text`` to the command."""
    if _SAFE.fullmatch(text):
        return text
    if _CONTROL.search(text):
        return "$'" + "".join(_ansi_c(ch) for ch in text) + "'"
    if "'" in text and not _DOUBLE_SPECIAL.search(text):
        return f'"{text}"'
    return "'" + text.replace("'", "'\\''") + "'"


def _ansi_c(ch: str) -> str:
    if ch in _ANSI_C:
        return _ANSI_C[ch]
    if _CONTROL.fullmatch(ch):
        return f"\\x{ord(ch):02x}"
    return ch


def word(*parts: str | Var) -> str:
    """One bash word of literal text and variables; adjacent literals are quoted together."""
    merged: list[str | Var] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if len(merged) == 1 and isinstance(merged[0], str):
        return quote(merged[0])
    return "".join(f'"${{{p.name}}}"' if isinstance(p, Var) else _quoted(p) for p in merged)


def _quoted(text: str) -> str:
    quoted = quote(text)
    return quoted if quoted[:1] in ("'", '"', "$") else f"'{quoted}'"


def command(args: Iterable[str], indent: str = "") -> str:
    """A command of already-quoted words: the first line holds the subcommand, then one option
    (with its values) per continued line."""
    words = list(args)
    lines: list[str] = []
    for w in words:
        if w.startswith("--") or not lines:
            lines.append(w)
        else:
            lines[-1] += " " + w
    return indent + (" \\\n" + indent + "  ").join(lines) + "\n"
