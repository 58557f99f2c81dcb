"""The upstream webhook tests' fixtures (pkg/webhook/webhook_test.go, v1.6.0) as manifests, and
what the webhook would make of them, in our token layout (issue 2, ▲ deviations noted inline).

A table's cases go to the CLI as one manifest stream, one object per case, named after it;
each test then reads its own object back from the output or its own line from the errors.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import run_cli

P = "azure.workload.identity/"
USE = P + "use"
CLIENT_ID = P + "client-id"
TENANT_ID = P + "tenant-id"
EXPIRATION = P + "service-account-token-expiration"
SKIP = P + "skip-containers"
INJECT_PROXY = P + "inject-proxy-sidecar"
PROXY_PORT = P + "proxy-sidecar-port"
MARKER = "wi-transform." + P + "injected"

PUBLIC = "https://login.microsoftonline.com/"
AUDIENCE = "api://AzureADTokenExchange"
# ▲ the v1.0-v1.5 layout: upstream v1.6.0 mounts a per-pod "azure-workload-identity-reserved-<hash>"
# volume at /var/run/secrets/azure/wi with the token at token/azure-identity-token.
TOKEN_VOLUME = "azure-identity-token"
MOUNT_PATH = "/var/run/secrets/azure/tokens"
TOKEN_FILE = f"{MOUNT_PATH}/azure-identity-token"
MOUNT = {"name": TOKEN_VOLUME, "mountPath": MOUNT_PATH, "readOnly": True}

Obj = dict[str, Any]


def slug(case: str) -> str:
    """An upstream case name as a Kubernetes object name (unique: a hash of it ends it)."""
    digest = hashlib.sha1(case.encode()).hexdigest()[:6]
    return re.sub(r"[^a-z0-9]+", "-", case.lower()).strip("-")[:55].rstrip("-") + "-" + digest


def service_account(
    name: str, annotations: dict[str, str] | None = None, *, use: bool = False, namespace: str = "ns1"
) -> Obj:
    metadata: Obj = {"name": name, "namespace": namespace}
    if use:
        metadata["labels"] = {USE: "true"}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}


def container(name: str, image: str, **fields: Any) -> Obj:
    return {"name": name, "image": image, **fields}


def pod(
    name: str,
    *,
    service_account_name: str = "sa",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    init_containers: list[Obj] | None = None,
    containers: list[Obj] | None = None,
    host_network: bool = False,
    volumes: list[Obj] | None = None,
    use: bool = True,
) -> Obj:
    """upstream newPod(): one init container and one container, unless told otherwise
    (``init_containers=[]``: none)."""
    metadata: Obj = {"name": name, "namespace": "ns1"}
    labels = {**({USE: "true"} if use else {}), **(labels or {})}
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = dict(annotations)
    spec: Obj = {}
    if service_account_name:
        spec["serviceAccountName"] = service_account_name
    inits = (
        [container("init-container", "init-container-image")]
        if init_containers is None
        else init_containers
    )
    if inits:
        spec["initContainers"] = inits
    spec["containers"] = [container("container", "image")] if containers is None else containers
    if host_network:
        spec["hostNetwork"] = True
    if volumes is not None:
        spec["volumes"] = volumes
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def azure_env(
    client_id: str | None = "clientID", tenant_id: str = "tenantID", host: str = PUBLIC
) -> list[Obj]:
    """The variables the webhook appends, in its order; an empty value is not added."""
    env = [
        ("AZURE_CLIENT_ID", client_id),
        ("AZURE_TENANT_ID", tenant_id),
        ("AZURE_FEDERATED_TOKEN_FILE", TOKEN_FILE),
        ("AZURE_AUTHORITY_HOST", host),
    ]
    return [{"name": n, "value": v} for n, v in env if v]


def mutated(original: Obj, env: list[Obj] | None = None) -> Obj:
    """What mutateContainers makes of a container: missing variables appended, the mount added."""
    out = copy.deepcopy(original)
    present = {e["name"] for e in out.get("env", [])}
    added = [e for e in (azure_env() if env is None else env) if e["name"] not in present]
    if out.get("env") or added:
        out["env"] = out.get("env", []) + added
    out["volumeMounts"] = [m for m in out.get("volumeMounts", []) if m["name"] != TOKEN_VOLUME]
    out["volumeMounts"].append(dict(MOUNT))
    return out


def token_volume(seconds: int = 3600) -> Obj:
    source = {"path": "azure-identity-token", "expirationSeconds": seconds, "audience": AUDIENCE}
    return {"name": TOKEN_VOLUME, "projected": {"sources": [{"serviceAccountToken": source}]}}


def proxy_init(port: int, image: str) -> Obj:
    """upstream's proxyInitContainer (TestInjectProxyInitContainer)."""
    return {
        "name": "azwi-proxy-init",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "securityContext": {
            "capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
            "privileged": True,
            "runAsNonRoot": False,
            "runAsUser": 0,
        },
        "env": [{"name": "PROXY_PORT", "value": str(port)}],
    }


def proxy_sidecar(port: int, image: str, log_level: str, *, native: bool, ours: bool = True) -> Obj:
    """upstream's proxySidecarContainer (TestInjectProxySidecarContainer); ``ours`` adds
    ▲ runAsUser 1501, the UID the init container's iptables rules exempt."""
    security: Obj = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
    }
    if ours:
        security["runAsUser"] = 1501
    sidecar: Obj = {
        "name": "azwi-proxy",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": [f"--proxy-port={port}", f"--log-level={log_level}"],
        "ports": [{"containerPort": port}],
        "lifecycle": {
            "postStart": {
                "exec": {
                    "command": [
                        "/proxy",
                        f"--proxy-port={port}",
                        "--probe",
                        f"--log-level={log_level}",
                    ]
                }
            }
        },
        "securityContext": security,
    }
    if native:
        sidecar["restartPolicy"] = "Always"
    return sidecar


@dataclass
class Injected:
    """One `wi-transform inject` run over a stream written to ``path``."""

    code: int
    stdout: bytes
    stderr: str
    path: Path
    text: str

    def objects(self) -> dict[tuple[str, str], Obj]:
        assert self.code == 0, self.stderr
        docs = [d for d in yaml.safe_load_all(self.stdout) if d]
        return {(d["kind"], d["metadata"]["name"]): d for d in docs}

    def pod_spec(self, name: str) -> Obj:
        spec: Obj = self.objects()[("Pod", name)]["spec"]
        return spec

    def pod_annotations(self, name: str) -> dict[str, str]:
        metadata = self.objects()[("Pod", name)]["metadata"]
        return dict(metadata.get("annotations") or {})

    def report_block(self, title: str) -> list[str]:
        """The report line of ``title`` and the warning lines under it."""
        lines = self.stderr.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith(title + ": ")]
        assert len(starts) == 1, f"{title} reported {len(starts)} times:\n{self.stderr}"
        block = [lines[starts[0]]]
        for line in lines[starts[0] + 1 :]:
            if not line.startswith("  "):
                break
            block.append(line)
        return block

    def errors_about(self, title: str) -> list[str]:
        assert self.code == 3, f"expected bad input (3), got {self.code}:\n{self.stderr}"
        assert self.stdout == b"", "nothing may be printed on stdout when an input fails"
        return [line for line in self.stderr.splitlines() if f"{title}:" in line or f"{title} " in line]

    def position(self, name: str, needle: str) -> tuple[int, int]:
        """Line and column (1-based) of the value after ``needle`` in the object named ``name``."""
        lines = self.text.splitlines()
        start = next(i for i, line in enumerate(lines) if line == f"  name: {name}")
        for number in range(start, len(lines)):
            column = lines[number].find(needle)
            if column >= 0:
                value = column + len(needle)
                while lines[number][value] in ": ":
                    value += 1
                return number + 1, value + 1
        raise AssertionError(f"{needle!r} not in object {name}")


def contains(original: Any, out: Any) -> bool:
    """Whether ``out`` keeps everything of ``original``: what upstream's "no remove patches"
    means, judged on the objects so that it holds for any layout (block, flow, JSON)."""
    if isinstance(original, dict):
        return isinstance(out, dict) and all(
            k in out and contains(v, out[k]) for k, v in original.items()
        )
    if isinstance(original, list):
        if not isinstance(out, list):
            return False
        rest = iter(out)
        return all(any(contains(item, candidate) for candidate in rest) for item in original)
    return bool(original == out)


def dump(docs: list[Obj]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False)


def inject(
    directory: Path,
    docs: list[Obj],
    *flags: str,
    accounts: list[Obj] | None = None,
    env: dict[str, str] | None = None,
    text: str | None = None,
    more: dict[str, str] | None = None,
) -> Injected:
    """Write the stream (and the ServiceAccounts given to --service-accounts) and inject it,
    with the files ``more`` (name -> text) as further inputs after it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "manifests.yaml"
    text = dump(docs) if text is None else text
    path.write_text(text)
    inputs = [str(path)]
    for name, content in (more or {}).items():
        (directory / name).write_text(content)
        inputs.append(str(directory / name))
    args: list[str] = ["inject", *flags]
    if accounts is not None:
        elsewhere = directory / "accounts"
        elsewhere.mkdir(exist_ok=True)
        (elsewhere / "service-accounts.yaml").write_text(dump(accounts))
        args += ["--service-accounts", str(elsewhere)]
    result = run_cli(*args, *inputs, env=env)
    return Injected(result.returncode, result.stdout, result.stderr.decode(), path, text)
