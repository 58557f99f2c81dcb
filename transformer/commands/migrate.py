"""``wi-transform migrate``: read every input, plan the move off aad-pod-identity, rewrite, report."""

from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, InputErrors, Location
from ..federated import plan as federated
from ..inject.streams import InjectResult, Rewritten, inject_sources, join_stream
from ..kube.accounts import Accounts
from ..manifest import files, inputs
from ..manifest.stream import Source
from ..migrate import plan as migrate
from ..migrate.outcome import OTHERS_NOTE, Migration, Plan
from ..migrate.rewrite import reparse, rewrite
from ..options import FederatedOptions, InjectOptions, InjectSettings, MigrateOptions
from ..report import inject_report
from .inject import write as write_outputs


@dataclass
class Script:
    """The federated-credential file: what it will hold, and what it holds now (None: absent)."""

    path: Path
    text: str
    old: str | None
    subjects: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.old


@dataclass
class MigrateResult:
    """The rewritten inputs (with the injection's report when ``--inject``) and the plan."""

    files: InjectResult
    plan: Plan
    emptied: list[str] = field(default_factory=list)
    script: Script | None = None

    @property
    def changed(self) -> list[Rewritten]:
        return self.files.changed

    @property
    def anything_changed(self) -> bool:
        return bool(self.changed) or (self.script is not None and self.script.changed)

    def stream(self) -> bytes:
        """All outputs as one stream; files left with nothing are left out of it."""
        kept = [o.text for o in self.files.outputs if o.text]
        return join_stream(self.files.outputs[0].source, kept) if kept else b""

    def diff(self) -> str:
        text = self.files.diff()
        if self.script is not None and self.script.changed:
            text += "".join(difflib.unified_diff(
                (self.script.old or "").splitlines(keepends=True),
                self.script.text.splitlines(keepends=True),
                fromfile="/dev/null" if self.script.old is None else f"a/{self.script.path}",
                tofile=f"b/{self.script.path}",
            ))
        return text


def run(options: MigrateOptions) -> MigrateResult:
    """Migrate every input; InputErrors with every problem when any input fails."""
    sources = inputs.load(options.paths)
    the_plan = _plan(options, sources)
    texts = [rewrite(source, the_plan) for source in sources]
    migrated = [reparse(s, t) for s, t in zip(sources, texts, strict=True)]
    emptied = [
        s.name for s, m in zip(sources, migrated, strict=True) if s.documents and _blank(m) and not _blank(s)
    ]
    if options.inject is not None:
        files = _injected(options, options.inject, sources, migrated)
    else:
        files = InjectResult([Rewritten(s, t) for s, t in zip(sources, texts, strict=True)])
    script = _script(options, the_plan) if options.federated_credentials else None
    return MigrateResult(files, the_plan, emptied, script)


def _plan(options: MigrateOptions, sources: list[Source]) -> Plan:
    read_only = Accounts(options.namespace)
    if options.service_accounts:
        read_only.add_from(inputs.resources(inputs.load(options.service_accounts)))
    the_plan = migrate.plan(list(inputs.resources(sources)), options, read_only)
    if the_plan.errors:
        raise InputErrors(the_plan.errors)
    return the_plan


def _injected(
    options: MigrateOptions, settings: InjectSettings, sources: list[Source], migrated: list[Source]
) -> InjectResult:
    """The migrated sources injected, reported as rewrites of the original ones."""
    try:
        injected = inject_sources(
            migrated,
            InjectOptions(
                namespace=options.namespace, service_accounts=options.service_accounts, settings=settings
            ),
        )
    except InputErrors as e:
        raise InputErrors(_at_user_lines(e.errors, sources, migrated)) from e
    return InjectResult(
        [Rewritten(s, out.text) for s, out in zip(sources, injected.outputs, strict=True)],
        injected.entries,
    )


def _at_user_lines(errors: list[InputError], sources: list[Source],
                   migrated: list[Source]) -> list[InputError]:
    """Inject's errors at the lines the user wrote: inject read the migrated text, which has
    migrate's lines in it. A line migrate added is reported at the line before it."""
    lines = {m.name: _line_map(s.text, m.text) for s, m in zip(sources, migrated, strict=True)
             if s.text != m.text}
    moved: list[InputError] = []
    for error in errors:
        where = error.location
        if where is None or where.line is None or where.path not in lines:
            moved.append(error)
            continue
        to_user = lines[where.path]
        message = _renumbered(error.message, to_user)
        moved.append(InputError(message, where._replace(line=to_user(where.line))))
    return moved


def _renumbered(message: str, to_user: Callable[[int], int]) -> str:
    """``message`` with the lines it names (a key's first occurrence) as the user's."""
    return re.sub(r"(?<=at line )(\d+)", lambda m: str(to_user(int(m[1]))), message)


def _line_map(original: str, migrated: str) -> Callable[[int], int]:
    """The user's line number of each line number of ``migrated`` (1-based)."""
    matcher = difflib.SequenceMatcher(None, original.splitlines(), migrated.splitlines(), autojunk=False)
    to_user: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            if tag == "insert":
                to_user[j + 1] = max(i1, 1)
            else:  # equal, or a line migrate changed: the user's line it stands for
                to_user[j + 1] = i1 + min(j - j1, i2 - i1 - 1) + 1
    return lambda line: to_user.get(line, line)


def write(result: MigrateResult, *, manifests: bool = True) -> None:
    """Write the federated-credential file, then (unless only that) the rewritten inputs."""
    if result.script is not None and result.script.changed:
        _write_file(result.script.path, result.script.text)
    if manifests:
        write_outputs(result.files)


def _script(options: MigrateOptions, plan: Plan) -> Script:
    path = Path(str(options.federated_credentials))
    settings = options.federated or FederatedOptions()
    warnings: list[str] = []
    text = federated.render(plan.trusts, settings, warn=warnings.append)
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = None
    except (OSError, UnicodeDecodeError) as e:
        raise InputErrors([InputError(f"cannot read the existing file: {e}", Location(str(path)))]) from e
    return Script(path, text, old, len(plan.trusts), warnings)


def _write_file(path: Path, text: str) -> None:
    # A new file, or one replaced whole: written beside it, then renamed over it.
    if path.exists():
        files.write_all([(path, text.encode("utf-8"))])
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o755 if text.startswith("#!") else 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _blank(source: Source) -> bool:
    return all(d.data is None for d in source.documents)


# -- the report ----------------------------------------------------------------------------------


def report(result: MigrateResult, fmt: str) -> str:
    """The report as ``text`` (one block per workload) or ``json``."""
    if fmt == "json":
        return json.dumps(report_data(result), indent=2) + "\n"
    return report_text(result)


def report_data(result: MigrateResult) -> dict[str, Any]:
    plan = result.plan
    return {
        "workloads": [_migration_data(m) for m in plan.migrations],
        "findings": [
            {"resource": f.title, "message": f.message, "location": str(f.location)}
            for f in plan.findings
        ],
        "removed": [
            {"resource": r.title(plan.namespace), "location": str(r.location())}
            for r in plan.removed
        ],
        "emptied": result.emptied,
        "federatedCredentials": _script_data(result.script),
        "injected": [
            {"resource": e.title, "status": e.status, "detail": e.detail,
             "warnings": list(e.warnings)}
            for e in result.files.entries
        ],
    }


def _script_data(script: Script | None) -> dict[str, Any] | None:
    if script is None:
        return None
    return {"path": str(script.path), "subjects": script.subjects, "warnings": script.warnings}


def _migration_data(m: Migration) -> dict[str, Any]:
    account = None
    if m.service_account:
        namespace, _, name = m.service_account.partition("/")
        account = {"namespace": namespace, "name": name, "state": m.account}
    return {
        "resource": m.title,
        "namespace": m.namespace,
        "location": str(m.location),
        "selector": m.selector,
        "status": m.status,
        "identity": m.identity,
        "clientId": m.client_id,
        "identityResourceId": m.identity_id,
        "serviceAccount": account,
        "changes": m.changes,
        "otherIdentities": [
            {"identity": o.identity, "clientId": o.client_id, "binding": o.binding}
            for o in m.others
        ],
        "note": OTHERS_NOTE if m.others else None,
        "reason": m.reason,
        "warnings": m.warnings,
    }


def report_text(result: MigrateResult) -> str:
    lines: list[str] = []
    for m in result.plan.migrations:
        lines += _migration_lines(m)
    for f in result.plan.findings:
        lines.append(f"{f.title}: {f.message} ({f.location})")
    for r in result.plan.removed:
        lines.append(f"{r.title(result.plan.namespace)}: removed ({r.location()})")
    lines += [f"{name}: every document was removed: delete the file" for name in result.emptied]
    if result.script is not None:
        lines.append(f"{result.script.path}: federated credentials for "
                     f"{result.script.subjects} ServiceAccount/identity pair(s)")
        lines += [f"  warning: {w}" for w in result.script.warnings]
    text = "".join(line + "\n" for line in lines)
    return text + inject_report(result.files.entries)


def _migration_lines(m: Migration) -> list[str]:
    lines = [f"{m.title}: {m.status}"]
    if m.reason:
        lines += [f"  reason: {m.reason}", f"  at: {m.location}"]
    if m.identity:
        lines.append(f"  identity: {m.identity} (client id {m.client_id})")
    if m.service_account:
        lines.append(f"  ServiceAccount: {m.service_account} ({m.account})")
    lines += [f"  changed: {c}" for c in m.changes]
    lines += [
        f"  also bound: {o.identity} (client id {o.client_id}, binding {o.binding})"
        for o in m.others
    ]
    if m.others:
        lines.append(f"  note: {OTHERS_NOTE}")
    lines += [f"  warning: {w}" for w in m.warnings]
    return lines
