"""A target's ServiceAccount: annotated with the identity's client id, or added when missing."""

from __future__ import annotations

from typing import Any

from ..identity.names import CLIENT_ID, TENANT_ID
from ..kube.objects import checked_annotations
from ..manifest.mappingedits import put
from .outcome import Migration, Plan
from .targets import Target


def account_edits(target: Target, client_id: str, tenant: str | None, plan: Plan) -> None:
    """Plan the edits of ``target``'s ServiceAccount, recording them on its Migration."""
    migration = target.workload.migration
    wanted = {CLIENT_ID: client_id}
    if target.account is None:
        if tenant:
            wanted[TENANT_ID] = tenant
        plan.add_account(target.workload.resource, _new_account(target, wanted))
        migration.changes.append(f"ServiceAccount {migration.service_account} added")
        return
    present = checked_annotations(target.account.data)
    wanted |= _tenant(present, tenant, migration)
    edits = put(target.account.data, ("metadata", "annotations"), wanted)
    if edits:
        plan.edit(target.account, edits)
        keys = ", ".join(k for k in wanted if present.get(k) != wanted[k])
        migration.changes.append(f"ServiceAccount {migration.service_account} annotated {keys}")


def _tenant(present: dict[str, Any], tenant: str | None, migration: Migration) -> dict[str, str]:
    """The tenant annotation to set: none over one the account has (warned of if it differs)."""
    current = present.get(TENANT_ID)
    if not tenant:
        return {}
    if current in (None, ""):
        return {TENANT_ID: tenant}
    if current != tenant:
        migration.warnings.append(
            f"ServiceAccount {migration.service_account} keeps its {TENANT_ID} "
            f"{current}; --tenant-id {tenant} is not applied"
        )
    return {}


def _new_account(target: Target, annotations: dict[str, str]) -> dict[str, Any]:
    workload = target.workload.resource
    metadata: dict[str, Any] = {"name": target.account_name}
    if workload.namespace:
        metadata["namespace"] = workload.namespace
    metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}
