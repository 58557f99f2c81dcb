"""``inject`` on a repository as it is: the same decision as ``validate`` about what is a manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import DATA, TENANT, run_cli


def test_inject_a_repository_leaves_non_manifests_alone(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DATA / "repo", repo)
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    proc = run_cli("inject", "--tenant-id", TENANT, "--in-place", ".", cwd=repo)
    assert proc.returncode == 1, proc.stderr.decode()
    changed = {str(p.relative_to(repo)) for p in before if p.read_bytes() != before[p]}
    assert changed == {"k8s/app.yaml"}
    assert proc.stderr.decode().splitlines() == [
        "ServiceAccount shop/web: skipped",
        "Deployment shop/web: injected",
        "Service shop/web: skipped",
        "9 files skipped: not Kubernetes manifests",
    ]
    # To stdout: the manifests only (no kustomization, values or settings in the stream).
    stream = run_cli("inject", "--tenant-id", TENANT, "k8s", "config/settings.yaml", cwd=repo)
    assert stream.returncode == 0
    out = stream.stdout.decode()
    assert "kind: Kustomization" not in out and "kind: Service\n" in out
    assert out.endswith("features:\n  - search\n  - checkout\n")  # named, passed through as it is
    assert stream.stderr.decode().endswith("2 files skipped: not Kubernetes manifests\n")
