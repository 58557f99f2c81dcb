"""The webhook's mutation as a pure function: one pod template + its ServiceAccount -> edits.

It follows Azure/azure-workload-identity pkg/webhook (v1.6.0) with the deviations the project
chose (the v1.0-v1.5 token layout, ``inject-proxy-sidecar: "false"`` meaning no proxy, the native
sidecar placed before user init containers, UID 1501 for the proxy). What we add is recorded in
one annotation, so that a later run replaces its own additions instead of stacking new ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..identity import endpoint
from ..identity.names import (
    CLIENT_ID,
    DEFAULT_PORT,
    INJECT_PROXY,
    PROXY,
    PROXY_INIT,
    PROXY_PORT,
    PROXY_UID,
    SKIP_CONTAINERS,
    TENANT_ID,
    TOKEN_EXPIRATION,
    TOKEN_FILE,
)
from ..identity.trigger import wants_proxy
from ..kube.objects import checked_annotations as _annotations
from ..kube.objects import checked_map as _map
from ..manifest.edits import Edit
from ..options import InjectSettings
from .plan import Plan, Problem

MIN_EXPIRATION, MAX_EXPIRATION, DEFAULT_EXPIRATION = 3600, 86400, 3600

_GO_INT = re.compile(r"[+-]?[0-9]+")


@dataclass
class Outcome:
    status: Literal["injected", "unchanged"]
    proxy: bool
    edits: list[Edit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def inject(
    template: dict[str, Any], account: dict[str, Any], settings: InjectSettings
) -> Outcome | list[Problem]:
    """The edits that make ``template`` what the webhook would make it, or why it cannot be."""
    problems: list[Problem] = []
    annotations = _annotations(template)
    spec = _map(template.get("spec"))
    proxy = wants_proxy(annotations)
    port = _proxy_port(annotations, problems) if proxy else DEFAULT_PORT
    if proxy and spec.get("hostNetwork") is True:
        problems.append(
            Problem(
                ("spec", "hostNetwork"),
                f"{INJECT_PROXY} cannot be used with hostNetwork: true: the proxy's iptables "
                "rules would redirect the whole node's metadata traffic; remove one of them",
            )
        )
    expiration = _expiration(annotations, _annotations(account), problems)
    tenant = _tenant(account, settings)
    if not tenant:
        problems.append(
            Problem(
                (),
                "no tenant ID: annotate the ServiceAccount with "
                f"{TENANT_ID}, or pass --tenant-id (or set AZURE_TENANT_ID)",
            )
        )
    client_id = _annotations(account).get(CLIENT_ID)
    env = [
        ("AZURE_CLIENT_ID", client_id if isinstance(client_id, str) else ""),
        ("AZURE_TENANT_ID", tenant or ""),
        ("AZURE_FEDERATED_TOKEN_FILE", TOKEN_FILE),
        ("AZURE_AUTHORITY_HOST", settings.authority_host),
    ]
    custom = _custom_endpoint(settings, annotations, problems)
    if custom:
        env += endpoint.env(settings.endpoint)
    plan = Plan(template, [(n, v) for n, v in env if v], skip_containers(annotations))
    sidecars = _sidecars(settings, port) if proxy else {}
    problems += plan.containers(sidecars, settings.native_sidecar)  # every problem, not the first
    if problems:
        return problems
    if custom:  # the token is for the endpoint, which may need its CA in the volume
        plan.volume(expiration, settings.endpoint.audience or settings.audience,
                    endpoint.ca_sources(settings.endpoint))
    else:
        plan.volume(expiration, settings.audience)
    plan.marker()
    outcome = Outcome("injected" if plan.edits else "unchanged", proxy, plan.edits)
    if not client_id:
        outcome.warnings.append(
            f"the ServiceAccount has no {CLIENT_ID} annotation: AZURE_CLIENT_ID is not set"
        )
    return outcome


def skip_containers(annotations: dict[str, Any]) -> frozenset[str]:
    value = annotations.get(SKIP_CONTAINERS)
    if not isinstance(value, str) or not value:
        return frozenset()
    return frozenset(name.strip() for name in value.split(";"))


# -- reading annotations ---------------------------------------------------------------------


def _proxy_port(annotations: dict[str, Any], problems: list[Problem]) -> int:
    value = annotations.get(PROXY_PORT)
    if value is None:
        return DEFAULT_PORT
    if isinstance(value, str) and _GO_INT.fullmatch(value) and 1 <= int(value) <= 65535:
        return int(value)
    problems.append(
        Problem(
            ("metadata", "annotations", PROXY_PORT),
            f"{PROXY_PORT} is {value!r}: it must be a port number from 1 to 65535, as a string",
        )
    )
    return DEFAULT_PORT


def _expiration(
    pod: dict[str, Any], account: dict[str, Any], problems: list[Problem]
) -> int:
    for found, where in ((pod, "the pod template"), (account, "the ServiceAccount")):
        value = found.get(TOKEN_EXPIRATION)
        if value is None or value == "":
            continue
        if isinstance(value, str) and _GO_INT.fullmatch(value):
            seconds = int(value)
            if MIN_EXPIRATION <= seconds <= MAX_EXPIRATION:
                return seconds
        problems.append(
            Problem(
                ("metadata", "annotations", TOKEN_EXPIRATION),
                f"{TOKEN_EXPIRATION} on {where} is {value!r}: it must be a whole number of "
                f"seconds from {MIN_EXPIRATION} to {MAX_EXPIRATION}, as a string",
                on_account=found is account,
            )
        )
        return DEFAULT_EXPIRATION
    return DEFAULT_EXPIRATION


def _custom_endpoint(
    settings: InjectSettings, annotations: dict[str, Any], problems: list[Problem]
) -> bool:
    key = endpoint.annotation(settings.endpoint)
    value = annotations.get(key) if key else None
    if key and value is not None and not isinstance(value, str):
        problems.append(
            Problem(
                ("metadata", "annotations", key),
                f"{key} is {value!r}: annotation values are strings: write \"true\" (quoted)",
            )
        )
    return endpoint.asked_for(settings.endpoint, annotations)


def _tenant(account: dict[str, Any], settings: InjectSettings) -> str | None:
    value = _annotations(account).get(TENANT_ID)
    if isinstance(value, str) and value:
        return value
    return settings.tenant_id or None


# -- the proxy containers ----------------------------------------------------------------


def _sidecars(settings: InjectSettings, port: int) -> dict[str, dict[str, Any]]:
    init = {
        "name": PROXY_INIT,
        "image": settings.proxy_init_image,
        "imagePullPolicy": "IfNotPresent",
        "env": [{"name": "PROXY_PORT", "value": str(port)}],
        "securityContext": {
            "capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
            "privileged": True,
            "runAsNonRoot": False,
            "runAsUser": 0,
        },
    }
    proxy: dict[str, Any] = {
        "name": PROXY,
        "image": settings.proxy_image,
        "imagePullPolicy": "IfNotPresent",
        "args": [f"--proxy-port={port}", f"--log-level={settings.log_level}"],
        "ports": [{"containerPort": port}],
        "lifecycle": {
            "postStart": {
                "exec": {
                    "command": [
                        "/proxy",
                        f"--proxy-port={port}",
                        "--probe",
                        f"--log-level={settings.log_level}",
                    ]
                }
            }
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": PROXY_UID,
        },
    }
    if settings.native_sidecar:
        proxy["restartPolicy"] = "Always"
    return {PROXY_INIT: init, PROXY: proxy}
