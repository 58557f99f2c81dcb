"""Cutting whole documents out of a stream and adding new ones, keeping every other byte."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from transformer.manifest import documents
from transformer.manifest.stream import Source, parse
from transformer.manifest.textpatch import splice

HELM = """\
---
# Source: chart/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
---
# Source: chart/templates/azureidentity.yaml
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata:
  name: app
spec:
  type: 0
---
# Source: chart/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
"""


def source(text: str, name: str = "s.yaml") -> Source:
    return parse(name, text.encode())


def remove(text: str, *indices: int) -> str:
    src = source(text)
    return splice(src.text, documents.removal(src, indices), src.newline)


def data(text: str) -> list[Any]:
    return [d.data for d in source(text).documents]


def test_regions_cover_the_text_after_any_leading_comments() -> None:
    text = "# license\n---\na: 1\n# after a\n---\n# before b\nb: 2\n...\n"
    spans = documents.regions(source(text))
    assert [text[s:e] for s, e in spans] == ["---\na: 1\n# after a\n", "---\n# before b\nb: 2\n...\n"]


def test_helm_source_comments_go_with_their_document() -> None:
    out = remove(HELM, 1)
    assert "azureidentity.yaml" not in out and "AzureIdentity" not in out
    assert out == HELM.replace(HELM[HELM.index("---\n# Source: chart/templates/azureidentity"):
                                    HELM.index("---\n# Source: chart/templates/deployment")], "")
    assert [d["kind"] for d in data(out)] == ["ServiceAccount", "Deployment"]


def test_removing_the_first_implicit_document_keeps_the_next_marker() -> None:
    text = "# about a\na: 1\n---\nb: 2\n"
    assert remove(text, 0) == "---\nb: 2\n"


def test_removing_the_last_document_keeps_the_previous_one_whole() -> None:
    text = "a: 1\n# trailing a\n---\nb: 2"
    assert remove(text, 1) == "a: 1\n# trailing a\n"


def test_removing_everything_leaves_the_leading_comments() -> None:
    text = "# license header\n---\na: 1\n---\nb: 2\n"
    assert remove(text, 0, 1) == "# license header\n"
    assert remove("a: 1\n", 0) == ""


def test_directives_go_with_their_document() -> None:
    text = "a: 1\n...\n%YAML 1.1\n---\nb: 2\n"
    assert remove(text, 1) == "a: 1\n...\n"
    assert data(remove(text, 0)) == [{"b": 2}]


def test_empty_documents_are_documents_of_their_own() -> None:
    text = "a: 1\n---\n---\nb: 2\n"
    assert data(remove(text, 2)) == [{"a": 1}, None]
    assert data(remove(text, 1)) == [{"a": 1}, {"b": 2}]


def test_crlf_is_kept() -> None:
    text = "a: 1\r\n---\r\nb: 2\r\n---\r\nc: 3\r\n"
    assert remove(text, 1) == "a: 1\r\n---\r\nc: 3\r\n"


def test_addition_lands_after_the_document_and_its_trailing_comments() -> None:
    text = "a: 1\n# about a\n---\nb: 2"
    src = source(text)
    first = splice(text, [documents.addition(src, 0, "new: 1\n")], "\n")
    assert first == "a: 1\n# about a\n---\nnew: 1\n---\nb: 2"
    last = splice(text, [documents.addition(src, 1, "new: 1")], "\n")
    assert last == "a: 1\n# about a\n---\nb: 2\n---\nnew: 1\n"


def test_addition_before_a_directive_ends_its_document() -> None:
    text = "a: 1\n...\n%YAML 1.1\n---\nb: 2\n"
    src = source(text)
    out = splice(text, [documents.addition(src, 0, "new: 1\n")], "\n")
    assert data(out) == [{"a": 1}, {"new": 1}, {"b": 2}]


# -- generated streams ---------------------------------------------------------------------------

CONTENTS = [
    "k: v\n",
    "list:\n- 1\n- 2\n",
    "text: |\n  line\n\n\n",
    "{flow: [1, 2]}  # flow\n",
    "nested:\n  deeper:\n    x: 'quoted: ---'\n",
    "folded: >\n  a\n  b\n",
    "",
]


@st.composite
def streams(draw: st.DrawFn) -> tuple[str, list[Any]]:
    parts: list[str] = []
    if draw(st.booleans()):
        parts.append("# header\n")
    count = draw(st.integers(1, 6))
    ended = True
    for i in range(count):
        explicit = i > 0 or draw(st.booleans())
        if explicit and ended and draw(st.booleans()):
            parts.append("%YAML 1.1\n")
        if explicit:
            parts.append("---\n")
        if draw(st.booleans()):
            parts.append(f"# Source: doc{i}.yaml\n")
        body = draw(st.sampled_from(CONTENTS))
        if not body and not explicit:
            body = "k: v\n"
        parts.append(body.replace("k:", f"k{i}:"))
        if draw(st.booleans()):
            parts.append(f"# trailing {i}\n")
        ended = draw(st.booleans())
        if ended:
            parts.append("...\n")
    text = "".join(parts)
    return text, data(text)


@settings(max_examples=150, deadline=None)
@given(streams(), st.data())
def test_removal_keeps_every_other_document_exactly(stream: tuple[str, list[Any]],
                                                   draw: st.DataObject) -> None:
    text, before = stream
    src = source(text)
    gone = draw.draw(st.sets(st.integers(0, len(src.documents) - 1)))
    out = remove(text, *gone)
    kept = [d for i, d in enumerate(before) if i not in gone]
    assert data(out) == kept
    spans = documents.regions(src)
    assert spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in pairwise(spans))
    kept_text = [text[s:e] for i, (s, e) in enumerate(spans) if i not in gone]
    assert out == text[: spans[0][0]] + "".join(kept_text)


@settings(max_examples=100, deadline=None)
@given(streams(), st.data())
def test_addition_inserts_exactly_one_document(stream: tuple[str, list[Any]],
                                               draw: st.DataObject) -> None:
    text, before = stream
    src = source(text)
    after = draw.draw(st.integers(0, len(src.documents) - 1))
    out = splice(text, [documents.addition(src, after, "added: true\n")], "\n")
    assert data(out) == before[: after + 1] + [{"added": True}] + before[after + 1 :]
    at = documents.regions(src)[after][1]
    assert out.startswith(text[:at]) and out.endswith(text[at:])


def test_json_is_one_document() -> None:
    src = parse("x.json", b'{"kind": "List", "items": []}')
    assert documents.regions(src) == [(0, len(src.text))]
