"""``wi-transform federated-credential``: ServiceAccounts from the inputs -> credential payloads."""

from __future__ import annotations

from ..errors import InputError, InputErrors, Location
from ..federated import azjson
from ..federated.credentials import Subject
from ..federated.identity import RESOURCE_ID_FORM, client_id_problem, parse_resource_id
from ..federated.plan import Warn, render
from ..identity import names as wi
from ..kube import fieldchecks
from ..kube.accounts import Accounts
from ..kube.stringvalues import non_strings
from ..manifest import inputs
from ..manifest.stream import Document, Source
from ..options import FederatedOptions


def run(options: FederatedOptions, *, warn: Warn | None = None) -> str:
    """Read every input and the identities file; the chosen format's text, or InputErrors."""
    accounts = Accounts(options.namespace)
    accounts.add_from(inputs.resources(inputs.load(options.paths)))
    subjects, errors = subjects_of(accounts)
    if options.identities_file:
        pairs, more = identities_from(inputs.load([options.identities_file]))
        errors += more
        options = options._replace(identities=options.identities + tuple(pairs))
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
        mistyped = fieldchecks.metadata(account, accounts.default_namespace)
        errors += mistyped
        annotations = account.metadata.get("annotations")
        if mistyped or not isinstance(annotations, dict) or wi.CLIENT_ID not in annotations:
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
            if isinstance(document.data, list):
                found, more = azjson.identities(document)
                pairs += [(i.client_id, i.resource_id) for i in found]
                errors += more
            elif isinstance(document.data, dict):
                found_pairs, more = _mapping(document)
                pairs += found_pairs
                errors += more
            elif document.data is not None:
                errors.append(InputError(_SHAPE, document.location(())))
    if not pairs and not errors:
        errors.append(InputError(_SHAPE, Location(sources[0].name) if sources else None))
    return pairs, errors


_SHAPE = ("expected a mapping of client id to identity resource id, or the output of "
          "`az identity list -o json`")


def _mapping(document: Document) -> tuple[list[tuple[str, str]], list[InputError]]:
    pairs: list[tuple[str, str]] = []
    errors: list[InputError] = []
    for key, value in document.data.items():
        problem = client_id_problem(key)
        if problem:
            errors.append(InputError(problem, document.location((key,), key=True)))
            continue
        if not isinstance(value, str):
            errors.append(InputError(f"no identity resource id: expected {RESOURCE_ID_FORM}",
                                     document.location((key,))))
            continue
        parsed = parse_resource_id(str(key), value)
        if isinstance(parsed, str):
            errors.append(InputError(parsed, document.location((key,))))
        else:
            pairs.append((str(key), value))
    return pairs, errors
