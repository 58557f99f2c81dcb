"""Results as text for people (stderr) and machines (JSON)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def inject_report(entries: Iterable[Any], footer: str = "") -> str:
    """One line per resource, then ``footer`` (how many files were not manifests) if any."""
    lines: list[str] = []
    for entry in entries:
        lines.append(str(entry))
        lines += [f"  warning: {w}" for w in entry.warnings]
    if footer:
        lines.append(footer)
    return "".join(line + "\n" for line in lines)
