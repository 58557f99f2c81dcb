"""``wi-transform validate``: every problem of every object of every input, as findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import TYPE_CHECKING

from ..errors import InputError, InputErrors, Location, UsageError
from ..kube import apiversions
from ..kube import schemas as kubeschemas
from ..kube.accounts import Accounts
from ..manifest import duplicatekeys, files, inputs
from ..manifest.duplicatekeys import duplicate_keys
from ..manifest.stream import Document, Resource, Source, parse
from ..options import InjectOptions, ValidateOptions
from ..validate import identitychecks, schemas
from ..validate.findings import Finding, Severity, at, count, on, ordered, title

if TYPE_CHECKING:
    from ..inject.streams import Rewritten


@dataclass
class ValidateResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    kubernetes_version: str = ""
    strict: bool = True

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
        return (f"{tally} in {self.files} {_plural('file', self.files)} "
                f"({self.objects} {_plural('object', self.objects)}, "
                f"Kubernetes {self.kubernetes_version}, {mode})")


def run(options: ValidateOptions) -> ValidateResult:
    """Read every input and validate it; unreadable inputs raise InputErrors (exit 3)."""
    kubeschemas.pick_version(options.kubernetes_version)  # a bad version is a usage error first
    try:
        named = files.expand(options.paths)
    except InputError as e:
        raise InputErrors([e]) from e
    sources, findings = _load(named)
    result = validate_sources(sources, options, prior=findings)
    result.files = len(named)
    return result


def _load(named: list[tuple[str, str | None]]) -> tuple[list[Source], list[Finding]]:
    """Every input parsed; a YAML error is a finding, bytes that are not text are unreadable."""
    sources: list[Source] = []
    findings: list[Finding] = []
    unreadable: list[InputError] = []
    for name, file in named:
        try:
            raw = files.read(name, file)
        except InputError as e:
            unreadable.append(e)
            continue
        try:
            sources.append(parse(name, raw, file))
        except InputError as e:
            if _is_text(raw):
                findings.append(_unparsed(name, e))
            else:
                unreadable.append(e)
    if unreadable:
        raise InputErrors(unreadable)
    return sources, findings


def validate_sources(
    sources: list[Source], options: ValidateOptions, *, prior: Iterable[Finding] = ()
) -> ValidateResult:
    """Validate parsed sources (``inject --validate`` passes its output here)."""
    version = kubeschemas.pick_version(options.kubernetes_version)
    result = ValidateResult(list(prior), len(sources), 0, version, options.strict)
    checker = _Checker(options, version)
    resources: list[Resource] = []
    for source in sources:
        for document in source.documents:
            found = list(document.resources())
            result.findings += _document(document, options.strict)
            resources += found
    for resource in resources:
        result.findings += checker.resource(resource)
    accounts = Accounts(options.namespace)
    if options.service_accounts:
        accounts.add_from(inputs.resources(inputs.load(options.service_accounts)))
    accounts.add_from(resources)
    result.findings += identitychecks.cross_object(resources, accounts, namespace=options.namespace)
    result.objects = len(resources)
    result.findings = ordered(result.findings)
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
        self.strict = options.strict
        self.user = _user_schemas(options.schema_dir)

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
        custom = self.user.validator(group, version, kind) if self.user else None
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
        return [self._about_api(
            resource, "info", "no-schema",
            f"skipped: no schema for {resource.api_version} {kind} in Kubernetes {self.version} "
            "(a custom resource?): pass --schema-dir with its JSON Schema to validate it",
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


def _user_schemas(directory: str | None) -> schemas.UserSchemas | None:
    if directory is None:
        return None
    path = FilePath(directory)
    if not path.is_dir():
        raise UsageError(f"--schema-dir {directory}: not a directory")
    return schemas.UserSchemas(path)


def _unparsed(name: str, error: InputError) -> Finding:
    where = error.location or Location(name)
    if "Helm" in error.message:
        return at(Location(where.path, 1, 1), "warning", "helm-template", f"skipped: {error.message}")
    return at(where, "error", "yaml-syntax", error.message)


def _is_text(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
