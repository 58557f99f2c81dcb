"""Every rule against its example files: each finding at its line and column, nothing more."""

from __future__ import annotations

import pytest

from transformer.validate.rules import RULES

from .conftest import VALIDATE_DATA, Case, cases, validate_json

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_example(case: Case) -> None:
    code, findings = validate_json(*case.args(), case.file)
    found = {(f["line"], f["column"], f["severity"], f["rule"]) for f in findings}
    assert found == case.expected()
    rules = {f["rule"] for f in findings}
    if case.negative:
        assert case.rule in rules, f"a negative example of {case.rule} must break it"
    else:
        assert case.rule not in rules
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)
    assert all(f["path"] == str(case.file) for f in findings)


def test_every_rule_has_positive_and_negative_examples() -> None:
    folders = {p.name for p in VALIDATE_DATA.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders == set(RULES), "a folder per rule, and a rule per folder"
    for rule in RULES:
        for kind in ("positive", "negative"):
            assert [c for c in CASES if c.rule == rule and c.negative == (kind == "negative")], (
                f"{rule} has no {kind} example"
            )


def test_every_finding_names_its_object_and_json_path() -> None:
    _, findings = validate_json(VALIDATE_DATA / "k8s-schema" / "negative" / "types.yaml")
    assert {f["object"] for f in findings} == {"Deployment/default/web"}
    assert [f["json_path"] for f in findings] == [
        "metadata.labels.tier",
        "spec.replicas",
        "spec.template.spec.containers[0].ports[0].containerPort",
        "spec.template.spec.containers[0].env[0].value",
        "spec.template.spec.containers[0].env[1].value",
        "spec.template.spec.containers[1]",
    ]
