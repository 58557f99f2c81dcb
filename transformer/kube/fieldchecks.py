"""The checks an object passes before a command edits it: each one an InputError at the node.

The commands that edit (inject, migrate) read only what a check has typed. What decides whether
a pod template is touched (the path to it, its labels, its ServiceAccount's name) is checked on
every workload; what an edit reads or writes is checked on the objects it edits; a document
edited must have no key written twice. Types are those of the bundled schemas
(``templatetypes``), with messages that name the field, what it holds and what Kubernetes wants.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import yaml

from ..errors import InputError
from ..manifest import duplicatekeys
from ..manifest.stream import Document, Path, Resource, json_path
from . import stringvalues
from . import templatetypes as types
from .templatetypes import MISSING, Schema
from .workloads import template_path

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
            raise error(resource, title, path[: depth + 1], value,
                        f"a mapping ({_STEPS.get(str(step), 'a mapping')})")
    return path, value


def deciding(resource: Resource, path: Path, template: dict[str, Any], title: str) -> list[InputError]:
    """What deciding whether a template is touched reads: its metadata, labels, spec, account,
    and the object's names (its namespace is the pod's; a Pod's metadata is its template's)."""
    found = against(resource, title, path, _template(("labels",), not path), template)
    if path:
        found += against(resource, title, (), _metadata(()), resource.data)
    return found


def labelled(resource: Resource, path: Path, template: dict[str, Any], title: str) -> list[InputError]:
    """What labelling a template reads or writes: also its annotations."""
    return against(resource, title, path, _template(("labels", "annotations"), not path), template)


def metadata(resource: Resource, namespace: str) -> list[InputError]:
    """The object's names, labels and annotations (a ServiceAccount's: what the rules read)."""
    return against(resource, resource.title(namespace), (), _metadata(("labels", "annotations")),
                   resource.data)


def repeated_keys(document: Document) -> list[InputError]:
    """A key written twice in any mapping of a document to be edited: both lines named."""
    return [InputError(duplicatekeys.message(key, first), where)
            for where, key, first in duplicatekeys.duplicate_keys(document)]


def against(resource: Resource, title: str, path: Path, schema: Schema, value: Any) -> list[InputError]:
    """An error for every place where ``value`` (at ``path`` in ``resource``) departs from ``schema``."""
    return [error(resource, title, path + m.path, m.value, m.wanted)
            for m in types.mismatches(schema, value)]


def of_types(resource: Resource, title: str, path: Path, value: Any, wanted: Iterable[str],
             reader: str = "Kubernetes") -> list[InputError]:
    """``value`` at ``path`` has one of the JSON types ``wanted``."""
    return [error(resource, title, path + m.path, m.value, m.wanted, reader)
            for m in types.mismatches({"type": list(wanted)}, value)]


def error(resource: Resource, title: str, path: Path, value: Any, wanted: str,
          reader: str = "Kubernetes") -> InputError:
    """``reader`` is who wants the type: Kubernetes, or the controller that decodes the field."""
    found = "missing" if value is MISSING else stringvalues.found(resource.node_at(path), value)
    hint = f"write {wanted} there"
    node = resource.node_at(path)
    if wanted.startswith("a string") and isinstance(node, yaml.ScalarNode) and not node.style:
        hint = f'quote it: "{node.value}"'
    takes = "the API server takes" if reader == "Kubernetes" else f"{reader} decodes"
    return InputError(
        f"{title}: {json_path(path)}: {found}, but {reader} wants {wanted}: {hint} "
        f"(wi-transform edits only what has the types {takes})",
        resource.location(path, key=True),
    )


# -- the schemas of what deciding and labelling read ------------------------------------------


@cache
def _template(metadata: tuple[str, ...], named: bool) -> Schema:
    """``named``: the template is the object (a Pod), and its metadata holds the names too."""
    full = types.template_schema()["properties"]
    shallow = _shallow(full["metadata"], metadata)
    return {"type": ["object"], "properties": {
        "metadata": _named(shallow) if named else shallow,
        "spec": _shallow(full["spec"], ("serviceAccountName", "serviceAccount"), nullable=True),
    }}


_NAME = {"type": ["string", "null"]}  # null decodes to "", as Kubernetes reads it


@cache
def _metadata(maps: tuple[str, ...]) -> Schema:
    metadata = _shallow(types.template_schema()["properties"]["metadata"], maps)
    return {"type": ["object"], "properties": {"metadata": _named(metadata)}}


def _named(metadata: Schema) -> Schema:
    """``metadata`` with the names too."""
    names = {"name": _NAME, "generateName": _NAME, "namespace": _NAME}
    return {**metadata, "properties": {**metadata["properties"], **names}}


def _shallow(schema: Schema, names: tuple[str, ...], nullable: bool = False) -> Schema:
    """``schema`` with only ``names``, each checked for its type alone (not its contents)."""
    kept = {n: {"type": schema["properties"][n]["type"]} for n in names}
    wanted = ["object", "null"] if nullable else schema["type"]
    return {"type": wanted, "properties": kept}
