"""Findings as TAP version 13: one test point per object, the findings as YAML diagnostics. Pure.

A point is ``not ok`` when its object has an error that is not suppressed; warnings, notes and
suppressed findings (with their reason) are listed in its diagnostics block all the same.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .cases import Case, cases
from .findings import Finding, Subject


def tap(findings: Sequence[Finding], summary: str, subjects: Sequence[Subject] = ()) -> str:
    found = cases(findings, subjects)
    lines = ["TAP version 13", f"1..{len(found)}"]
    for number, case in enumerate(found, 1):
        status = "not ok" if case.failed else "ok"
        lines.append(f"{status} {number} - {_description(case)}")
        if case.findings:
            lines += _diagnostics(case)
    lines.append(f"# {summary}")
    return "".join(line + "\n" for line in lines)


def _description(case: Case) -> str:
    # `#` starts a directive (SKIP, TODO) and `\` escapes it.
    text = f"{case.path}: {case.object}" if case.object else case.path
    return text.replace("\\", "\\\\").replace("#", "\\#")


def _diagnostics(case: Case) -> list[str]:
    # JSON strings are YAML flow scalars: safe whatever the message holds.
    lines = ["  ---", f"  message: {_q(_headline(case))}", "  findings:"]
    for f in case.findings:
        lines.append(f"    - rule: {_q(f.rule)}")
        lines.append(f"      severity: {f.severity}")
        lines.append(f"      at: {_q(f'{f.path}:{f.line}:{f.column}')}")
        lines.append(f"      message: {_q(f.message)}")
        if f.suppressed is not None:
            lines.append(f"      suppressed: {_q(f.suppressed)}")
    lines.append("  ...")
    return lines


def _headline(case: Case) -> str:
    errors = len(case.errors)
    if errors:
        return f"{errors} error(s)"
    return f"passes with {len(case.findings)} note(s)"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
