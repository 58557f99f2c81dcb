"""aad-pod-identity's objects, ``AzureIdentity`` and ``AzureIdentityBinding``, read as it reads them.

Its Go types decode JSON whatever the letter case of a key, so ``spec.clientId`` works as
``spec.clientID``; such keys are noted, because an API server with the v1 CRD drops them. A
field of another type than its controller decodes is an error at the field (InputErrors), as is
a key written twice: migrate decides from these objects what to write elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, InputErrors
from ..federated.identity import client_id_problem, parse_resource_id
from ..kube import fieldchecks
from ..kube.objects import checked_annotations, checked_map
from ..manifest.stream import Resource

LABEL = "aadpodidbinding"
GROUP = "aadpodidentity.k8s.io"
BEHAVIOR = GROUP + "/Behavior"
USER_ASSIGNED = 0
_TYPES = {1: "a service principal (type 1)", 2: "a service principal with a certificate (type 2)"}


@dataclass(frozen=True)
class Identity:
    """An ``AzureIdentity``; fields are read as aad-pod-identity reads them (any letter case)."""

    resource: Resource
    namespace: str
    name: str
    type: int | None
    client_id: str | None
    resource_id: str | None
    namespaced: bool
    misspelt: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def resource_id_problem(self) -> str | None:
        if self.resource_id is None:
            return None
        found = parse_resource_id(self.client_id or "", self.resource_id)
        return found if isinstance(found, str) else None


@dataclass(frozen=True)
class Binding:
    resource: Resource
    namespace: str
    name: str
    selector: str | None
    identity: str | None
    misspelt: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"AzureIdentityBinding {self.namespace}/{self.name}"


_STRING = ("string", "null")
# The CRD's type is an integer; a string of digits is what some charts write, and is read so.
_IDENTITY_FIELDS = {"type": ("integer", "string", "null"), "clientID": _STRING, "resourceID": _STRING}
_BINDING_FIELDS = {"selector": _STRING, "azureIdentity": _STRING}


def read_identity(resource: Resource, namespace: str) -> Identity:
    """Raises InputErrors when a field it reads is not of the type aad-pod-identity decodes."""
    (kind, client_id, resource_id), misspelt = _fields(resource, namespace, _IDENTITY_FIELDS)
    behavior = checked_annotations(resource.data).get(BEHAVIOR)
    return Identity(
        resource,
        namespace,
        resource.name,
        _identity_type(kind),
        text(client_id),
        text(resource_id),
        isinstance(behavior, str) and behavior.lower() == "namespaced",
        misspelt,
    )


def read_binding(resource: Resource, namespace: str) -> Binding:
    """Raises InputErrors when a field it reads is not of the type aad-pod-identity decodes."""
    (selector, identity), misspelt = _fields(resource, namespace, _BINDING_FIELDS)
    return Binding(resource, namespace, resource.name, text(selector), text(identity), misspelt)


def unusable(binding: Binding, identity: Identity | None) -> str | None:
    """Why pods bound through ``binding`` cannot move to workload identity; None if they can."""
    if identity is None:
        return (
            f"{binding.title} names AzureIdentity {binding.namespace}/{binding.identity}, "
            "which is in none of the inputs: add it to the inputs, or remove the binding"
        )
    if identity.type != USER_ASSIGNED:
        kind = _TYPES.get(identity.type or -1, "of an unknown type")
        return (
            f"AzureIdentity {identity.ref} is {kind}: only user-assigned managed identities "
            "(type 0) migrate this way; move the workload to a user-assigned identity, or "
            "federate the app registration by hand (federated-credential --target app)"
        )
    problem = client_id_problem(identity.client_id)
    if problem:
        return f"AzureIdentity {identity.ref}: spec.clientID: {problem}"
    return None


def text(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def _fields(
    resource: Resource, namespace: str, wanted: Mapping[str, tuple[str, ...]]
) -> tuple[list[Any], tuple[str, ...]]:
    """The values of ``spec.<name>``, and the keys found spelt otherwise than the CRD spells them."""
    title = resource.title(namespace)
    problems = _checked(resource, namespace, title)
    spec = checked_map(resource.data.get("spec")) if not problems else {}
    values: list[Any] = []
    misspelt: list[str] = []
    for name, types in wanted.items():
        value, key = _field(spec, name)
        values.append(value)
        if key is None:
            continue
        if key != name:
            misspelt.append(f"spec.{key} (the CRD: spec.{name})")
        problems += fieldchecks.of_types(resource, title, ("spec", key), value, types,
                                         reader="aad-pod-identity")
    if problems:
        raise InputErrors(problems)
    return values, tuple(misspelt)


def _checked(resource: Resource, namespace: str, title: str) -> list[InputError]:
    """Its metadata, annotations, behavior annotation and spec; no key written twice."""
    problems = fieldchecks.metadata(resource, namespace)
    data = resource.data
    problems += fieldchecks.of_types(resource, title, ("spec",), data.get("spec"), ("object", "null"))
    if not problems and BEHAVIOR in checked_annotations(data):
        problems += fieldchecks.of_types(resource, title, ("metadata", "annotations", BEHAVIOR),
                                         checked_annotations(data)[BEHAVIOR], _STRING)
    return problems + fieldchecks.repeated_keys(resource.document)


def _field(spec: dict[str, Any], name: str) -> tuple[Any, str | None]:
    """``spec[name]``, or a key spelt with other letter case, as Go's JSON decoding accepts."""
    if name in spec:
        return spec[name], name
    found = None
    for key in spec:
        if isinstance(key, str) and key.lower() == name.lower():
            found = key
    return (spec[found], found) if found is not None else (None, None)


def _identity_type(value: Any) -> int | None:
    # Go's zero value: an AzureIdentity without a type is a user-assigned identity.
    if value is None:
        return USER_ASSIGNED
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
