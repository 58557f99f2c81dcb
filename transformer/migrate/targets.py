"""Which bound workloads can migrate: their identities and ServiceAccount, decided before any edit.

A workload that cannot is marked failed on its Migration, with the reason and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError
from ..identity.names import CLIENT_ID, PREFIX
from ..kube import fieldchecks
from ..kube.accounts import Accounts
from ..kube.objects import checked_annotations
from ..kube.stringvalues import non_strings
from ..manifest.stream import Resource
from .bindings import PodIdentities
from .podidentity import Binding, Identity, text, unusable
from .workloads import Workload

Bound = list[tuple[Binding, Identity]]
"""The distinct identities bound to a workload's pods, each with the first binding naming it."""


@dataclass(eq=False)
class Target:
    """A workload that can migrate: its identities and ServiceAccount, before any edit."""

    workload: Workload
    identities: Bound
    account_name: str
    account: Resource | None

    @property
    def first(self) -> Identity:
        """The identity whose client id the ServiceAccount gets."""
        return self.identities[0][1]


@dataclass(frozen=True)
class Targets:
    """Turns workloads into targets; ``read_only`` ServiceAccounts exist but cannot be written."""

    pods: PodIdentities
    accounts: Accounts
    read_only: Accounts
    errors: list[InputError]
    checked: dict[int, bool] = field(default_factory=dict)

    def of(self, workload: Workload) -> Target | None:
        identities = self._identities(workload)
        return None if identities is None else self._with_account(workload, identities)

    def _identities(self, workload: Workload) -> Bound | None:
        found = self.pods.selecting(workload.pod)
        if not found:
            workload.migration.fail(self._unbound(workload))
            return None
        return self._usable(workload, found)

    def _usable(self, workload: Workload, found: list[Binding]) -> Bound | None:
        """Each identity once, or None (the workload failed) if one of them cannot migrate."""
        identities: Bound = []
        for binding in found:
            identity = self.pods.identity_of(binding)
            problem = unusable(binding, identity)
            if problem:
                workload.migration.fail(problem)
                return None
            assert identity is not None
            if all(i.ref != identity.ref for _, i in identities):
                identities.append((binding, identity))
        return identities

    def _unbound(self, workload: Workload) -> str:
        elsewhere = self.pods.with_selector(workload.selector)
        message = f'no AzureIdentityBinding in the inputs has selector "{workload.selector}"'
        if elsewhere:
            message += (
                f" for namespace {workload.namespace} (namespaced bindings elsewhere: "
                f"{', '.join(elsewhere)})"
            )
        return message + ": add its binding and identity to the inputs"

    def _with_account(self, workload: Workload, identities: Bound) -> Target | None:
        name = _account_name(workload)
        if name is None:
            workload.migration.fail(
                "it uses the default ServiceAccount and has no metadata.name to name a new "
                "one after: set spec.serviceAccountName to a ServiceAccount of its own"
            )
            return None
        account = self.accounts.get(workload.namespace, name)
        if account is None and self._cannot_add(workload, name):
            return None
        if account is not None and not self._checked(account, workload):
            return None
        return Target(workload, identities, name, account)

    def _checked(self, account: Resource, workload: Workload) -> bool:
        """Whether the ServiceAccount to edit has what migrate reads of the types it takes;
        the errors are reported once however many workloads use it."""
        if id(account) not in self.checked:
            title = account.title(workload.namespace)
            problems = fieldchecks.metadata(account, workload.namespace)
            if not problems:
                problems += non_strings(account, ("metadata",), prefix=PREFIX, title=title)
            problems += fieldchecks.repeated_keys(account.document)
            self.checked[id(account)] = not problems
            self.errors.extend(problems)
        if not self.checked[id(account)]:
            workload.migration.fail("its ServiceAccount is not of the types Kubernetes takes")
        return self.checked[id(account)]

    def _cannot_add(self, workload: Workload, name: str) -> bool:
        """Whether the missing ServiceAccount ``name`` cannot be added (the workload is failed)."""
        migration = workload.migration
        if self.read_only.get(workload.namespace, name) is not None:
            where = workload.resource.location(workload.path + ("spec", "serviceAccountName"))
            self.errors.append(
                InputError(
                    f"{migration.title} needs ServiceAccount {workload.namespace}/{name} "
                    "annotated, but it is only in --service-accounts, which migrate never "
                    "writes: pass its file as an input",
                    where,
                )
            )
            migration.fail("its ServiceAccount is not among the inputs")
            return True
        if _single_json(workload.resource):
            migration.fail(
                f"ServiceAccount {workload.namespace}/{name} must be added, and a JSON file "
                "holds one object: add the ServiceAccount to the inputs and run again"
            )
            return True
        return False


def without_conflicts(targets: list[Target]) -> list[Target]:
    """The targets whose ServiceAccount serves one identity; the others are failed."""
    by_account: dict[tuple[str, str], list[Target]] = {}
    for target in targets:
        key = (target.workload.namespace, target.account_name)
        by_account.setdefault(key, []).append(target)
    usable: list[Target] = []
    for (namespace, name), group in by_account.items():
        reason = _conflict(f"ServiceAccount {namespace}/{name}", group)
        if reason is None:
            usable += group
            continue
        for target in group:
            target.workload.migration.fail(reason)
    return [t for t in targets if t in usable]


def _conflict(account: str, group: list[Target]) -> str | None:
    wanted = {t.first.client_id for t in group}
    present = checked_annotations(group[0].account.data) if group[0].account else {}
    annotated = present.get(CLIENT_ID)
    if len(wanted) > 1:
        users = ", ".join(f"{t.workload.migration.title} ({t.first.ref})" for t in group)
        return (
            f"{account} would serve workloads bound to different identities "
            f"({users}): give each its own ServiceAccount"
        )
    if annotated not in (None, "") and annotated not in wanted:
        return (
            f"{account} already has {CLIENT_ID} {annotated}, but the binding gives "
            f"{next(iter(wanted))}: resolve this by hand"
        )
    return None


def _account_name(workload: Workload) -> str | None:
    """The ServiceAccount it names, or (on ``default``) its own name for a new one."""
    spec = workload.spec
    named = text(spec.get("serviceAccountName")) or text(spec.get("serviceAccount"))
    if named and named != "default":
        return named
    return text(workload.resource.metadata.get("name"))


def _single_json(resource: Resource) -> bool:
    return resource.document.source.is_json and not resource.prefix
