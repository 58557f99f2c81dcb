"""The project's manifests and the whole shared corpus: the findings they are known to have, and
nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.corpus import MANIFESTS

from .conftest import validate_json

INVALID = ROOT / "examples" / "invalid"

KNOWN = {
    ("kubernetes-website/cronjob-v1beta1.yaml", 1, 13, "error", "removed-api-version"),
    ("microservices-demo/kustomization.yaml", 15, 13, "info", "no-schema"),
    # The walkthrough as published: every line after the first is indented one space.
    ("seed/pod-as-published.yaml", 2, 6, "error", "yaml-syntax"),
    ("seed/serviceaccount-as-published.yaml", 2, 6, "error", "yaml-syntax"),
    # The walkthrough's unquoted `true` and `8080`.
    ("seed/quick-start.yaml", 20, 51, "error", "wi-string-value"),
    ("seed/quick-start.yaml", 21, 49, "error", "wi-string-value"),
}
# Kubernetes 1.25 still required onPodConditions in every podFailurePolicy rule.
KNOWN_IN_1_25 = KNOWN | {
    ("kubernetes-website/job-pod-failure-policy-example.yaml", 21, 7, "error", "k8s-schema"),
}


def _found(corpus: Path, *args: str) -> set[tuple[str, int, int, str, str]]:
    code, findings = validate_json(*args, corpus)
    assert code == 1
    return {
        (str(Path(f["path"]).relative_to(corpus)), f["line"], f["column"], f["severity"], f["rule"])
        for f in findings
    }


@pytest.mark.parametrize(
    ("args", "known"),
    [((), KNOWN), (("--no-strict",), KNOWN), (("--kubernetes-version", "1.25"), KNOWN_IN_1_25)],
    ids=["newest-strict", "not-strict", "1.25"],
)
def test_corpus_findings(corpus: Path, args: tuple[str, ...], known: set[object]) -> None:
    assert _found(corpus, *args) == known


@pytest.mark.parametrize("args", [(), ("--no-strict",), ("--kubernetes-version", "1.25")])
def test_our_manifests_are_valid(args: tuple[str, ...]) -> None:
    assert validate_json(*args, MANIFESTS, ROOT / "examples" / "quick-start.yaml") == (0, [])


def test_messages_say_what_to_do() -> None:
    _, findings = validate_json(INVALID / "walkthrough.yaml", INVALID / "cronjob-v1beta1.yaml")
    messages = [f["message"] for f in findings]
    assert "use apiVersion: batch/v1" in messages[0]
    assert messages[1].endswith('quote it: azure.workload.identity/inject-proxy-sidecar: "true"')
    assert messages[2].endswith('quote it: azure.workload.identity/proxy-sidecar-port: "8080"')
