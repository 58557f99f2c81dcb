"""What injection must change in one pod template: the desired state compared with what is there.

Containers, env entries and mounts that an earlier run added (the marker annotation says which)
are ours to replace; everything else the user wrote is left as it is.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..identity.names import (
    AUDIENCE,
    MARKER,
    PROXY,
    PROXY_INIT,
    TOKEN_MOUNT_PATH,
    TOKEN_PATH,
    TOKEN_VOLUME,
)
from ..kube.objects import checked_annotations as _annotations
from ..kube.objects import checked_list as _list
from ..kube.objects import checked_map as _map
from ..manifest import edits as ed
from ..manifest.edits import Edit
from ..manifest.stream import Path


class Problem(NamedTuple):
    """Why a template cannot be injected; ``path`` is relative to the template or account."""

    path: Path
    message: str
    on_account: bool = False


def token_volume(
    expiration: int, audience: str = AUDIENCE, more: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The projected volume: the token, then the CA of a custom token endpoint, if any."""
    source = {"path": TOKEN_PATH, "expirationSeconds": expiration, "audience": audience}
    sources = [{"serviceAccountToken": source}, *more]
    return {"name": TOKEN_VOLUME, "projected": {"sources": sources}}


def token_mount() -> dict[str, Any]:
    return {"name": TOKEN_VOLUME, "mountPath": TOKEN_MOUNT_PATH, "readOnly": True}


class Plan:
    def __init__(
        self, template: dict[str, Any], env: list[tuple[str, str]], skip: frozenset[str]
    ) -> None:
        self.template = template
        self.spec = _map(template.get("spec"))
        self.env = env
        self.skip = skip
        self.prior = _read_marker(_annotations(template).get(MARKER))
        self.record: dict[str, Any] = {"containers": {}, "proxy": []}
        self.edits: list[Edit] = []

    def containers(self, sidecars: dict[str, dict[str, Any]], native: bool) -> list[Problem]:
        problems: list[Problem] = []
        for field_name in ("initContainers", "containers"):
            items = _list(self.spec.get(field_name))
            for index, container in enumerate(items):
                if not isinstance(container, dict):
                    continue
                name = container.get("name")
                if name in (PROXY_INIT, PROXY) and name in self.prior["proxy"]:
                    continue  # ours: rewritten below as a whole
                problems += self._container(("spec", field_name, index), container)
        if problems:
            return problems
        ours = {name: self._mutated(c) for name, c in sidecars.items()}
        target = {PROXY_INIT: "initContainers", PROXY: "initContainers" if native else "containers"}
        for name in list(ours):
            found = self._user_owned(name)
            if found is not None and found[1] == target[name]:
                del ours[name]  # upstream leaves a container of that name alone
            elif found is not None:
                problems.append(Problem(found, (
                    f"a container named {name} is in {found[1]}, and the webhook adds its own "
                    f"{name} to {target[name]}: the API server refuses two containers of one "
                    "name; rename yours")))
        if problems:
            return problems
        init_front = [ours[n] for n in (PROXY_INIT, PROXY) if n in ours] if native else []
        init_back = [ours[PROXY_INIT]] if not native and PROXY_INIT in ours else []
        main_front = [ours[PROXY]] if not native and PROXY in ours else []
        self._place("initContainers", init_front, init_back)
        self._place("containers", main_front, [])
        self.record["proxy"] = sorted(ours)
        return []

    def volume(
        self, expiration: int, audience: str, more: Sequence[dict[str, Any]] = ()
    ) -> None:
        self._upsert(("spec", "volumes"), token_volume(expiration, audience, more))

    def marker(self) -> None:
        record = {
            "containers": {k: v for k, v in sorted(self.record["containers"].items())},
            "proxy": self.record["proxy"],
        }
        value = json.dumps(record, separators=(",", ":"), sort_keys=True)
        annotations = _map(_map(self.template.get("metadata")).get("annotations"))
        if annotations.get(MARKER) == value:
            return
        self._set(("metadata", "annotations"), MARKER, value)

    # -- one user container --------------------------------------------------------------

    def _container(self, path: Path, container: dict[str, Any]) -> list[Problem]:
        name = str(container.get("name", ""))
        prior_env = set(self.prior["containers"].get(name, []))
        present = {
            e.get("name"): (i, e) for i, e in enumerate(_list(container.get("env"))) if isinstance(e, dict)
        }
        if name in self.skip:
            self._remove(path + ("env",), [present[n][0] for n in sorted(prior_env) if n in present])
            if name in self.prior["containers"]:
                mounts = _list(container.get("volumeMounts"))
                self._remove(path + ("volumeMounts",), [
                    i for i, m in enumerate(mounts) if isinstance(m, dict) and m.get("name") == TOKEN_VOLUME
                ])
            return []
        owned: list[str] = []
        appended: list[dict[str, Any]] = []
        wanted = dict(self.env)
        for var, value in self.env:
            if var in present:
                index, current = present[var]
                if var in prior_env:
                    owned.append(var)
                    if current != {"name": var, "value": value}:
                        self.edits.append(ed.Replace(path + ("env", index), {"name": var, "value": value}))
            else:
                appended.append({"name": var, "value": value})
                owned.append(var)
        stale = [present[n][0] for n in sorted(prior_env) if n in present and n not in wanted]
        self._remove(path + ("env",), stale)
        self._extend(path, container, "env", appended)
        self.record["containers"][name] = sorted(owned)
        return self._mount(path, container)

    def _mount(self, path: Path, container: dict[str, Any]) -> list[Problem]:
        mounts = _list(container.get("volumeMounts"))
        for index, mount in enumerate(mounts):
            if not isinstance(mount, dict):
                continue
            at = mount.get("mountPath")
            if mount.get("name") != TOKEN_VOLUME and isinstance(at, str) and posixpath.normpath(at) == TOKEN_MOUNT_PATH:
                return [
                    Problem(
                        path + ("volumeMounts", index, "mountPath"),
                        f"container {container.get('name')!r} already mounts volume "
                        f"{mount.get('name')!r} at {TOKEN_MOUNT_PATH}, where the workload identity "
                        "token goes: mount it elsewhere",
                    )
                ]
        self._upsert(path + ("volumeMounts",), token_mount())
        return []

    def _mutated(self, container: dict[str, Any]) -> dict[str, Any]:
        """A container of ours with the env and mount every injected container gets."""
        out = dict(container)
        if out["name"] in self.skip:
            return out
        present = {e["name"] for e in out.get("env", [])}
        out["env"] = out.get("env", []) + [
            {"name": n, "value": v} for n, v in self.env if n not in present
        ]
        out["volumeMounts"] = [token_mount()]
        order = ["name", "image", "imagePullPolicy", "args", "ports", "env", "volumeMounts",
                 "lifecycle", "securityContext", "restartPolicy"]
        return {k: out[k] for k in order if k in out}

    def _user_owned(self, name: str) -> Path | None:
        """Where the user's own container of that name is (``("spec", field, index)``), if any."""
        if name in self.prior["proxy"]:
            return None
        for f in ("initContainers", "containers"):
            for index, c in enumerate(_list(self.spec.get(f))):
                if isinstance(c, dict) and c.get("name") == name:
                    return ("spec", f, index)
        return None

    def _place(self, field_name: str, front: list[dict[str, Any]], back: list[dict[str, Any]]) -> None:
        """Our containers first and last in the list; rewritten only when anything differs."""
        items = _list(self.spec.get(field_name))
        mine = [
            i for i, c in enumerate(items)
            if isinstance(c, dict) and c.get("name") in self.prior["proxy"] and c.get("name") in (PROXY, PROXY_INIT)
        ]
        others = [c for i, c in enumerate(items) if i not in mine]
        if items == front + others + back:
            return
        path: Path = ("spec", field_name)
        if not others and not front + back:
            self._remove(path, mine)
            return
        if not others or items in ([], None):
            self._set(("spec",), field_name, front + back)
            return
        self._remove(path, mine)
        first_other = next(i for i in range(len(items)) if i not in mine)
        for c in front:
            self.edits.append(ed.Insert(path, first_other, c))
        for c in back:
            self.edits.append(ed.Insert(path, len(items), c))

    # -- generic list and map edits ----------------------------------------------------

    def _upsert(self, path: Path, item: dict[str, Any]) -> None:
        """The item named like ``item`` in the list at ``path`` becomes ``item``."""
        parent = _get(self.template, path[:-1])
        key = str(path[-1])
        items = _list(parent.get(key))
        for index, current in enumerate(items):
            if isinstance(current, dict) and current.get("name") == item["name"]:
                if current != item:
                    self.edits.append(ed.Replace(path + (index,), item))
                return
        self._extend(path[:-1], parent, key, [item])

    def _extend(self, path: Path, parent: dict[str, Any], key: str, items: list[Any]) -> None:
        if not items:
            return
        current = parent.get(key)
        if isinstance(current, list) and current:
            for item in items:
                self.edits.append(ed.Insert(path + (key,), len(current), item))
        else:
            self._set(path, key, items)

    def _set(self, path: Path, key: str, value: Any) -> None:
        """Set ``key`` in the mapping at ``path``, creating missing mappings on the way."""
        node: Any = self.template
        for depth, step in enumerate(path):
            child = _get_raw(node, (step,))
            if child is None:  # absent or null: created; any other type was refused by the checks
                nested: Any = {key: value}
                for outer in reversed(path[depth + 1 :]):
                    nested = {outer: nested}
                self._put(path[:depth], node, str(step), nested)
                return
            node = child
        self._put(path, node, key, value)

    def _put(self, path: Path, mapping: Any, key: str, value: Any) -> None:
        if isinstance(mapping, dict) and key in mapping:
            self.edits.append(ed.Replace(path + (key,), value))
        else:
            self.edits.append(ed.AddKey(path, key, value))

    def _remove(self, path: Path, indices: list[int]) -> None:
        for index in sorted(set(indices)):
            self.edits.append(ed.Delete(path + (index,)))


def _read_marker(value: Any) -> dict[str, Any]:
    empty: dict[str, Any] = {"containers": {}, "proxy": []}
    if not isinstance(value, str):
        return empty
    try:
        record = json.loads(value)
    except ValueError:
        return empty
    if not isinstance(record, dict):
        return empty
    containers = record.get("containers")
    proxy = record.get("proxy")
    return {
        "containers": containers if isinstance(containers, dict) else {},
        "proxy": proxy if isinstance(proxy, list) else [],
    }


def _get(data: dict[str, Any], path: Path) -> dict[str, Any]:
    node: Any = data
    for step in path:
        node = node.get(step) if isinstance(node, dict) else node[step]
    return _map(node)


def _get_raw(data: Any, path: Path) -> Any:
    node = data
    for step in path:
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int):
            node = node[step]
        else:
            return None
    return node
