"""``validate`` on a repository as it is: manifests checked, everything else skipped and counted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, run_cli

from .conftest import validate_json

SKIPPED = [
    ".pre-commit-config.yaml: skipped: a pre-commit configuration",
    "chart/Chart.yaml: skipped: a Helm chart's Chart.yaml",
    "chart/templates/deployment.yaml: skipped: a Helm chart template",
    "chart/values-prod.yaml: skipped: Helm values",
    "chart/values.yaml: skipped: Helm values",
    "config/renovate.json: skipped: no document has apiVersion or kind",
    "config/settings.yaml: skipped: no document has apiVersion or kind",
    "docker-compose.yml: skipped: a Compose file",
    "k8s/kustomization.yaml: skipped: a kustomization",
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "repo", tmp_path / "repo")
    return tmp_path / "repo"


def test_a_repository_validates_as_it_is(repo: Path) -> None:
    proc = run_cli("validate", "-v", ".", cwd=repo)
    assert proc.returncode == 0, proc.stdout.decode()
    assert proc.stderr.decode().splitlines() == [f"./{line}" for line in SKIPPED]
    assert proc.stdout.decode() == (
        "0 errors, 0 warnings, 0 info in 2 files (3 objects, Kubernetes 1.37, strict); "
        "9 files skipped: not Kubernetes manifests\n")


def test_without_verbose_only_the_count(repo: Path) -> None:
    proc = run_cli("validate", "k8s", "chart", cwd=repo)
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout.decode().endswith("; 5 files skipped: not Kubernetes manifests\n")


def test_named_well_known_files_are_read_as_manifests(repo: Path) -> None:
    code, findings = validate_json("chart/Chart.yaml", "k8s/kustomization.yaml",
                                   ".github/workflows/ci.yml", cwd=repo)
    assert code == 1
    assert [(f["path"], f["line"], f["severity"], f["rule"]) for f in findings] == [
        ("chart/Chart.yaml", 1, "error", "k8s-object"),  # apiVersion without kind
        ("k8s/kustomization.yaml", 1, "info", "no-schema"),
    ]  # the workflow has neither key: skipped even when named


def test_hooks_skip_well_known_files_they_are_handed(repo: Path) -> None:
    every = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    proc = run_cli("validate", "--skip-non-manifests", "-v", *every, cwd=repo)
    assert proc.returncode == 0, proc.stdout.decode()
    assert ".github/workflows/ci.yml: skipped: a GitHub workflow" in proc.stderr.decode()
    assert proc.stdout.decode().endswith("; 10 files skipped: not Kubernetes manifests\n")


BROKEN = {
    "kind-only.yaml": ("kind: Deployment\nmetadata:\n  name: web\n", [(1, "k8s-object")]),
    "api-only.yaml": ("apiVersion: v1\nmetadata:\n  name: web\n", [(1, "k8s-object")]),
    "mixed.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nmetadata:\n"
                   "  name: b\n", [(6, "k8s-object")]),
    "mixed-list.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n- b\n",
                        [(6, "k8s-object")]),
}


@pytest.mark.parametrize(("name", "case"), BROKEN.items(), ids=list(BROKEN))
def test_a_broken_manifest_stays_an_error(tmp_path: Path, name: str,
                                          case: tuple[str, list[tuple[int, str]]]) -> None:
    text, expected = case
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / name).write_text(text)
    code, findings = validate_json("k8s", cwd=tmp_path)
    assert code == 1
    assert [(f["line"], f["rule"]) for f in findings] == expected
