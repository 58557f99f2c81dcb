"""Runs a composite ``action.yml`` the way the GitHub runner does, on this machine.

It reads the action as data, fills in input defaults, evaluates the ``${{ }}`` expressions the
runner would (and fails on any it does not know, so the action cannot quietly rely on more),
gives each ``run:`` step to ``bash --noprofile --norc -eo pipefail`` as a script file with the
step's ``env:`` and the runner's GITHUB_* variables, collects GITHUB_OUTPUT (both the
``name=value`` and the heredoc forms), GITHUB_STEP_SUMMARY and the workflow commands printed
on stdout, stops at the first failing step, and finally evaluates the action's outputs.
``uses: actions/setup-python`` is stood in for by putting a Python 3.11 first on PATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_COMMAND = re.compile(r"^::(?P<level>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<msg>.*)$")
SETUP_PYTHON = "actions/setup-python@"


class HarnessError(Exception):
    """The action asks for something the runner would not give it."""


@dataclass
class Annotation:
    level: str
    message: str
    properties: dict[str, str]


@dataclass
class StepRun:
    id: str | None
    name: str
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class ActionRun:
    steps: list[StepRun] = field(default_factory=list)
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def failed(self) -> bool:
        return any(s.exit_code != 0 for s in self.steps)

    @property
    def log(self) -> str:
        return "".join(s.stdout + s.stderr for s in self.steps)

    @property
    def annotations(self) -> list[Annotation]:
        found = []
        for step in self.steps:
            for line in step.stdout.splitlines():
                match = _COMMAND.match(line)
                if match:
                    props = dict(p.split("=", 1) for p in (match["props"] or "").split(",") if p)
                    found.append(Annotation(match["level"], _unescape(match["msg"]),
                                            {k: _unescape(v) for k, v in props.items()}))
        return found

    def of(self, level: str) -> list[Annotation]:
        return [a for a in self.annotations if a.level == level]


def _unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def load(action_dir: Path) -> dict[str, Any]:
    data = yaml.safe_load((action_dir / "action.yml").read_text())
    assert isinstance(data, dict)
    return data


def run_action(action_dir: Path, inputs: dict[str, str], *, workspace: Path, temp: Path,
               python_dir: Path, home: str | None = None) -> ActionRun:
    action = load(action_dir)
    if action["runs"]["using"] != "composite":
        raise HarnessError("only composite actions are run here")
    declared = action.get("inputs", {})
    unknown = set(inputs) - set(declared)
    if unknown:
        raise HarnessError(f"inputs the action does not declare: {sorted(unknown)}")
    values = {name: str(inputs.get(name, spec.get("default", ""))) for name, spec in
              declared.items()}
    context = {"inputs": values, "github.action_path": str(action_dir),
               "runner.temp": str(temp), "steps": {}}
    result = ActionRun()
    path = os.environ["PATH"]
    temp.mkdir(parents=True, exist_ok=True)
    for index, step in enumerate(action["runs"]["steps"]):
        name = evaluate(step.get("name", f"step {index}"), context, result)
        if "uses" in step:
            if not step["uses"].startswith(SETUP_PYTHON):
                raise HarnessError(f"no stand-in for {step['uses']}")
            with_ = {k: evaluate(str(v), context, result) for k, v in step.get("with", {}).items()}
            if with_.get("python-version") != f"{sys.version_info.major}.{sys.version_info.minor}":
                raise HarnessError(f"this machine has no Python {with_.get('python-version')}")
            path = f"{python_dir}:{path}"
            continue
        run = _run_step(step, index, name, context, result, action_dir=action_dir,
                        workspace=workspace, temp=temp, path=path, home=home)
        result.steps.append(run)
        if run.exit_code != 0:
            break
    else:
        for name, spec in action.get("outputs", {}).items():
            result.outputs[name] = evaluate(spec["value"], context, result)
    return result


def _run_step(step: dict[str, Any], index: int, name: str, context: dict[str, Any],
              result: ActionRun, *, action_dir: Path, workspace: Path, temp: Path, path: str,
              home: str | None) -> StepRun:
    if step.get("shell") != "bash":
        raise HarnessError(f"step {name!r}: composite run steps need shell: bash")
    script = step["run"]
    if "${{" in script:
        raise HarnessError(f"step {name!r} pastes an expression into its script")
    output = temp / f"output-{index}"
    summary = temp / f"summary-{index}"
    script_file = temp / f"step-{index}.sh"
    for f in (output, summary):
        f.write_text("")
    script_file.write_text(script)
    env = {
        "PATH": path, "HOME": home or os.environ.get("HOME", str(temp)), "LANG": "C.UTF-8",
        "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(temp),
        "GITHUB_ACTION_PATH": str(action_dir), "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
    }
    env.update({k: evaluate(str(v), context, result) for k, v in step.get("env", {}).items()})
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                          cwd=workspace, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    if step.get("id"):
        result.step_outputs[step["id"]] = parse_outputs(output.read_text())
        context["steps"][step["id"]] = result.step_outputs[step["id"]]
    result.summary += summary.read_text()
    return StepRun(step.get("id"), name, done.returncode, done.stdout, done.stderr)


def evaluate(text: str, context: dict[str, Any], result: ActionRun) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match[1]
        if expression.startswith("inputs."):
            return str(context["inputs"][expression.removeprefix("inputs.")])
        if expression in ("github.action_path", "runner.temp"):
            return str(context[expression])
        steps = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if steps:
            return str(context["steps"].get(steps[1], {}).get(steps[2], ""))
        raise HarnessError(f"unsupported expression: {expression}")

    return _EXPRESSION.sub(value, text)


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's two forms: ``name=value`` and ``name<<DELIMITER`` … ``DELIMITER``."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for body_line in lines:
                if body_line == delimiter:
                    break
                body.append(body_line)
            else:
                raise HarnessError(f"output {name} has no closing delimiter")
            outputs[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        elif line:
            raise HarnessError(f"not an output line: {line!r}")
    return outputs
