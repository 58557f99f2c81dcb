"""Many cases at once from the hypothesis strategy (generation only: the shrinking is ours)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st

from tests.differential.cases import PROFILES, Case, case

BATCH = 10  # cases an example: hypothesis' cost is per example as much as per draw


def generated(count: int, seed: int | None = None) -> tuple[int, list[Case]]:
    """``count`` cases drawn by hypothesis, reproducible from the returned seed, each with the
    next of the settings profiles."""
    seed = random.randrange(2**32) if seed is None else seed
    found: list[Case] = []

    @seeded(seed)
    @settings(max_examples=count // BATCH + 10, database=None, phases=[Phase.generate],
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(case(), min_size=BATCH, max_size=BATCH))
    def collect(drawn: list[Case]) -> None:
        found.extend(drawn)

    collect()
    if len(found) < count:
        raise RuntimeError(f"hypothesis generated {len(found)} cases, not {count}")
    # Round robin, not drawn: hypothesis favours the first of a sampled_from.
    return seed, [c._replace(settings=PROFILES[i % len(PROFILES)]) for i, c in enumerate(found[:count])]
