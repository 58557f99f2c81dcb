"""The GitHub Action run for real: its steps with bash, as the runner runs them, per command and
mode, with outputs, job summary and annotations checked. The first run installs the tool into
the action's venv with pip, as on a runner (about half a minute); the others reuse it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, TENANT, run_cli
from tests.corpus import MANIFESTS
from tests.integrations.action_harness import ActionRun, run_action

pytestmark = pytest.mark.slow
Act = Callable[..., ActionRun]

INVALID = ROOT / "examples" / "invalid"
ISSUER_NO_SLASH = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/1"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A repository checkout: k8s/ with the quick-start (to inject) and an untouched manifest."""
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "quick-start.yaml", repo / "k8s" / "quick-start.yaml")
    shutil.copy(MANIFESTS / "shop.yaml", repo / "k8s" / "shop.yaml")
    return repo


@pytest.fixture
def act(action_dir: Path, python_dir: Path, workspace: Path, tmp_path: Path) -> Act:
    count = iter(range(100))

    def run(**inputs: str) -> ActionRun:
        temp = tmp_path / f"runner-temp-{next(count)}"
        named = {k.replace("_", "-"): v for k, v in inputs.items()}
        return run_action(action_dir, named, workspace=workspace, temp=temp,
                          python_dir=python_dir)

    return run


def _step(run: ActionRun, step_id: str) -> int:
    return next(s.exit_code for s in run.steps if s.id == step_id)


def test_validate_is_the_default_command(act: Act, workspace: Path) -> None:
    shutil.copy(INVALID / "walkthrough.yaml", workspace / "k8s" / "quick-start.yaml")
    shutil.copy(INVALID / "cronjob-v1beta1.yaml", workspace / "k8s")
    run = act(paths="k8s/")
    assert _step(run, "install") == 0
    assert _step(run, "run") == 1
    errors = run.of("error")
    assert {(a.properties["file"], a.properties["line"], a.properties["col"]) for a in errors} == {
        ("k8s/cronjob-v1beta1.yaml", "1", "13"),
        ("k8s/quick-start.yaml", "20", "51"), ("k8s/quick-start.yaml", "21", "49")}
    assert {a.properties["title"] for a in errors} == {"removed-api-version", "wi-string-value"}
    outputs = run.step_outputs["run"]
    assert outputs["findings"] == "3" and outputs["changed"] == "false"
    report = json.loads(Path(outputs["report"]).read_text())
    assert report["command"] == "validate" and len(report["validate"]) == 3
    assert "**3 error(s), 0 warning(s)**" in run.summary
    assert "| Pod/demo/quick-start | error | 2 |" in run.summary


def test_validate_with_the_defaults_on_a_repository_as_it_is(act: Act, workspace: Path) -> None:
    """``paths: .`` over a checkout with a kustomization, a chart with values and templates,
    workflows, Compose and settings files: only the manifests are validated."""
    shutil.copytree(DATA / "repo", workspace, dirs_exist_ok=True)
    run = act()
    assert not run.failed, run.log
    assert run.of("error") == [] and run.of("warning") == []
    outputs = run.step_outputs["run"]
    assert outputs["findings"] == "0"
    report = json.loads(Path(outputs["report"]).read_text())
    assert report["validate"] == []
    # the same run with SARIF written on the side, as code scanning wants it
    sarif = act(args="--format sarif --output validate.sarif")
    assert not sarif.failed, sarif.log
    assert json.loads((workspace / "validate.sarif").read_text())["runs"][0]["results"] == []


def test_inject_check_fails_on_manifests_left_to_inject(act: Act, workspace: Path) -> None:
    before = (workspace / "k8s" / "quick-start.yaml").read_bytes()
    run = act(command="inject", paths="k8s/", tenant_id=TENANT)
    assert _step(run, "run") == 1
    assert (workspace / "k8s" / "quick-start.yaml").read_bytes() == before
    (annotation,) = run.of("error")
    assert annotation.properties["file"] == "k8s/quick-start.yaml"
    assert annotation.properties["title"] == "not injected"
    assert int(annotation.properties["line"]) > 1
    outputs = run.step_outputs["run"]
    assert outputs["changed"] == "true"
    assert outputs["changed-files"] == "k8s/quick-start.yaml"
    assert outputs["findings"] == "1"
    assert "| Pod demo/quick-start | needs injection (proxy) | 0 |" in run.summary
    assert "| Deployment shop/catalog | skipped (not labelled" in run.summary
    assert "| Service shop/catalog" not in run.summary  # not a workload
    assert "**1 workload to inject** in 1 file: `k8s/quick-start.yaml`" in run.summary
    report = json.loads(Path(outputs["report"]).read_text())
    assert report["changed_files"] == ["k8s/quick-start.yaml"]
    assert "+++ b/k8s/quick-start.yaml" in report["diff"]


def test_inject_write_rewrites_then_check_passes(act: Act, workspace: Path) -> None:
    expected = run_cli("inject", "--tenant-id", TENANT, "k8s/quick-start.yaml",
                       cwd=workspace).stdout
    untouched = (workspace / "k8s" / "shop.yaml").read_bytes()
    run = act(command="inject", mode="write", paths="k8s/", tenant_id=TENANT)
    assert not run.failed, run.log
    assert (workspace / "k8s" / "quick-start.yaml").read_bytes() == expected
    assert (workspace / "k8s" / "shop.yaml").read_bytes() == untouched
    assert run.outputs["changed"] == "true"
    assert run.outputs["changed-files"] == "k8s/quick-start.yaml"
    assert "| Pod demo/quick-start | injected (proxy) | 0 |" in run.summary
    assert "**1 workload injected** in 1 file" in run.summary
    assert run.of("error") == []
    again = act(command="inject", mode="check", paths="k8s/", tenant_id=TENANT)
    assert not again.failed, again.log
    assert again.outputs["changed"] == "false" and again.outputs["changed-files"] == ""
    assert "| Pod demo/quick-start | unchanged (proxy) | 0 |" in again.summary


def test_inject_bad_input_annotates_every_problem(act: Act, workspace: Path) -> None:
    shutil.copy(INVALID / "walkthrough.yaml", workspace / "k8s" / "quick-start.yaml")
    before = (workspace / "k8s" / "quick-start.yaml").read_bytes()
    run = act(command="inject", mode="write", paths="k8s/", tenant_id=TENANT)
    assert _step(run, "run") == 3
    assert (workspace / "k8s" / "quick-start.yaml").read_bytes() == before
    places = {(a.properties["file"], a.properties["line"]) for a in run.of("error")}
    assert places == {("k8s/quick-start.yaml", "20"), ("k8s/quick-start.yaml", "21")}
    assert all("quote it" in a.message or "quote" in a.message for a in run.of("error"))
    assert run.step_outputs["run"]["changed"] == "false"
    assert "**Failed** with 2 problem(s); nothing was written." in run.summary


def test_annotations_are_capped_and_the_log_has_them_all(act: Act, workspace: Path) -> None:
    pods = "".join(
        f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  annotations:\n"
        f"    azure.workload.identity/inject-proxy-sidecar: true\nspec:\n"
        f"  containers: [{{name: a, image: b}}]\n" for i in range(14))
    (workspace / "k8s" / "many.yaml").write_text(pods)
    run = act(paths="k8s/many.yaml")
    assert _step(run, "run") == 1
    assert len(run.of("error")) == 10
    (notice,) = run.of("notice")
    assert notice.message.startswith("4 more finding(s) than GitHub shows as annotations")
    assert run.step_outputs["run"]["findings"] == "14"
    logged = [line for line in run.log.splitlines() if line.startswith("k8s/many.yaml:")
              and ": error: " in line]
    assert len(logged) == 14


def test_federated_credential_summary_has_the_script(act: Act) -> None:
    run = act(command="federated-credential", paths="k8s/quick-start.yaml",
              issuer=ISSUER_NO_SLASH, args="--format az-cli")
    assert not run.failed, run.log
    (warning,) = run.of("warning")
    assert "does not end with '/'" in warning.message
    assert "```bash\n#!/usr/bin/env bash\n" in run.summary
    assert "az identity federated-credential create" in run.summary
    assert f"--issuer {ISSUER_NO_SLASH}" in run.summary
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert report["format"] == "az-cli" and "set -euo pipefail" in report["output"]


def test_inputs_are_never_run_as_shell(act: Act, workspace: Path) -> None:
    hostile = "$(touch pwned1) `touch pwned2` ; touch pwned3 && touch pwned4"
    run = act(command="inject", paths=hostile, args="'; touch pwned5'",
              tenant_id="$(touch pwned6)")
    assert run.failed
    assert not list(workspace.glob("pwned*")) and not list(Path.cwd().glob("pwned*"))
    assert any("no such file or directory" in a.message for a in run.of("error"))


@pytest.mark.parametrize(("inputs", "message"), [
    ({"command": "deploy"}, "command is 'deploy': use one of inject, validate"),
    ({"command": "inject", "mode": "apply"}, "mode is 'apply': use check or write"),
    ({"native_sidecar": "yes"}, "native-sidecar is 'yes': use true or false"),
])
def test_bad_inputs_fail_with_a_clear_annotation(act: Act, inputs: dict[str, str],
                                                  message: str) -> None:
    run = act(**inputs)
    assert _step(run, "run") == 2
    (annotation,) = run.of("error")
    assert annotation.message.startswith(message)


def test_a_second_use_in_the_job_reuses_the_install(act: Act) -> None:
    act(paths="k8s/shop.yaml")
    run = act(paths="k8s/shop.yaml")
    install = next(s for s in run.steps if s.id == "install")
    assert install.stdout.strip() == "wi-transform, version 0.1.0"


def test_custom_token_endpoint_inputs_reach_inject_and_validate(act: Act, workspace: Path) -> None:
    app = workspace / "k8s" / "identity-binding.yaml"
    shutil.copy(ROOT / "examples" / "identity-binding" / "app.yaml", app)
    settings = {"custom_token_endpoint_annotation_suffix": "identity-binding",
                "custom_token_endpoint_audience": "api://AKSIdentityBinding",
                "kubernetes_token_proxy": "https://kubernetes.default.svc",
                "kubernetes_ca_data": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}
    expected = run_cli("inject", "--tenant-id", TENANT, *(
        part for k, v in settings.items() for part in (f"--{k.replace('_', '-')}", v)),
        app, cwd=workspace).stdout
    run = act(command="inject", mode="write", paths="k8s/", tenant_id=TENANT, **settings)
    assert not run.failed, run.log
    assert app.read_bytes() == expected and b"AZURE_KUBERNETES_CA_DATA" in expected
    checked = act(paths="k8s/identity-binding.yaml",
                  custom_token_endpoint_annotation_suffix="other")
    assert "wi-custom-endpoint-unconfigured" in {a.properties.get("title") for a in
                                                 checked.of("warning")}
