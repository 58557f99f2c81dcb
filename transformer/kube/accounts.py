"""ServiceAccounts by namespace and name, gathered from every input."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..manifest.stream import Resource


class Accounts:
    """The ServiceAccounts seen so far; a later definition of the same one wins, as kubectl apply."""

    def __init__(self, default_namespace: str) -> None:
        self.default_namespace = default_namespace
        self._by_key: dict[tuple[str, str], Resource] = {}

    def add_from(self, resources: Iterable[Resource]) -> None:
        for resource in resources:
            if resource.kind == "ServiceAccount" and resource.group == "" and resource.name:
                self._by_key[self.key(resource)] = resource

    def key(self, resource: Resource) -> tuple[str, str]:
        return (resource.namespace or self.default_namespace, resource.name)

    def get(self, namespace: str, name: str) -> Resource | None:
        return self._by_key.get((namespace, name))

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)
