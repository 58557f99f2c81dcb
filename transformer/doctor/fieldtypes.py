"""The Kubernetes types of every field doctor reads, checked before it reads any.

The rules read through the tolerant readers of ``kube.objects``, where a mistyped field reads as
missing. Unchecked, ``annotations: "x"`` on a ServiceAccount would come out as "no client-id
annotation", a finding about something the user did write. So a field of the wrong type is an
InputError at its node, as in inject, and doctor reports nothing until the inputs are typed. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InputError
from ..identity import names as wi
from ..kube import fieldchecks
from ..kube.stringvalues import non_strings
from ..kube.workloads import template_path
from ..manifest.stream import Resource

# What the proxy rules read of a pod spec, beyond what deciding and labelling read.
_PROXY_SPEC = {"type": ["object", "null"], "properties": {
    "hostNetwork": {"type": ["boolean", "null"]},
    "nodeSelector": {"type": ["object", "null"],
                     "additionalProperties": {"type": ["string", "null"]}},
}}


def problems(resources: Iterable[Resource], namespace: str) -> list[InputError]:
    """An error for every field of ``resources`` that a rule reads and Kubernetes would not take."""
    found: list[InputError] = []
    for resource in resources:
        title = resource.title(namespace)
        if template_path(resource.group, resource.kind) != ():  # a Pod's is its template's
            found += fieldchecks.metadata(resource, namespace)
        if resource.kind == "ServiceAccount" and resource.group == "":
            found += non_strings(resource, ("metadata",), prefix=wi.PREFIX, title=title)
        try:
            located = fieldchecks.pod_template(resource, title)
        except InputError as e:
            found.append(e)
            continue
        if located is None:
            continue
        path, template = located
        found += fieldchecks.labelled(resource, path, template, title)  # a Pod's names too
        found += non_strings(resource, path + ("metadata",), prefix=wi.PREFIX, title=title)
        if isinstance(template.get("spec"), dict):
            found += fieldchecks.against(resource, title, path + ("spec",), _PROXY_SPEC,
                                         template["spec"])
    return found
