"""The checks a triggered workload passes before inject plans an edit, beyond those every workload
passes (``kube.fieldchecks``): each one an InputError at the node.

A triggered template must have its Kubernetes type on every field injection reads or writes
(``kube.templatetypes``) and its marker the shape we write.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError
from ..identity.names import MARKER
from ..kube import fieldchecks
from ..kube import templatetypes as types
from ..manifest.stream import Path, Resource


def triggered(resource: Resource, path: Path, template: dict[str, Any], title: str) -> list[InputError]:
    """Every field on the injection path of a triggered template, and our marker."""
    if not types.template_check()(template):
        return fieldchecks.against(resource, title, path, types.template_schema(), template)
    return _marker(resource, path, template, title)


def _marker(resource: Resource, path: Path, template: dict[str, Any], title: str) -> list[InputError]:
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(MARKER)
    if value is None or _is_record(value):
        return []
    at = path + ("metadata", "annotations", MARKER)
    return [InputError(
        f"{title}: annotation {MARKER} is not the record wi-transform writes there (JSON with "
        "the env names it added per container and its proxy containers): it was edited by hand; "
        "remove the annotation, and what inject added before, and run again",
        resource.location(at),
    )]


def _is_record(value: str) -> bool:
    try:
        record = json.loads(value)
    except ValueError:
        return False
    if not isinstance(record, dict) or set(record) - {"containers", "proxy"}:
        return False
    containers = record.get("containers", {})
    proxy = record.get("proxy", [])
    return (isinstance(containers, dict) and all(_strings(v) for v in containers.values())
            and _strings(proxy))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
