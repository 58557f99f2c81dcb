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
from typing import Any, Literal

from . import edits as ed
from .accounts import Accounts
from .edits import Edit
from .errors import InputError, Location
from .federated import Subject
from .federated_identity import client_id_problem, parse_resource_id
from .manifest import Document, Path, Resource
from .objects import annotations_of, as_map, dig
from .options import MigrateOptions
from .wi import CLIENT_ID, INJECT_PROXY, TENANT_ID, USE
from .workloads import template_path

LABEL = "aadpodidbinding"
GROUP = "aadpodidentity.k8s.io"
BEHAVIOR = GROUP + "/Behavior"
USER_ASSIGNED = 0
OTHERS_NOTE = (
    "the pod had these identities too; AZURE_CLIENT_ID names only the first, so the "
    "application must ask for the others by client id"
)

Status = Literal["migrated", "unchanged", "not migrated"]


@dataclass(frozen=True)
class Identity:
    """An ``AzureIdentity``; fields are read as aad-pod-identity reads them (any letter case)."""

    resource: Resource
    namespace: str
    name: str
    type: int | None
    client_id: str | None
    resource_id: str | None
    namespaced: bool
    misspelt: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def resource_id_problem(self) -> str | None:
        if self.resource_id is None:
            return None
        found = parse_resource_id(self.client_id or "", self.resource_id)
        return found if isinstance(found, str) else None



@dataclass(frozen=True)
class Binding:
    resource: Resource
    namespace: str
    name: str
    selector: str | None
    identity: str | None
    misspelt: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"AzureIdentityBinding {self.namespace}/{self.name}"


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


def plan(
    resources: Sequence[Resource], options: MigrateOptions, read_only: Accounts | None = None
) -> Plan:
    """The migration of every workload bound through aad-pod-identity in ``resources``.

    ``read_only`` holds ServiceAccounts that exist but cannot be written (``--service-accounts``).
    """
    return _Planner(resources, options, read_only or Accounts(options.namespace)).run()


@dataclass(eq=False)
class _Workload:
    resource: Resource
    path: Path
    template: dict[str, Any]
    namespace: str
    selector: Any
    migration: Migration


@dataclass(eq=False)
class _Target:
    """A workload that can migrate: its identities and ServiceAccount, before any edit."""

    workload: _Workload
    identities: list[tuple[Binding, Identity]]
    account_name: str
    account: Resource | None


class _Planner:
    def __init__(
        self, resources: Sequence[Resource], options: MigrateOptions, read_only: Accounts
    ) -> None:
        self.options = options
        self.read_only = read_only
        self.accounts = Accounts(options.namespace)
        self.accounts.add_from(resources)
        self.identities: dict[tuple[str, str], Identity] = {}
        self.bindings: list[Binding] = []
        self.workloads: list[_Workload] = []
        self.selectors: list[_Selector] = []
        self.result = Plan(options.namespace)
        for resource in resources:
            self._read(resource)

    # -- reading -----------------------------------------------------------------------------

    def _namespace(self, resource: Resource) -> str:
        return resource.namespace or self.options.namespace

    def _read(self, resource: Resource) -> None:
        title = resource.title(self.options.namespace)
        self.selectors += _selectors(resource, title, self._namespace(resource))
        if resource.group == GROUP and resource.kind == "AzureIdentity":
            identity = _identity(resource, self._namespace(resource))
            self.identities[(identity.namespace, identity.name)] = identity
        elif resource.group == GROUP and resource.kind == "AzureIdentityBinding":
            (selector, identity), misspelt = _fields(resource, ("selector", "azureIdentity"))
            self.bindings.append(
                Binding(
                    resource,
                    self._namespace(resource),
                    resource.name,
                    _text(selector),
                    _text(identity),
                    misspelt,
                )
            )
        else:
            self._read_workload(resource)

    def _read_workload(self, resource: Resource) -> None:
        path = template_path(resource.group, resource.kind)
        template = dig(resource.data, path) if path is not None else None
        if path is None or not isinstance(template, dict):
            return
        labels = as_map(as_map(template.get("metadata")).get("labels"))
        if LABEL not in labels:
            return
        namespace = self._namespace(resource)
        selector = labels[LABEL]
        migration = Migration(
            resource.title(self.options.namespace),
            resource.location(path + ("metadata", "labels", LABEL)),
            namespace,
            selector if isinstance(selector, str) else str(selector),
        )
        self.workloads.append(_Workload(resource, path, template, namespace, selector, migration))

    # -- matching, as aad-pod-identity's MIC matches ------------------------------------------

    def _matches(self, binding: Binding, selector: Any, namespace: str) -> bool:
        if binding.selector is None or binding.selector != selector:
            return False
        if binding.namespace == namespace:
            return True
        if self.options.force_namespaced:
            return False
        identity = self.identities.get((binding.namespace, binding.identity or ""))
        return identity is None or not identity.namespaced

    # -- the plan ----------------------------------------------------------------------------

    def run(self) -> Plan:
        targets = [t for t in map(self._target, self.workloads) if t is not None]
        targets = self._without_conflicts(targets)
        done: set[tuple[str, str]] = set()
        unlabelled = [t.workload for t in targets if self._migrate(t, done)]
        if self.options.remove_pod_identity:
            self._remove([w for w in self.workloads if not any(w is u for u in unlabelled)])
        self._findings()
        self.result.migrations = [w.migration for w in self.workloads]
        return self.result

    def _target(self, workload: _Workload) -> _Target | None:
        migration = workload.migration
        if not isinstance(workload.selector, str):
            _fail(
                migration,
                f"its {LABEL} label is not a string ({workload.selector!r}), so no binding "
                "can match it: quote the value",
            )
            return None
        found = [b for b in self.bindings if self._matches(b, workload.selector, workload.namespace)]
        if not found:
            _fail(migration, self._unbound(workload))
            return None
        identities: list[tuple[Binding, Identity]] = []
        for binding in found:
            identity = self.identities.get((binding.namespace, binding.identity or ""))
            problem = _unusable(binding, identity)
            if problem:
                _fail(migration, problem)
                return None
            assert identity is not None
            if all(i.ref != identity.ref for _, i in identities):
                identities.append((binding, identity))
        return self._with_account(workload, identities)

    def _unbound(self, workload: _Workload) -> str:
        elsewhere = sorted(
            {f"{b.namespace}/{b.name}" for b in self.bindings if b.selector == workload.selector}
        )
        message = f'no AzureIdentityBinding in the inputs has selector "{workload.selector}"'
        if elsewhere:
            message += (
                f" for namespace {workload.namespace} (namespaced bindings elsewhere: "
                f"{', '.join(elsewhere)})"
            )
        return message + ": add its binding and identity to the inputs"

    def _with_account(
        self, workload: _Workload, identities: list[tuple[Binding, Identity]]
    ) -> _Target | None:
        migration = workload.migration
        spec = as_map(workload.template.get("spec"))
        named = _text(spec.get("serviceAccountName")) or _text(spec.get("serviceAccount"))
        name = named if named and named != "default" else None
        if name is None:
            name = _text(workload.resource.metadata.get("name"))
            if not name:
                _fail(
                    migration,
                    "it uses the default ServiceAccount and has no metadata.name to name a new "
                    "one after: set spec.serviceAccountName to a ServiceAccount of its own",
                )
                return None
        account = self.accounts.get(workload.namespace, name)
        if account is None and self.read_only.get(workload.namespace, name) is not None:
            where = workload.resource.location(workload.path + ("spec", "serviceAccountName"))
            self.result.errors.append(
                InputError(
                    f"{migration.title} needs ServiceAccount {workload.namespace}/{name} "
                    "annotated, but it is only in --service-accounts, which migrate never "
                    "writes: pass its file as an input",
                    where,
                )
            )
            _fail(migration, "its ServiceAccount is not among the inputs")
            return None
        if account is None and _single_json(workload.resource):
            _fail(
                migration,
                f"ServiceAccount {workload.namespace}/{name} must be added, and a JSON file "
                "holds one object: add the ServiceAccount to the inputs and run again",
            )
            return None
        return _Target(workload, identities, name, account)

    def _without_conflicts(self, targets: list[_Target]) -> list[_Target]:
        by_account: dict[tuple[str, str], list[_Target]] = {}
        for target in targets:
            key = (target.workload.namespace, target.account_name)
            by_account.setdefault(key, []).append(target)
        usable: list[_Target] = []
        for (namespace, name), group in by_account.items():
            account = f"ServiceAccount {namespace}/{name}"
            wanted = {t.identities[0][1].client_id for t in group}
            present = annotations_of(group[0].account.data) if group[0].account else {}
            annotated = present.get(CLIENT_ID)
            if len(wanted) > 1:
                users = ", ".join(
                    f"{t.workload.migration.title} ({t.identities[0][1].ref})" for t in group
                )
                reason = (
                    f"{account} would serve workloads bound to different identities "
                    f"({users}): give each its own ServiceAccount"
                )
            elif annotated not in (None, "") and annotated not in wanted:
                reason = (
                    f"{account} already has {CLIENT_ID} {annotated}, but the binding gives "
                    f"{next(iter(wanted))}: resolve this by hand"
                )
            else:
                usable += group
                continue
            for target in group:
                _fail(target.workload.migration, reason)
        return [t for t in targets if any(t is u for u in usable)]

    # -- edits -------------------------------------------------------------------------------

    def _migrate(self, target: _Target, done: set[tuple[str, str]]) -> bool:
        """Plan one workload's edits; True when its ``aadpodidbinding`` label goes."""
        workload = target.workload
        migration = workload.migration
        _, first = target.identities[0]
        assert first.client_id is not None
        migration.identity = first.ref
        migration.client_id = first.client_id
        migration.identity_id = first.resource_id
        migration.others = [
            Other(i.ref, i.client_id or "", f"{b.namespace}/{b.name}")
            for b, i in target.identities[1:]
        ]
        migration.service_account = f"{workload.namespace}/{target.account_name}"
        migration.account = "existing" if target.account is not None else "new"
        key = (workload.namespace, target.account_name)
        if key not in done:
            done.add(key)
            self._account(target, first.client_id)
        removes = self._template(target)
        migration.status = "migrated" if migration.changes else "unchanged"
        for _, identity in target.identities:
            client_id = identity.client_id or ""
            resource_id = None if identity.resource_id_problem else identity.resource_id
            trust = Subject(workload.namespace, target.account_name, client_id, resource_id)
            if trust not in self.result.trusts:
                self.result.trusts.append(trust)
        return removes

    def _account(self, target: _Target, client_id: str) -> None:
        migration = target.workload.migration
        wanted = {CLIENT_ID: client_id}
        tenant = self.options.tenant_id
        if target.account is None:
            if tenant:
                wanted[TENANT_ID] = tenant
            self._add_account(target, wanted)
            migration.changes.append(f"ServiceAccount {migration.service_account} added")
            return
        present = annotations_of(target.account.data)
        current_tenant = present.get(TENANT_ID)
        if tenant and current_tenant not in (None, ""):
            if current_tenant != tenant:
                migration.warnings.append(
                    f"ServiceAccount {migration.service_account} keeps its {TENANT_ID} "
                    f"{current_tenant}; --tenant-id {tenant} is not applied"
                )
        elif tenant:
            wanted[TENANT_ID] = tenant
        edits = _put(target.account.data, ("metadata", "annotations"), wanted)
        if edits:
            self._edit(target.account, edits)
            keys = ", ".join(k for k in wanted if present.get(k) != wanted[k])
            migration.changes.append(f"ServiceAccount {migration.service_account} annotated {keys}")

    def _add_account(self, target: _Target, annotations: dict[str, str]) -> None:
        workload = target.workload.resource
        metadata: dict[str, Any] = {"name": target.account_name}
        if workload.namespace:
            metadata["namespace"] = workload.namespace
        metadata["annotations"] = annotations
        data = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}
        if workload.prefix:
            # Inside a List the new account becomes the next item.
            items = workload.prefix[:-1]
            index = workload.prefix[-1]
            assert isinstance(index, int)
            self.result.edits.setdefault(workload.document, []).append(
                ed.Insert(items, index + 1, data)
            )
        else:
            self.result.accounts.append(NewAccount(workload, data))

    def _template(self, target: _Target) -> bool:
        workload = target.workload
        migration = workload.migration
        template, base = workload.template, workload.path
        metadata = as_map(template.get("metadata"))
        labels = as_map(metadata.get("labels"))
        edits: list[Edit] = []
        removes = self.options.remove_pod_identity and self._may_remove(workload)
        labels_path = base + ("metadata", "labels")
        if removes and set(labels) == {LABEL}:
            # A flow mapping cannot lose its only entry and gain one in a single splice.
            edits.append(ed.Replace(labels_path, {USE: "true"}))
        else:
            if removes:
                edits.append(ed.Delete(labels_path + (LABEL,)))
            edits += _put(workload.resource.data, labels_path, {USE: "true"})
        if labels.get(USE) != "true":
            migration.changes.append(f'label {USE}: "true"')
        if removes:
            migration.changes.append(f"label {LABEL} removed")
        edits += self._proxy(workload, metadata)
        edits += self._account_name(workload, target.account_name)
        self._edit(workload.resource, edits)
        return removes

    def _proxy(self, workload: _Workload, metadata: dict[str, Any]) -> list[Edit]:
        if not self.options.proxy:
            return []
        annotations = as_map(metadata.get("annotations"))
        value = annotations.get(INJECT_PROXY)
        path = workload.path + ("metadata", "annotations")
        if INJECT_PROXY not in annotations or value is True:
            workload.migration.changes.append(f'annotation {INJECT_PROXY}: "true"')
            return _put(workload.resource.data, path, {INJECT_PROXY: "true"})
        if not (isinstance(value, str) and value.lower() == "true"):
            workload.migration.warnings.append(
                f"the pod template keeps {INJECT_PROXY}: {value!r}, so it gets no proxy: "
                "applications that call IMDS stop getting tokens once aad-pod-identity goes"
            )
        return []

    def _account_name(self, workload: _Workload, name: str) -> list[Edit]:
        spec = as_map(workload.template.get("spec"))
        path = workload.path + ("spec",)
        edits: list[Edit] = []
        if spec.get("serviceAccountName") != name:
            edits += _put(workload.resource.data, path, {"serviceAccountName": name})
            workload.migration.changes.append(f"serviceAccountName: {name}")
        if "serviceAccount" in spec and spec["serviceAccount"] != name:
            # The deprecated alias would otherwise name the old account.
            edits.append(ed.Replace(path + ("serviceAccount",), name))
        return edits

    def _may_remove(self, workload: _Workload) -> bool:
        labels = as_map(as_map(workload.template.get("metadata")).get("labels"))
        users = sorted({s.owner for s in self.selectors if s.relies_on(labels, workload.namespace)})
        if users:
            workload.migration.warnings.append(
                f"label {LABEL} kept: {', '.join(users)} selects pods by it (change the "
                "selector first; a workload's selector cannot change in place)"
            )
        return not users

    def _edit(self, resource: Resource, edits: list[Edit]) -> None:
        if edits:
            self.result.edits.setdefault(resource.document, []).extend(
                ed.prefixed(resource.prefix, edits)
            )

    # -- removal and findings -------------------------------------------------------------------

    def _remove(self, labelled: list[_Workload]) -> None:
        kept = [
            b
            for b in self.bindings
            if any(self._matches(b, w.selector, w.namespace) for w in labelled)
        ]
        named = {(b.namespace, b.identity) for b in kept}
        self.result.removed = [b.resource for b in self.bindings if b not in kept] + [
            i.resource for key, i in self.identities.items() if key not in named
        ]

    def _findings(self) -> None:
        add = self.result.findings.append
        things: list[Identity | Binding] = [*self.identities.values(), *self.bindings]
        for thing in things:
            if thing.misspelt:
                add(Finding(thing.resource.title(self.options.namespace),
                            f"spells {', '.join(thing.misspelt)}: aad-pod-identity reads any "
                            "letter case, but an API server with its v1 CRD drops such fields; "
                            "migrated as written", thing.resource.location(("spec",))))
        for binding in self.bindings:
            where = binding.resource.location(("spec",))
            if binding.selector is None or binding.identity is None:
                add(Finding(binding.title, "has no spec.selector or spec.azureIdentity: "
                            "aad-pod-identity ignores it", where))
                continue
            if (binding.namespace, binding.identity) not in self.identities:
                add(Finding(binding.title, f"names AzureIdentity {binding.namespace}/"
                            f"{binding.identity}, which is in none of the inputs", where))
            if not any(
                self._matches(binding, w.selector, w.namespace) for w in self.workloads
            ):
                add(Finding(binding.title, f'selector "{binding.selector}" matches no '
                            "workload in the inputs", where))
        for identity in self.identities.values():
            if identity.resource_id_problem:
                add(Finding(f"AzureIdentity {identity.ref}", f"spec.resourceID: "
                            f"{identity.resource_id_problem}; federated credentials will look "
                            "the identity up by client id", identity.resource.location(("spec",))))
        named = {(b.namespace, b.identity) for b in self.bindings}
        for key, identity in self.identities.items():
            if key not in named:
                add(Finding(f"AzureIdentity {identity.ref}", "no AzureIdentityBinding names it",
                            identity.resource.location()))


# -- aad-pod-identity's objects ------------------------------------------------------------------


def _identity(resource: Resource, namespace: str) -> Identity:
    (kind, client_id, resource_id), misspelt = _fields(resource, ("type", "clientID", "resourceID"))
    behavior = annotations_of(resource.data).get(BEHAVIOR)
    return Identity(
        resource,
        namespace,
        resource.name,
        _identity_type(kind),
        _text(client_id),
        _text(resource_id),
        isinstance(behavior, str) and behavior.lower() == "namespaced",
        misspelt,
    )


def _fields(resource: Resource, names: tuple[str, ...]) -> tuple[list[Any], tuple[str, ...]]:
    """The values of ``spec.<name>``, and the keys found spelt otherwise than the CRD spells them."""
    spec = as_map(resource.data.get("spec"))
    values: list[Any] = []
    misspelt: list[str] = []
    for name in names:
        value, key = _field(spec, name)
        values.append(value)
        if key is not None and key != name:
            misspelt.append(f"spec.{key} (the CRD: spec.{name})")
    return values, tuple(misspelt)


def _identity_type(value: Any) -> int | None:
    # Go's zero value: an AzureIdentity without a type is a user-assigned identity.
    if value is None:
        return USER_ASSIGNED
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _unusable(binding: Binding, identity: Identity | None) -> str | None:
    if identity is None:
        return (
            f"{binding.title} names AzureIdentity {binding.namespace}/{binding.identity}, "
            "which is in none of the inputs: add it to the inputs, or remove the binding"
        )
    if identity.type != USER_ASSIGNED:
        kind = {1: "a service principal (type 1)", 2: "a service principal with a "
                "certificate (type 2)"}.get(identity.type or -1, "of an unknown type")
        return (
            f"AzureIdentity {identity.ref} is {kind}: only user-assigned managed identities "
            "(type 0) migrate this way; move the workload to a user-assigned identity, or "
            "federate the app registration by hand (federated-credential --target app)"
        )
    problem = client_id_problem(identity.client_id)
    if problem:
        return f"AzureIdentity {identity.ref}: spec.clientID: {problem}"
    return None


@dataclass(frozen=True)
class _Selector:
    """A label selector that names the ``aadpodidbinding`` label."""

    owner: str
    namespace: str | None  # None: it may pick pods of any namespace (affinity terms)
    labels: dict[str, Any]
    by_expression: bool

    def relies_on(self, labels: dict[str, Any], namespace: str) -> bool:
        """Whether removing the label from pods with ``labels`` could change what it picks."""
        if self.namespace is not None and self.namespace != namespace:
            return False
        # Expressions are not evaluated: any one naming the label counts (the safe side).
        return self.by_expression or all(labels.get(k) == v for k, v in self.labels.items())


def _selectors(resource: Resource, title: str, namespace: str) -> Iterator[_Selector]:
    """Every label selector in ``resource`` that names the ``aadpodidbinding`` label."""
    spec = as_map(resource.data.get("spec"))
    plain = resource.group == "" and resource.kind in ("Service", "ReplicationController")
    if plain and isinstance(spec.get("selector"), dict) and LABEL in spec["selector"]:
        yield _Selector(title, namespace, spec["selector"], False)
    for parent, selector in _label_selectors(resource.data):
        labels = as_map(selector.get("matchLabels"))
        expressions = selector.get("matchExpressions")
        by_expression = isinstance(expressions, list) and any(
            isinstance(e, dict) and e.get("key") == LABEL for e in expressions
        )
        if LABEL in labels or by_expression:
            anywhere = "namespaces" in parent or "namespaceSelector" in parent
            yield _Selector(title, None if anywhere else namespace, labels, by_expression)


def _label_selectors(data: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(the mapping holding it, the selector) for every LabelSelector-shaped mapping."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for value in item.values():
                if isinstance(value, dict) and ("matchLabels" in value or "matchExpressions" in value):
                    yield item, value
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


# -- small helpers -------------------------------------------------------------------------------


def _fail(migration: Migration, reason: str) -> None:
    migration.status = "not migrated"
    migration.reason = reason


def _single_json(resource: Resource) -> bool:
    return resource.document.source.is_json and not resource.prefix


def _put(data: dict[str, Any], path: Path, values: dict[str, Any]) -> list[Edit]:
    """Edits that make the mapping at ``path`` hold ``values``, creating it when missing."""
    parent: Any = data
    for depth, step in enumerate(path):
        if not isinstance(parent, dict) or step not in parent:
            return _put(data, path[:depth], _nest(path[depth:], values))
        if parent[step] is None:
            return [ed.Replace(path[: depth + 1], _nest(path[depth + 1 :], values))]
        parent = parent[step]
    if not isinstance(parent, dict):
        return []
    return [
        ed.AddKey(path, key, value) if key not in parent else ed.Replace(path + (key,), value)
        for key, value in values.items()
        if key not in parent or parent[key] != value
    ]


def _nest(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    for step in reversed(path):
        values = {str(step): values}
    return values


def _field(spec: dict[str, Any], name: str) -> tuple[Any, str | None]:
    """``spec[name]``, or a key spelt with other letter case, as Go's JSON decoding accepts."""
    if name in spec:
        return spec[name], name
    found = None
    for key in spec:
        if isinstance(key, str) and key.lower() == name.lower():
            found = key
    return (spec[found], found) if found is not None else (None, None)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
