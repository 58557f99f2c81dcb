"""Which pod templates workload identity is for: the webhook's trigger and the ServiceAccount a
pod runs as, decided once for inject, validate, migrate and the cluster lookup."""

from __future__ import annotations

from typing import Any

from ..kube.objects import as_map as _map
from ..kube.objects import labels_of as _labels
from .names import INJECT_PROXY, USE


def is_triggered(template: dict[str, Any], account: dict[str, Any] | None) -> bool:
    """The webhook's object selector, plus the ServiceAccount's label (the walkthrough's flow)."""
    return _labels(template).get(USE) == "true" or (
        account is not None and _labels(account).get(USE) == "true"
    )


def service_account_name(template: dict[str, Any]) -> str:
    """The pod's ServiceAccount as the API server resolves it before any webhook runs: the
    deprecated ``serviceAccount`` stands in for an empty ``serviceAccountName``."""
    spec = _map(template.get("spec"))
    for key in ("serviceAccountName", "serviceAccount"):
        name = spec.get(key)
        if isinstance(name, str) and name:
            return name
    return "default"


def wants_proxy(annotations: dict[str, Any]) -> bool:
    """Whether the pod asks for the proxy sidecar (▲ ``"false"``, any case, means no)."""
    value = annotations.get(INJECT_PROXY)
    return value is not None and not (isinstance(value, str) and value.lower() == "false")
