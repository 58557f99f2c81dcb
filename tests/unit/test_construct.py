"""The short way stream.py builds documents gives exactly what PyYAML's constructor gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA
from transformer.manifest.stream import _construct, _Constructor, _Loader, parse

UNUSUAL = {
    "aliases": "a: &x [1, 2]\nb: *x\nc: &y {k: v}\nd: *y\n",
    "merge": "base: &m {k: v, j: 1}\nobj:\n  <<: *m\n  j: 2\n",
    "sequence key": "? [1, 2]\n: x\n",
    "mapping key": "? {a: 1}\n: x\n",
    "set": "a: !!set {x, y}\n",
    "binary": "a: !!binary aGVsbG8=\n",
    "omap": "a: !!omap [{x: 1}, {y: 2}]\n",
    "recursive list": "&r [*r]\n",
    "recursive mapping": "&r {a: *r}\n",
    "scalars as Kubernetes reads them": "a: y\nb: 0x1F\nc: 1e3\nd: ~\ne: 2001-01-01\nf: !!str 1\ng: N\nh: .inf\n",
    "custom tag": "a: !custom x\n",
    "repeated key": "a: 1\na: 2\n",
    "str-tagged mapping key": "!!str 1: x\n3: y\n",
}


def _built(text: str, build: Any) -> list[Any]:
    loader, constructor, out = _Loader(text), _Constructor(), []
    try:
        while loader.check_node():
            node = loader.get_node()
            out.append(build(constructor, node) if node is not None else None)
    except Exception as e:  # noqa: BLE001 - the same error either way is what is compared
        out.append(("error", type(e).__name__, str(e)))
    finally:
        loader.dispose()
    return out


def _same(text: str) -> None:
    theirs = _built(text, lambda c, n: c.construct_document(n))
    ours = _built(text, _construct)
    assert repr(ours) == repr(theirs)
    for a, b in zip(theirs, ours, strict=True):
        if isinstance(a, dict):  # an alias is the very object its anchor named, as in PyYAML
            for k in a:
                for j in a:
                    if isinstance(a[k], dict | list):
                        assert (a[k] is a[j]) == (b[k] is b[j])


@pytest.mark.parametrize("text", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_unusual_documents(text: str) -> None:
    _same(text)


def test_aliases_share_one_object() -> None:
    data = parse("f.yaml", UNUSUAL["aliases"].encode()).documents[0].data
    assert data["a"] is data["b"] and data["c"] is data["d"]


def _yaml_files(*roots: Path) -> list[Path]:
    return [
        p for r in roots for p in sorted(r.rglob("*")) if p.suffix in (".yaml", ".yml", ".json")
    ]


def test_our_files() -> None:
    for path in _yaml_files(DATA):
        _same(path.read_text(errors="replace"))


def test_published_files(corpus: Path) -> None:
    paths = _yaml_files(corpus)
    assert len(paths) > 50
    for path in paths:
        _same(path.read_text(errors="replace"))
