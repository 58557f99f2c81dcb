"""What the ``az`` CLI prints about identities and their federated credentials, read with the
position of every item, and with an error that names the expected shape when it is not that.

One reader for ``federated-credential --identities`` and for ``doctor``. Pure: parsed documents
in, records and InputErrors out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from ..errors import InputError, Location
from ..manifest.stream import Document, Path
from .identity import RESOURCE_ID_FORM, Identity, client_id_problem, parse_resource_id

IDENTITIES_SHAPE = ("expected the output of `az identity list -o json`: a list of objects with "
                    "id, clientId and tenantId")
CREDENTIALS_SHAPE = (
    "expected the output of `az identity federated-credential list -o json` (a list of objects "
    "with id, name, issuer, subject and audiences), `az rest` GET of federatedIdentityCredentials "
    "({\"value\": [...]}), `az ad app federated-credential list` (with --app-credentials), or "
    "`wi-transform federated-credential --format json`"
)
_CREDENTIAL_PATH = re.compile(r"/federatedIdentityCredentials/([^/?]+)", re.IGNORECASE)
_GRAPH_URL = re.compile(r"/applications\(appId='([^']+)'\)/federatedIdentityCredentials"
                        r"\(name='([^']+)'\)", re.IGNORECASE)

Owner = tuple[str, ...]  # Identity.key of a managed identity, or ("app", client id) of an app


class AzIdentity(NamedTuple):
    """One item of ``az identity list``."""

    client_id: str
    resource_id: str
    identity: Identity
    tenant_id: str | None
    where: Location


class AzCredential(NamedTuple):
    """One federated identity credential, of a managed identity or of an app registration."""

    owner: Owner
    owner_name: str  # how messages name the owner
    name: str
    issuer: str
    subject: str
    audiences: tuple[str, ...]
    where: Location


def app_owner(client_id: str) -> Owner:
    return ("app", client_id.lower())


def identities(document: Document) -> tuple[list[AzIdentity], list[InputError]]:
    """The identities of one document that is ``az identity list`` output."""
    data = document.data
    if not isinstance(data, list):
        return [], [InputError(IDENTITIES_SHAPE, document.location(()))]
    found: list[AzIdentity] = []
    errors: list[InputError] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            errors.append(InputError(IDENTITIES_SHAPE, document.location((i,))))
            continue
        problem = _identity_problem(item)
        if problem is not None:
            errors.append(InputError(problem[0], document.location((i, *problem[1]))))
            continue
        parsed = parse_resource_id(item["clientId"], item["id"])
        assert isinstance(parsed, Identity)  # _identity_problem parsed it already
        tenant = item.get("tenantId")
        found.append(AzIdentity(item["clientId"], item["id"], parsed,
                                tenant if isinstance(tenant, str) and tenant else None,
                                document.location((i,))))
    return found, errors


def _identity_problem(item: dict[str, Any]) -> tuple[str, Path] | None:
    problem = client_id_problem(item.get("clientId"))
    if problem:
        return problem, ("clientId",)
    if not isinstance(item.get("id"), str):
        return f"no identity resource id: expected {RESOURCE_ID_FORM}", ("id",)
    parsed = parse_resource_id(item["clientId"], item["id"])
    if isinstance(parsed, str):
        return parsed, ("id",)
    tenant = item.get("tenantId")
    if tenant is not None and not isinstance(tenant, str):
        return f"tenantId {tenant!r} is not a string", ("tenantId",)
    return None


def credentials(document: Document, app: str | None = None
                ) -> tuple[list[AzCredential], list[InputError]]:
    """The credentials of one document; ``app`` is the client id that owns them all (the output
    of ``az ad app federated-credential list``, whose items do not name their application)."""
    items = _items(document.data)
    if items is None:
        return [], [InputError(CREDENTIALS_SHAPE, document.location(()))]
    found: list[AzCredential] = []
    errors: list[InputError] = []
    for path, item in items:
        read = _credential(item, app)
        if isinstance(read, _Problem):
            errors.append(InputError(read.message, document.location(path + read.path)))
        else:
            found.append(read._replace(where=document.location(path)))
    return found, errors


def _items(data: Any) -> list[tuple[Path, dict[str, Any]]] | None:
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        listed: list[Any] = data["value"]
        prefix: Path = ("value",)
    elif isinstance(data, list):
        listed, prefix = data, ()
    else:
        return None
    if not all(isinstance(item, dict) for item in listed):
        return None
    return [((*prefix, i), item) for i, item in enumerate(listed)]


class _Problem(InputError):
    """A problem at ``path`` inside one item."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def _credential(item: dict[str, Any], app: str | None) -> AzCredential | _Problem:
    if "body" in item and "url" in item:  # wi-transform federated-credential --format json
        return _from_request(item)
    nested = item.get("properties")
    fields: dict[str, Any] = nested if isinstance(nested, dict) else item
    at: Path = ("properties",) if isinstance(nested, dict) else ()
    owner = _owner_of(item, app)
    if isinstance(owner, _Problem):
        return owner
    name = item.get("name")
    return _record(owner, name if isinstance(name, str) else "", fields, at)


def _owner_of(item: dict[str, Any], app: str | None) -> tuple[Owner, str] | _Problem:
    if app is not None:
        return app_owner(app), f"app registration {app}"
    resource_id = item.get("id")
    if not isinstance(resource_id, str):
        return _Problem(f"no id naming the credential's identity: {CREDENTIALS_SHAPE}", ())
    parent = _CREDENTIAL_PATH.split(resource_id, maxsplit=1)[0]
    parsed = parse_resource_id("", parent)
    if isinstance(parsed, str):
        return _Problem(
            f"id {resource_id!r} names no user-assigned identity (expected {RESOURCE_ID_FORM}"
            "/federatedIdentityCredentials/<name>): credentials of an app registration go in "
            "--app-credentials CLIENT_ID=FILE", ("id",))
    return parsed.key, parsed.resource_id()


def _from_request(item: dict[str, Any]) -> AzCredential | _Problem:
    url, body = item.get("url"), item.get("body")
    if not isinstance(url, str) or not isinstance(body, dict):
        return _Problem(f"a request without url and body: {CREDENTIALS_SHAPE}", ())
    graph = _GRAPH_URL.search(url)
    if graph is not None:
        return _record((app_owner(graph[1]), f"app registration {graph[1]}"), graph[2], body,
                       ("body",))
    parent = url.split("://", 1)[-1].partition("/")[2]
    parsed = parse_resource_id("", "/" + _CREDENTIAL_PATH.split(parent, maxsplit=1)[0])
    named = _CREDENTIAL_PATH.search(url)
    if isinstance(parsed, str) or named is None:
        return _Problem(f"url {url!r} names no federated identity credential", ("url",))
    properties = body.get("properties")
    if not isinstance(properties, dict):
        return _Problem("body has no properties (issuer, subject, audiences)", ("body",))
    return _record((parsed.key, parsed.resource_id()), named[1], properties,
                   ("body", "properties"))


def _record(owner: tuple[Owner, str], name: str, fields: dict[str, Any],
            at: Path) -> AzCredential | _Problem:
    for key in ("issuer", "subject"):
        if not isinstance(fields.get(key), str):
            return _Problem(f"{key} is missing or not a string: {CREDENTIALS_SHAPE}", (*at, key))
    audiences = fields.get("audiences")
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        return _Problem("audiences is missing or not a list of strings", (*at, "audiences"))
    return AzCredential(owner[0], owner[1], name, fields["issuer"], fields["subject"],
                        tuple(audiences), Location(""))


def each(documents: list[Document]) -> Iterator[Document]:
    """The documents that hold something (an empty file holds nothing)."""
    return (d for d in documents if d.node is not None)
