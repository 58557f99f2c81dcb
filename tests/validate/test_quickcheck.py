"""The quick check answers exactly as jsonschema does, on real objects and mutations of them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.corpus import CORPUS, MANIFESTS
from transformer.kube import schemas as kubeschemas
from transformer.kube.quickcheck import Compiler
from transformer.manifest.stream import parse

VERSION = "1.37"
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 70000), st.floats(allow_nan=False, width=32),
    st.sampled_from(["", "x", "80", "true", "Always", "TCP", "v1", "Deployment", "25%"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["name", "image", "x", "port"]), inner,
                                            max_size=3)),
    max_leaves=6,
)


def _objects(*paths: Path) -> list[dict[str, Any]]:
    found = []
    for path in paths:
        for document in parse(str(path), path.read_bytes()).documents:
            found += [r.data for r in document.resources()]
    return found


# The project's own manifests and the valid examples of every validate rule; the corpus's too
# when it is beside the clone (its own test is skipped when it is not).
OWN = _objects(*sorted(MANIFESTS.iterdir()), *sorted((ROOT / "examples").rglob("*.yaml")),
               *sorted((ROOT / "tests" / "data" / "validate").glob("*/positive/*.yaml")),
               *sorted((ROOT / "tests" / "data" / "validate").glob("*/positive/*.json")))
PUBLISHED = _objects(*(p for p in sorted(CORPUS.rglob("*.yaml"))
                       if not p.name.endswith("-as-published.yaml")))
OBJECTS = OWN + PUBLISHED


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, sub in value.items():
            out += _paths(sub, prefix + (key,))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            out += _paths(sub, prefix + (index,))
    return out


def _both(obj: dict[str, Any], strict: bool) -> tuple[bool, bool] | None:
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    definitions = kubeschemas.definitions(VERSION, strict)
    schema = definitions.schema(group, version, str(obj.get("kind", "")))
    if schema is None:
        return None
    quick = _compiler(strict).predicate(schema)
    assert quick is not None, "every Kubernetes schema gets a quick check"
    return quick(obj), jsonschema.Draft202012Validator(schema).is_valid(obj)


_COMPILERS: dict[bool, Compiler] = {}


def _compiler(strict: bool) -> Compiler:
    return _COMPILERS.setdefault(strict, Compiler())


@pytest.mark.parametrize("strict", [True, False])
def test_agrees_on_our_manifests(strict: bool) -> None:
    answers = [a for a in (_both(o, strict) for o in OWN) if a is not None]
    assert len(answers) > 30
    assert all(quick == full for quick, full in answers)


@pytest.mark.corpus
@pytest.mark.parametrize("strict", [True, False])
def test_agrees_on_the_corpus(strict: bool) -> None:
    answers = [a for a in (_both(o, strict) for o in PUBLISHED) if a is not None]
    assert len(answers) > 100
    assert all(quick == full for quick, full in answers)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), strict=st.booleans())
def test_agrees_on_mutated_objects(data: st.DataObject, strict: bool) -> None:
    obj = copy.deepcopy(data.draw(st.sampled_from(OBJECTS)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(obj)[1:] or [()]))
        if not path:
            break
        parent: Any = obj
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(VALUES)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["name", "x", "image", "ports", "spec"]))] = data.draw(VALUES)
    answer = _both(obj, strict)
    if answer is not None:
        quick, full = answer
        assert quick == full, obj


def test_schemas_with_other_keywords_get_no_quick_check() -> None:
    compiler = Compiler()
    assert compiler.predicate({"type": "object", "minProperties": 1}) is None
    assert compiler.predicate({"enum": [1, "a"]}) is None
    assert compiler.predicate({"properties": {"a": {"pattern": "x"}}}) is None
    recursive: dict[str, Any] = {"type": "object"}
    recursive["properties"] = {"child": recursive}
    check = compiler.predicate(recursive)
    assert check is not None
    assert check({"child": {"child": {}}}) and not check({"child": {"child": 1}})
