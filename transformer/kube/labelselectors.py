"""Label selectors that pick pods by one label: who would notice the label going.

Services, ReplicationControllers, every ``matchLabels``/``matchExpressions`` selector (workloads,
policies, affinity terms): removing the label from pods they pick would change what they pick.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..manifest.stream import Resource
from .objects import as_map


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
    """Every label selector in ``resource`` that names ``label``."""
    spec = as_map(resource.data.get("spec"))
    plain = resource.group == "" and resource.kind in ("Service", "ReplicationController")
    if plain and isinstance(spec.get("selector"), dict) and label in spec["selector"]:
        yield Selector(title, namespace, spec["selector"], False)
    for parent, selector in _label_selectors(resource.data):
        labels = as_map(selector.get("matchLabels"))
        expressions = selector.get("matchExpressions")
        by_expression = isinstance(expressions, list) and any(
            isinstance(e, dict) and e.get("key") == label for e in expressions
        )
        if label in labels or by_expression:
            anywhere = "namespaces" in parent or "namespaceSelector" in parent
            yield Selector(title, None if anywhere else namespace, labels, by_expression)


def owners_relying_on(
    found: Iterable[Selector], labels: dict[str, Any], namespace: str
) -> list[str]:
    """The owners of selectors that pods with ``labels`` in ``namespace`` would drop out of."""
    return sorted({s.owner for s in found if s.relies_on(labels, namespace)})


def _label_selectors(data: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(the mapping holding it, the selector) for every LabelSelector-shaped mapping."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for value in item.values():
                if isinstance(value, dict) and ("matchLabels" in value or "matchExpressions" in value):
                    yield item, value
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
