"""The pre-commit hooks with the real pre-commit: ``try-repo`` and a ``.pre-commit-config.yaml``
as the docs show it, in temporary git repositories holding the project's manifests. Each fresh hook
environment is a pip install of this repository (pre-commit installs it non-editable)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import CLIENT, DATA, ROOT, TENANT, run_cli
from tests.corpus import MANIFESTS
from tests.integrations.conftest import copy_from_repo
from tests.integrations.manifests import ACCOUNT, DEPLOYMENT, in_namespace

pytestmark = pytest.mark.slow

PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
HOOK_REPO_FILES = (".pre-commit-hooks.yaml", "pyproject.toml", "README.md", "transformer",
                   "sidecar", "schemas")
GIT_ENV = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}

WEB_ACCOUNT = in_namespace(ACCOUNT, "shop")
WEB = ("# The Deployment lives apart from its ServiceAccount, as in most repositories.\n"
       + in_namespace(DEPLOYMENT, "shop"))
HELM_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
spec:
  template:
    metadata:
      labels:
        {{- include "web.labels" . | nindent 8 }}
"""


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's hook files, committed, as pre-commit clones them."""
    repo = tmp_path_factory.mktemp("hook-repo")
    copy_from_repo(HOOK_REPO_FILES, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME for the module: the hook environment is installed once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's repository: manifests of all kinds, split ServiceAccount and Deployment, a chart."""
    repo = tmp_path / "project"
    (repo / "k8s").mkdir(parents=True)
    (repo / "chart" / "templates").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "quick-start.yaml", repo / "k8s" / "quick-start.yaml")
    for name in ("shop.yaml", "anchors.yaml", "flow-style.yaml", "crlf-daemonset.yaml"):
        shutil.copy(MANIFESTS / name, repo / "k8s" / name)
    (repo / "k8s" / "web-sa.yaml").write_text(WEB_ACCOUNT)
    (repo / "k8s" / "web.yaml").write_text(WEB)
    (repo / "chart" / "templates" / "deployment.yaml").write_text(HELM_TEMPLATE)
    for f in repo.rglob("*.yaml"):
        f.chmod(0o644)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "manifests")
    return repo


def pre_commit(project: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "PRE_COMMIT"))}
    env.update(GIT_ENV, PRE_COMMIT_HOME=str(home), AZURE_TENANT_ID=TENANT)
    return subprocess.run([PRE_COMMIT, *args], cwd=project, capture_output=True, text=True,
                          env=env, timeout=600, check=False)


def snapshot(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted(project.rglob("*.yaml"))
            if ".git" not in p.parts}


def test_try_repo_runs_every_hook_over_all_files(hook_repo: Path, project: Path,
                                                  home: Path) -> None:
    """``try-repo`` without a hook id runs them all, in id order: check, fix, validate."""
    expected = run_cli("inject", "--tenant-id", TENANT, "k8s/quick-start.yaml", "k8s/web.yaml",
                       "k8s/web-sa.yaml", cwd=project).stdout
    before = snapshot(project)
    result = pre_commit(project, "try-repo", str(hook_repo), "--all-files",
                        home=home)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    check, fix, validate = (out[out.index(name):].splitlines()[0] for name in (
        "wi-transform inject --check", "wi-transform inject (rewrite", "wi-transform validate"))
    assert check.endswith("Failed") and fix.endswith("Failed") and validate.endswith("Passed")
    assert "+++ b/k8s/web.yaml" in out and "+++ b/k8s/quick-start.yaml" in out  # the diff
    assert "files were modified by this hook" in out
    after = snapshot(project)
    assert {k for k in after if after[k] != before[k]} == {"k8s/quick-start.yaml", "k8s/web.yaml"}
    combined = b"---\n".join(after[k] for k in ("k8s/quick-start.yaml", "k8s/web.yaml",
                                                 "k8s/web-sa.yaml"))
    assert combined == expected
    # The chart's template would not parse: templates/ is left out by default.
    assert "chart/templates" not in out


def test_try_repo_one_hook_on_the_files_of_a_commit(hook_repo: Path, project: Path,
                                                   home: Path) -> None:
    """``try-repo <repo> <hook> --files …``: the fixer rewrites only the files it is given,
    exits 1, and a second run then passes with nothing to change."""
    files = ("k8s/web.yaml", "k8s/web-sa.yaml")
    expected = run_cli("inject", "--tenant-id", TENANT, *files, cwd=project).stdout
    before = snapshot(project)
    fixed = pre_commit(project, "try-repo", str(hook_repo), "wi-transform-fix", "--files",
                       *files, home=home)
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "files were modified by this hook" in fixed.stdout
    after = snapshot(project)
    assert {k for k in after if after[k] != before[k]} == {"k8s/web.yaml"}
    assert after["k8s/web.yaml"] + b"---\n" + after["k8s/web-sa.yaml"] == expected
    # Each try-repo installs the hook afresh (a new shadow clone), so one second run only.
    again = pre_commit(project, "try-repo", str(hook_repo), "wi-transform-fix", "--files",
                       *files, home=home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout
    assert snapshot(project) == after


def test_config_from_the_docs(hook_repo: Path, project: Path, home: Path) -> None:
    """The .pre-commit-config.yaml of the README, with args: [--service-accounts, k8s/]:
    a commit that touches only the Deployment still finds its ServiceAccount; the second run
    passes; validate reports every problem at its line."""
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True,
                         text=True, check=True).stdout.strip()
    args = ["--service-accounts", "k8s/"]
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [
        {"id": "wi-transform-fix", "args": args},
        {"id": "wi-validate", "args": args},
    ]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(project, "add", ".pre-commit-config.yaml")
    first = pre_commit(project, "run", "--files", "k8s/web.yaml", home=home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    web = (project / "k8s" / "web.yaml").read_text()
    assert web.startswith(WEB.split("    spec:\n      serviceAccountName")[0])
    assert f"value: {CLIENT}" in web and f"value: {TENANT}" in web
    second = pre_commit(project, "run", "--files", "k8s/web.yaml", home=home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert (project / "k8s" / "web.yaml").read_text() == web

    shutil.copy(ROOT / "examples" / "invalid" / "walkthrough.yaml", project / "k8s")
    shutil.copy(ROOT / "examples" / "invalid" / "cronjob-v1beta1.yaml", project / "k8s")
    git(project, "add", ".")
    invalid = pre_commit(project, "run", "wi-validate", "--files", "k8s/walkthrough.yaml",
                         "k8s/cronjob-v1beta1.yaml", home=home)
    assert invalid.returncode == 1, invalid.stdout + invalid.stderr
    for place in ("k8s/walkthrough.yaml:20:51: error:", "k8s/walkthrough.yaml:21:49: error:",
                  "k8s/cronjob-v1beta1.yaml:1:13: error:"):
        assert place in invalid.stdout
    # The fixer refuses the walkthrough's unquoted values and leaves every file as it was.
    before = snapshot(project)
    refused = pre_commit(project, "run", "wi-transform-fix", "--files", "k8s/walkthrough.yaml",
                         home=home)
    assert refused.returncode != 0
    assert "k8s/walkthrough.yaml:20:51:" in refused.stdout and "quote" in refused.stdout
    assert snapshot(project) == before


def test_custom_token_endpoint_settings_as_hook_args(hook_repo: Path, project: Path,
                                                     home: Path) -> None:
    """A cluster whose webhook runs with a custom token endpoint: its settings are the hooks'
    args, and the fixer injects what the CLI does; validate takes the suffix."""
    shutil.copy(ROOT / "examples" / "identity-binding" / "app.yaml", project / "k8s" / "app.yaml")
    git(project, "add", ".")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True,
                         text=True, check=True).stdout.strip()
    settings = ["--custom-token-endpoint-annotation-suffix", "identity-binding",
                "--custom-token-endpoint-audience", "api://AKSIdentityBinding",
                "--kubernetes-token-proxy", "https://kubernetes.default.svc",
                "--kubernetes-ca-configmap", "kube-root-ca.crt"]
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [
        {"id": "wi-transform-fix", "args": settings},
        {"id": "wi-validate", "args": settings[:2]},
    ]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(project, "add", ".pre-commit-config.yaml")
    expected = run_cli("inject", "--tenant-id", TENANT, *settings, "k8s/app.yaml",
                       cwd=project).stdout
    first = pre_commit(project, "run", "--files", "k8s/app.yaml", home=home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert (project / "k8s" / "app.yaml").read_bytes() == expected
    assert b"AZURE_KUBERNETES_TOKEN_PROXY" in expected
    second = pre_commit(project, "run", "--verbose", "--files", "k8s/app.yaml", home=home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 errors, 0 warnings" in second.stdout  # the suffix is known: no warning


def _readme_config(hook_repo: Path) -> str:
    """The README's ``.pre-commit-config.yaml``, as printed, pointed at ``hook_repo``."""
    readme = (ROOT / "README.md").read_text("utf-8")
    shown = readme.split("In `.pre-commit-config.yaml`:\n\n```yaml\n", 1)[1].split("```", 1)[0]
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True,
                         text=True, check=True).stdout.strip()
    config = shown.replace("https://github.com/OWNER/wi-transform", str(hook_repo), 1)
    config = config.replace("rev: REF", f"rev: {rev}", 1)
    assert config != shown and str(hook_repo) in config and rev in config
    return config


CHART = "apiVersion: v2\nname: web\ndescription: the web chart\ntype: application\nversion: 0.1.0\n"
VALUES = "# Defaults of the chart.\nreplicaCount: 2\nimage:\n  repository: nginx\n  tag: \"1.27\"\n"
KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
resources:
- shop.yaml
- web.yaml
- web-sa.yaml
"""


def test_the_readme_config_in_a_repository_with_other_yaml(hook_repo: Path, project: Path,
                                                           home: Path) -> None:
    """The README's config as printed, in a repository with the usual non-manifest YAML beside
    the manifests: only the manifests are judged, so an injected repository passes, and a
    manifest with errors fails with exactly its own errors."""
    (project / ".pre-commit-config.yaml").write_text(_readme_config(hook_repo))
    (project / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "workflows" / "wi-transform.yml",
                project / ".github" / "workflows" / "manifests.yml")
    (project / "k8s" / "kustomization.yaml").write_text(KUSTOMIZATION)
    (project / "chart" / "Chart.yaml").write_text(CHART)
    (project / "chart" / "values.yaml").write_text(VALUES)
    git(project, "add", ".")
    # The fixer's first run injects the two workloads that ask for it; then all is quiet.
    first = pre_commit(project, "run", "--all-files", home=home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    git(project, "add", ".")
    clean = pre_commit(project, "run", "--all-files", home=home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.count("Passed") == 2
    # A manifest with errors: those errors, and none for the other YAML files.
    shutil.copy(ROOT / "examples" / "invalid" / "cronjob-v1beta1.yaml", project / "k8s")
    git(project, "add", ".")
    invalid = pre_commit(project, "run", "wi-validate", "--all-files", home=home)
    assert invalid.returncode == 1, invalid.stdout + invalid.stderr
    errors = [line for line in invalid.stdout.splitlines() if ": error: " in line]
    assert errors and all(line.startswith("k8s/cronjob-v1beta1.yaml:1:13: error:") for line in errors)


def test_validate_hook_on_a_repository_as_it_is(hook_repo: Path, home: Path,
                                                 tmp_path: Path) -> None:
    """pre-commit hands the hook every YAML and JSON file (workflows, the chart's Chart.yaml
    and values, the kustomization, its own config): it validates the manifests, skips the rest."""
    repo = tmp_path / "repo"
    shutil.copytree(DATA / "repo", repo)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True,
                         text=True, check=True).stdout.strip()
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [
        {"id": "wi-validate", "args": ["-v"], "verbose": True}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a repository")
    result = pre_commit(repo, "run", "wi-validate", "--all-files", home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "wi-transform validate" in out and "Passed" in out
    for line in (".github/workflows/ci.yml: skipped: a GitHub workflow",
                 "chart/Chart.yaml: skipped: a Helm chart's Chart.yaml",
                 "k8s/kustomization.yaml: skipped: a kustomization",
                 ".pre-commit-config.yaml: skipped: a pre-commit configuration",
                 "0 errors, 0 warnings, 0 info in 2 files (3 objects"):
        assert line in out
    # A broken manifest still fails the hook, at its line.
    (repo / "k8s" / "service.yaml").write_text("apiVersion: v1\nkind: Service\nspec: []\n")
    git(repo, "add", ".")
    broken = pre_commit(repo, "run", "wi-validate", "--files", "k8s/service.yaml", home=home)
    assert broken.returncode == 1
    assert "k8s/service.yaml:3:7: error: " in broken.stdout
