"""``.wi-transform.yaml``: found upward from the working directory, flags win over it, and
anything it holds that cannot work is a usage error at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

from .conftest import validate_json

CONFIG = """\
kubernetes-version: "1.25"
strict: false
skip-rules:
  no-schema: the operator's CRDs live in another repository
exclude: [legacy/, "*.generated.yaml"]
"""
# A Job whose podFailurePolicy rule lacks onPodConditions: an error in 1.25 only.
JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: job
spec:
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        operator: In
        values: [42]
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        extra: field
"""
WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
BROKEN = "apiVersion: v1\nkind: Pod\nspec: 3\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".wi-transform.yaml").write_text(CONFIG)
    for folder in ("k8s", "legacy", "sub/deeper"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "k8s" / "job.yaml").write_text(JOB)
    (tmp_path / "k8s" / "widget.yaml").write_text(WIDGET)
    (tmp_path / "k8s" / "pod.generated.yaml").write_text(BROKEN)
    (tmp_path / "legacy" / "pod.yaml").write_text(BROKEN)
    return tmp_path


def _rules(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(Path(str(f["path"])).name, f["line"], f["rule"]) for f in findings]


def test_the_project_file_sets_the_defaults(repo: Path) -> None:
    code, findings = validate_json(".", cwd=repo)
    # 1.25, not strict (the unknown field passes), no-schema skipped, legacy/ and *.generated excluded
    assert (code, _rules(findings)) == (1, [("job.yaml", 8, "k8s-schema")])
    proc = run_cli("validate", ".", cwd=repo)
    assert proc.stdout.decode().endswith("in 2 files (2 objects, Kubernetes 1.25, not strict); "
                                         "1 file skipped: not Kubernetes manifests\n")


def test_it_is_found_from_a_folder_below(repo: Path) -> None:
    code, findings = validate_json("../../k8s", cwd=repo / "sub" / "deeper")
    assert (code, _rules(findings)) == (1, [("job.yaml", 8, "k8s-schema")])


def test_flags_win_and_named_files_are_not_excluded(repo: Path) -> None:
    code, findings = validate_json("-k", "1.37", "--strict", "k8s", "legacy/pod.yaml", cwd=repo)
    assert _rules(findings) == [("job.yaml", 18, "k8s-unknown-field"), ("pod.yaml", 3, "k8s-schema")]


def test_no_config_and_config_file(repo: Path, tmp_path: Path) -> None:
    _, found = validate_json("--no-config", "k8s", cwd=repo)
    assert ("widget.yaml", 1, "no-schema") in _rules(found)
    assert ("pod.generated.yaml", 3, "k8s-schema") in _rules(found)
    other = tmp_path / "other.yaml"
    other.write_text("strict: false\n")
    _, found = validate_json("--config", other, "k8s/job.yaml", cwd=repo)
    assert _rules(found) == []  # 1.37 and not strict: nothing wrong with the Job


@pytest.mark.parametrize(("text", "message"), [
    ("kubernetes-version: 1.30\nstrictness: true\n", ".wi-transform.yaml:2:1: unknown key 'strictness': the keys are kubernetes-version, strict, skip-rules, schema-dirs, exclude"),
    ("kubernetes-version: 1.30\n", ".wi-transform.yaml:1:21: kubernetes-version must be a string (quote it: kubernetes-version: \"1.3\")"),
    ("skip-rules:\n  no-schema: \"\"\n", "skip-rules: no-schema needs a reason"),
    ("skip-rules:\n  no-such-rule: because\n", "skip-rules: 'no-such-rule' is no rule of validate"),
    ("exclude: legacy/\n", "exclude must be a list of strings"),
    ("kubernetes-version: \"1.2\"\n", "--kubernetes-version 1.2: the bundled schemas cover"),
])
def test_what_cannot_work_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".wi-transform.yaml").write_text(text)
    (tmp_path / "pod.yaml").write_text(WIDGET)
    proc = run_cli("validate", "pod.yaml", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr.decode()
    assert message in proc.stderr.decode()
    assert proc.stdout == b""


def test_config_and_no_config_together(tmp_path: Path) -> None:
    proc = run_cli("validate", "--config", "x.yaml", "--no-config", cwd=tmp_path)
    assert proc.returncode == 2 and b"--config and --no-config" in proc.stderr
