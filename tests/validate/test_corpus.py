"""The project's manifests and the whole shared corpus: the findings they are known to have, and
nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.corpus import MANIFESTS

from .conftest import validate_json

INVALID = ROOT / "examples" / "invalid"

KNOWN = {
    ("kubernetes-website/cronjob-v1beta1.yaml", 1, 13, "error", "removed-api-version"),
    # microservices-demo/kustomization.yaml is not a manifest: skipped (see below).
    # realworld/: a PodDisruptionBudget still in policy/v1beta1, removed in 1.25 ...
    ("realworld/kubernetes-examples/cockroachdb-statefulset.yaml", 57, 13, "error",
     "removed-api-version"),
    # ... and custom resources whose CRDs are not in the corpus.
    ("realworld/dapr-quickstarts/bindings-kafka_bindings.yaml", 1, 13, "info", "no-schema"),
    ("realworld/istio-inject-testdata/deploymentconfig-multi.yaml", 18, 17, "info", "no-schema"),
    ("realworld/kube-prometheus/prometheus-prometheus.yaml", 1, 13, "info", "no-schema"),
    # The walkthrough as published: every line after the first is indented one space.
    ("seed/pod-as-published.yaml", 2, 6, "error", "yaml-syntax"),
    ("seed/serviceaccount-as-published.yaml", 2, 6, "error", "yaml-syntax"),
    # The walkthrough's unquoted `true` and `8080`.
    ("seed/quick-start.yaml", 20, 51, "error", "wi-string-value"),
    ("seed/quick-start.yaml", 21, 49, "error", "wi-string-value"),
}
# Calico's CRDs give their CEL rules a `reason`, a field of ValidationRule since Kubernetes 1.28:
# a 1.25 API server rejects them (strict), at these lines (column 15, 19 or 23 by depth).
CALICO_REASONS = [
    (388, 19), (395, 19), (400, 19), (1510, 19), (1515, 19), (1520, 19), (1525, 19), (1530, 19),
    (1535, 19), (1540, 19), (1547, 19), (3376, 23), (3558, 19), (3561, 19), (3567, 19),
    (3573, 19), (3583, 15), (4857, 19), (4862, 19), (4867, 19), (4874, 19), (4879, 19),
    (4882, 19), (4885, 19), (5064, 19), (5069, 19), (5440, 23), (5451, 23), (5502, 19),
    (5508, 19), (5517, 19), (5522, 19), (5527, 19), (5534, 19), (5539, 19), (5545, 19),
    (5548, 19), (5551, 19), (5554, 19), (5559, 19), (5564, 19), (5572, 19), (7451, 19),
    (7454, 19), (8793, 19), (8798, 19), (8803, 19), (8810, 19), (8815, 19), (8818, 19),
    (8821, 19), (10612, 19), (10615, 19), (10761, 15), (10766, 15), (10771, 15), (10776, 15),
    (10781, 15), (10786, 15),
]
# Kubernetes 1.25 still required onPodConditions in every podFailurePolicy rule.
KNOWN_IN_1_25 = KNOWN | {
    ("kubernetes-website/job-pod-failure-policy-example.yaml", 21, 7, "error", "k8s-schema"),
} | {("realworld/calico/calico.yaml", line, column, "error", "k8s-unknown-field")
     for line, column in CALICO_REASONS}


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


def test_calico_reasons_are_the_unknown_fields_in_1_25_and_known_from_1_28(corpus: Path) -> None:
    calico = corpus / "realworld" / "calico" / "calico.yaml"
    _, old = validate_json("--kubernetes-version", "1.25", calico)
    assert {f["json_path"].rpartition(".")[2] for f in old} == {"reason"}
    assert all("x-kubernetes-validations[" in f["json_path"] for f in old)
    code, new = validate_json("--kubernetes-version", "1.28", calico)
    assert (code, new) == (0, [])


def test_the_kustomization_is_skipped_unless_named(corpus: Path) -> None:
    kustomization = corpus / "microservices-demo" / "kustomization.yaml"
    proc = run_cli("validate", "-v", corpus / "microservices-demo")
    assert f"{kustomization}: skipped: a kustomization" in proc.stderr.decode()
    assert proc.stdout.decode().endswith("; 1 file skipped: not Kubernetes manifests\n")
    _, named = validate_json(kustomization)
    assert [(f["line"], f["rule"]) for f in named] == [(15, "no-schema")]


@pytest.mark.parametrize("args", [(), ("--no-strict",), ("--kubernetes-version", "1.25")])
def test_our_manifests_are_valid(args: tuple[str, ...]) -> None:
    assert validate_json(*args, MANIFESTS, ROOT / "examples" / "quick-start.yaml") == (0, [])


def test_messages_say_what_to_do() -> None:
    _, findings = validate_json(INVALID / "walkthrough.yaml", INVALID / "cronjob-v1beta1.yaml")
    messages = [f["message"] for f in findings]
    assert "use apiVersion: batch/v1" in messages[0]
    assert messages[1].endswith('quote it: azure.workload.identity/inject-proxy-sidecar: "true"')
    assert messages[2].endswith('quote it: azure.workload.identity/proxy-sidecar-port: "8080"')
