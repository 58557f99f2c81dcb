"""An independent, data-level statement of the injection rules, used to judge the real output.

It mutates plain dicts the way the upstream webhook mutates a Pod (pkg/webhook/webhook.go,
v1.6.0), with the deviations issue 2 chose, and knows nothing of text, edits or markers.
"""

from __future__ import annotations

import copy
from typing import Any

P = "azure.workload.identity/"
MARKER = "wi-transform.azure.workload.identity/injected"
MOUNT = {"name": "azure-identity-token", "mountPath": "/var/run/secrets/azure/tokens", "readOnly": True}


def expected(
    template: dict[str, Any],
    account: dict[str, Any],
    *,
    tenant: str | None,
    authority: str = "https://login.microsoftonline.com/",
    native: bool = True,
    proxy_image: str = "mcr.microsoft.com/oss/azure/workload-identity/proxy:v1.6.0",
    init_image: str = "mcr.microsoft.com/oss/azure/workload-identity/proxy-init:v1.6.0",
) -> dict[str, Any]:
    pod = copy.deepcopy(template)
    meta = pod.setdefault("metadata", {}) or {}
    annotations = meta.get("annotations") or {}
    sa_annotations = (account.get("metadata") or {}).get("annotations") or {}
    spec = pod["spec"]
    names = {c["name"] for c in (spec.get("initContainers") or []) + spec["containers"]}
    proxy_value = annotations.get(P + "inject-proxy-sidecar")
    if proxy_value is not None and proxy_value.lower() != "false":
        port = int(annotations.get(P + "proxy-sidecar-port", "8000"))
        init = {
            "name": "azwi-proxy-init", "image": init_image, "imagePullPolicy": "IfNotPresent",
            "env": [{"name": "PROXY_PORT", "value": str(port)}],
            "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
                                "privileged": True, "runAsNonRoot": False, "runAsUser": 0},
        }
        sidecar: dict[str, Any] = {
            "name": "azwi-proxy", "image": proxy_image, "imagePullPolicy": "IfNotPresent",
            "args": [f"--proxy-port={port}", "--log-level=info"],
            "ports": [{"containerPort": port}],
            "lifecycle": {"postStart": {"exec": {"command": [
                "/proxy", f"--proxy-port={port}", "--probe", "--log-level=info"]}}},
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                "privileged": False, "readOnlyRootFilesystem": True,
                                "runAsNonRoot": True, "runAsUser": 1501},
        }
        inits = list(spec.get("initContainers") or [])
        if native:
            sidecar["restartPolicy"] = "Always"
            front = [c for c in (init, sidecar) if c["name"] not in names]
            spec["initContainers"] = front + inits
        else:
            if init["name"] not in names:
                spec["initContainers"] = inits + [init]
            if sidecar["name"] not in names:
                spec["containers"] = [sidecar] + spec["containers"]
    expiration = int(annotations.get(P + "service-account-token-expiration")
                     or sa_annotations.get(P + "service-account-token-expiration") or 3600)
    tenant_id = sa_annotations.get(P + "tenant-id") or tenant
    env = [("AZURE_CLIENT_ID", sa_annotations.get(P + "client-id", "")),
           ("AZURE_TENANT_ID", tenant_id or ""),
           ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"),
           ("AZURE_AUTHORITY_HOST", authority)]
    skip = {s.strip() for s in (annotations.get(P + "skip-containers") or "").split(";") if s}
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or []:
            if container["name"] in skip:
                continue
            present = {e["name"] for e in container.get("env") or []}
            added = [{"name": n, "value": v} for n, v in env if n not in present and v]
            if added:
                container["env"] = (container.get("env") or []) + added
            mounts = list(container.get("volumeMounts") or [])
            for i, m in enumerate(mounts):
                if m["name"] == MOUNT["name"]:
                    mounts[i] = dict(MOUNT)
                    break
            else:
                mounts.append(dict(MOUNT))
            container["volumeMounts"] = mounts
    volume = {"name": "azure-identity-token", "projected": {"sources": [{"serviceAccountToken": {
        "path": "azure-identity-token", "expirationSeconds": expiration,
        "audience": "api://AzureADTokenExchange"}}]}}
    volumes = list(spec.get("volumes") or [])
    for i, v in enumerate(volumes):
        if v["name"] == volume["name"]:
            volumes[i] = volume
            break
    else:
        volumes.append(volume)
    spec["volumes"] = volumes
    return pod


def without_marker(template: dict[str, Any], had_annotations: bool) -> dict[str, Any]:
    """The template with our marker annotation taken out (and an emptied map removed)."""
    pod = copy.deepcopy(template)
    meta = pod.get("metadata") or {}
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(MARKER, None)
        if not annotations and not had_annotations:
            del meta["annotations"]
    if meta == {} and "metadata" in pod and not had_annotations:
        pass
    return pod
