"""The data every credential renderer reads: the ServiceAccounts to trust, the credentials
planned for them and the requests that create them. Renderers depend on this, never on the
planner, so the planner can import them on demand without a circle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..identity.clouds import Cloud
from ..options import FederatedTarget
from .identity import Identity


@dataclass(frozen=True)
class Subject:
    """One ServiceAccount to trust, with the client id its annotation names."""

    namespace: str
    service_account: str
    client_id: str
    identity_id: str | None = None  # ARM resource id of the user-assigned identity when known


@dataclass(frozen=True)
class Credential:
    identity: Identity
    name: str
    namespace: str
    service_account: str
    subject: str

    @property
    def account(self) -> str:
        return f"{self.namespace}/{self.service_account}"


@dataclass(frozen=True)
class Request:
    """One HTTP call that creates or updates a credential."""

    method: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """Every credential to write, checked, named and grouped by identity."""

    credentials: tuple[Credential, ...]
    issuer: str
    audiences: tuple[str, ...]
    target: FederatedTarget
    cloud: Cloud
    api_version: str
    warnings: tuple[str, ...] = field(default=())

    def groups(self) -> list[tuple[Identity, list[Credential]]]:
        """Credentials by identity, both in first-seen order."""
        by_key: dict[tuple[str, ...], tuple[Identity, list[Credential]]] = {}
        for credential in self.credentials:
            identity = credential.identity
            by_key.setdefault(identity.key, (identity, []))[1].append(credential)
        return list(by_key.values())

    def arm_base(self) -> str:
        return self.cloud.resource_manager.rstrip("/")

    def arm_path(self, credential: Credential) -> str:
        """What follows the identity's resource id in the ARM URL."""
        return f"/federatedIdentityCredentials/{credential.name}?api-version={self.api_version}"

    def graph_url(self, credential: Credential) -> str:
        return (f"{self.cloud.graph.rstrip('/')}/v1.0/applications(appId="
                f"'{credential.identity.client_id}')/federatedIdentityCredentials"
                f"(name='{credential.name}')")

    def properties(self, credential: Credential) -> dict[str, Any]:
        return {"issuer": self.issuer, "subject": credential.subject,
                "audiences": list(self.audiences)}

    def body(self, credential: Credential) -> dict[str, Any]:
        if self.target == "app":
            return {"name": credential.name, **self.properties(credential)}
        return {"properties": self.properties(credential)}

    def request(self, credential: Credential) -> Request:
        """The call for a credential whose identity is fully known (or an app)."""
        if self.target == "app":
            headers = {"Content-Type": "application/json", "Prefer": "create-if-missing"}
            return Request("PATCH", self.graph_url(credential), headers, self.body(credential))
        url = self.arm_base() + credential.identity.resource_id() + self.arm_path(credential)
        return Request("PUT", url, {"Content-Type": "application/json"}, self.body(credential))


def subject_claim(namespace: str, service_account: str) -> str:
    return f"system:serviceaccount:{namespace}:{service_account}"
