"""The one translation between upstream's webhook and `wi-transform inject`: README's ▲ rows.

`expected(case, got)` is what `inject` must produce for ``case``, computed from ``got``,
upstream's own mutation of `for_upstream(case)`, and changed only where the README marks a
deliberate difference. Each step names its row; nothing else is forgiven.

| README row ▲ | input to upstream | upstream's output |
| --- | --- | --- |
| `inject-proxy-sidecar: "false"` (any case) means no proxy | annotation removed | metadata restored |
| an empty `tenant-id` annotation counts as absent | annotation removed | |
| the ServiceAccount's `use` label triggers injection too | pod labelled | metadata restored |
| token layout v1.0-v1.5 (`azure-identity-token` at `/var/run/secrets/azure/tokens`, the custom endpoint's CA beside it) | | renamed, moved; a volume or mount of that name replaced in place; another mount at that path refused |
| native sidecar before user init containers | | both proxy containers moved to the front |
| `runAsUser: 1501` on the proxy | | added |
| a pod the API server would reject is refused: a proxy port outside 1..65535 (even when the pod has its own proxy containers), a container named like a proxy container in the list upstream does not look in (two of one name) | | refused |
| the marker annotation | (removed from ours before comparing) | |
"""

from __future__ import annotations

import copy
import re

from tests.differential.cases import Case, Json, P
from tests.differential.engines import Outcome

MARKER = "wi-transform.azure.workload.identity/injected"
RESERVED = "azure-workload-identity-reserved-"
UPSTREAM_DIR, OUR_DIR = "/var/run/secrets/azure/wi", "/var/run/secrets/azure/tokens"
UPSTREAM_FILE, OUR_FILE = UPSTREAM_DIR + "/token/azure-identity-token", OUR_DIR + "/azure-identity-token"
UPSTREAM_CA, OUR_CA = UPSTREAM_DIR + "/ca-cert/ca.crt", OUR_DIR + "/ca-cert/ca.crt"
VOLUME = "azure-identity-token"
PROXY, PROXY_INIT = "azwi-proxy", "azwi-proxy-init"


def for_upstream(case: Case) -> Case:
    """The case as upstream must see it to mean what `inject` means by it."""
    pod, account = copy.deepcopy(case.pod), copy.deepcopy(case.account)
    notes = pod["metadata"].get("annotations") or {}
    if str(notes.get(P + "inject-proxy-sidecar", "")).lower() == "false":
        del notes[P + "inject-proxy-sidecar"]
    account_meta = (account or {}).get("metadata") or {}
    if (account_meta.get("annotations") or {}).get(P + "tenant-id") == "":
        del account_meta["annotations"][P + "tenant-id"]
    if (account_meta.get("labels") or {}).get(P + "use") == "true":
        pod["metadata"].setdefault("labels", {})[P + "use"] = "true"
    return Case(pod, account, case.settings)


def expected(case: Case, got: Outcome) -> Outcome:
    """What `inject` must make of ``case``, given upstream's mutation of `for_upstream(case)`."""
    if got.pod is None:
        return got
    pod = copy.deepcopy(got.pod)
    pod["metadata"] = copy.deepcopy(case.pod["metadata"])
    if not _injected(pod):
        return Outcome(pod)
    refusal = _refused(case, pod)
    if refusal:
        return Outcome(None, refusal)
    _token_layout(pod)
    _proxy(case.pod, pod, case.settings.native)
    return Outcome(pod)


def ours_compared(pod: Json) -> Json:
    """Our output without the marker annotation (upstream keeps no record)."""
    pod = copy.deepcopy(pod)
    notes = pod.get("metadata", {}).get("annotations")
    if notes is not None:
        notes.pop(MARKER, None)
        if not notes:
            del pod["metadata"]["annotations"]
    return pod


def _injected(pod: Json) -> bool:
    return any(v["name"].startswith(RESERVED) for v in pod["spec"].get("volumes") or [])


def _containers(pod: Json) -> list[Json]:
    spec = pod["spec"]
    return [*(spec.get("initContainers") or []), *spec["containers"]]


def _refused(case: Case, pod: Json) -> str | None:
    """Where upstream writes a pod the API server rejects, `inject` refuses it."""
    names = [c["name"] for c in _containers(pod)]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return f"two containers named {twice[0]}"
    notes = case.pod["metadata"].get("annotations") or {}
    port = notes.get(P + "proxy-sidecar-port")
    requested = str(notes.get(P + "inject-proxy-sidecar", "false")).lower() != "false"
    if requested and port and re.fullmatch(r"[+-]?[0-9]+", port) and not 1 <= int(port) <= 65535:
        return f"proxy port {port} is outside 1..65535"
    for c in _containers(pod):
        injected = any(m["name"].startswith(RESERVED) for m in c.get("volumeMounts") or [])
        if injected and any(m["mountPath"] == OUR_DIR and m["name"] != VOLUME
                            for m in c.get("volumeMounts") or []):
            return f"container {c['name']} mounts another volume at {OUR_DIR}"
    return None


def _names(pod: Json) -> set[str]:
    return {c["name"] for c in _containers(pod)}


def _merge_by_name(items: list[Json]) -> list[Json]:
    """The token volume or mount once, where the user had one, with upstream's content."""
    last = {item["name"]: item for item in items}
    out, seen = [], set()
    for item in items:
        if item["name"] == VOLUME and VOLUME in seen:
            continue
        seen.add(item["name"])
        out.append(last[item["name"]] if item["name"] == VOLUME else item)
    return out


def _token_layout(pod: Json) -> None:
    spec = pod["spec"]
    for volume in spec["volumes"]:
        if volume["name"].startswith(RESERVED):
            volume["name"] = VOLUME
            volume["projected"]["sources"][0]["serviceAccountToken"]["path"] = VOLUME
    spec["volumes"] = _merge_by_name(spec["volumes"])
    for c in _containers(pod):
        mounts = c.get("volumeMounts") or []
        for mount in mounts:
            if mount["name"].startswith(RESERVED):
                mount.update(name=VOLUME, mountPath=OUR_DIR)
        if mounts:
            c["volumeMounts"] = _merge_by_name(mounts)
        for env in c.get("env") or []:
            if env.get("name") == "AZURE_FEDERATED_TOKEN_FILE" and env.get("value") == UPSTREAM_FILE:
                env["value"] = OUR_FILE
            if env.get("name") == "AZURE_KUBERNETES_CA_FILE" and env.get("value") == UPSTREAM_CA:
                env["value"] = OUR_CA


def _proxy(original: Json, pod: Json, native: bool) -> None:
    before = _names(original)
    spec = pod["spec"]
    for c in _containers(pod):
        if c["name"] == PROXY and PROXY not in before:
            c["securityContext"]["runAsUser"] = 1501
    if native and spec.get("initContainers"):
        added = {c["name"]: c for c in spec["initContainers"]
                 if c["name"] in (PROXY, PROXY_INIT) and c["name"] not in before}
        rest = [c for c in spec["initContainers"] if c["name"] not in added]
        spec["initContainers"] = [added[n] for n in (PROXY_INIT, PROXY) if n in added] + rest


