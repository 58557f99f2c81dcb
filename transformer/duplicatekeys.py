"""Keys written twice in one mapping: YAML readers keep the last one without a word.

Two ``env:`` keys in a container silently drop the first list; ``kubectl apply`` with strict
field validation (the default since 1.25) rejects the object instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from .errors import Location
from .manifest import Document

_MERGE = "tag:yaml.org,2002:merge"


def duplicate_keys(document: Document) -> Iterator[tuple[Location, str, Location]]:
    """(where the repeated key is, the key, where it first was) for every repeat."""
    if document.node is None:
        return
    seen: set[int] = set()
    stack: list[yaml.Node] = [document.node]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # aliases share nodes
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, yaml.Node] = {}
            for key, value in node.value:
                stack.append(value)
                if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE:
                    continue
                if key.value in first:
                    yield (document.source.location(key), key.value,
                           document.source.location(first[key.value]))
                else:
                    first[key.value] = key
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
