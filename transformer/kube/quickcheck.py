"""A fast yes/no for the six JSON Schema keywords the Kubernetes schemas use.

jsonschema walks every property a schema lists for every object, through a validator object per
step; on a typical manifest that is ten times the work of walking the object itself. Most objects
are valid, so ``validate`` first asks this check, which walks only what the object holds, and
hands the object to jsonschema (which explains every error) only when the answer is no. It must
answer exactly as jsonschema (Draft 2020-12) would: a test compares the two on mutated objects.
Schemas with any other keyword get no quick check at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Quick = Callable[[Any], bool]

_KNOWN = frozenset({"type", "properties", "additionalProperties", "items", "required", "enum"})


class Unsupported(Exception):
    """The schema uses a keyword (or a form of one) this check does not implement."""


class Compiler:
    """Compiles schemas into predicates; sub-schemas shared between schemas (the same objects,
    as ``kubeschemas`` hands them out) are compiled once."""

    def __init__(self) -> None:
        self._done: dict[int, Quick] = {}

    def predicate(self, schema: dict[str, Any]) -> Quick | None:
        """A predicate equal to jsonschema's ``is_valid`` for ``schema``, or None if it cannot be."""
        try:
            return self.compile(schema)
        except Unsupported:
            # Half-built predicates may point at the one that failed: start afresh.
            self._done = {}
            return None

    def compile(self, schema: Any) -> Quick:
        if schema is True:
            return _always
        if not isinstance(schema, dict) or not _KNOWN.issuperset(schema):
            raise Unsupported(schema)
        key = id(schema)
        if key in self._done:
            return self._done[key]
        # Recursive schemas: hand out a forwarder until the real predicate exists.
        slot: list[Quick] = []
        self._done[key] = lambda value: slot[0](value)
        checks = [c for c in (self._type(schema), self._object(schema), self._items(schema),
                              self._enum(schema)) if c is not None]
        predicate = _all_of(tuple(checks))
        slot.append(predicate)
        self._done[key] = predicate
        return predicate

    def _type(self, schema: dict[str, Any]) -> Quick | None:
        if "type" not in schema:
            return None
        value = schema["type"]
        types = frozenset([value] if isinstance(value, str) else value)
        return lambda instance: _type_name(instance) in types or (
            "number" in types and _type_name(instance) == "integer"
        )

    def _object(self, schema: dict[str, Any]) -> Quick | None:
        properties = {k: self.compile(v) for k, v in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        if extra is not False:
            extra = self.compile(extra)
        required = tuple(schema.get("required", ()))
        if not properties and extra is _always and not required:
            return None

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            for name in required:
                if name not in instance:
                    return False
            for name, value in instance.items():
                sub = properties.get(name)
                if sub is None:
                    if extra is False or not extra(value):
                        return False
                elif not sub(value):
                    return False
            return True

        return check

    def _items(self, schema: dict[str, Any]) -> Quick | None:
        if "items" not in schema:
            return None
        item = self.compile(schema["items"])
        return lambda instance: not isinstance(instance, list) or all(item(i) for i in instance)

    def _enum(self, schema: dict[str, Any]) -> Quick | None:
        if "enum" not in schema:
            return None
        values = schema["enum"]
        if not all(isinstance(v, str) for v in values):
            raise Unsupported(values)  # jsonschema compares 1, 1.0 and True its own way
        allowed = frozenset(values)
        return lambda instance: isinstance(instance, str) and instance in allowed


def _type_name(instance: Any) -> str:
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int):
        return "integer"
    if isinstance(instance, float):
        return "integer" if instance.is_integer() else "number"
    if isinstance(instance, str):
        return "string"
    if isinstance(instance, dict):
        return "object"
    if isinstance(instance, list):
        return "array"
    return "unknown"


def _always(instance: Any) -> bool:
    return True


def _all_of(checks: tuple[Quick, ...]) -> Quick:
    if len(checks) == 1:
        return checks[0]

    def check(instance: Any) -> bool:
        for each in checks:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not each(instance):
                return False
        return True

    return check
