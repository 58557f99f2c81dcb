"""Workloads whose pod templates carry the ``aadpodidbinding`` label: the ones to migrate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InputErrors
from ..identity.names import PREFIX
from ..kube import fieldchecks
from ..kube.objects import checked_map
from ..kube.stringvalues import non_strings
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
    selector: str
    migration: Migration

    @property
    def pod(self) -> Pod:
        return (self.selector, self.namespace)

    @property
    def labels(self) -> dict[str, Any]:
        return checked_map(checked_map(self.template.get("metadata")).get("labels"))

    @property
    def spec(self) -> dict[str, Any]:
        return checked_map(self.template.get("spec"))


def read_workload(resource: Resource, namespace: str, default_namespace: str) -> Workload | None:
    """The workload, if ``resource`` has a pod template with the label; ``namespace`` is its own.

    Raises InputErrors when what decides that, or what migrating it reads or writes, is not of
    its Kubernetes type, or when a labelled workload's document has a key written twice.
    """
    title = resource.title(default_namespace)
    located = fieldchecks.pod_template(resource, title)
    if located is None:
        return None
    path, template = located
    problems = fieldchecks.deciding(resource, path, template, title)
    if problems:
        raise InputErrors(problems)
    labels = checked_map(checked_map(template.get("metadata")).get("labels"))
    if LABEL not in labels:
        return None
    problems = fieldchecks.labelled(resource, path, template, title)
    problems += fieldchecks.of_types(resource, title, ("metadata",), resource.data.get("metadata"), ["object"])
    for read in (LABEL, PREFIX):
        problems += non_strings(resource, path + ("metadata",), prefix=read, title=title)
    problems += fieldchecks.repeated_keys(resource.document)
    if problems:
        raise InputErrors(problems)
    # An empty label (null) is "" to Kubernetes, as to the bindings that select by it.
    selector = labels[LABEL] or ""
    migration = Migration(
        title, resource.location(path + ("metadata", "labels", LABEL)), namespace, selector
    )
    return Workload(resource, path, template, namespace, selector, migration)
