"""Label selectors that pick pods by one label: who would notice the label going.

Services, ReplicationControllers, every ``matchLabels``/``matchExpressions`` selector (workloads,
policies, affinity terms): removing the label from pods they pick would change what they pick.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, InputErrors
from ..manifest.stream import Path, Resource
from . import fieldchecks
from .objects import checked_list, checked_map

_MAP = ("object", "null")
_STRINGS = {"type": ["object", "null"], "additionalProperties": {"type": ["string", "null"]}}
_LABEL_SELECTOR = {"type": ["object"], "properties": {
    "matchLabels": _STRINGS,
    "matchExpressions": {"type": ["array", "null"], "items": {
        "type": ["object"], "required": ["key"], "properties": {"key": {"type": ["string"]}}}},
}}


@dataclass(frozen=True)
class Selector:
    """A label selector that names the label."""

    owner: str
    namespace: str | None  # None: it may pick pods of any namespace (affinity terms)
    labels: dict[str, Any]
    by_expression: bool

    def relies_on(self, labels: dict[str, Any], namespace: str) -> bool:
        """Whether removing the label from pods with ``labels`` could change what it picks."""
        if self.namespace is not None and self.namespace != namespace:
            return False
        # Expressions are not evaluated: any one naming the label counts (the safe side).
        return self.by_expression or all(labels.get(k) == v for k, v in self.labels.items())


def selectors(resource: Resource, title: str, namespace: str, label: str) -> Iterator[Selector]:
    """Every label selector in ``resource`` that names ``label``.

    Raises InputErrors when a selector is not of its Kubernetes type: what it picks is unknown.
    """
    found, problems = _selectors(resource, title, namespace, label)
    if problems:
        raise InputErrors(problems)
    return iter(found)


def _selectors(resource: Resource, title: str, namespace: str,
               label: str) -> tuple[list[Selector], list[InputError]]:
    found: list[Selector] = []
    problems: list[InputError] = []
    data = resource.data
    if resource.group == "" and resource.kind in ("Service", "ReplicationController"):
        problems += fieldchecks.of_types(resource, title, ("spec",), data.get("spec"), _MAP)
        spec = checked_map(data.get("spec")) if not problems else {}
        plain = spec.get("selector")
        problems += fieldchecks.against(resource, title, ("spec", "selector"), _STRINGS, plain)
        if not problems and plain and label in plain:
            found.append(Selector(title, namespace, plain, False))
    for path, parent, selector in _label_selectors(data):
        wrong = fieldchecks.against(resource, title, path, _LABEL_SELECTOR, selector)
        problems += wrong
        if wrong:
            continue
        labels = checked_map(selector.get("matchLabels"))
        expressions = checked_list(selector.get("matchExpressions"))
        by_expression = any(e.get("key") == label for e in expressions)
        if label in labels or by_expression:
            anywhere = "namespaces" in parent or "namespaceSelector" in parent
            found.append(Selector(title, None if anywhere else namespace, labels, by_expression))
    return found, problems


def owners_relying_on(
    found: Iterable[Selector], labels: dict[str, Any], namespace: str
) -> list[str]:
    """The owners of selectors that pods with ``labels`` in ``namespace`` would drop out of."""
    return sorted({s.owner for s in found if s.relies_on(labels, namespace)})


def _label_selectors(data: Any) -> Iterator[tuple[Path, dict[str, Any], dict[str, Any]]]:
    """(its path, the mapping holding it, the selector) for every LabelSelector-shaped mapping."""
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, dict) and ("matchLabels" in value or "matchExpressions" in value):
                    yield path + (key,), item, value
                stack.append((path + (key,), value))
        elif isinstance(item, list):
            stack.extend((path + (i,), v) for i, v in enumerate(item))
