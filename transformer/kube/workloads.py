"""Where the pod template lives in each workload kind, matched on API group and kind."""

from __future__ import annotations

from typing import Any

from ..manifest.stream import Path, Resource
from .objects import dig

# (group, kind) -> path of the object that holds the pod's `metadata` and `spec`.
# Matching on the group, not the version, takes in extensions/v1beta1 Deployments and
# batch/v1beta1 CronJobs too: `validate` is the one that flags removed versions.
_TEMPLATES: dict[tuple[str, str], Path] = {
    ("", "Pod"): (),
    ("", "ReplicationController"): ("spec", "template"),
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("extensions", "Deployment"): ("spec", "template"),
    ("extensions", "DaemonSet"): ("spec", "template"),
    ("extensions", "ReplicaSet"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}

WORKLOAD_KINDS = frozenset(kind for _, kind in _TEMPLATES)
GROUP_KINDS = tuple(_TEMPLATES)  # (group, kind) of every workload


def template_path(group: str, kind: str) -> Path | None:
    """The path of the pod template in objects of this group and kind, None for non-workloads."""
    return _TEMPLATES.get((group, kind))


def pod_template(resource: Resource) -> tuple[Path, dict[str, Any]] | None:
    """(path, template) of the resource's pod template, None when it has none."""
    path = template_path(resource.group, resource.kind)
    template = dig(resource.data, path) if path is not None else None
    return (path, template) if path is not None and isinstance(template, dict) else None
