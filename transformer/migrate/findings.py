"""What the report says about the aad-pod-identity objects themselves, apart from any workload."""

from __future__ import annotations

from collections.abc import Iterator

from .bindings import Pod, PodIdentities
from .outcome import Finding
from .podidentity import Binding, Identity


def findings(found: PodIdentities, pods: list[Pod], namespace: str) -> list[Finding]:
    """Misspelt fields, bindings that bind nothing, identities that are odd or unbound."""
    return [
        *_misspelt(found, namespace),
        *_bindings(found, pods),
        *_resource_ids(found),
        *_unbound(found),
    ]


def _misspelt(found: PodIdentities, namespace: str) -> Iterator[Finding]:
    things: list[Identity | Binding] = [*found.identities.values(), *found.bindings]
    for thing in things:
        if thing.misspelt:
            yield Finding(
                thing.resource.title(namespace),
                f"spells {', '.join(thing.misspelt)}: aad-pod-identity reads any letter case, "
                "but an API server with its v1 CRD drops such fields; migrated as written",
                thing.resource.location(("spec",)),
            )


def _bindings(found: PodIdentities, pods: list[Pod]) -> Iterator[Finding]:
    for binding in found.bindings:
        where = binding.resource.location(("spec",))
        if binding.selector is None or binding.identity is None:
            yield Finding(
                binding.title,
                "has no spec.selector or spec.azureIdentity: aad-pod-identity ignores it",
                where,
            )
            continue
        if (binding.namespace, binding.identity) not in found.identities:
            yield Finding(
                binding.title,
                f"names AzureIdentity {binding.namespace}/{binding.identity}, which is in none "
                "of the inputs",
                where,
            )
        if not found.selects_any(binding, pods):
            yield Finding(
                binding.title, f'selector "{binding.selector}" matches no workload in the inputs',
                where,
            )


def _resource_ids(found: PodIdentities) -> Iterator[Finding]:
    for identity in found.identities.values():
        if identity.resource_id_problem:
            yield Finding(
                f"AzureIdentity {identity.ref}",
                f"spec.resourceID: {identity.resource_id_problem}; federated credentials will "
                "look the identity up by client id",
                identity.resource.location(("spec",)),
            )


def _unbound(found: PodIdentities) -> Iterator[Finding]:
    named = {(b.namespace, b.identity) for b in found.bindings}
    for key, identity in found.identities.items():
        if key not in named:
            yield Finding(
                f"AzureIdentity {identity.ref}", "no AzureIdentityBinding names it",
                identity.resource.location(),
            )
