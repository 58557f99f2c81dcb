"""Workload-identity keys that are there but in the wrong place, so they do nothing: the ``use``
label on a Deployment instead of its pod template, ``client_id`` for ``client-id``, a client id on
the pod or a Service instead of the ServiceAccount, the proxy where it cannot run. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..identity import names as wi
from ..identity import trigger
from ..kube.accounts import Accounts
from ..kube.objects import as_map, dig
from ..kube.workloads import template_path
from ..manifest.stream import Path, Resource
from ..validate.findings import Finding, Severity, on, title
from ..validate.identitychecks import Workload, workload
from .rules import CHECKS

ACCOUNT_ONLY = (wi.CLIENT_ID, wi.TENANT_ID)
POD_ONLY = (wi.INJECT_PROXY, wi.PROXY_PORT, wi.SKIP_CONTAINERS)
KNOWN = (wi.USE, *ACCOUNT_ONLY, *POD_ONLY, wi.TOKEN_EXPIRATION)
_SQUASHED = {re.sub(r"[^a-z0-9]", "", k[len(wi.PREFIX):].lower()): k for k in KNOWN}
_WINDOWS = "kubernetes.io/os"


def check(resources: list[Resource], accounts: Accounts, *, namespace: str) -> list[Finding]:
    """Every workload-identity key of the inputs that is in a place nothing reads it from."""
    findings: list[Finding] = []
    for resource in resources:
        findings += _misspelled(resource, namespace)
        pod = workload(resource, namespace)
        if resource.kind == "ServiceAccount" and resource.group == "":
            findings += _on_account(resource, namespace)
        elif resource.kind == "Service" and resource.group == "":
            findings += _on_service(resource, namespace)
        if pod is not None:
            account = accounts.get(pod.namespace, pod.account)
            triggered = trigger.is_triggered(pod.template, account.data if account else None)
            findings += _on_template(pod, triggered)
            findings += _on_workload(resource, pod, triggered, namespace)
            findings += _proxy(pod) if triggered else []
    return findings


def _keys(resource: Resource) -> Iterator[tuple[Path, str, Any]]:
    """(path of the map, key, value) of every label and annotation of the object and its pod
    template."""
    paths: list[Path] = [("metadata",)]
    inner = template_path(resource.group, resource.kind)
    if inner:
        paths.append((*inner, "metadata"))
    for path in paths:
        for field in ("labels", "annotations"):
            for key, value in as_map(dig(resource.data, (*path, field))).items():
                yield (*path, field), str(key), value


def _misspelled(resource: Resource, namespace: str) -> list[Finding]:
    findings = []
    for path, key, _ in _keys(resource):
        if not key.lower().startswith(wi.PREFIX) or key in KNOWN:
            continue
        meant = _SQUASHED.get(re.sub(r"[^a-z0-9]", "", key[len(wi.PREFIX):].lower()))
        if meant is not None:
            findings.append(_finding(
                resource, (*path, key), "key-misspelled", namespace,
                f"{title(resource, namespace)} has {key!r}, which nothing reads: the key is "
                f"{meant!r} exactly: rename it", key=True))
    return findings


def _on_account(account: Resource, namespace: str) -> list[Finding]:
    findings = []
    meta = account.metadata
    for key in POD_ONLY:
        if key in as_map(meta.get("annotations")):
            findings.append(_finding(
                account, ("metadata", "annotations", key), "annotation-misplaced", namespace,
                f"{title(account, namespace)} has {key}, which is read only from the pod "
                "template: move it to the pods that run as this ServiceAccount", key=True))
    for key in ACCOUNT_ONLY:
        if key in as_map(meta.get("labels")):
            findings.append(_finding(
                account, ("metadata", "labels", key), "annotation-misplaced", namespace,
                f"{title(account, namespace)} has {key} as a label; it is read only from the "
                "annotations: move it to metadata.annotations", key=True))
    if wi.USE in as_map(meta.get("annotations")):
        findings.append(_finding(
            account, ("metadata", "annotations", wi.USE), "use-misplaced", namespace,
            f"{title(account, namespace)} has {wi.USE} as an annotation; it is a label: move it "
            "to metadata.labels (better: on the pod template, where the webhook looks)", key=True))
    return findings


def _on_service(service: Resource, namespace: str) -> list[Finding]:
    return [
        _finding(service, (*path, key), "annotation-misplaced", namespace,
                 f"{title(service, namespace)} has {key}, but a Service is not read for workload "
                 f"identity: move it to {_home(key)}", key=True)
        for path, key, _ in _keys(service) if key in KNOWN
    ]


def _home(key: str) -> str:
    if key in ACCOUNT_ONLY:
        return "the annotations of the ServiceAccount the pods run as"
    if key == wi.USE:
        return "the labels of the pod template (spec.template.metadata.labels)"
    return "the annotations of the pod template (spec.template.metadata.annotations)"


def _on_template(pod: Workload, triggered: bool) -> list[Finding]:
    findings = []
    annotations = pod.annotations
    for key in ACCOUNT_ONLY:
        if key in annotations:
            findings.append(pod.finding(
                ("metadata", "annotations", key), "error", "annotation-misplaced",
                f"{pod.title}'s pod has {key}, which is read only from the ServiceAccount: move "
                f"it to ServiceAccount {pod.namespace}/{pod.account} ({CHECKS['annotation-misplaced'].code})"))
    if wi.USE in annotations:
        findings.append(pod.finding(
            ("metadata", "annotations", wi.USE), "warning" if triggered else "error",
            "use-misplaced",
            f"{pod.title}'s pod has {wi.USE} as an annotation; the webhook selects pods by the "
            f"label: move it to metadata.labels ({CHECKS['use-misplaced'].code})"))
    return findings


def _on_workload(resource: Resource, pod: Workload, triggered: bool,
                 namespace: str) -> list[Finding]:
    if not pod.path:  # a Pod: its own metadata is the template's
        return []
    findings = []
    meta = resource.metadata
    if wi.USE in as_map(meta.get("labels")):
        severity: Severity = "warning" if triggered else "error"
        findings.append(_finding(
            resource, ("metadata", "labels", wi.USE), "use-misplaced", namespace,
            f"{pod.title} has {wi.USE} on its own metadata, which the webhook never sees: it "
            "selects the pods: move it to spec.template.metadata.labels"
            + (" (here the ServiceAccount's label triggers injection anyway)" if triggered else ""),
            key=True, severity=severity))
    for key in KNOWN:
        if key != wi.USE and key in as_map(meta.get("annotations")):
            findings.append(_finding(
                resource, ("metadata", "annotations", key), "annotation-misplaced", namespace,
                f"{pod.title} has {key} on its own metadata, which nothing reads: move it to "
                f"{_home(key)}", key=True))
    return findings


def _proxy(pod: Workload) -> list[Finding]:
    if not trigger.wants_proxy(pod.annotations):
        return []
    spec = as_map(pod.template.get("spec"))
    findings = []
    if spec.get("hostNetwork") is True:
        findings.append(pod.finding(
            ("spec", "hostNetwork"), "error", "proxy-host-network",
            f"{pod.title} asks for the proxy sidecar and has hostNetwork: true: its iptables "
            "rules would redirect the metadata traffic of the whole node: remove one of them "
            f"({CHECKS['proxy-host-network'].code})"))
    selector: Mapping[str, Any] = as_map(spec.get("nodeSelector"))
    if selector.get(_WINDOWS) == "windows":
        findings.append(pod.finding(
            ("spec", "nodeSelector", _WINDOWS), "error", "proxy-windows",
            f"{pod.title} asks for the proxy sidecar on Windows nodes: the proxy and its init "
            "container are Linux images that set iptables rules, so the pod cannot start them: "
            f"drop {wi.INJECT_PROXY} and use an Azure Identity SDK that reads "
            f"AZURE_FEDERATED_TOKEN_FILE ({CHECKS['proxy-windows'].code})"))
    return findings


def _finding(resource: Resource, path: Path, rule: str, namespace: str, text: str, *,
             key: bool = False, severity: Severity | None = None) -> Finding:
    code = CHECKS[rule].code
    return on(resource, path, severity or CHECKS[rule].severity, rule, f"{text} ({code})",
              namespace=namespace, key=key)
