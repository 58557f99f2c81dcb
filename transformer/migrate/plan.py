"""aad-pod-identity to workload identity as a pure function: resources in, a migration plan out.

It follows ``azwi podidentity detect`` (Azure/azure-workload-identity pkg/cmd/podidentity,
v1.6.0): only user-assigned identities (type 0) migrate; of several bindings with one selector
the first gives the client id; a workload on ``default`` gets a ServiceAccount of its own named
after it, so the shared ``default`` is never annotated. Unlike detect, which reads one namespace
of a live cluster, bindings match as aad-pod-identity matches them: across namespaces unless
the identity is annotated namespaced or the cluster runs ``--forceNamespaced``. The proxy is not
added here: the pod template asks for it, and ``inject`` or the webhook adds it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..errors import InputError, InputErrors
from ..federated.credentials import Subject
from ..kube.accounts import Accounts
from ..kube.labelselectors import Selector, selectors
from ..manifest.stream import Resource
from ..options import MigrateOptions
from .accountedits import account_edits
from .bindings import PodIdentities
from .findings import findings
from .outcome import OTHERS_NOTE, Migration, Other, Plan
from .podidentity import LABEL
from .targets import Target, Targets, without_conflicts
from .templateedits import template_edits
from .workloads import Workload, read_workload

__all__ = ["OTHERS_NOTE", "Migration", "Other", "Plan", "plan"]


def plan(
    resources: Sequence[Resource], options: MigrateOptions, read_only: Accounts | None = None
) -> Plan:
    """The migration of every workload bound through aad-pod-identity in ``resources``.

    ``read_only`` holds ServiceAccounts that exist but cannot be written (``--service-accounts``).
    """
    result = Plan(options.namespace)
    found = _read(resources, options, result.errors)
    accounts = Accounts(options.namespace)
    accounts.add_from(resources)
    targets = Targets(found.pods, accounts, read_only or Accounts(options.namespace), result.errors)
    chosen = without_conflicts([t for t in map(targets.of, found.workloads) if t is not None])
    edits = _Edits(options, found.selectors, result)
    unlabelled = [t.workload for t in chosen if edits.migrate(t)]
    if options.remove_pod_identity:
        labelled = [w.pod for w in found.workloads if w not in unlabelled]
        result.removed = found.pods.unused(labelled)
    result.findings = findings(found.pods, [w.pod for w in found.workloads], options.namespace)
    result.migrations = [w.migration for w in found.workloads]
    return result


@dataclass
class _Inputs:
    pods: PodIdentities
    workloads: list[Workload] = field(default_factory=list)
    selectors: list[Selector] = field(default_factory=list)


def _read(resources: Sequence[Resource], options: MigrateOptions, errors: list[InputError]) -> _Inputs:
    """What migrating reads of every resource; a resource whose fields are not of their types
    adds its errors and is read no further."""
    found = _Inputs(PodIdentities(options.force_namespaced))
    for resource in resources:
        namespace = resource.namespace or options.namespace
        try:
            if options.remove_pod_identity:
                # Selectors only decide whether the label may go.
                found.selectors += selectors(resource, resource.title(options.namespace), namespace, LABEL)
            if found.pods.add(resource, namespace):
                continue
            workload = read_workload(resource, namespace, options.namespace)
        except InputErrors as e:
            errors.extend(e.errors)
            continue
        if workload is not None:
            found.workloads.append(workload)
    return found


@dataclass
class _Edits:
    """The edits of every target, in order; a ServiceAccount several targets share is edited once."""

    options: MigrateOptions
    selectors: list[Selector]
    plan: Plan
    edited: set[tuple[str, str]] = field(default_factory=set)

    def migrate(self, target: Target) -> bool:
        """Plan one workload's edits; True when its ``aadpodidbinding`` label goes."""
        migration = target.workload.migration
        client_id = _record(target)
        key = (target.workload.namespace, target.account_name)
        if key not in self.edited:
            self.edited.add(key)
            account_edits(target, client_id, self.options.tenant_id, self.plan)
        removes = template_edits(target, self.options, self.selectors, self.plan)
        migration.status = "migrated" if migration.changes else "unchanged"
        for subject in _subjects(target):
            self.plan.trust(subject)
        return removes


def _record(target: Target) -> str:
    """Note the identities and ServiceAccount on the Migration; the client id it gets."""
    migration = target.workload.migration
    first = target.first
    assert first.client_id is not None
    migration.identity = first.ref
    migration.client_id = first.client_id
    migration.identity_id = first.resource_id
    migration.others = [
        Other(i.ref, i.client_id or "", f"{b.namespace}/{b.name}")
        for b, i in target.identities[1:]
    ]
    migration.service_account = f"{target.workload.namespace}/{target.account_name}"
    migration.account = "existing" if target.account is not None else "new"
    return first.client_id


def _subjects(target: Target) -> Iterator[Subject]:
    """One federated credential per identity bound to the target's pods."""
    for _, identity in target.identities:
        resource_id = None if identity.resource_id_problem else identity.resource_id
        yield Subject(
            target.workload.namespace, target.account_name, identity.client_id or "", resource_id
        )
