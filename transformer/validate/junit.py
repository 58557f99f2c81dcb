"""Findings as JUnit XML, the common schema GitLab, Jenkins and Azure Pipelines read. Pure.

One ``testsuite`` per file, one ``testcase`` per object (the file itself for findings outside
objects): a case fails with one ``failure`` per error (type: the rule id; text: ``file:line:col``
and the message); warnings, notes and suppressed findings (with their reason) go to the case's
``system-out``, so the case passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from .cases import Case, cases
from .findings import Finding, Subject


def junit(findings: Sequence[Finding], summary: str, subjects: Sequence[Subject] = (), *,
          command: str = "validate") -> str:
    """The whole XML document; ``subjects`` adds the files and objects without findings."""
    by_file: dict[str, list[Case]] = {}
    for case in cases(findings, subjects):
        by_file.setdefault(case.path, []).append(case)
    failed = sum(1 for group in by_file.values() for case in group if case.failed)
    total = sum(len(group) for group in by_file.values())
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f"<testsuites name={quoteattr('wi-transform ' + command)} tests=\"{total}\" failures=\"{failed}\" "
             f"errors=\"0\" time=\"0\">"]
    for path, group in by_file.items():
        lines += _suite(path, group)
    lines.append(f"  <!-- {_comment(summary)} -->")
    lines.append("</testsuites>")
    return "".join(line + "\n" for line in lines)


def _suite(path: str, group: list[Case]) -> list[str]:
    failed = sum(1 for case in group if case.failed)
    lines = [f"  <testsuite name={quoteattr(path)} tests=\"{len(group)}\" failures=\"{failed}\" "
             f"errors=\"0\" skipped=\"0\" time=\"0\">"]
    for case in group:
        lines += _case(case)
    lines.append("  </testsuite>")
    return lines


def _case(case: Case) -> list[str]:
    head = (f"    <testcase name={quoteattr(case.name)} classname={quoteattr(case.path)} "
            f"time=\"0\"")
    if not case.findings:
        return [head + "/>"]
    lines = [head + ">"]
    for finding in case.errors:
        lines.append(f"      <failure type={quoteattr(finding.rule)} "
                     f"message={quoteattr(finding.message)}>{escape(str(finding))}</failure>")
    others = case.notes
    if others:
        text = "\n".join(str(f) for f in others)
        lines.append(f"      <system-out>{escape(text)}</system-out>")
    lines.append("    </testcase>")
    return lines


def _comment(text: str) -> str:
    return text.replace("--", "- -")
