"""Every doctor rule against its example folders: each finding at its file, line and column."""

from __future__ import annotations

import pytest

from transformer.doctor.rules import CHECKS

from .conftest import DOCTOR_DATA, Case, cases, doctor_json

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_example(case: Case) -> None:
    code, findings = doctor_json(*case.args(), cwd=case.folder)
    found = {(f["path"], f["line"], f["column"], f["severity"], f["rule"]) for f in findings}
    assert found == case.expected(), [f["message"] for f in findings]
    rules = {f["rule"] for f in findings}
    if case.negative:
        assert case.rule in rules, f"a negative example of {case.rule} must break it"
    else:
        assert case.rule not in rules
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)


def test_every_rule_has_positive_and_negative_examples() -> None:
    folders = {p.name for p in DOCTOR_DATA.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders == set(CHECKS), "a folder per rule, and a rule per folder"
    for rule in CHECKS:
        for kind in ("positive", "negative"):
            assert [c for c in CASES if c.rule == rule and c.negative == (kind == "negative")], (
                f"{rule} has no {kind} example"
            )
