"""Suppressions: ``wi-transform.azure.workload.identity/ignore-<rule-id>: "<reason>"`` on an
object turns that rule's findings for the object into notes that show the reason. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..identity.names import IGNORE
from ..kube.objects import annotations_of
from ..manifest.stream import Resource
from .findings import Finding, on, title
from .rules import RULES

RULE = "ignore-annotation"


def suppress(findings: Iterable[Finding], resources: Sequence[Resource], *,
             namespace: str) -> list[Finding]:
    """Every finding, those an object ignores as suppressed notes, plus a warning for each
    ignore annotation without a reason or naming no rule."""
    ignored: dict[tuple[str, str], dict[str, str]] = {}
    out: list[Finding] = []
    for resource in resources:
        rules = _ignores(resource)
        if rules:
            probe = on(resource, (), "info", "", "", namespace=namespace)
            ignored[(probe.path, probe.object)] = rules
            out += _problems(resource, rules, namespace)
    for finding in findings:
        reason = ignored.get((finding.path, finding.object), {}).get(finding.rule)
        if reason is None:
            out.append(finding)
        else:
            out.append(replace(finding, severity="info", suppressed=reason))
    return out


def _ignores(resource: Resource) -> dict[str, str]:
    return {
        key[len(IGNORE):]: value if isinstance(value, str) else ""
        for key, value in annotations_of(resource.data).items()
        if isinstance(key, str) and key.startswith(IGNORE)
    }


def _problems(resource: Resource, rules: dict[str, str], namespace: str) -> list[Finding]:
    found: list[Finding] = []
    name = title(resource, namespace)
    for rule, reason in rules.items():
        path = ("metadata", "annotations", IGNORE + rule)
        if rule not in RULES:
            found.append(on(resource, path, "warning", RULE,
                            f"{name}: annotation {IGNORE}{rule} names no rule of wi-transform "
                            f"validate: use one of the ids in brackets, e.g. {IGNORE}no-schema",
                            namespace=namespace, key=True))
        if not reason.strip():
            found.append(on(resource, path, "warning", RULE,
                            f"{name}: annotation {IGNORE}{rule} gives no reason: say why the "
                            "rule does not apply to this object (the reason is shown with "
                            "every finding it suppresses)", namespace=namespace))
    return found
