"""The checks a workload passes before inject plans an edit: each one an InputError at the node.

Inject edits only what it has checked. To decide whether a pod template is triggered it reads the
path to the template, the template's labels and its ServiceAccount's name; those must have their
Kubernetes types on every workload. A triggered template must have them on every field injection
reads or writes (``kube.templatetypes``), its document no key written twice, and its marker the
shape we write. A workload that is not triggered is not looked at further.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import yaml

from ..errors import InputError
from ..identity.names import MARKER
from ..kube import stringvalues
from ..kube import templatetypes as types
from ..kube.templatetypes import MISSING, Schema
from ..kube.workloads import template_path
from ..manifest import duplicatekeys
from ..manifest.stream import Document, Path, Resource, json_path

_STEPS = {"spec": "the workload's spec", "template": "the pod template",
          "jobTemplate": "the job template"}


def pod_template(resource: Resource, title: str) -> tuple[Path, dict[str, Any]] | None:
    """(path, template) of the resource's pod template; None when it has none (not a workload,
    or a workload without that part, as a patch has). Raises on a part of another type."""
    path = template_path(resource.group, resource.kind)
    if path is None:
        return None
    value: Any = resource.data
    for depth, step in enumerate(path):
        if step not in value:
            return None
        value = value[step]
        if not isinstance(value, dict):
            raise _error(resource, title, path[: depth + 1], value,
                         f"a mapping ({_STEPS.get(str(step), 'a mapping')})")
    return path, value


def deciding(resource: Resource, path: Path, template: dict[str, Any], title: str) -> list[InputError]:
    """What deciding the trigger reads: the template's metadata, labels, spec and account name."""
    return _errors(resource, title, path, types.mismatches(_deciding(), template))


def triggered(resource: Resource, path: Path, template: dict[str, Any], title: str) -> list[InputError]:
    """Every field on the injection path of a triggered template, and our marker."""
    if not types.template_check()(template):
        return _errors(resource, title, path, types.mismatches(types.template_schema(), template))
    return _marker(resource, path, template, title)


def account(resource: Resource, namespace: str) -> list[InputError]:
    """The ServiceAccount's metadata, labels and annotations, which the rules read."""
    return _errors(resource, resource.title(namespace), (), types.mismatches(_account(), resource.data))


def repeated_keys(document: Document) -> list[InputError]:
    """A key written twice in any mapping of a document that inject edits: both lines named."""
    return [InputError(duplicatekeys.message(key, first), where)
            for where, key, first in duplicatekeys.duplicate_keys(document)]


# -- the schemas of what deciding reads ------------------------------------------------------


@cache
def _deciding() -> Schema:
    full = types.template_schema()["properties"]
    return {"type": ["object"], "properties": {
        "metadata": _shallow(full["metadata"], ("labels",)),
        "spec": _shallow(full["spec"], ("serviceAccountName", "serviceAccount"), nullable=True),
    }}


@cache
def _account() -> Schema:
    metadata = types.template_schema()["properties"]["metadata"]
    return {"type": ["object"], "properties": {
        "metadata": _shallow(metadata, ("labels", "annotations")),
    }}


def _shallow(schema: Schema, names: tuple[str, ...], nullable: bool = False) -> Schema:
    """``schema`` with only ``names``, each checked for its type alone (not its contents)."""
    kept = {n: {"type": schema["properties"][n]["type"]} for n in names}
    wanted = ["object", "null"] if nullable else schema["type"]
    return {"type": wanted, "properties": kept}


# -- our marker -----------------------------------------------------------------------------


def _marker(resource: Resource, path: Path, template: dict[str, Any], title: str) -> list[InputError]:
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(MARKER)
    if value is None or _is_record(value):
        return []
    at = path + ("metadata", "annotations", MARKER)
    return [InputError(
        f"{title}: annotation {MARKER} is not the record wi-transform writes there (JSON with "
        "the env names it added per container and its proxy containers): it was edited by hand; "
        "remove the annotation, and what inject added before, and run again",
        resource.location(at),
    )]


def _is_record(value: str) -> bool:
    try:
        record = json.loads(value)
    except ValueError:
        return False
    if not isinstance(record, dict) or set(record) - {"containers", "proxy"}:
        return False
    containers = record.get("containers", {})
    proxy = record.get("proxy", [])
    return (isinstance(containers, dict) and all(_strings(v) for v in containers.values())
            and _strings(proxy))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# -- messages -------------------------------------------------------------------------------


def _errors(resource: Resource, title: str, path: Path,
            mismatches: Iterator[types.Mismatch]) -> list[InputError]:
    return [_error(resource, title, path + m.path, m.value, m.wanted) for m in mismatches]


def _error(resource: Resource, title: str, path: Path, value: Any, wanted: str) -> InputError:
    found = _found(resource, path, value)
    hint = f"write {wanted} there"
    node = resource.node_at(path)
    if wanted.startswith("a string") and isinstance(node, yaml.ScalarNode) and not node.style:
        hint = f'quote it: "{node.value}"'
    return InputError(
        f"{title}: {json_path(path)}: {found}, but Kubernetes wants {wanted}: {hint} (inject "
        "edits only what has the types the API server takes)",
        resource.location(path, key=True),
    )


def _found(resource: Resource, path: Path, value: Any) -> str:
    return "missing" if value is MISSING else stringvalues.found(resource.node_at(path), value)
