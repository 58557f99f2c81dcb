"""A target's pod template: the ``use`` label, the proxy annotation, its ServiceAccount's name."""

from __future__ import annotations

from ..identity.names import INJECT_PROXY, USE
from ..kube.labelselectors import Selector, owners_relying_on
from ..kube.objects import checked_annotations
from ..manifest import edits as ed
from ..manifest.edits import Edit
from ..manifest.mappingedits import put
from ..options import MigrateOptions
from .outcome import Plan
from .podidentity import LABEL
from .targets import Target
from .workloads import Workload


def template_edits(
    target: Target, options: MigrateOptions, selectors: list[Selector], plan: Plan
) -> bool:
    """Plan the edits of the pod template; True when its ``aadpodidbinding`` label goes."""
    workload = target.workload
    removes = options.remove_pod_identity and _may_remove(workload, selectors)
    edits = _labels(workload, removes)
    if options.proxy:
        edits += _proxy(workload)
    edits += _account_name(workload, target.account_name)
    plan.edit(workload.resource, edits)
    return removes


def _labels(workload: Workload, removes: bool) -> list[Edit]:
    labels = workload.labels
    path = workload.path + ("metadata", "labels")
    edits: list[Edit] = []
    if removes and set(labels) == {LABEL}:
        # A flow mapping cannot lose its only entry and gain one in a single splice.
        edits.append(ed.Replace(path, {USE: "true"}))
    else:
        if removes:
            edits.append(ed.Delete(path + (LABEL,)))
        edits += put(workload.resource.data, path, {USE: "true"})
    if labels.get(USE) != "true":
        workload.migration.changes.append(f'label {USE}: "true"')
    if removes:
        workload.migration.changes.append(f"label {LABEL} removed")
    return edits


def _proxy(workload: Workload) -> list[Edit]:
    annotations = checked_annotations(workload.template)
    value = annotations.get(INJECT_PROXY)
    path = workload.path + ("metadata", "annotations")
    if INJECT_PROXY not in annotations or value is True:
        workload.migration.changes.append(f'annotation {INJECT_PROXY}: "true"')
        return put(workload.resource.data, path, {INJECT_PROXY: "true"})
    if not (isinstance(value, str) and value.lower() == "true"):
        workload.migration.warnings.append(
            f"the pod template keeps {INJECT_PROXY}: {value!r}, so it gets no proxy: "
            "applications that call IMDS stop getting tokens once aad-pod-identity goes"
        )
    return []


def _account_name(workload: Workload, name: str) -> list[Edit]:
    spec = workload.spec
    path = workload.path + ("spec",)
    edits: list[Edit] = []
    if spec.get("serviceAccountName") != name:
        edits += put(workload.resource.data, path, {"serviceAccountName": name})
        workload.migration.changes.append(f"serviceAccountName: {name}")
    if "serviceAccount" in spec and spec["serviceAccount"] != name:
        # The deprecated alias would otherwise name the old account.
        edits.append(ed.Replace(path + ("serviceAccount",), name))
    return edits


def _may_remove(workload: Workload, selectors: list[Selector]) -> bool:
    users = owners_relying_on(selectors, workload.labels, workload.namespace)
    if users:
        workload.migration.warnings.append(
            f"label {LABEL} kept: {', '.join(users)} selects pods by it (change the "
            "selector first; a workload's selector cannot change in place)"
        )
    return not users
