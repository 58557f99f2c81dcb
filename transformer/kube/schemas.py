"""The Kubernetes object schemas that the kubernetes-validate package ships, read as data.

The package holds, per Kubernetes minor version and per strictness, one ``_definitions.json``
with every type of that release (each top-level kind tagged ``x-kubernetes-group-version-kind``)
plus one file per type that only points into it. We read the definitions file alone, once per
process, and hand out each kind's schema with its ``$ref``\\ s replaced by the objects they name:
validating without reference lookups is about twice as fast. Nothing of kubernetes-validate's
code runs, so it costs no import time either.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import UsageError, WiTransformError

PACKAGE = "kubernetes_validate"
_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local$")
_API_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")
_REF_PREFIX = "#/$defs/"
# Keywords that only annotate: dropping them makes every validation step cheaper.
_ANNOTATIONS = ("description", "format")

Schema = dict[str, Any]


@cache
def bundle() -> Path:
    """The directory with one sub-directory per (version, strictness)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location) / "kubernetes-json-schema"
        if folder.is_dir():
            return folder
    raise WiTransformError(
        "the Kubernetes schemas are missing: install wi-transform with its dependencies "
        "(pip install wi-transform pulls in kubernetes-validate, which ships them)"
    )


@cache
def versions() -> tuple[str, ...]:
    """The bundled Kubernetes minor versions, oldest first: ``("1.25", ..., "1.37")``."""
    found = [m.groups() for m in map(_DIR.match, (p.name for p in bundle().iterdir())) if m]
    return tuple(f"{a}.{b}" for a, b in sorted({(int(a), int(b)) for a, b in found}))


def pick_version(requested: str | None) -> str:
    """``1.32``, ``v1.32`` or ``1.32.4`` -> ``1.32``; None -> the newest bundled."""
    bundled = versions()
    if requested is None:
        return bundled[-1]
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", requested.strip())
    chosen = f"{int(match[1])}.{int(match[2])}" if match else None
    if chosen not in bundled:
        raise UsageError(
            f"--kubernetes-version {requested}: the bundled schemas cover Kubernetes "
            f"{bundled[0]} to {bundled[-1]}: pick one of those (e.g. {bundled[-1]})"
        )
    return chosen


def version_order(api_version: str) -> tuple[int, int, int]:
    """Sort key, most preferred first: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 (as kubectl)."""
    match = _API_VERSION.match(api_version)
    if not match:
        return (3, 0, 0)
    major, stage, number = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(number or 0))


class Definitions:
    """Every type of one Kubernetes version, indexed by group, version and kind."""

    def __init__(self, document: Schema) -> None:
        self._defs: dict[str, Schema] = document["$defs"]
        self._by_gvk: dict[tuple[str, str, str], str] = {}
        self._served: dict[tuple[str, str], list[str]] = {}
        for name, schema in self._defs.items():
            tags = schema.get("x-kubernetes-group-version-kind", [])
            if len(tags) != 1:  # DeleteOptions, WatchEvent: tagged for every group, no objects
                continue
            group, version, kind = tags[0]["group"], tags[0]["version"], tags[0]["kind"]
            self._by_gvk[(group, version, kind)] = name
            self._served.setdefault((group, kind), []).append(version)
        for served in self._served.values():
            served.sort(key=version_order)
        self._inlined: dict[str, Schema] = {}

    def has(self, group: str, version: str, kind: str) -> bool:
        return (group, version, kind) in self._by_gvk

    def served(self, group: str, kind: str) -> list[str]:
        """The versions of ``group`` that serve ``kind``, most preferred first."""
        return self._served.get((group, kind), [])

    def schema(self, group: str, version: str, kind: str) -> Schema | None:
        """The kind's schema, self-contained (no ``$ref``); None when the version has no such kind."""
        name = self._by_gvk.get((group, version, kind))
        return None if name is None else self._named(name)

    def named(self, name: str) -> Schema:
        """One type by its definition name (``io.k8s.api.core.v1.PodTemplateSpec``), inlined."""
        return self._named(name)

    def _named(self, name: str) -> Schema:
        if name not in self._inlined:
            # Registered before it is filled: recursive types (JSONSchemaProps) become cycles.
            self._inlined[name] = out = {}
            out.update(self._inline(self._defs[name]))
        return self._inlined[name]

    def _inline(self, schema: Schema) -> Schema:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            target = self._named(ref[len(_REF_PREFIX):])
            rest = self._keywords(schema, skip="$ref")
            return {"allOf": [target], **rest} if rest else target
        merged = _merge_type_alternatives(schema.get("oneOf"))
        if merged is not None:
            return {**self._keywords(schema, skip="oneOf"), "type": merged}
        return self._keywords(schema)

    def _keywords(self, schema: Schema, skip: str = "") -> Schema:
        out: Schema = {}
        for key, value in schema.items():
            if key == skip or key in _ANNOTATIONS or key.startswith("x-kubernetes-"):
                continue
            if key in ("properties", "patternProperties"):
                out[key] = {name: self._inline(sub) for name, sub in value.items()}
            elif isinstance(value, dict):
                out[key] = self._inline(value)
            elif isinstance(value, list) and key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                out[key] = [self._inline(sub) for sub in value]
            else:
                out[key] = value
        return out


def _merge_type_alternatives(alternatives: Any) -> list[str] | None:
    # IntOrString and Quantity are `oneOf: [{type: [string, null]}, {type: [integer, null]}]`:
    # null matches both branches, so oneOf rejects the null Kubernetes accepts. One union type
    # says the same thing without that flaw.
    if not isinstance(alternatives, list) or not alternatives:
        return None
    merged: list[str] = []
    for alternative in alternatives:
        if not isinstance(alternative, dict) or set(alternative) != {"type"}:
            return None
        types = alternative["type"]
        for name in [types] if isinstance(types, str) else types:
            if name not in merged:
                merged.append(name)
    return merged


@cache
def definitions(version: str, strict: bool) -> Definitions:
    """The definitions of one version, parsed on first use and kept for the process."""
    folder = bundle() / f"v{version}.0-local{'-strict' if strict else ''}"
    with open(folder / "_definitions.json", "rb") as f:
        return Definitions(json.load(f))
