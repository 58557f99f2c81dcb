"""The aad-pod-identity objects among the inputs, and which bindings select which pods.

Bindings select pods as aad-pod-identity's MIC selects them: by the ``aadpodidbinding`` label,
across namespaces unless the identity is annotated namespaced or the cluster runs
``--forceNamespaced``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..manifest.stream import Resource
from .podidentity import GROUP, Binding, Identity, read_binding, read_identity

Pod = tuple[str, str]
"""A pod template's ``aadpodidbinding`` label value and its namespace."""


class PodIdentities:
    """Every ``AzureIdentity`` (by namespace and name: a later one wins) and every binding."""

    def __init__(self, force_namespaced: bool) -> None:
        self.force_namespaced = force_namespaced
        self.identities: dict[tuple[str, str], Identity] = {}
        self.bindings: list[Binding] = []

    def add(self, resource: Resource, namespace: str) -> bool:
        """Read ``resource`` if it is an identity or a binding; False if it is neither."""
        if resource.group == GROUP and resource.kind == "AzureIdentity":
            identity = read_identity(resource, namespace)
            self.identities[(identity.namespace, identity.name)] = identity
        elif resource.group == GROUP and resource.kind == "AzureIdentityBinding":
            self.bindings.append(read_binding(resource, namespace))
        else:
            return False
        return True

    def identity_of(self, binding: Binding) -> Identity | None:
        return self.identities.get((binding.namespace, binding.identity or ""))

    def matches(self, binding: Binding, pod: Pod) -> bool:
        selector, namespace = pod
        if binding.selector is None or binding.selector != selector:
            return False
        if binding.namespace == namespace:
            return True
        if self.force_namespaced:
            return False
        identity = self.identity_of(binding)
        return identity is None or not identity.namespaced

    def selecting(self, pod: Pod) -> list[Binding]:
        return [b for b in self.bindings if self.matches(b, pod)]

    def selects_any(self, binding: Binding, pods: Iterable[Pod]) -> bool:
        return any(self.matches(binding, pod) for pod in pods)

    def with_selector(self, selector: str) -> list[str]:
        """``namespace/name`` of every binding with ``selector``, whatever its namespace."""
        return sorted({f"{b.namespace}/{b.name}" for b in self.bindings if b.selector == selector})

    def unused(self, pods: list[Pod]) -> list[Resource]:
        """The bindings that select none of ``pods``, then the identities no other binding names."""
        kept = [b for b in self.bindings if self.selects_any(b, pods)]
        named = {(b.namespace, b.identity) for b in kept}
        return [b.resource for b in self.bindings if b not in kept] + [
            i.resource for key, i in self.identities.items() if key not in named
        ]
