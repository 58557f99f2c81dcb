"""``validate``'s findings as text, JSON, GitHub workflow commands, SARIF 2.1.0, JUnit XML or
TAP 13. Pure: findings in, text out, for any command that has findings (``doctor`` too)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any, Literal
from urllib.parse import quote

from .. import __version__
from .findings import Finding, Severity, Subject
from .junit import junit
from .rules import RULES, Rule
from .tap import tap

Format = Literal["text", "json", "github", "sarif", "junit", "tap"]
FORMATS: tuple[Format, ...] = ("text", "json", "github", "sarif", "junit", "tap")

# GitHub shows at most 10 annotations of each type per step and drops the rest.
GITHUB_CAP = 10
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render(findings: Sequence[Finding], summary: str, fmt: Format,
           subjects: Sequence[Subject] = (), *, catalogue: Mapping[str, Rule] = RULES,
           command: str = "validate") -> str:
    """The whole report; ``findings`` are already in order. ``subjects`` (every file and
    object checked) gives JUnit and TAP their passing cases. ``doctor`` passes its own rule
    catalogue and name."""
    if fmt == "json":
        return json.dumps([as_dict(f) for f in findings], indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif(findings, catalogue), indent=2) + "\n"
    if fmt == "github":
        return github(findings, summary, command)
    if fmt == "junit":
        return junit(findings, summary, subjects, command=command)
    if fmt == "tap":
        return tap(findings, summary, subjects)
    return text(findings, summary)


def text(findings: Sequence[Finding], summary: str) -> str:
    return "".join(f"{f}\n" for f in findings) + summary + "\n"


def as_dict(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "severity": finding.severity,
        "rule": finding.rule,
        "message": finding.message,
        "object": finding.object,
        "json_path": finding.json_path,
        "suppressed": finding.suppressed,
    }


def github(findings: Sequence[Finding], summary: str, command: str = "validate") -> str:
    """Annotations for the first 10 of each severity, then every finding in a log group."""
    lines: list[str] = []
    shown: dict[Severity, int] = {"error": 0, "warning": 0, "info": 0}
    for finding in findings:
        if shown[finding.severity] < GITHUB_CAP:
            shown[finding.severity] += 1
            lines.append(_annotation(finding))
    hidden = len(findings) - sum(shown.values())
    if hidden:
        lines.append(f"{hidden} more finding(s) are not annotated: GitHub shows {GITHUB_CAP} of "
                     "each kind per step; all of them are listed below")
    lines.append(f"::group::wi-transform {command}: {len(findings)} finding(s)")
    lines += [str(f) for f in findings]
    lines.append("::endgroup::")
    lines.append(summary)
    return "".join(line + "\n" for line in lines)


def _annotation(finding: Finding) -> str:
    properties = ",".join(
        f"{key}={_escape_property(value)}"
        for key, value in (("file", finding.path), ("line", str(finding.line)),
                           ("col", str(finding.column)), ("title", finding.rule))
    )
    message = finding.message + finding.because()
    return f"::{_GITHUB_COMMAND[finding.severity]} {properties}::{_escape_data(message)}"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def sarif(findings: Sequence[Finding], catalogue: Mapping[str, Rule] = RULES) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run; every rule of the catalogue is described."""
    ids = list(catalogue) + sorted({f.rule for f in findings} - set(catalogue))
    index = {rule: i for i, rule in enumerate(ids)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "wi-transform",
                "version": __version__,
                "rules": [_rule(rule, catalogue) for rule in ids],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index[f.rule]) for f in findings],
        }],
    }


def _rule(rule_id: str, catalogue: Mapping[str, Rule]) -> dict[str, Any]:
    rule = catalogue.get(rule_id)
    summary = rule.summary if rule else rule_id
    level = _SARIF_LEVEL[rule.severity] if rule else "error"
    return {
        "id": rule_id,
        "shortDescription": {"text": summary},
        "defaultConfiguration": {"level": level},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(finding.path)},
            "region": {"startLine": finding.line, "startColumn": finding.column},
        },
    }
    if finding.object:
        location["logicalLocations"] = [{
            "fullyQualifiedName": finding.object + (f":{finding.json_path}" if finding.json_path else ""),
            "kind": "object",
        }]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
    }
    if finding.suppressed is not None:
        result["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                   "justification": finding.suppressed or "no reason given"}]
    return result


def _uri(path: str) -> str:
    # A relative path stays relative, so code scanning maps it onto the repository.
    pure = PurePath(path)
    if pure.is_absolute():
        return "file://" + quote(pure.as_posix())
    return quote(pure.as_posix())
