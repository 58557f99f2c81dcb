"""Both sides on many cases: the differences, each shrunk to a minimal reproducing case."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tests.differential import engines
from tests.differential.cases import Case, Json, placed
from tests.differential.engines import Outcome
from tests.differential.translate import expected, for_upstream, ours_compared


class Tally(NamedTuple):
    """What the cases exercised: injected by upstream, with its proxy, refused by both."""

    injected: int
    proxied: int
    custom: int
    refused: int

    def __str__(self) -> str:
        return (f"{self.injected} injected, {self.proxied} with the proxy, {self.custom} with the "
                f"custom token endpoint, {self.refused} refused by both")


class Difference(NamedTuple):
    case: Case
    paths: list[str]  # where the two pods differ, or "refused by ..." when one side refused


def diff(a: Any, b: Any, path: str = "") -> Iterator[str]:
    """Paths (``spec.containers[0].env``) where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from diff(a.get(key), b.get(key), f"{path}.{key}" if path else key)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: upstream {json.dumps(a)} != ours {json.dumps(b)}"


def differences(cases: Sequence[Case], oracle: Path) -> list[Difference]:
    """Every case where `inject` does not do what upstream, translated, does."""
    return compared(cases, oracle)[0]


def compared(cases: Sequence[Case], oracle: Path) -> tuple[list[Difference], Tally]:
    """The differences, and what the cases exercised."""
    cases = [placed(c, i) for i, c in enumerate(cases)]
    theirs = engines.upstream([for_upstream(c) for c in cases], oracle)
    wanted = [expected(c, got) for c, got in zip(cases, theirs, strict=True)]
    mine = engines.ours(cases)
    a = _canonical([o.pod for o in wanted], oracle)
    b = _canonical([ours_compared(o.pod) if o.pod is not None else None for o in mine], oracle)
    found = []
    for case, want, got, x, y in zip(cases, wanted, mine, a, b, strict=True):
        found += _judge(case, want, got, x, y)
    return found, _tally(wanted, mine)


def _tally(wanted: list[Outcome], mine: list[Outcome]) -> Tally:
    pods = [o.pod for o in wanted if o.pod is not None]
    injected = [p for p in pods if any(v.get("name") == "azure-identity-token" and "projected" in v
                                       for v in p["spec"].get("volumes") or [])]
    proxied = [p for p in injected if any(c.get("image", "").endswith(("/proxy:v1.6.0", "/p:1", "/p:2"))
                                          for c in p["spec"].get("initContainers", []) + p["spec"]["containers"])]
    custom = [p for p in injected if any(e.get("name") == "AZURE_KUBERNETES_TOKEN_PROXY" or e.get("name") == "AZURE_KUBERNETES_SNI_NAME"
                                         for c in p["spec"]["containers"] for e in c.get("env") or [])]
    refused = sum(1 for w, m in zip(wanted, mine, strict=True) if w.error and m.error)
    return Tally(len(injected), len(proxied), len(custom), refused)


def _canonical(pods: list[Json | None], oracle: Path) -> list[Json | None]:
    present = iter(engines.normalized([p for p in pods if p is not None], oracle))
    return [next(present) if p is not None else None for p in pods]


def _judge(case: Case, want: Outcome, got: Outcome, a: Json | None, b: Json | None) -> list[Difference]:
    if want.error and got.error:
        return []
    if want.error:
        return [Difference(case, [f"upstream refuses ({want.error}), ours does not"])]
    if got.error:
        return [Difference(case, [f"ours refuses ({got.error}), upstream does not"])]
    paths = list(diff(a, b))
    return [Difference(case, paths)] if paths else []


def _smaller(case: Case) -> Iterator[Case]:
    """Every case one step simpler: one key, list item or map entry fewer, anywhere in the pod
    or the ServiceAccount (a pod keeps one container)."""
    fixed = {("apiVersion",), ("kind",), ("metadata",), ("spec",), ("metadata", "name"),
             ("metadata", "namespace"), ("spec", "containers")}
    for path in _paths(case.pod):
        named = path[-1] in ("name", "mountPath") and len(path) > 2
        last = path[-2:] == ("containers", 0) and len(case.pod["spec"]["containers"]) == 1
        if not (named or last or path in fixed):
            yield Case(_without(case.pod, path), case.account, case.settings)
    if case.account is not None:
        for path in _paths(case.account):
            if path[0] == "metadata" and len(path) > 1 and path[1] not in ("name", "namespace"):
                yield Case(case.pod, _without(case.account, path), case.settings)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _without(value: Json, path: tuple[Any, ...]) -> Json:
    copied = copy.deepcopy(value)
    target = copied
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copied


def minimal(difference: Difference, oracle: Path, rounds: int = 40) -> Difference:
    """The difference shrunk greedily: each round tries every one-step-smaller case in one batch."""
    current = difference
    for _ in range(rounds):
        candidates = list(_smaller(current.case))
        if not candidates:
            break
        still = differences(candidates, oracle)
        if not still:
            break
        current = still[0]
    return current
