"""Upstream's real webhook (v1.6.0, built by .ci/tools) against `wi-transform inject`, 2,000 pods.

`make differential` runs more, with a new seed each time; this one is fixed so that CI is
reproducible (a difference prints its seed and a minimal reproducing case).
"""

from __future__ import annotations

import json

import pytest

from tests.differential.compare import Difference, compared, diff, minimal
from tests.differential.generate import generated
from tests.tools import tool

SEED = 20261202
PODS = 2000


def _shown(difference: Difference) -> str:
    case = difference.case
    return "\n".join([json.dumps({"pod": case.pod, "serviceAccount": case.account,
                                  "settings": case.settings._asdict()}), *difference.paths])


@pytest.mark.slow
def test_inject_does_what_upstreams_webhook_does_on_2000_pods() -> None:
    oracle = tool("azwi-webhook-oracle")
    _, cases = generated(PODS, SEED)
    assert len(cases) == PODS
    found, tally = compared(cases, oracle)
    # The cases must exercise the rules, not only the refusals.
    assert tally.injected > PODS // 3 and tally.proxied > PODS // 20 and tally.refused > 0, tally
    assert tally.custom > PODS // 50, tally
    if found:
        small = [minimal(d, oracle) for d in found[:3]]
        pytest.fail(f"differential: {PODS} pods, {len(found)} differences (seed {SEED}):\n"
                    + "\n\n".join(_shown(d) for d in small))


def test_diff_names_each_path_where_two_pods_differ() -> None:
    a = {"spec": {"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}]}]}}
    b = {"spec": {"containers": [{"name": "c", "env": [{"name": "A", "value": "2"}]}]}, "x": 1}
    assert list(diff(a, b)) == ['spec.containers[0].env[0].value: upstream "1" != ours "2"',
                                "x: upstream null != ours 1"]
