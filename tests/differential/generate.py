"""Many cases at once from the hypothesis strategy (generation only: the shrinking is ours)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seeded

from tests.differential.cases import PROFILES, Case, case


def generated(count: int, seed: int | None = None) -> tuple[int, list[Case]]:
    """``count`` cases drawn by hypothesis, reproducible from the returned seed, each with the
    next of the settings profiles."""
    seed = random.randrange(2**32) if seed is None else seed
    found: list[Case] = []

    @seeded(seed)
    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case())
    def collect(drawn: Case) -> None:
        found.append(drawn)

    collect()
    # Round robin, not drawn: hypothesis favours the first of a sampled_from.
    return seed, [c._replace(settings=PROFILES[i % len(PROFILES)]) for i, c in enumerate(found[:count])]
