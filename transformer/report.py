"""Results as text for people (stderr) and machines (JSON)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def inject_report(entries: Iterable[Any]) -> str:
    lines: list[str] = []
    for entry in entries:
        lines.append(str(entry))
        lines += [f"  warning: {w}" for w in entry.warnings]
    return "".join(line + "\n" for line in lines)
