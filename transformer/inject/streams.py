"""Every triggered pod template of a set of parsed sources injected, with a report line per
resource: the pure core that ``inject``, ``post-render``, ``krm`` and ``migrate --inject`` share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import InputError, InputErrors
from ..identity import names as wi
from ..identity import trigger
from ..kube import fieldchecks
from ..kube.accounts import Accounts
from ..kube.stringvalues import non_strings
from ..manifest import edits as ed
from ..manifest import inputs, textpatch, triage
from ..manifest.stream import Document, Resource, Source
from ..options import InjectOptions, InjectSettings
from . import checks
from . import webhook as inject


class Entry(NamedTuple):
    """One line of the per-resource report."""

    title: str
    status: str
    detail: str = ""
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.title}: {self.status}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Rewritten:
    source: Source
    text: str

    @property
    def changed(self) -> bool:
        return self.text != self.source.text


@dataclass
class InjectResult:
    outputs: list[Rewritten] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    skipped: list[triage.Skipped] = field(default_factory=list)

    @property
    def changed(self) -> list[Rewritten]:
        return [o for o in self.outputs if o.changed]

    def stream(self) -> bytes:
        """All outputs as one manifest stream, in input order."""
        return join_stream(self.outputs[0].source, (o.text for o in self.outputs)) if self.outputs else b""

    def diff(self) -> str:
        import difflib  # only --check needs it

        chunks: list[str] = []
        for out in self.changed:
            chunks += difflib.unified_diff(
                out.source.text.splitlines(keepends=True),
                out.text.splitlines(keepends=True),
                fromfile=f"a/{out.source.name}",
                tofile=f"b/{out.source.name}",
            )
        return "".join(chunks)


def join_stream(first: Source, texts: Iterable[str]) -> bytes:
    parts: list[str] = []
    for text in texts:
        if parts:
            if not parts[-1].endswith("\n"):
                parts.append("\n")
            if not text.startswith("---"):
                parts.append("---\n")
        parts.append(text)
    return first.encode("".join(parts))


def inject_sources(
    sources: list[Source],
    options: InjectOptions,
    extra_accounts: Iterable[Resource] = (),
    errors: Iterable[InputError] = (),
) -> InjectResult:
    accounts = Accounts(options.namespace)
    if options.service_accounts:
        accounts.add_from(inputs.resources(inputs.load(options.service_accounts)))
    accounts.add_from(extra_accounts)
    accounts.add_from(inputs.resources(sources))
    injector = _Injector(accounts, options)
    injector.errors += errors
    result = InjectResult()
    for source in sources:
        if triage.has_no_keys(source):  # passed through as it is; counted, not listed per object
            result.skipped.append(triage.Skipped(source.name, triage.NO_KEYS))
            result.outputs.append(Rewritten(source, source.text))
            continue
        by_document = injector.source(source, result.entries)
        try:
            text = textpatch.apply(source, by_document) if by_document else source.text
        except InputError as e:
            injector.errors.append(e)
            text = source.text
        result.outputs.append(Rewritten(source, text))
    if injector.errors:
        raise InputErrors(injector.errors)
    return result



class _Injector:
    def __init__(self, accounts: Accounts, options: InjectOptions) -> None:
        self.accounts = accounts
        self.options = options
        self.settings: InjectSettings = options.settings
        self.errors: list[InputError] = []
        self._checked: set[int] = set()  # documents whose keys were checked for repeats

    def source(self, source: Source, entries: list[Entry]) -> dict[int, list[ed.Edit]]:
        by_document: dict[int, list[ed.Edit]] = defaultdict(list)
        for document in source.documents:
            if document.scalar is not None:
                # What the API server could not decode into an object; a list or a mapping
                # without kind (a values file, a kustomization) is only passed through.
                self.errors.append(InputError(
                    f"not a Kubernetes object but the scalar {document.scalar!r}: a manifest "
                    "document is a mapping with apiVersion and kind",
                    source.location(document.node)))
                continue
            for resource in document.resources():
                entry, edits = self.resource(resource)
                entries.append(entry)
                by_document[document.index] += ed.prefixed(resource.prefix, edits)
        return {k: v for k, v in by_document.items() if v}

    def _repeated_keys(self, document: Document) -> list[InputError]:
        if id(document) in self._checked:
            return []
        self._checked.add(id(document))
        return fieldchecks.repeated_keys(document)

    def resource(self, resource: Resource) -> tuple[Entry, list[ed.Edit]]:
        title = resource.title(self.options.namespace)
        if resource.kind == "ServiceAccount":
            self.errors += non_strings(resource, ("metadata",), prefix=wi.PREFIX, title=title)
        try:
            located = fieldchecks.pod_template(resource, title)
        except InputError as e:
            self.errors.append(e)
            return Entry(title, "failed"), []
        if located is None:
            return Entry(title, "skipped"), []
        path, template = located
        found = list(non_strings(resource, path + ("metadata",), prefix=wi.PREFIX, title=title))
        found += fieldchecks.deciding(resource, path, template, title)
        self.errors += found
        if found:
            return Entry(title, "failed"), []
        namespace = resource.namespace or self.options.namespace
        account_name = trigger.service_account_name(template)
        account = self.accounts.get(namespace, account_name)
        account_data = account.data if account is not None else None
        if not trigger.is_triggered(template, account_data):
            return Entry(title, "skipped", "not labelled " + wi.USE), []
        found = checks.triggered(resource, path, template, title)
        if account is not None:
            found += fieldchecks.metadata(account, self.options.namespace)
        found += self._repeated_keys(resource.document)
        if found:
            self.errors += found
            return Entry(title, "failed"), []
        if account is None:
            self.errors.append(
                InputError(
                    f"{title} uses ServiceAccount {namespace}/{account_name}, which is in none "
                    "of the inputs: add its manifest to the inputs, point --service-accounts at "
                    "the file or directory that has it, or use --from-cluster",
                    resource.location(path + ("spec", "serviceAccountName")),
                )
            )
            return Entry(title, "failed"), []
        outcome = inject.inject(template, account.data, self.settings)
        if isinstance(outcome, list):
            for problem in outcome:
                where = (
                    account.location(problem.path)
                    if problem.on_account
                    else resource.location(path + problem.path)
                )
                self.errors.append(InputError(f"{title}: {problem.message}", where))
            return Entry(title, "failed"), []
        detail = "proxy" if outcome.proxy else ""
        return Entry(title, outcome.status, detail, tuple(outcome.warnings)), ed.prefixed(
            path, outcome.edits
        )
