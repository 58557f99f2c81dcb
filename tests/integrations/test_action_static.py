"""``action.yml`` as data: valid for GitHub, shell-safe, every input and output wired."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
RUN_STEPS = [s for s in STEPS if "run" in s]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True, timeout=120, check=False)


def test_action_matches_the_github_actions_schema() -> None:
    result = _check("vendor.github-actions", ROOT / "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text(yaml.safe_dump({**ACTION, "runs": {"using": "composite", "steps": [
        {"run": "true"}]}}))  # a composite run step without shell
    assert _check("vendor.github-actions", broken).returncode != 0


@pytest.mark.parametrize("workflow", sorted((ROOT / "examples" / "workflows").glob("*.yml")),
                         ids=lambda p: p.name)
def test_example_workflows_match_the_workflow_schema(workflow: Path) -> None:
    result = _check("vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_run_step_is_bash_and_has_no_expression_in_its_script() -> None:
    assert RUN_STEPS
    for step in RUN_STEPS:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], step.get("name")


def test_inputs_reach_scripts_only_through_env() -> None:
    used = set()
    for step in RUN_STEPS:
        for value in step.get("env", {}).values():
            used |= set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(value)))
    setup = [s for s in STEPS if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert len(setup) == 1 and STEPS.index(setup[0]) == 0
    used |= set(re.findall(r"inputs\.([\w-]+)", str(setup[0]["with"])))
    assert used == set(ACTION["inputs"])


def test_issue_inputs_and_outputs_are_declared() -> None:
    assert set(ACTION["inputs"]) == {
        "command", "paths", "mode", "tenant-id", "cloud", "native-sidecar", "service-accounts",
        "issuer", "kubernetes-version", "args", "python-version", "audience",
        "custom-token-endpoint-annotation-suffix", "custom-token-endpoint-audience",
        "kubernetes-token-proxy", "kubernetes-sni-name", "kubernetes-ca-data",
        "kubernetes-ca-configmap", "kubernetes-ca-ctb-signer", "kubernetes-ca-ctb-label-selector"}
    assert ACTION["inputs"]["command"]["default"] == "validate"
    assert ACTION["inputs"]["mode"]["default"] == "check"
    assert set(ACTION["outputs"]) == {"changed", "changed-files", "findings", "report"}
    for spec in ACTION["outputs"].values():
        assert re.fullmatch(r"\$\{\{ steps\.run\.outputs\.[\w-]+ \}\}", spec["value"])


def test_install_uses_the_action_path_in_a_venv() -> None:
    install = next(s for s in RUN_STEPS if s.get("id") == "install")
    assert 'pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in (
        install["run"])
    assert 'python -m venv "$venv"' in install["run"]
    assert 'venv="$GITHUB_ACTION_PATH/.action-venv"' in install["run"]


def test_setting_inputs_are_declared_and_are_flags_of_inject() -> None:
    spec = importlib.util.spec_from_file_location("action_run", ROOT / "action" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    assert set(module.SETTING_INPUTS) <= set(ACTION["inputs"])
    helped = subprocess.run([sys.executable, "-m", "transformer", "inject", "--help"],
                            capture_output=True, text=True, check=True, cwd=ROOT).stdout
    for name in module.SETTING_INPUTS:
        assert f"--{name} " in helped, name
