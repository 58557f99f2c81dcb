"""JSON Schema validation of objects, and its errors as findings. Only this module imports jsonschema.

Three sources of schemas: the Kubernetes schemas bundled by kubernetes-validate (via
``kubeschemas``), our workload-identity rules in ``schemas/``, and the user's ``--schema-dir``.
Each compiled validator is built on first use and kept for the process.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path as FilePath
from typing import Any

import jsonschema
import yaml
from referencing import Registry
from referencing import Resource as SchemaResource
from referencing.jsonschema import DRAFT202012

from ..errors import InputError, InputErrors, Location
from ..kube import schemas as kubeschemas
from ..kube import stringvalues
from ..kube.quickcheck import Compiler
from ..manifest.stream import STR_TAG, Path, Resource, json_path
from .findings import Finding, Severity, on

Validator = Any  # a jsonschema validator instance; jsonschema has no common static type for them

RULE_SCHEMA = "k8s-schema"
RULE_UNKNOWN_FIELD = "k8s-unknown-field"
RULE_CUSTOM = "crd-schema"
SERVICE_ACCOUNT_RULES = "workload-identity-serviceaccount.json"
POD_TEMPLATE_RULES = "workload-identity-pod-template.json"

_TYPE_NAMES = {
    "string": "a string", "integer": "an integer", "number": "a number",
    "boolean": "a boolean (true or false)", "array": "a list", "object": "a mapping",
    "null": "null",
}


# -- compiled validators ------------------------------------------------------------------


class Compiled:
    """A jsonschema validator behind a quick check: valid objects never reach jsonschema."""

    def __init__(self, schema: dict[str, Any], quick: Compiler) -> None:
        self.full = jsonschema.Draft202012Validator(schema)
        self.quick = quick.predicate(schema)

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        if self.quick is not None and self.quick(instance):
            return iter(())
        return iter(self.full.iter_errors(instance))


@cache
def kube_validator(version: str, api_version: str, kind: str, strict: bool) -> Compiled | None:
    """The validator of one kind in one Kubernetes version; None when it has no such kind."""
    group, _, group_version = api_version.rpartition("/")
    schema = kubeschemas.definitions(version, strict).schema(group, group_version, kind)
    if schema is None:
        return None
    return Compiled(schema, _quick_compiler(version, strict))


@cache
def _quick_compiler(version: str, strict: bool) -> Compiler:
    return Compiler()


@cache
def rules_validator(name: str) -> Validator:
    """One of our workload-identity rule sets from ``schemas/``."""
    with open(schemas_dir() / name, "rb") as f:
        return jsonschema.Draft202012Validator(json.load(f))


def schemas_dir() -> FilePath:
    """Our schemas: inside the installed package, or the repository's ``schemas/`` (editable)."""
    here = FilePath(__file__).resolve().parents[1]  # the transformer package
    for candidate in (here / "schemas", here.parent / "schemas"):
        if (candidate / POD_TEMPLATE_RULES).is_file():
            return candidate
    raise FileNotFoundError(f"{POD_TEMPLATE_RULES} is neither in {here} nor in {here.parent}")


class UserSchemas:
    """The JSON Schemas of ``--schema-dir``, each applied to the kinds it names.

    A schema names its kinds by ``x-kubernetes-group-version-kind``, by ``const`` or
    single-valued ``enum``\\ s on ``apiVersion`` and ``kind``, or by its file name in one of the layouts schema catalogs
    use: ``GROUP/KIND_VERSION.json``, ``KIND_VERSION.json``, ``KIND-GROUPPREFIX-VERSION.json``
    or ``KIND-VERSION.json`` (lower case). Schemas may ``$ref`` one another by relative path.
    """

    def __init__(self, directory: FilePath) -> None:
        self.directory = directory
        self._index: dict[tuple[str, str, str], str] = {}
        self._classes: dict[str, Any] = {}
        errors: list[InputError] = []
        registry: Registry[Any] = Registry()
        for file in sorted(directory.rglob("*.json")):
            try:
                contents = json.loads(file.read_bytes())
            except (OSError, ValueError) as e:
                errors.append(InputError(f"not a JSON Schema ({e}): fix or remove it", Location(str(file))))
                continue
            if not isinstance(contents, dict):
                errors.append(InputError("not a JSON Schema (not an object)", Location(str(file))))
                continue
            uri = file.resolve().as_uri()
            resource = SchemaResource.from_contents(contents, default_specification=DRAFT202012)
            registry = registry.with_resource(uri, resource)
            self._classes[uri] = jsonschema.validators.validator_for(
                contents, default=jsonschema.Draft202012Validator
            )
            for key in _names_of(contents, file.relative_to(directory)):
                self._index.setdefault(key, uri)
        if errors:
            raise InputErrors(errors)
        self._registry = registry.crawl()
        self._validators: dict[str, Validator] = {}

    def validator(self, group: str, version: str, kind: str) -> Validator | None:
        kind = kind.lower()
        prefix = group.split(".")[0]
        for key in ((group, version, kind), ("~" + prefix, version, kind), ("*", version, kind)):
            uri = self._index.get(key)
            if uri is not None:
                if uri not in self._validators:
                    cls = self._classes[uri]
                    # Formats are asserted: a user's schema says `format: email` to be checked.
                    self._validators[uri] = cls({"$ref": uri}, registry=self._registry,
                                                format_checker=cls.FORMAT_CHECKER)
                return self._validators[uri]
        return None


def _names_of(schema: dict[str, Any], relative: FilePath) -> Iterator[tuple[str, str, str]]:
    for tag in schema.get("x-kubernetes-group-version-kind") or []:
        if isinstance(tag, dict):
            yield (str(tag.get("group", "")), str(tag.get("version", "")), str(tag.get("kind", "")).lower())
    found = schema.get("properties")
    properties: dict[str, Any] = found if isinstance(found, dict) else {}
    api_versions = _single_enum(properties.get("apiVersion"))
    kinds = _single_enum(properties.get("kind"))
    for api_version in api_versions:
        group, _, version = api_version.rpartition("/")
        for kind in kinds:
            yield (group, version, kind.lower())
    stem = relative.name[: -len(".json")].lower()
    if "_" in stem:
        kind, _, version = stem.rpartition("_")
        group = relative.parent.name.lower() if relative.parent.name else "*"
        yield (group, version, kind)
    elif "-" in stem:
        kind, _, rest = stem.partition("-")
        prefix, _, version = rest.rpartition("-")
        yield ("~" + prefix if prefix else "", version, kind)


def _single_enum(schema: Any) -> list[str]:
    """The strings a property is pinned to: its ``const`` or its ``enum``."""
    if not isinstance(schema, dict):
        return []
    if isinstance(schema.get("const"), str):
        return [schema["const"]]
    values = schema.get("enum")
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


# -- errors as findings -------------------------------------------------------------------


class Check:
    """Validates one instance inside a resource and turns every error into findings."""

    def __init__(self, resource: Resource, *, namespace: str, title: str) -> None:
        self.resource = resource
        self.namespace = namespace
        self.title = title

    def run(self, validator: Validator, instance: Any, base: Path, rule: str) -> list[Finding]:
        findings: list[Finding] = []
        for error in validator.iter_errors(instance):
            findings += self._findings(error, base, rule)
        return findings

    def _findings(self, error: Any, base: Path, rule: str) -> list[Finding]:
        path: Path = base + tuple(error.absolute_path)
        schema = error.schema if isinstance(error.schema, dict) else {}
        rule = str(schema.get("x-rule", rule))
        found = schema.get("x-severity")
        severity: Severity = found if found in ("error", "warning", "info") else "error"
        if error.validator == "additionalProperties" and error.validator_value is False:
            return [self._unknown(path, extra, schema, rule) for extra in _extras(error.instance, schema)]
        if error.validator == "required":
            return [
                self._finding(path, severity, rule, f"{self.title}: {self._where(path)} is missing "
                              f"the required field {name!r}: add it", key=True)
                for name in error.validator_value
                if isinstance(error.instance, dict) and name not in error.instance
            ]
        template = schema.get("x-message")
        message = self._fill(template, path, error.instance) if isinstance(template, str) else None
        return [self._finding(path, severity, rule, message or self._message(error, path))]

    def _finding(self, path: Path, severity: Severity, rule: str, message: str, *,
                 key: bool = False) -> Finding:
        return on(self.resource, path, severity, rule, message, namespace=self.namespace, key=key)

    def _unknown(self, path: Path, extra: str, schema: dict[str, Any], rule: str) -> Finding:
        known = [k for k in schema.get("properties", {}) if isinstance(k, str)]
        close = difflib.get_close_matches(extra, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        where = json_path(path + (extra,))
        bundled = rule == RULE_SCHEMA
        message = (
            f"{self.title}: unknown field {where}: "
            + ("the API server rejects fields it does not know: " if bundled else "the schema allows no such field: ")
            + f"{hint}check the spelling and indentation"
            + (" (or pass --no-strict)" if bundled else "")
        )
        rule = RULE_UNKNOWN_FIELD if bundled else rule
        return self._finding(path + (extra,), "error", rule, message, key=True)

    def _message(self, error: Any, path: Path) -> str:
        where = self._where(path)
        if error.validator == "type":
            value = error.validator_value
            expected = [str(t) for t in (value if isinstance(value, list) else [value])]
            wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in expected if t != "null")
            found = self._found(path, error.instance)
            message = f"{self.title}: {where} is {found}, but Kubernetes expects {wanted}"
            if "string" in expected and self._plain_non_string(path):
                message += f": quote it: {self._assignment(path, error.instance)}"
            return message
        if error.validator == "enum":
            allowed = ", ".join(json.dumps(v) for v in error.validator_value)
            return f"{self.title}: {where} is {_show(error.instance)}: it must be one of {allowed}"
        return f"{self.title}: {where}: {error.message}"

    def _fill(self, template: str, path: Path, instance: Any) -> str | None:
        """``x-message`` filled in; None when it names fields we do not have (a user's schema)."""
        parent = str(path[-2]) if len(path) > 1 else ""
        noun = {"labels": "label", "annotations": "annotation"}.get(parent, "field")
        try:
            return template.format(
                noun=noun, key=path[-1] if path else "", value=_show(instance), title=self.title,
                found=self._found(path, instance), quoted=self._quoted(path, instance),
                assignment=self._assignment(path, instance),
            )
        except (KeyError, IndexError, ValueError):
            return None

    def _where(self, path: Path) -> str:
        return json_path(path) or "the object"

    def _found(self, path: Path, instance: Any) -> str:
        return stringvalues.found(self.resource.node_at(path), instance)

    def _plain_non_string(self, path: Path) -> bool:
        node = self.resource.node_at(path)
        return isinstance(node, yaml.ScalarNode) and node.tag != STR_TAG and not node.style

    def _assignment(self, path: Path, instance: Any) -> str:
        """``key: "value"`` as the file would say it: in a JSON file the key is quoted too."""
        key = str(path[-1]) if path else ""
        if self.resource.document.source.is_json:
            key = json.dumps(key, ensure_ascii=False)
        return f"{key}: {self._quoted(path, instance)}"

    def _quoted(self, path: Path, instance: Any) -> str:
        # `yes` and `on` mean true to Kubernetes: suggest the word it understood.
        node = self.resource.node_at(path)
        raw = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        if isinstance(instance, bool):
            raw = json.dumps(instance)
        return '"' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _extras(instance: Any, schema: dict[str, Any]) -> list[str]:
    if not isinstance(instance, dict):
        return []
    properties = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return [
        key for key in instance
        if key not in properties and not any(p.search(str(key)) for p in patterns)
    ]


_show = stringvalues.show
