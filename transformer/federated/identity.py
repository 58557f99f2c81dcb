"""Which user-assigned managed identity (or app registration) a credential belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Azure's rules: resource groups 1-90 of letters, digits, _ - . ( ), not ending in "."; identities
# 3-128 of letters, digits, _ -, starting with a letter or digit.
RESOURCE_GROUP = re.compile(r"[-\w.()]{0,89}[-\w()]", re.ASCII)
IDENTITY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}")
_RESOURCE_ID = re.compile(
    r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/(?P<name>[^/]+)/?",
    re.IGNORECASE,
)
RESOURCE_ID_FORM = (
    "/subscriptions/<subscription id>/resourceGroups/<group>/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/<name>"
)


@dataclass(frozen=True)
class Identity:
    """A managed identity known by name, or only by client id (looked up at run time).

    ``subscription`` None means the signed-in one; for ``--target app`` only ``client_id`` is set.
    """

    client_id: str
    subscription: str | None = None
    resource_group: str | None = None
    name: str | None = None

    @property
    def known(self) -> bool:
        return self.name is not None and self.resource_group is not None

    @property
    def key(self) -> tuple[str, ...]:
        if self.known:
            return ((self.subscription or "").lower(), str(self.resource_group).lower(),
                    str(self.name).lower())
        return ("client-id", self.client_id.lower())

    def resource_id(self, subscription: str | None = None) -> str:
        """The ARM id; ``subscription`` stands in when the identity names none."""
        sub = self.subscription or subscription
        if not self.known or sub is None:
            raise ValueError(f"the identity with client id {self.client_id} is not fully known")
        return (f"/subscriptions/{sub}/resourceGroups/{self.resource_group}/providers/"
                f"Microsoft.ManagedIdentity/userAssignedIdentities/{self.name}")

    def describe(self) -> str:
        if self.known:
            return self.resource_id("<signed-in subscription>")
        return f"the identity with client id {self.client_id}"


def client_id_problem(value: object) -> str | None:
    """Why ``value`` cannot be a client id, or None."""
    if not isinstance(value, str) or not GUID.fullmatch(value):
        return (f"client id {value!r} is not a GUID: use the clientId of the identity "
                "(az identity show -n NAME -g GROUP --query clientId -o tsv)")
    return None


def parse_resource_id(client_id: str, resource_id: str) -> Identity | str:
    """The identity that ``resource_id`` names, or why it names none."""
    found = _RESOURCE_ID.fullmatch(resource_id.strip())
    if found is None:
        return f"{resource_id!r} is not a user-assigned identity id: expected {RESOURCE_ID_FORM}"
    subscription, group, name = found.group("subscription", "group", "name")
    problem = names_problem(subscription, group, name)
    if problem:
        return f"{resource_id!r}: {problem}"
    return Identity(client_id, subscription, group, name)


def names_problem(subscription: str | None, group: str | None, name: str | None) -> str | None:
    """Why these cannot name an identity (they end up in URLs and scripts), or None."""
    if subscription is not None and not GUID.fullmatch(subscription):
        return f"subscription {subscription!r} is not a subscription id (a GUID)"
    if group is not None and not RESOURCE_GROUP.fullmatch(group):
        return (f"resource group {group!r} is not a valid name "
                "(1-90 letters, digits, _ - . ( ), not ending in .)")
    if name is not None and not IDENTITY_NAME.fullmatch(name):
        return (f"identity name {name!r} is not a valid name "
                "(3-128 letters, digits, _ -, starting with a letter or digit)")
    return None
