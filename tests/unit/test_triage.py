"""What is a manifest: the names other tools own, and the shapes that are no Kubernetes object."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA
from transformer.manifest.files import Input
from transformer.manifest.stream import parse
from transformer.manifest.triage import (
    by_name,
    by_shape,
    cannot_hold_keys,
    has_no_keys,
    holds_no_keys,
    select,
)

NOT_MANIFESTS = {
    "k8s/kustomization.yaml": "a kustomization",
    "overlays/prod/kustomization.yml": "a kustomization",
    "chart/Chart.yaml": "a Helm chart's Chart.yaml",
    "chart/values.yaml": "Helm values",
    "chart/values-prod.yaml": "Helm values",
    "chart/ci/values.staging.yml": "Helm values",
    ".github/workflows/ci.yml": "a GitHub workflow",
    ".github/dependabot.yml": "GitHub configuration",
    ".pre-commit-config.yaml": "a pre-commit configuration",
    "docker-compose.yml": "a Compose file",
    "compose.yaml": "a Compose file",
    "docker-compose.override.yaml": "a Compose file",
    "skaffold.yaml": "a Skaffold configuration",
}
MANIFESTS = ["k8s/deployment.yaml", "deploy/prod-values.yaml", "k8s/values-configmap-is-no-values.json", "evaluation.yaml",
             "k8s/templates/job.yaml", "compose/web.yaml", "charts.yaml"]


@pytest.mark.parametrize(("name", "reason"), NOT_MANIFESTS.items())
def test_well_known_names(name: str, reason: str) -> None:
    assert by_name(name, {"chart"}) == reason


@pytest.mark.parametrize("name", MANIFESTS)
def test_other_names_are_manifests(name: str) -> None:
    assert by_name(name) is None


def test_templates_of_a_chart_are_helm_templates_only_beside_its_chart_yaml() -> None:
    found = [Input(n, n, True) for n in ("repo/chart/Chart.yaml", "repo/chart/templates/a.yaml",
                                         "repo/chart/templates/tests/b.yaml", "repo/k8s/templates/c.yaml")]
    kept, skipped = select(found)
    assert [i.name for i in kept] == ["repo/k8s/templates/c.yaml"]
    assert [(s.name, s.reason) for s in skipped] == [
        ("repo/chart/Chart.yaml", "a Helm chart's Chart.yaml"),
        ("repo/chart/templates/a.yaml", "a Helm chart template"),
        ("repo/chart/templates/tests/b.yaml", "a Helm chart template")]


def test_named_files_are_read_unless_asked() -> None:
    named = [Input("Chart.yaml", "Chart.yaml"), Input("-", None)]
    assert select(named) == (named, [])
    kept, skipped = select(named, skip_named=True)
    assert kept == [named[1]] and [s.name for s in skipped] == ["Chart.yaml"]


SHAPES = {
    # text: (cannot hold the keys, by its text alone; has no keys, parsed)
    "log:\n  level: info\n": (True, True),
    "- a\n- list\n": (True, True),
    '{"extends": ["config:recommended"]}': (True, True),
    "# only a comment\n---\n": (False, False),
    "": (False, False),
    "values:\n  kind: Deployment\n": (False, True),  # nested: still no object
    "kind: Deployment\nreplicas: 1\n": (False, False),  # one key: a broken manifest
    "apiVersion: v1\nkind: ConfigMap\n---\nlog: info\n": (False, False),
    '"\\x6bind": Pod\n': (False, False),  # an escaped key is read, not guessed
    "invalid\n": (False, False),  # a lone scalar: an error (the API server cannot decode it)
    "http://example.com\n": (False, False),
    '"quoted: scalar"\n': (False, False),
    "---\nlog: info\n": (True, True),  # a leading document marker
    "a: 1\n---\nb: 2\n": (False, True),  # several documents: parsed
    "a: 1\n---\nplain\n": (False, False),
}


@pytest.mark.parametrize(("text", "expected"), SHAPES.items())
def test_shapes(text: str, expected: tuple[bool, bool]) -> None:
    assert (cannot_hold_keys(text), has_no_keys(parse("f.yaml", text.encode()))) == expected


VALUES_OUTSIDE_A_CHART = {
    # name, text: reason when found in a directory
    ("deploy/values-prod.yaml", "replicas: 2\nkind: Deployment\n"): "Helm values",
    ("deploy/values-cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v}\n"): None,
    ("deploy/settings.yaml", "replicas: 2\nkind: Deployment\n"): None,  # a broken manifest
    ("base/components.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"):
        "a kustomize configuration",
}


@pytest.mark.parametrize(("case", "reason"), VALUES_OUTSIDE_A_CHART.items())
def test_by_shape_when_found(case: tuple[str, str], reason: str | None) -> None:
    name, text = case
    source = parse(name, text.encode())
    assert by_shape(source, found=True) == reason
    assert by_shape(source, found=False) is None


EVENTS = {
    # text: what holds_no_keys answers from the parser's events (only True lets a file skip
    # without being built, so True must always agree with the built documents)
    "values:\n  kind: Deployment\n": True,  # the word deeper in
    "items:\n- kind: x\n": True,
    "a: |\n  kind: x\n": True,
    'a: "x\nkind: y"\n': True,  # inside a quoted value
    "{a: {kind: 1}, b: 2}": True,
    "- kind: 1\n": True,  # a list: no object
    "{}\n": True,
    "kind: Pod\n": False,
    "x: 1\n---\nkind: P\n": False,  # in a later document
    "?\n  kind\n: Pod\n": False,  # an explicit key
    "base: &b\n  kind: Pod\n<<: *b\n": False,  # a merge
    "x:\n  - &k kind\n*k : v\n": False,  # an alias as key
    '"\\x6bind": Pod\n': False,  # an escaped key
    "!!str kind: Pod\n": False,  # a tagged key
    "a: 1\n---\n": False,  # an empty document: left to the full parse
    "metadata:\n  name: x\n kind: Pod\n": False,  # not YAML: the full parse says where
    "a:\n  b: 1\n\tkind: x\n": False,
}


@pytest.mark.parametrize(("text", "expected"), EVENTS.items())
def test_top_level_keys_from_events(text: str, expected: bool) -> None:
    assert holds_no_keys(text) is expected
    if expected:
        assert has_no_keys(parse("f.yaml", text.encode()))


def test_events_agree_with_the_built_documents(corpus: Path) -> None:
    """Every published file, and every one of our own: where the events say "no keys", the
    built documents say so too, and they say it for most files that are not objects."""
    paths = [*corpus.rglob("*"), *DATA.rglob("*")]
    texts = [p.read_text(errors="replace") for p in paths if p.suffix in (".yaml", ".yml", ".json")]
    skipped = 0
    for text in texts:
        if holds_no_keys(text):
            skipped += 1
            assert has_no_keys(parse("f.yaml", text.encode())), text[:200]
    assert len(texts) > 200 and skipped > 10
