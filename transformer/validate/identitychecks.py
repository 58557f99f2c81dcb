"""Workload-identity checks that need more than one value: container names, and the whole
input set (ServiceAccounts, namespaces, the workloads that use them). Pure: resources in,
findings out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..identity import names as wi
from ..identity import trigger
from ..kube.accounts import Accounts
from ..kube.objects import annotations_of, as_list, as_map, labels_of
from ..kube.workloads import pod_template
from ..manifest.stream import Path, Resource
from .findings import Finding, on, title

PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
_REJECTING_LEVELS = ("baseline", "restricted")


@dataclass
class Workload:
    """A pod template and where it stands."""

    resource: Resource
    path: Path
    template: dict[str, Any]
    namespace: str
    title: str
    account: str = field(init=False)

    def __post_init__(self) -> None:
        self.account = trigger.service_account_name(self.template)

    @property
    def annotations(self) -> dict[str, Any]:
        return annotations_of(self.template)

    def finding(self, path: Path, severity: Any, rule: str, message: str) -> Finding:
        return on(self.resource, self.path + path, severity, rule, message, namespace=self.namespace)


def workload(resource: Resource, namespace: str) -> Workload | None:
    """The pod template of ``resource``, None for objects that have none."""
    found = pod_template(resource)
    if found is None:
        return None
    path, template = found
    ns = resource.namespace or namespace
    return Workload(resource, path, template, ns, title(resource, namespace))


def skip_containers(pod: Workload) -> list[Finding]:
    """``skip-containers`` must name containers of the pod (or the proxy we inject)."""
    value = pod.annotations.get(wi.SKIP_CONTAINERS)
    if not isinstance(value, str):
        return []
    spec = as_map(pod.template.get("spec"))
    present = [
        str(c["name"]) for f in ("initContainers", "containers") for c in as_list(spec.get(f))
        if isinstance(c, dict) and isinstance(c.get("name"), str)
    ]
    allowed = set(present) | {wi.PROXY, wi.PROXY_INIT}
    missing = [n.strip() for n in value.split(";") if n.strip() and n.strip() not in allowed]
    return [
        pod.finding(
            ("metadata", "annotations", wi.SKIP_CONTAINERS), "error", "wi-skip-containers",
            f"annotation {wi.SKIP_CONTAINERS} of {pod.title} names container {name!r}, "
            f"which it does not have (containers: {', '.join(present) or 'none'}): "
            "fix the name or remove it from the list",
        )
        for name in missing
    ]


def custom_endpoint(pod: Workload, suffix: str | None) -> list[Finding]:
    """``use-S`` annotations: each must be the one the webhook is configured for, or it does
    nothing (upstream looks up exactly ``azure.workload.identity/use-`` + its suffix)."""
    configured = wi.CUSTOM_ENDPOINT_PREFIX + suffix if suffix else None
    findings: list[Finding] = []
    for key in pod.annotations:
        if not isinstance(key, str) or not key.startswith(wi.CUSTOM_ENDPOINT_PREFIX):
            continue
        if key == configured:
            continue
        asked = key.removeprefix(wi.CUSTOM_ENDPOINT_PREFIX)
        if configured is None:
            why = ("but no custom token endpoint is configured: the webhook acts on it only when "
                   f"it runs with --custom-token-endpoint-annotation-suffix={asked}: when yours "
                   "does, pass that flag to validate and inject too; else remove the annotation")
        else:
            why = (f"but the custom token endpoint configured is {configured} "
                   "(--custom-token-endpoint-annotation-suffix): this one does nothing: rename "
                   "it, or fix the suffix")
        findings.append(pod.finding(
            ("metadata", "annotations", key), "warning", "wi-custom-endpoint-unconfigured",
            f"annotation {key} of {pod.title} asks for a custom token endpoint, {why}",
        ))
    return findings


def cross_object(
    resources: Iterable[Resource], accounts: Accounts, *, namespace: str
) -> list[Finding]:
    """Checks over the whole input set: ServiceAccounts, proxies, namespaces."""
    items = list(resources)
    enforced = _enforced_levels(items)
    findings: list[Finding] = []
    used: set[tuple[str, str]] = set()
    for resource in items:
        pod = workload(resource, namespace)
        if pod is None:
            continue
        used.add((pod.namespace, pod.account))
        findings += _account(pod, accounts)
        findings += _proxy(pod, accounts, enforced)
    findings += _unused(items, accounts, used, namespace)
    return findings


def _account(pod: Workload, accounts: Accounts) -> list[Finding]:
    account = accounts.get(pod.namespace, pod.account)
    if not trigger.is_triggered(pod.template, account.data if account else None):
        return []
    where: Path = (
        ("spec", "serviceAccountName") if "serviceAccountName" in as_map(pod.template.get("spec"))
        else ("metadata", "labels", wi.USE)
    )
    if account is None:
        return [pod.finding(
            where, "warning", "wi-account-missing",
            f"{pod.title} uses ServiceAccount {pod.namespace}/{pod.account}, which is in none of "
            "the inputs, so its client-id cannot be checked: add its manifest to the inputs or "
            "point --service-accounts at the file or directory that has it",
        )]
    client_id = annotations_of(account.data).get(wi.CLIENT_ID)
    if client_id is not None:
        return []
    return [pod.finding(
        where, "error", "wi-account-client-id",
        f"{pod.title} uses ServiceAccount {pod.namespace}/{pod.account} ({account.location()}), "
        f"which has no {wi.CLIENT_ID} annotation, so AZURE_CLIENT_ID would not be set: "
        "annotate the ServiceAccount with the client ID of its managed identity",
    )]


def _proxy(
    pod: Workload, accounts: Accounts, enforced: dict[str, tuple[str, Resource]]
) -> list[Finding]:
    if not trigger.wants_proxy(pod.annotations):
        return []
    findings: list[Finding] = []
    if as_map(pod.template.get("spec")).get("hostNetwork") is True:
        findings.append(pod.finding(
            ("spec", "hostNetwork"), "error", "wi-proxy-host-network",
            f"{pod.title} asks for the proxy sidecar ({wi.INJECT_PROXY}) and has "
            "hostNetwork: true: the proxy's iptables rules would redirect the metadata traffic "
            "of the whole node: remove one of them",
        ))
    account = accounts.get(pod.namespace, pod.account)
    level, guarded = enforced.get(pod.namespace, ("", None))
    if guarded is not None and trigger.is_triggered(pod.template, account.data if account else None):
        findings.append(pod.finding(
            ("metadata", "annotations", wi.INJECT_PROXY), "error", "wi-proxy-pod-security",
            f"{pod.title} gets the proxy sidecar, but Namespace {pod.namespace} enforces Pod "
            f"Security {level!r} ({guarded.location(('metadata', 'labels', PSA_ENFORCE))}): "
            f"the injected init container {wi.PROXY_INIT} needs NET_ADMIN and runs "
            f"privileged, which {level!r} forbids, so admission will reject the pod: run it in "
            f"a namespace labelled {PSA_ENFORCE}: privileged, or drop {wi.INJECT_PROXY} and "
            "use an Azure Identity SDK that reads AZURE_FEDERATED_TOKEN_FILE",
        ))
    return findings


def _unused(
    items: list[Resource], accounts: Accounts, used: set[tuple[str, str]], namespace: str
) -> list[Finding]:
    findings: list[Finding] = []
    for resource in items:
        if resource.kind != "ServiceAccount" or resource.group != "" or not resource.name:
            continue
        if labels_of(resource.data).get(wi.USE) != "true":
            continue
        if accounts.key(resource) in used:
            continue
        findings.append(on(
            resource, ("metadata", "labels", wi.USE), "info", "wi-account-unused",
            f"{title(resource, namespace)} has the {wi.USE} label, but no workload in the "
            "inputs runs as it (spec.serviceAccountName): nothing uses its identity here",
            namespace=namespace,
        ))
    return findings


def _enforced_levels(items: list[Resource]) -> dict[str, tuple[str, Resource]]:
    """Namespaces whose Pod Security level rejects privileged containers, by name."""
    levels: dict[str, tuple[str, Resource]] = {}
    for resource in items:
        if resource.kind != "Namespace" or resource.group != "" or not resource.name:
            continue
        level = labels_of(resource.data).get(PSA_ENFORCE)
        if level in _REJECTING_LEVELS:
            levels[resource.name] = (str(level), resource)
    return levels
