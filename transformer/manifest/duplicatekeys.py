"""Keys written twice in one mapping: YAML readers keep the last one without a word.

Two ``env:`` keys in a container silently drop the first list; ``kubectl apply`` with strict
field validation (the default since 1.25) rejects the object instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from ..errors import Location
from .stream import Document

_MERGE = "tag:yaml.org,2002:merge"
_COLLECTIONS = (yaml.MappingNode, yaml.SequenceNode)


def duplicate_keys(document: Document) -> Iterator[tuple[Location, str, Location]]:
    """(where the repeated key is, the key, where it first was) for every repeat."""
    seen: set[int] = set()  # aliases share nodes, and may even contain themselves
    stack = [document.node] if isinstance(document.node, _COLLECTIONS) else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack += [item for item in node.value if isinstance(item, _COLLECTIONS)]
            continue
        stack += [value for _, value in node.value if isinstance(value, _COLLECTIONS)]
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if len(set(keys)) != len(keys):
            yield from _repeats(document, node)


def message(key: str, first: Location) -> str:
    """What to say about a repeat of ``key`` first written at ``first``."""
    return (
        f"key {key!r} appears twice in this mapping (first at line {first.line}): only the "
        "last one counts, and kubectl apply rejects it (strict field validation): merge them "
        "or remove one"
    )


def _repeats(document: Document, node: yaml.MappingNode) -> Iterator[tuple[Location, str, Location]]:
    first: dict[str, yaml.Node] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE:
            continue
        if key.value in first:
            yield (document.source.location(key), key.value,
                   document.source.location(first[key.value]))
        else:
            first[key.value] = key
