"""The real linter: actionlint (built by .ci/tools), with shellcheck from Debian, over the
example workflows and over action.yml's steps, wrapped in a workflow as actionlint reads one."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.tools import tool

WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml"))


@pytest.fixture(scope="module")
def shellcheck() -> str:
    found = shutil.which("shellcheck")
    if found is None:
        if os.environ.get("WI_REQUIRE_TOOLS") == "1":
            pytest.fail("WI_REQUIRE_TOOLS=1 but shellcheck is not installed (apt-get install shellcheck)")
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    return found


def lint(shellcheck: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tool("actionlint")), "-no-color", f"-shellcheck={shellcheck}",
                           *map(str, files)], capture_output=True, text=True, timeout=120,
                          check=False, cwd=files[0].parent)


def as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    """A composite action's steps as the one job of a reusable workflow with the same inputs."""
    inputs = {name: {"type": "string", "required": False, "default": str(spec.get("default", "")),
                     "description": spec.get("description", "")}
              for name, spec in action["inputs"].items()}
    return {"name": action["name"], "on": {"workflow_call": {"inputs": inputs}},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}}}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_example_workflow_has_no_findings(shellcheck: str, workflow: Path) -> None:
    result = lint(shellcheck, workflow)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_action_steps_have_no_findings(shellcheck: str, tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    workflow = tmp_path / ".github" / "workflows" / "action.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(yaml.safe_dump(as_workflow(action), sort_keys=False))
    result = lint(shellcheck, workflow)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert sum("run" in step for step in action["runs"]["steps"]) == 2  # both scripts were linted


def test_the_linter_finds_shellcheck_findings_in_run_scripts(shellcheck: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo $HOME/$1\n        shell: bash\n")
    result = lint(shellcheck, bad)
    assert result.returncode == 1
    assert "shellcheck reported issue in this script: SC2086" in result.stdout
