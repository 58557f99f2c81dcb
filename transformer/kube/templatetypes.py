"""The Kubernetes types of the pod-template fields that injection reads or writes, cut from the
bundled schemas.

``cut`` takes ``PodTemplateSpec`` from kubernetes-validate's definitions and keeps only the
fields on the injection path (``FIELDS``), with the keywords the quick check compiles. The cut is
shipped as ``templatetypes.json`` beside this module, so that ``inject`` reads a few kilobytes
instead of the 1.8 MB definitions file; a test holds it equal to the cut of every bundled version.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from .quickcheck import Compiler, Quick

if TYPE_CHECKING:  # pathlib and the schema bundle cost start-up time inject does not pay
    from .schemas import Definitions

Schema = dict[str, Any]
Fields = dict[str, "Fields | None"]  # None: the field is read whole, no further cut

ROOT_TYPE = "io.k8s.api.core.v1.PodTemplateSpec"
FILE = os.path.join(os.path.dirname(__file__), "templatetypes.json")

_CONTAINER: Fields = {
    "name": None,
    "env": {"name": None, "value": None},
    "volumeMounts": {"name": None, "mountPath": None},
}
FIELDS: Fields = {
    "metadata": {"labels": None, "annotations": None},
    "spec": {
        "containers": _CONTAINER,
        "initContainers": _CONTAINER,
        "volumes": {"name": None},
        "serviceAccountName": None,
        "serviceAccount": None,
        "hostNetwork": None,
    },
}
# Lists whose items injection reads by name: a null item is no container, env var or volume
# (the API server rejects it for want of a name), so the cut wants mappings there.
_NAMED_ITEMS = frozenset({"containers", "initContainers", "env", "volumeMounts", "volumes"})


def cut(definitions: Definitions) -> Schema:
    """PodTemplateSpec reduced to ``FIELDS``, without ``$ref``, descriptions or null items.

    One more deviation: the template must have a spec (injection writes into it; a template
    without one is no pod, and the API server says so when it validates).
    """
    out = _cut(definitions.named(ROOT_TYPE), FIELDS, "")
    out["properties"]["spec"]["type"] = "object"
    out["required"] = ["spec"]
    return out


def _cut(schema: Schema, fields: Fields | None, name: str) -> Schema:
    out: Schema = {k: schema[k] for k in ("type", "enum") if k in schema}
    if "items" in schema:
        item = _cut(schema["items"], fields, "")
        if name in _NAMED_ITEMS:
            item["type"] = [t for t in _types(item) if t != "null"]
        out["items"] = item
        return out
    if fields is None:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            out["additionalProperties"] = _cut(extra, None, "")
        return out
    properties = schema["properties"]
    out["properties"] = {k: _cut(properties[k], sub, k) for k, sub in fields.items()}
    required = [r for r in schema.get("required", ()) if r in fields]
    if required:
        out["required"] = required
    return out


def _types(schema: Schema) -> list[str]:
    value = schema.get("type", [])
    return [value] if isinstance(value, str) else list(value)


@cache
def template_schema() -> Schema:
    """The shipped cut, read once per process."""
    with open(FILE, "rb") as f:
        schema: Schema = json.load(f)
    return schema


@cache
def template_check() -> Quick:
    """Yes/no for one pod template: every field on the injection path has its Kubernetes type."""
    predicate = Compiler().predicate(template_schema())
    if predicate is None:
        raise AssertionError(f"{os.path.basename(FILE)} uses a keyword the quick check does not compile")
    return predicate


def mismatches(schema: Schema, value: Any, path: tuple[str | int, ...] = ()) -> Iterator[Mismatch]:
    """Every place under ``value`` where it departs from ``schema``; nothing below a wrong type."""
    if not _has_type(value, _types(schema)):
        yield Mismatch(path, value, wanted(schema))
        return
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            yield from mismatches(schema["items"], item, path + (index,))
    if not isinstance(value, dict):
        return
    properties: dict[str, Schema] = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in value:
            yield Mismatch(path + (name,), MISSING, wanted(properties[name]))
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        sub = properties.get(key, extra)
        if isinstance(sub, dict):
            yield from mismatches(sub, item, path + (key,))


class Mismatch(NamedTuple):
    """A value (``MISSING`` when absent) that is not what Kubernetes wants at ``path``."""

    path: tuple[str | int, ...]
    value: Any
    wanted: str


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_NAMES = {"string": "a string", "boolean": "true or false", "integer": "an integer",
          "number": "a number", "object": "a mapping", "array": "a list"}


def wanted(schema: Schema) -> str:
    """What Kubernetes wants, as a person says it: ``a list of {name, value}``."""
    types = [t for t in _types(schema) if t != "null"]
    if types == ["array"] and "items" in schema:
        return "a list of " + _item(schema["items"])
    if types == ["object"] and isinstance(schema.get("additionalProperties"), dict):
        return "a mapping of " + wanted(schema["additionalProperties"]).replace("a ", "", 1) + "s"
    return " or ".join(_NAMES.get(t, t) for t in types)


def _item(schema: Schema) -> str:
    properties: dict[str, Schema] = schema.get("properties", {})
    if not properties:
        return wanted(schema).replace("a ", "", 1) + "s"
    if len(properties) > 1 and all("properties" not in p and "items" not in p for p in properties.values()):
        return "{" + ", ".join(properties) + "}"
    return "{" + ", ".join([*schema.get("required", ()), "..."]) + "}"


def _has_type(value: Any, types: list[str]) -> bool:
    if not types:
        return True
    if value is None:
        return "null" in types
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        return "integer" in types or "number" in types
    if isinstance(value, float):
        return "number" in types or ("integer" in types and value.is_integer())
    if isinstance(value, str):
        return "string" in types
    if isinstance(value, dict):
        return "object" in types
    return isinstance(value, list) and "array" in types
