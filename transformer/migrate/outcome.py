"""A migration plan: what happened to each bound workload, and the edits the command applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import InputError, Location
from ..federated.credentials import Subject
from ..manifest import edits as ed
from ..manifest.edits import Edit
from ..manifest.stream import Document, Resource

OTHERS_NOTE = (
    "the pod had these identities too; AZURE_CLIENT_ID names only the first, so the "
    "application must ask for the others by client id"
)

Status = Literal["migrated", "unchanged", "not migrated"]


@dataclass(frozen=True)
class Other:
    """A further identity bound to the same pods, which the application asks for by client id."""

    identity: str
    client_id: str
    binding: str


@dataclass
class Migration:
    """What happened to one workload whose pods carry the ``aadpodidbinding`` label."""

    title: str
    location: Location
    namespace: str
    selector: str
    status: Status = "not migrated"
    identity: str | None = None
    client_id: str | None = None
    identity_id: str | None = None
    service_account: str | None = None
    account: Literal["new", "existing"] | None = None
    changes: list[str] = field(default_factory=list)
    others: list[Other] = field(default_factory=list)
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.status = "not migrated"
        self.reason = reason


@dataclass(frozen=True)
class Finding:
    """Something about the aad-pod-identity resources themselves worth a line in the report."""

    title: str
    message: str
    location: Location


@dataclass(frozen=True)
class NewAccount:
    """A ServiceAccount document to add after the document of ``after``."""

    after: Resource
    data: dict[str, Any]


@dataclass
class Plan:
    """Everything the command applies and reports; edit paths are document paths."""

    namespace: str = "default"
    migrations: list[Migration] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    edits: dict[Document, list[Edit]] = field(default_factory=dict)
    accounts: list[NewAccount] = field(default_factory=list)
    removed: list[Resource] = field(default_factory=list)
    trusts: list[Subject] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)

    def edit(self, resource: Resource, edits: list[Edit]) -> None:
        """Add ``edits``, written on ``resource``'s own data, to its document's."""
        if edits:
            self.edits.setdefault(resource.document, []).extend(
                ed.prefixed(resource.prefix, edits)
            )

    def add_account(self, after: Resource, data: dict[str, Any]) -> None:
        """Add the ServiceAccount ``data`` right after ``after``."""
        if after.prefix:
            # Inside a List the new account becomes the next item.
            index = after.prefix[-1]
            assert isinstance(index, int)
            self.edits.setdefault(after.document, []).append(
                ed.Insert(after.prefix[:-1], index + 1, data)
            )
        else:
            self.accounts.append(NewAccount(after, data))

    def trust(self, subject: Subject) -> None:
        if subject not in self.trusts:
            self.trusts.append(subject)
