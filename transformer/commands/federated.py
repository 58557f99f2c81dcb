"""``wi-transform federated-credential``: ServiceAccounts from the inputs -> credential payloads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InputError, InputErrors, Location
from ..federated.credentials import Subject
from ..federated.identity import RESOURCE_ID_FORM, client_id_problem, parse_resource_id
from ..federated.plan import Warn, render
from ..identity import names as wi
from ..kube.accounts import Accounts
from ..kube.stringvalues import non_strings
from ..manifest import inputs
from ..manifest.stream import Path, Source
from ..options import FederatedOptions


def run(options: FederatedOptions, *, warn: Warn | None = None) -> str:
    """Read every input and the identities file; the chosen format's text, or InputErrors."""
    accounts = Accounts(options.namespace)
    accounts.add_from(inputs.resources(inputs.load(options.paths)))
    subjects, errors = subjects_of(accounts)
    if options.identities_file:
        pairs, more = identities_from(inputs.load([options.identities_file]))
        errors += more
        options = replace(options, identities=options.identities + tuple(pairs))
    if not subjects and not errors:
        errors.append(InputError(
            f"no ServiceAccount in the inputs has the {wi.CLIENT_ID} annotation: add it "
            "(the identity's client id) to the ServiceAccounts that should be trusted"))
    try:
        text = render(subjects, options, warn=warn)
    except InputErrors as e:
        errors += e.errors
    if errors:
        raise InputErrors(errors)
    return text


def subjects_of(accounts: Accounts) -> tuple[list[Subject], list[InputError]]:
    """A Subject per annotated ServiceAccount; errors, with positions, for the bad ones."""
    subjects: list[Subject] = []
    errors: list[InputError] = []
    for account in accounts:
        annotations = account.metadata.get("annotations")
        if not isinstance(annotations, dict) or wi.CLIENT_ID not in annotations:
            continue
        namespace, name = accounts.key(account)
        title = account.title(accounts.default_namespace)
        found = list(non_strings(account, ("metadata",), prefix=wi.CLIENT_ID, title=title))
        problem = None if found else client_id_problem(annotations[wi.CLIENT_ID])
        if problem:
            where = account.location(("metadata", "annotations", wi.CLIENT_ID))
            found.append(InputError(f"{title}: {wi.CLIENT_ID}: {problem}", where))
        errors += found
        if not found:
            subjects.append(Subject(namespace, name, annotations[wi.CLIENT_ID]))
    return subjects, errors


def identities_from(sources: list[Source]) -> tuple[list[tuple[str, str]], list[InputError]]:
    """(client id, identity id) pairs from a ``{client id: identity id}`` mapping or from the
    output of ``az identity list -o json`` (objects with ``clientId`` and ``id``)."""
    pairs: list[tuple[str, str]] = []
    errors: list[InputError] = []
    for source in sources:
        for document in source.documents:
            if document.data is not None and not isinstance(document.data, (dict, list)):
                errors.append(InputError(_SHAPE, document.location(())))
            for entry in _entries(document.data):
                problem = _entry_problem(entry)
                if problem:
                    path, key = problem[1]
                    errors.append(InputError(problem[0], document.location(path, key=key)))
                else:
                    pairs.append((str(entry.client_id), str(entry.resource_id)))
    if not pairs and not errors:
        errors.append(InputError(_SHAPE, Location(sources[0].name) if sources else None))
    return pairs, errors


_SHAPE = ("expected a mapping of client id to identity resource id, or the output of "
          "`az identity list -o json`")


@dataclass(frozen=True)
class _Entry:
    client_id: Any
    resource_id: Any
    client_at: tuple[Path, bool]  # (path, the key rather than the value)
    resource_at: tuple[Path, bool]


def _entries(data: Any) -> Iterator[_Entry]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield _Entry(key, value, ((key,), True), ((key,), False))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            item = item if isinstance(item, dict) else {}
            yield _Entry(item.get("clientId"), item.get("id"), ((i, "clientId"), False),
                         ((i, "id"), False))


def _entry_problem(entry: _Entry) -> tuple[str, tuple[Path, bool]] | None:
    problem = client_id_problem(entry.client_id)
    if problem:
        return problem, entry.client_at
    if not isinstance(entry.resource_id, str):
        return f"no identity resource id: expected {RESOURCE_ID_FORM}", entry.resource_at
    parsed = parse_resource_id(str(entry.client_id), entry.resource_id)
    return (parsed, entry.resource_at) if isinstance(parsed, str) else None
