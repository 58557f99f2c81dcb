"""The pod-template types inject checks: the shipped cut is the bundled schemas' own, in every
bundled Kubernetes version, and its quick check answers as its explanation does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from transformer.kube import schemas as kubeschemas
from transformer.kube import templatetypes as types


@pytest.mark.parametrize("version", kubeschemas.versions())
def test_the_shipped_cut_is_that_of_every_bundled_version(version: str) -> None:
    with open(types.FILE) as f:
        shipped = json.load(f)
    assert types.cut(kubeschemas.definitions(version, False)) == shipped, (
        "regenerate it: python -c 'import json; from transformer.kube import schemas, templatetypes as t; "
        "open(t.FILE, \"w\").write(json.dumps(t.cut(schemas.definitions(schemas.versions()[-1], False)), indent=1) + \"\\n\")'"
    )


SAMPLES: list[tuple[Any, list[tuple[tuple[str | int, ...], str]]]] = [
    ({"spec": {"containers": [{"name": "a", "env": [{"name": "X", "value": None}]}]}}, []),
    ({"metadata": None, "spec": {"containers": [], "volumes": None}}, []),
    ({"spec": {"containers": [{"name": "a", "env": {}}]}},
     [(("spec", "containers", 0, "env"), "a list of {name, value}")]),
    ({"spec": {"containers": [None, {"image": "x"}]}},
     [(("spec", "containers", 0), "a mapping"), (("spec", "containers", 1, "name"), "a string")]),
    ({"metadata": {"labels": {"a": 1}}, "spec": {"containers": [], "hostNetwork": "yes"}},
     [(("metadata", "labels", "a"), "a string"), (("spec", "hostNetwork"), "true or false")]),
    ({"spec": None}, [(("spec",), "a mapping")]),
    ({}, [(("spec",), "a mapping")]),
    ({"spec": {"containers": [{"name": "a", "volumeMounts": [{"name": "v"}]}]}},
     [(("spec", "containers", 0, "volumeMounts", 0, "mountPath"), "a string")]),
]


@pytest.mark.parametrize(("template", "wanted"), SAMPLES)
def test_the_quick_check_and_the_explanation_agree(template: Any, wanted: list[Any]) -> None:
    found = [(m.path, m.wanted) for m in types.mismatches(types.template_schema(), template)]
    assert found == wanted
    assert types.template_check()(template) is (not wanted)
