"""Label and annotation values that Kubernetes will not take as strings.

YAML 1.1, as Kubernetes reads it, turns unquoted ``true``, ``yes``, ``8080`` or ``0644`` into a
boolean or a number; the API server then rejects the object. We say so before it does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml

from ..errors import InputError
from ..manifest.stream import Path, Resource

_KINDS = {
    "tag:yaml.org,2002:bool": "a YAML boolean",
    "tag:yaml.org,2002:int": "a YAML integer",
    "tag:yaml.org,2002:float": "a YAML number",
}


def non_strings(
    resource: Resource, metadata: Path, *, prefix: str = "", title: str
) -> Iterator[InputError]:
    """One error per label or annotation under ``metadata`` (keys with ``prefix``) not a string."""
    for field, noun in (("labels", "label"), ("annotations", "annotation")):
        mapping = resource.node_at(metadata + (field,))
        if not isinstance(mapping, yaml.MappingNode):
            continue
        for key, value in mapping.value:
            if not isinstance(key, yaml.ScalarNode) or not str(key.value).startswith(prefix):
                continue
            problem = _problem(value)
            if problem is None:
                continue
            raw = value.value if isinstance(value, yaml.ScalarNode) else "..."
            quoted = '"' + str(raw).replace('"', '\\"') + '"'
            yield InputError(
                f"{noun} {key.value} of {title} is {problem} ({raw or 'empty'}), but Kubernetes "
                f"only accepts strings there: quote it: {key.value}: {quoted}",
                resource.document.source.location(value),
            )


def _problem(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        # null decodes to "" in Go's map[string]string: accepted.
        if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:null"):
            return None
        return _KINDS.get(node.tag, f"of type {node.tag}")
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def found(node: yaml.Node | None, value: Any) -> str:
    """A value as a person names it: ``a YAML integer (8080)``, ``a string ("x")``, ``a list``."""
    if isinstance(node, yaml.ScalarNode) and node.tag in _KINDS and not node.style:
        return f"{_KINDS[node.tag]} ({node.value})"
    if isinstance(value, str):
        return f"a string ({show(value)})"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else "null"


def show(value: Any) -> str:
    """``value`` as JSON, cut to 80 characters."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
