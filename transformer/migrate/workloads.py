"""Workloads whose pod templates carry the ``aadpodidbinding`` label: the ones to migrate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kube.objects import as_map, labels_of
from ..kube.workloads import pod_template
from ..manifest.stream import Path, Resource
from .bindings import Pod
from .outcome import Migration
from .podidentity import LABEL


@dataclass(eq=False)
class Workload:
    resource: Resource
    path: Path
    template: dict[str, Any]
    namespace: str
    selector: Any
    migration: Migration

    @property
    def pod(self) -> Pod:
        return (self.selector, self.namespace)

    @property
    def labels(self) -> dict[str, Any]:
        return labels_of(self.template)

    @property
    def spec(self) -> dict[str, Any]:
        return as_map(self.template.get("spec"))


def read_workload(resource: Resource, namespace: str, default_namespace: str) -> Workload | None:
    """The workload, if ``resource`` has a pod template with the label; ``namespace`` is its own."""
    found = pod_template(resource)
    if found is None:
        return None
    path, template = found
    labels = labels_of(template)
    if LABEL not in labels:
        return None
    selector = labels[LABEL]
    migration = Migration(
        resource.title(default_namespace),
        resource.location(path + ("metadata", "labels", LABEL)),
        namespace,
        selector if isinstance(selector, str) else str(selector),
    )
    return Workload(resource, path, template, namespace, selector, migration)
