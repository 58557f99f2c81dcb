"""The two sides: upstream's webhook (the oracle binary) and `wi-transform inject` (the CLI)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tests.differential.cases import Case, Json, Settings


class Outcome(NamedTuple):
    """A pod as one side left it, or that side's refusal."""

    pod: Json | None
    error: str | None = None


def _lines(requests: Sequence[Json], oracle: Path) -> list[Json]:
    text = "".join(json.dumps(r) + "\n" for r in requests)
    done = subprocess.run([str(oracle)], input=text.encode(), capture_output=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{oracle} failed: {done.stderr.decode()[-2000:]}")
    replies = [json.loads(line) for line in done.stdout.decode().splitlines()]
    if len(replies) != len(requests):
        raise RuntimeError(f"{oracle}: {len(requests)} requests, {len(replies)} replies")
    return replies


def upstream(cases: Sequence[Case], oracle: Path) -> list[Outcome]:
    """Upstream's mutation of each case (the oracle applies the webhook's objectSelector)."""
    requests = [{"pod": c.pod, "serviceAccount": c.account, "settings": c.settings.webhook()}
                for c in cases]
    return [Outcome(r.get("pod"), r.get("error")) for r in _lines(requests, oracle)]


def normalized(pods: Sequence[Json], oracle: Path) -> list[Json]:
    """Each pod as Go's corev1.Pod writes it (defaults such as ``resources: {}``), to compare."""
    replies = _lines([{"normalize": p} for p in pods], oracle)
    bad = [r["error"] for r in replies if "error" in r]
    if bad:
        raise RuntimeError(f"cannot normalize: {bad[0]}")
    return [r["pod"] for r in replies]


_PROBLEM = re.compile(r"^<stdin>:(\d+):\d+: (.*)$")


def _stream(cases: Sequence[Case]) -> str:
    """A JSON List, one object a line: line ``2 + 2*i`` is case i's pod, the next its account."""
    lines = []
    for found in cases:
        lines.append(json.dumps(found.pod))
        lines.append(json.dumps(found.account or {"apiVersion": "v1", "kind": "ConfigMap",
                                                  "metadata": {"name": "none"}}))
    return '{"apiVersion": "v1", "kind": "List", "items": [\n' + ",\n".join(lines) + "\n]}\n"


def _inject(cases: Sequence[Case], settings: Settings) -> tuple[list[Any] | None, dict[int, str]]:
    done = subprocess.run(
        [sys.executable, "-m", "transformer", "inject", *settings.flags(), "-"],
        input=_stream(cases).encode(), capture_output=True, timeout=600,
        env={"PATH": "/usr/bin:/bin"},
    )
    if done.returncode == 0:
        return json.loads(done.stdout)["items"], {}
    errors: dict[int, str] = {}
    for line in done.stderr.decode().splitlines():
        match = _PROBLEM.match(line)
        if match:
            errors.setdefault((int(match[1]) - 2) // 2, match[2])
    if done.returncode != 3 or not errors:
        raise RuntimeError(f"inject exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return None, errors


def _ours_with(cases: list[Case], settings: Settings) -> list[Outcome]:
    """One `inject` run for all cases; the ones it refuses are set aside and the rest run again."""
    outcomes: dict[int, Outcome] = {}
    left = list(range(len(cases)))
    while left:
        items, errors = _inject([cases[i] for i in left], settings)
        if items is not None:
            outcomes.update((i, Outcome(items[2 * k])) for k, i in enumerate(left))
            break
        outcomes.update((left[k], Outcome(None, message)) for k, message in errors.items())
        left = [i for k, i in enumerate(left) if k not in errors]
    return [outcomes[i] for i in range(len(cases))]


def ours(cases: Sequence[Case]) -> list[Outcome]:
    """`wi-transform inject` on every case: one CLI run per settings profile (and per refusal round)."""
    groups: dict[Settings, list[int]] = defaultdict(list)
    for index, found in enumerate(cases):
        groups[found.settings].append(index)
    results: dict[int, Outcome] = {}
    for settings, indices in groups.items():
        outcomes = _ours_with([cases[i] for i in indices], settings)
        results.update(zip(indices, outcomes, strict=True))
    return [results[i] for i in range(len(cases))]
