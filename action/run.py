"""The GitHub Action's one step: run wi-transform for the inputs, then tell GitHub about it.

Inputs arrive only as INPUT_* environment variables (never pasted into a script), are split
into words without any shell, and become the command line of ``python -m transformer``. What
the tool prints is turned into workflow annotations (GitHub shows 10 errors and 10 warnings per
step, so the full list always goes to the log as well), a job summary table, step outputs and a
JSON report. The exit status is the tool's, except that ``mode: write`` succeeds when it wrote.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

COMMANDS = ("inject", "validate", "federated-credential")
MODES = ("check", "write")
ANNOTATION_LIMIT = 10  # per level and step; GitHub drops the rest
SUMMARY_ROWS = 200

_LOCATED = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?P<message>.*)$")
_REPORT = re.compile(
    r"^(?P<object>\S+ \S+/\S+): (?P<status>injected|unchanged|skipped|failed)"
    r"(?: \((?P<detail>.*)\))?$"
)
_HUNK = re.compile(r"^@@ -(?P<line>\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")
_PROBLEM_COUNT = re.compile(r"^wi-transform: \d+ problem\(s\); nothing was written$")
_FORMAT_FLAG = re.compile(r"^(?:--format|-o)(?:=(?P<value>.*))?$")
_FENCE_LANGUAGE = {"json": "json", "arm": "json", "bicep": "bicep", "terraform": "hcl"}
# The webhook's settings inject takes (validate: the suffix), as inputs named like their flags.
SETTING_INPUTS = (
    "audience", "custom-token-endpoint-annotation-suffix", "custom-token-endpoint-audience",
    "kubernetes-token-proxy", "kubernetes-sni-name", "kubernetes-ca-data",
    "kubernetes-ca-configmap", "kubernetes-ca-ctb-signer", "kubernetes-ca-ctb-label-selector",
)
UNSTRIPPED = ("kubernetes-ca-data",)  # a PEM keeps its final line break


class InputProblem(Exception):
    """An input of the action that cannot work; reported as an error annotation."""


@dataclass
class Finding:
    severity: str  # error | warning | notice
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    title: str | None = None
    object: str | None = None


@dataclass
class Workload:
    object: str
    status: str
    detail: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    exit_code: int
    findings: list[Finding] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    command: str
    paths: list[str]
    mode: str
    tenant_id: str
    cloud: str
    native_sidecar: bool
    service_accounts: list[str]
    issuer: str
    kubernetes_version: str
    args: list[str]
    settings: dict[str, str] = field(default_factory=dict)  # SETTING_INPUTS that are not empty

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Inputs:
        def get(name: str, default: str = "") -> str:
            return env.get(f"INPUT_{name}", default).strip()

        command = get("COMMAND", "validate") or "validate"
        mode = get("MODE", "check") or "check"
        sidecar = (get("NATIVE_SIDECAR", "true") or "true").lower()
        if command not in COMMANDS:
            raise InputProblem(f"command is {command!r}: use one of {', '.join(COMMANDS)}")
        if mode not in MODES:
            raise InputProblem(f"mode is {mode!r}: use check or write")
        if sidecar not in ("true", "false"):
            raise InputProblem(f"native-sidecar is {sidecar!r}: use true or false")
        return cls(
            command=command,
            paths=_words("paths", get("PATHS", ".")) or ["."],
            mode=mode,
            tenant_id=get("TENANT_ID"),
            cloud=get("CLOUD"),
            native_sidecar=sidecar == "true",
            service_accounts=_words("service-accounts", get("SERVICE_ACCOUNTS")),
            issuer=get("ISSUER"),
            kubernetes_version=get("KUBERNETES_VERSION"),
            args=_words("args", get("ARGS")),
            settings=_settings(env),
        )


def _settings(env: dict[str, str]) -> dict[str, str]:
    found = {}
    for name in SETTING_INPUTS:
        value = env.get("INPUT_" + name.upper().replace("-", "_"), "")
        if value.strip():
            found[name] = value if name in UNSTRIPPED else value.strip()
    return found


def _words(name: str, text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as e:
        raise InputProblem(f"{name} cannot be split into words: {e}") from e


# -- running the tool ---------------------------------------------------------------------


@dataclass
class Ran:
    argv: list[str]
    code: int
    stdout: str
    stderr: str


def wi_transform(argv: Sequence[str], cwd: str) -> Ran:
    command = [sys.executable, "-m", "transformer", *argv]
    print(f"::group::wi-transform {shlex.join(argv)}", flush=True)
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    sys.stdout.write(done.stdout)
    sys.stdout.write(done.stderr)
    print("::endgroup::", flush=True)
    return Ran(list(argv), done.returncode, done.stdout, done.stderr)


def _repeat(flag: str, values: Iterable[str]) -> list[str]:
    return [part for value in values for part in (flag, value)]


def run_inject(inputs: Inputs, cwd: str) -> Outcome:
    flags = ["--cloud", inputs.cloud] if inputs.cloud else []
    flags += ["--tenant-id", inputs.tenant_id] if inputs.tenant_id else []
    flags += ["--native-sidecar" if inputs.native_sidecar else "--no-native-sidecar"]
    flags += _repeat("--service-accounts", inputs.service_accounts)
    flags += [part for name, value in inputs.settings.items() for part in (f"--{name}", value)]
    checked = wi_transform(["inject", "--check", *flags, *inputs.args, "--", *inputs.paths], cwd)
    outcome = Outcome(exit_code=checked.code)
    outcome.findings = tool_errors(checked.stderr, checked.code not in (0, 1))
    outcome.workloads = report_lines(checked.stderr)
    hunks = diff_files(checked.stdout)
    outcome.changed_files = list(hunks)
    for workload in outcome.workloads:
        outcome.findings += [Finding("warning", f"{workload.object}: {w}", object=workload.object)
                             for w in workload.warnings]
    if inputs.mode == "write" and checked.code == 1:
        wrote = wi_transform(["inject", "--in-place", *flags, *inputs.args, "--", *inputs.paths],
                             cwd)
        outcome.exit_code = 0 if wrote.code in (0, 1) else wrote.code
        outcome.findings += tool_errors(wrote.stderr, wrote.code not in (0, 1))
    elif inputs.mode == "check":
        for path, line in hunks.items():
            outcome.findings.append(Finding(
                "error", "pod templates here ask for Azure Workload Identity but are not "
                "injected: run `wi-transform inject --in-place` on this file, or use the action "
                "with mode: write", path=path, line=line, title="not injected"))
    outcome.summary = inject_summary(inputs, outcome)
    outcome.report = {"workloads": [asdict(w) for w in outcome.workloads],
                      "diff": checked.stdout if inputs.mode == "check" else ""}
    return outcome


def run_validate(inputs: Inputs, cwd: str) -> Outcome:
    flags = ["--kubernetes-version", inputs.kubernetes_version] if inputs.kubernetes_version else []
    flags += _repeat("--service-accounts", inputs.service_accounts)
    suffix = inputs.settings.get("custom-token-endpoint-annotation-suffix")
    flags += ["--custom-token-endpoint-annotation-suffix", suffix] if suffix else []
    # --format json last: the action reads the findings itself, whatever the args say.
    ran = wi_transform(["validate", *flags, *inputs.args, "--format", "json", "--", *inputs.paths],
                       cwd)
    outcome = Outcome(exit_code=ran.code)
    found: list[dict[str, Any]] = []
    if ran.stdout.strip():
        try:
            found = json.loads(ran.stdout)
        except ValueError:
            outcome.findings.append(Finding("error", "validate printed no JSON: see the log"))
    for item in found:
        outcome.findings.append(Finding(
            _level(item.get("severity", "error")), str(item.get("message", "")),
            path=item.get("path"), line=item.get("line"), column=item.get("column"),
            title=item.get("rule"), object=item.get("object")))
    outcome.findings += tool_errors(ran.stderr, ran.code not in (0, 1))
    outcome.summary = validate_summary(outcome, found)
    outcome.report = {"validate": found}
    return outcome


def run_federated(inputs: Inputs, cwd: str) -> Outcome:
    flags = ["--issuer", inputs.issuer] if inputs.issuer else []
    flags += ["--cloud", inputs.cloud] if inputs.cloud else []
    ran = wi_transform(["federated-credential", *flags, *inputs.args, "--", *inputs.paths], cwd)
    outcome = Outcome(exit_code=ran.code)
    outcome.findings = tool_errors(ran.stderr, ran.code != 0)
    fmt = output_format(inputs.args)
    outcome.summary = federated_summary(ran, fmt)
    payload: Any = ran.stdout
    if fmt == "json" and ran.code == 0:
        payload = json.loads(ran.stdout)
    outcome.report = {"format": fmt, "output": payload}
    return outcome


# -- reading what the tool printed --------------------------------------------------------


def tool_errors(stderr: str, failed: bool) -> list[Finding]:
    """Problems the tool printed on stderr: ``path:line:col: message``, ``wi-transform: …``,
    and, when it failed, any other line that is not part of its report."""
    found: list[Finding] = []
    for line in stderr.splitlines():
        located = _LOCATED.match(line)
        if located:
            message = located["message"]
            found.append(Finding("error", message, path=located["path"],
                                 line=int(located["line"]), column=int(located["column"]),
                                 object=_object_of(message)))
        elif line.startswith("wi-transform: warning: "):
            found.append(Finding("warning", line.removeprefix("wi-transform: warning: ")))
        elif _PROBLEM_COUNT.match(line):
            continue
        elif line.startswith(("wi-transform: ", "Error: ")):
            found.append(Finding("error", line.split(": ", 1)[1]))
        elif failed and line.strip() and not _REPORT.match(line) and not line.startswith(" "):
            found.append(Finding("error", line))
    return found


def report_lines(stderr: str) -> list[Workload]:
    """The per-resource report of inject: ``Kind ns/name: status (detail)`` and its warnings."""
    workloads: list[Workload] = []
    for line in stderr.splitlines():
        match = _REPORT.match(line)
        if match:
            workloads.append(Workload(match["object"], match["status"], match["detail"] or ""))
        elif line.startswith("  warning: ") and workloads:
            workloads[-1].warnings.append(line.removeprefix("  warning: "))
    return workloads


def diff_files(diff: str) -> dict[str, int]:
    """Each file of a unified diff, with the line of its first hunk."""
    files: dict[str, int] = {}
    current = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            current = line[4:].split("\t")[0].removeprefix("b/")
        elif current is not None and current not in files:
            hunk = _HUNK.match(line)
            if hunk:
                files[current] = int(hunk["line"])
    return files


def output_format(args: Sequence[str]) -> str:
    """The --format the args ask federated-credential for (the last one wins, as in click)."""
    fmt = "az-rest"
    for i, arg in enumerate(args):
        match = _FORMAT_FLAG.match(arg)
        if match:
            value = match["value"] if match["value"] is not None else (
                args[i + 1] if i + 1 < len(args) else fmt)
            fmt = value
    return fmt


def _object_of(message: str) -> str | None:
    head = message.split(": ", 1)[0]
    return head if re.fullmatch(r"\S+ \S+/\S+", head) else None


def _level(severity: str) -> str:
    return {"error": "error", "warning": "warning"}.get(severity, "notice")


# -- telling GitHub -----------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(finding: Finding, workspace: str) -> str:
    props = []
    if finding.path:
        props.append(f"file={_escape_property(relative(finding.path, workspace))}")
        if finding.line:
            props.append(f"line={finding.line}")
            if finding.column:
                props.append(f"col={finding.column}")
    if finding.title:
        props.append(f"title={_escape_property(finding.title)}")
    head = finding.severity + (" " + ",".join(props) if props else "")
    return f"::{head}::{_escape_data(finding.message)}"


def annotate(findings: list[Finding], workspace: str) -> list[str]:
    """Workflow commands: up to the limit per level as annotations, every finding in the log."""
    lines: list[str] = []
    shown: dict[str, int] = {}
    for finding in findings:
        if shown.get(finding.severity, 0) < ANNOTATION_LIMIT:
            lines.append(workflow_command(finding, workspace))
            shown[finding.severity] = shown.get(finding.severity, 0) + 1
    hidden = len(findings) - sum(shown.values())
    if hidden:
        lines.append(f"::notice::{hidden} more finding(s) than GitHub shows as annotations: "
                     "every one is in the log above and in the job summary")
    if findings:
        lines.append(f"::group::wi-transform: all {len(findings)} finding(s)")
        lines += [plain(f, workspace) for f in findings]
        lines.append("::endgroup::")
    return lines


def plain(finding: Finding, workspace: str) -> str:
    where = relative(finding.path, workspace) if finding.path else ""
    if where and finding.line:
        where += f":{finding.line}" + (f":{finding.column}" if finding.column else "")
    return (f"{where}: " if where else "") + f"{finding.severity}: {finding.message}"


def relative(path: str, workspace: str) -> str:
    """Paths as GitHub wants them in annotations: relative to the repository."""
    try:
        return str(Path(path).resolve().relative_to(Path(workspace).resolve()))
    except ValueError:
        return path


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def inject_summary(inputs: Inputs, outcome: Outcome) -> list[str]:
    title = f"### wi-transform inject ({inputs.mode})"
    verb = "needs injection" if inputs.mode == "check" else "injected"
    counts: dict[str, int] = {}
    for w in outcome.workloads:
        counts[w.status] = counts.get(w.status, 0) + 1
    lines = [title, ""]
    if outcome.exit_code not in (0, 1):
        errors = [f for f in outcome.findings if f.severity == "error"]
        lines += [f"**Failed** with {len(errors)} problem(s); nothing was written.", ""]
    elif outcome.changed_files:
        done = "to inject" if inputs.mode == "check" else "injected"
        lines += [f"**{_count(counts.get('injected', 0), 'workload')} {done}** in "
                  f"{_count(len(outcome.changed_files), 'file')}: "
                  + ", ".join(f"`{f}`" for f in outcome.changed_files), ""]
    else:
        lines += ["Every workload that asks for Azure Workload Identity is injected.", ""]
    per_object: dict[str, int] = {}
    for f in outcome.findings:
        if f.object:
            per_object[f.object] = per_object.get(f.object, 0) + 1
    # Objects that are no workload are skipped without a reason; the table is about workloads.
    rows = [(w.object, (verb if w.status == "injected" else w.status)
             + (f" ({w.detail})" if w.detail else ""), per_object.get(w.object, 0))
            for w in outcome.workloads if w.status != "skipped" or w.detail]
    lines += _table(("Object", "Result", "Findings"), rows)
    lines += _findings_table(outcome.findings, outcome)
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def validate_summary(outcome: Outcome, found: list[dict[str, Any]]) -> list[str]:
    errors = sum(1 for f in outcome.findings if f.severity == "error")
    warnings = sum(1 for f in outcome.findings if f.severity == "warning")
    lines = ["### wi-transform validate", "",
             f"**{errors} error(s), {warnings} warning(s)** in {len(found)} finding(s).", ""]
    per_object: dict[str, list[str]] = {}
    for f in outcome.findings:
        if f.object:
            per_object.setdefault(f.object, []).append(f.severity)
    rows = [(name, ", ".join(sorted(set(levels))), len(levels))
            for name, levels in sorted(per_object.items())]
    if rows:
        lines += _table(("Object", "Severity", "Findings"), rows)
    lines += _findings_table(outcome.findings, outcome)
    return lines


def federated_summary(ran: Ran, fmt: str) -> list[str]:
    lines = ["### wi-transform federated-credential", ""]
    if ran.code != 0:
        return [*lines, "**Failed**: see the annotations and the log.", ""]
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", ran.stdout)), default=0))
    lines += [f"Format `{fmt}`: review, then run or apply it with access to the identities.", "",
              fence + _FENCE_LANGUAGE.get(fmt, "bash"), ran.stdout.rstrip("\n"), fence, ""]
    return lines


def _findings_table(findings: list[Finding], outcome: Outcome) -> list[str]:
    if not findings:
        return []
    rows = [(f.severity, f"{f.path}:{f.line}" if f.path and f.line else (f.path or ""),
             f.message) for f in findings]
    return ["", "#### Findings", "", *_table(("Severity", "Where", "Message"), rows)]


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(str(v)) for v in row) + " |" for row in rows[:SUMMARY_ROWS]]
    if len(rows) > SUMMARY_ROWS:
        lines.append(f"\n… and {len(rows) - SUMMARY_ROWS} more rows in the JSON report.")
    return [*lines, ""]


def set_outputs(path: str, values: dict[str, str]) -> None:
    with open(path, "a", encoding="utf-8") as f:
        for name, value in values.items():
            if "\n" in value:
                delimiter = f"ghadelimiter_{uuid.uuid4()}"
                f.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                f.write(f"{name}={value}\n")


def append(path: str | None, lines: list[str]) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def main() -> int:
    env = dict(os.environ)
    workspace = env.get("GITHUB_WORKSPACE") or os.getcwd()
    temp = env.get("RUNNER_TEMP") or workspace
    try:
        inputs = Inputs.from_env(env)
    except InputProblem as e:
        print(f"::error title=wi-transform action::{_escape_data(str(e))}")
        append(env.get("GITHUB_STEP_SUMMARY"), ["### wi-transform", "", f"**Bad input**: {e}"])
        return 2
    runner = {"inject": run_inject, "validate": run_validate,
              "federated-credential": run_federated}[inputs.command]
    outcome = runner(inputs, workspace)
    for line in annotate(outcome.findings, workspace):
        print(line)
    report_path = Path(temp) / f"wi-transform-{inputs.command}-report.json"
    changed = bool(outcome.changed_files) and outcome.exit_code in (0, 1)
    mode = inputs.mode if inputs.command == "inject" else None
    report = {"command": inputs.command, "mode": mode,
              "exit_code": outcome.exit_code, "changed": changed,
              "changed_files": outcome.changed_files,
              "findings": [asdict(f) for f in outcome.findings], **outcome.report}
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    append(env.get("GITHUB_STEP_SUMMARY"), outcome.summary)
    if env.get("GITHUB_OUTPUT"):
        set_outputs(env["GITHUB_OUTPUT"], {
            "changed": "true" if changed else "false",
            "changed-files": "\n".join(outcome.changed_files),
            "findings": str(len(outcome.findings)),
            "report": str(report_path),
        })
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
