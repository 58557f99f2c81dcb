"""What the Bicep and ARM template formats share: one resource group, identities by name.

A template deploys into one resource group, and a credential lives beside its identity, so every
identity must be in that group; an identity known only by client id becomes a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError
from .credentials import Credential, Plan


@dataclass(frozen=True)
class Deployed:
    """An identity as a template sees it: ``name`` when known, else a ``parameter`` to fill."""

    symbol: str
    client_id: str
    name: str | None
    parameter: str | None
    credentials: tuple[Credential, ...]

    def description(self) -> str:
        return (f"Name of the user-assigned identity with client id {self.client_id}, "
                "in the resource group deployed to.")


@dataclass(frozen=True)
class Deployment:
    identities: tuple[Deployed, ...]
    resource_group: str | None
    subscription: str | None

    def command(self, template: str) -> str:
        group = self.resource_group or "<resource group of the identities>"
        sub = f" --subscription {self.subscription}" if self.subscription else ""
        return (f"az deployment group create{sub} --resource-group {group} "
                f"--template-file {template}")


def deployment(plan: Plan, fmt: str) -> Deployment:
    groups = plan.groups()
    known = [i for i, _ in groups if i.resource_group]
    resource_groups = sorted({str(i.resource_group).lower() for i in known})
    subscriptions = sorted({i.subscription.lower() for i in known if i.subscription})
    if len(resource_groups) > 1 or len(subscriptions) > 1:
        where = ", ".join(sorted({f"{i.resource_group} ({i.subscription or 'signed-in'})"
                                  for i in known}))
        raise UsageError(f"--format {fmt} deploys into one resource group, but the identities are "
                         f"in several: {where}: use --format terraform or az-rest, or generate one "
                         "template per resource group from separate inputs")
    deployed = []
    for n, (identity, creds) in enumerate(groups, 1):
        symbol = f"identity{n}"
        deployed.append(Deployed(symbol, identity.client_id, identity.name,
                                 None if identity.known else f"{symbol}Name", tuple(creds)))
    return Deployment(tuple(deployed),
                      str(known[0].resource_group) if known else None,
                      next((i.subscription for i in known if i.subscription), None))
