"""``wi-transform validate``: every problem of every object of every input, as findings."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import TYPE_CHECKING

from ..errors import InputError, InputErrors, Location, UsageError
from ..kube import apiversions
from ..kube import schemas as kubeschemas
from ..kube.accounts import Accounts
from ..manifest import duplicatekeys, files, inputs, triage
from ..manifest.duplicatekeys import duplicate_keys
from ..manifest.stream import Document, Resource, Source, parse
from ..options import InjectOptions, ValidateOptions
from ..validate import identitychecks, schemas
from ..validate.config import NAME as CONFIG_NAME
from ..validate.config import Config, parse_config
from ..validate.findings import Finding, Severity, Subject, at, count, on, ordered, subject, title
from ..validate.suppressions import suppress

if TYPE_CHECKING:
    from ..inject.streams import Rewritten


@dataclass
class ValidateResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    kubernetes_version: str = ""
    strict: bool = True
    skipped: list[triage.Skipped] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    config: str = ""  # the project file that was read, if any

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> str:
        counts = count(self.findings)
        tally = ", ".join(f"{n} {_plural(s, n)}" for s, n in counts.items())
        mode = "strict" if self.strict else "not strict"
        skipped = triage.summary(self.skipped)
        return (f"{tally} in {self.files} {_plural('file', self.files)} "
                f"({self.objects} {_plural('object', self.objects)}, "
                f"Kubernetes {self.kubernetes_version}, {mode})"
                + (f"; {skipped}" if skipped else ""))


def run(options: ValidateOptions) -> ValidateResult:
    """Read every input and validate it; unreadable inputs raise InputErrors (exit 3)."""
    config = _config(options)
    options = _with_config(options, config)
    kubeschemas.pick_version(options.kubernetes_version)  # a bad version is a usage error first
    try:
        found = files.inputs_of(options.paths)
    except InputError as e:
        raise InputErrors([e]) from e
    found = [i for i in found if not (i.found and config.excluded(i.name))]
    named, skipped = triage.select(found, skip_named=options.skip_non_manifests)
    loaded = _load(named)
    result = validate_sources(loaded.sources, options, prior=loaded.findings)
    result.skipped = sorted(skipped + loaded.skipped)
    result.files = len(named) - len(loaded.skipped)
    result.config = config.path
    return result


def _config(options: ValidateOptions) -> Config:
    """The project file: --config FILE, else the nearest .wi-transform.yaml upward from the
    working directory (as linters find theirs); none with --no-config."""
    if options.no_config:
        return Config()
    path = options.config_file or _find_config(os.getcwd())
    if path is None:
        return Config()
    try:
        raw = files.read(path, path)
    except InputError as e:
        raise UsageError(f"--config {path}: {e.message}") from e
    return parse_config(path, raw, os.path.relpath(os.path.dirname(os.path.abspath(path))))


def _find_config(start: str) -> str | None:
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, CONFIG_NAME)
        if os.path.isfile(candidate):
            return os.path.relpath(candidate)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _with_config(options: ValidateOptions, config: Config) -> ValidateOptions:
    """Flags win; the project file fills in what they left open."""
    strict = options.strict if options.strict is not None else config.strict
    return options._replace(
        kubernetes_version=options.kubernetes_version or config.kubernetes_version,
        strict=True if strict is None else strict,
        schema_dirs=options.schema_dirs + config.schema_dirs,
        skip_rules=options.skip_rules + config.skip_rules,
    )


@dataclass
class _Loaded:
    sources: list[Source] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[triage.Skipped] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    config: str = ""  # the project file that was read, if any


def _load(named: list[files.Input]) -> _Loaded:
    """Every input parsed; a YAML error is a finding, bytes that are not text are unreadable,
    files that are not manifests are skipped."""
    out = _Loaded()
    unreadable: list[InputError] = []
    for item in named:
        try:
            raw = files.read(item.name, item.file)
        except InputError as e:
            unreadable.append(e)
            continue
        text = _text(raw)
        if text is not None and (triage.cannot_hold_keys(text) or triage.holds_no_keys(text)):
            out.skipped.append(triage.Skipped(item.name, triage.NO_KEYS))
            continue
        try:
            source = parse(item.name, raw, item.file)
        except InputError as e:
            if text is None:
                unreadable.append(e)
            else:
                out.findings.append(_unparsed(item.name, e))
            continue
        reason = triage.by_shape(source, found=item.found)
        if reason is None:
            out.sources.append(source)
        else:
            out.skipped.append(triage.Skipped(item.name, reason))
    if unreadable:
        raise InputErrors(unreadable)
    return out


def validate_sources(
    sources: list[Source], options: ValidateOptions, *, prior: Iterable[Finding] = ()
) -> ValidateResult:
    """Validate parsed sources (``inject --validate`` passes its output here)."""
    version = kubeschemas.pick_version(options.kubernetes_version)
    strict = options.strict is not False
    result = ValidateResult(list(prior), len(sources), 0, version, strict)
    checker = _Checker(options, version)
    resources: list[Resource] = []
    for source in sources:
        for document in source.documents:
            found = list(document.resources())
            result.findings += _document(document, strict)
            resources += found
    for resource in resources:
        result.findings += checker.resource(resource)
    accounts = Accounts(options.namespace)
    if options.service_accounts:
        accounts.add_from(inputs.resources(inputs.load(options.service_accounts)))
    accounts.add_from(resources)
    result.findings += identitychecks.cross_object(resources, accounts, namespace=options.namespace)
    result.objects = len(resources)
    skipped_rules = {rule for rule, _ in options.skip_rules}
    kept = (f for f in result.findings if f.rule not in skipped_rules)
    result.findings = ordered(suppress(kept, resources, namespace=options.namespace))
    result.subjects = [Subject(s.name) for s in sources] + [
        subject(r, options.namespace) for r in resources]
    return result


def check_injected(outputs: Iterable[Rewritten], options: InjectOptions, *,
                   kubernetes_version: str | None = None, strict: bool = True) -> None:
    """``inject --validate``: raise InputErrors (exit 3, nothing written) when what inject would
    write has any error."""
    sources = [parse(o.source.name, o.source.encode(o.text), o.source.file) for o in outputs]
    settings = ValidateOptions(namespace=options.namespace, service_accounts=options.service_accounts,
                               kubernetes_version=kubernetes_version, strict=strict,
                               endpoint_suffix=options.settings.endpoint.annotation_suffix)
    errors = validate_sources(sources, settings).errors
    if errors:
        raise InputErrors([
            InputError(f"error: {f.message} [{f.rule}]", Location(f.path, f.line, f.column))
            for f in errors
        ])


def _document(document: Document, strict: bool) -> list[Finding]:
    findings: list[Finding] = []
    if document.data is not None and not isinstance(document.data, dict):
        findings.append(at(
            document.source.location(document.node), "error", "k8s-object",
            "this document is not a Kubernetes object (a mapping with apiVersion and kind): "
            "fix it or remove it",
        ))
    for where, key, first in duplicate_keys(document):
        findings.append(at(
            where, "error" if strict else "warning", "yaml-duplicate-key",
            duplicatekeys.message(key, first),
        ))
    return findings


class _Checker:
    def __init__(self, options: ValidateOptions, version: str) -> None:
        self.options = options
        self.version = version
        self.strict = options.strict is not False
        self.user = [_user_schemas(d) for d in options.schema_dirs]

    def resource(self, resource: Resource) -> list[Finding]:
        ns = self.options.namespace
        if not resource.kind or not resource.api_version:
            missing = " and ".join(k for k, v in (("apiVersion", resource.api_version),
                                                  ("kind", resource.kind)) if not v)
            return [on(resource, (), "error", "k8s-object",
                       f"this object has no {missing}: every Kubernetes object needs "
                       "apiVersion and kind",
                       namespace=ns)]
        check = schemas.Check(resource, namespace=ns, title=title(resource, ns))
        findings = self._schema(resource, check)
        pod = identitychecks.workload(resource, ns)
        if resource.kind == "ServiceAccount" and resource.group == "":
            findings += check.run(schemas.rules_validator(schemas.SERVICE_ACCOUNT_RULES),
                                  resource.data, (), "wi-schema")
        if pod is not None:
            findings += check.run(schemas.rules_validator(schemas.POD_TEMPLATE_RULES),
                                  pod.template, pod.path, "wi-schema")
            findings += identitychecks.skip_containers(pod)
            findings += identitychecks.custom_endpoint(pod, self.options.endpoint_suffix)
        return _without_repeats(findings)

    def _schema(self, resource: Resource, check: schemas.Check) -> list[Finding]:
        group, version, kind = resource.group, resource.api_version.rpartition("/")[2], resource.kind
        custom = next((v for u in self.user if (v := u.validator(group, version, kind)) is not None),
                      None)
        if custom is not None:
            return check.run(custom, resource.data, (), schemas.RULE_CUSTOM)
        removed = apiversions.removal(resource.api_version, kind, self.version)
        if removed is not None:
            return [self._about_api(resource, "error", "removed-api-version",
                                    self._removed(resource, removed))]
        validator = schemas.kube_validator(self.version, resource.api_version, kind, self.strict)
        if validator is not None:
            return check.run(validator, resource.data, (), schemas.RULE_SCHEMA)
        served = kubeschemas.definitions(self.version, self.strict).served(group, kind)
        if served:
            return [self._about_api(
                resource, "error", "unknown-api-version",
                f"Kubernetes {self.version} does not serve {kind} as {resource.api_version}: "
                f"use apiVersion: {_api(group, served[0])}",
            )]
        advice = ("none of the --schema-dir schemas names it (by x-kubernetes-group-version-kind, "
                  "apiVersion and kind as enum or const, or file name): add one"
                  if self.user else "pass --schema-dir with its JSON Schema to validate it")
        return [self._about_api(
            resource, "info", "no-schema",
            f"skipped: no schema for {resource.api_version} {kind} in Kubernetes {self.version} "
            f"(a custom resource?): {advice}",
        )]

    def _about_api(self, resource: Resource, severity: Severity, rule: str, text: str) -> Finding:
        ns = self.options.namespace
        return on(resource, ("apiVersion",), severity, rule, f"{title(resource, ns)}: {text}",
                  namespace=ns)

    def _removed(self, resource: Resource, removed: apiversions.Removal) -> str:
        text = (f"{resource.api_version} {resource.kind} was removed in Kubernetes "
                f"{removed.removed_in}")
        if removed.group is None:
            return f"{text}: {removed.note}"
        served = kubeschemas.definitions(self.version, self.strict).served(removed.group, resource.kind)
        if not served:
            return f"{text}: Kubernetes {self.version} no longer has it"
        return (f"{text}: use apiVersion: {_api(removed.group, served[0])} (check the fields that "
                "changed between versions)")


def _api(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def _user_schemas(directory: str) -> schemas.UserSchemas:
    path = FilePath(directory)
    if not path.is_dir():
        raise UsageError(f"--schema-dir {directory}: not a directory")
    return schemas.UserSchemas(path)


def _unparsed(name: str, error: InputError) -> Finding:
    where = error.location or Location(name)
    if "Helm" in error.message:
        return at(Location(where.path, 1, 1), "warning", "helm-template", f"skipped: {error.message}")
    return at(where, "error", "yaml-syntax", error.message)


def _text(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _without_repeats(findings: list[Finding]) -> list[Finding]:
    # A non-string annotation fails both the Kubernetes schema and our rules: keep our wording.
    ours = {(f.line, f.column, f.json_path) for f in findings if f.rule.startswith("wi-")}
    return [
        f for f in findings
        if not (f.rule == schemas.RULE_SCHEMA and (f.line, f.column, f.json_path) in ours)
    ]


def _plural(word: str, n: int) -> str:
    if n == 1 or word == "info":
        return word
    return word + "s"
