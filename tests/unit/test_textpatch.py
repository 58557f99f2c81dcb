"""Edits applied to text: the layouts people write, and what must stay as they wrote it."""

from __future__ import annotations

import json

import pytest
import yaml

from transformer.errors import InputError
from transformer.manifest.edits import AddKey, Delete, Edit, Insert, Replace
from transformer.manifest.stream import parse
from transformer.manifest.textpatch import apply


def patch(text: str, *edits: Edit, name: str = "f.yaml", doc: int = 0) -> str:
    out = apply(parse(name, text.encode()), {doc: list(edits)})
    yaml.safe_load_all(out)  # must read back
    return out


def test_append_to_a_block_sequence_at_end_of_file_without_newline() -> None:
    assert patch("a:\n- x\n- y", Insert(("a",), 2, "z")) == "a:\n- x\n- y\n- z\n"


def test_insert_before_the_first_item_keeps_the_comment_above_it() -> None:
    text = "a:\n  # the first\n  - x: 1\n"
    assert patch(text, Insert(("a",), 0, {"m": 2})) == "a:\n  # the first\n  - m: 2\n  - x: 1\n"


def test_add_key_after_a_literal_block_scalar_keeps_its_blank_line() -> None:
    text = "c:\n  script: |\n    echo hi\n\n  image: x\nnext: 1\n"
    assert patch(text, AddKey(("c",), "env", [])) == (
        "c:\n  script: |\n    echo hi\n\n  image: x\n  env: []\nnext: 1\n")
    text = "c:\n  script: |\n    echo hi\n\nnext: 1\n"
    assert patch(text, AddKey(("c",), "k", "v")) == "c:\n  script: |\n    echo hi\n  k: v\n\nnext: 1\n"


def test_trailing_comments_and_following_comment_lines_stay_put() -> None:
    text = "a:\n  b: 1  # one\n  # about c\nc: 2\n"
    assert patch(text, AddKey(("a",), "d", 3)) == "a:\n  b: 1  # one\n  d: 3\n  # about c\nc: 2\n"


def test_item_offset_and_indentation_of_the_sequence_are_followed() -> None:
    text = "a:\n    -   name: x\n        v: 1\n"
    assert patch(text, Insert(("a",), 1, {"name": "z", "v": 2})) == (
        text + "    -   name: z\n        v: 2\n")


def test_crlf_files_get_crlf_lines() -> None:
    out = patch("a:\r\n  b: 1\r\n", AddKey(("a",), "c", {"d": [1]}))
    assert out == "a:\r\n  b: 1\r\n  c:\r\n    d:\r\n    - 1\r\n"


def test_replace_a_scalar_keeps_its_neighbours() -> None:
    assert patch("a: 1 # c\nb: 2\n", Replace(("a",), "x y")) == "a: x y # c\nb: 2\n"


def test_replace_a_sequence_item_keeps_its_dash() -> None:
    text = "v:\n- name: t\n  emptyDir: {}\n- name: u\n"
    assert patch(text, Replace(("v", 0), {"name": "t", "secret": {"secretName": "s"}})) == (
        "v:\n- name: t\n  secret:\n    secretName: s\n- name: u\n")


@pytest.mark.parametrize(("line", "kept"), [
    ("  env: []", "  env: "),
    ("  env: [ ]  # none yet", "  env:   # none yet"),
    ("  env: {}", "  env: "),
])
def test_an_empty_flow_value_gives_way_to_a_block_one_and_only_its_token_goes(line: str, kept: str) -> None:
    value = {"A": "b"} if "{" in line else [{"name": "A"}]
    body = "    A: b\n" if "{" in line else "  - name: A\n"
    assert patch(f"c:\n{line}\n  x: 1\n", Replace(("c", "env"), value)) == f"c:\n{kept}\n{body}  x: 1\n"


def test_an_empty_flow_value_in_a_flow_mapping_is_filled_in_place() -> None:
    out = patch("c: {env: [], x: 1}\n", Replace(("c", "env"), [{"name": "A"}]))
    assert out == "c: {env: [{name: A}], x: 1}\n"


def test_delete_an_item_and_a_key() -> None:
    text = "a:\n- x\n- y # c\n- z\nb: 1\nc: 2\n"
    assert patch(text, Delete(("a", 1)), Delete(("b",))) == "a:\n- x\n- z\nc: 2\n"


def test_flow_single_line_gets_entries_before_the_bracket() -> None:
    assert patch("a: {b: 1}\n", AddKey(("a",), "c", "x: y")) == 'a: {b: 1, c: "x: y"}\n'
    assert patch("a: [1, 2]\n", Insert(("a",), 0, 0)) == "a: [0, 1, 2]\n"
    assert patch("a: {x: []}\n", Insert(("a", "x"), 0, {"k": "v"})) == "a: {x: [{k: v}]}\n"


def test_an_empty_flow_value_of_a_block_key_takes_any_edit_in_block_form() -> None:
    assert patch("a: []\n", Insert(("a",), 0, {"k": "v"})) == "a: \n- k: v\n"
    assert patch("a: {}  # c\nb: 1\n", AddKey(("a",), "k", "v")) == "a:   # c\n  k: v\nb: 1\n"
    assert patch("a: [{}]\n", AddKey(("a", 0), "k", "v")) == "a: [{k: v}]\n"


def test_flow_multiline_with_trailing_commas_keeps_them() -> None:
    text = "{\n  a: [\n    1,\n  ],\n}\n"
    assert patch(text, Insert(("a",), 1, 2)) == "{\n  a: [\n    1,\n    2,\n  ],\n}\n"


def test_flow_delete() -> None:
    assert patch("a: [1, 2, 3]\n", Delete(("a", 2))) == "a: [1, 2]\n"
    assert patch("a: [1, 2, 3]\n", Delete(("a", 0))) == "a: [2, 3]\n"


def test_json_stays_json_and_follows_its_indentation() -> None:
    text = '{\n    "a": {\n        "b": 1\n    }\n}\n'
    out = patch(text, AddKey(("a",), "c", {"d": [1, "x"]}), name="f.json")
    assert json.loads(out) == {"a": {"b": 1, "c": {"d": [1, "x"]}}}
    assert out == '{\n    "a": {\n        "b": 1,\n        "c": {\n            "d": [\n                1,\n                "x"\n            ]\n        }\n    }\n}\n'


def test_json_with_tab_indentation_parses_and_is_edited() -> None:
    out = patch('{\n\t"a": [1]\n}\n', Insert(("a",), 1, 2), name="f.json")
    assert json.loads(out) == {"a": [1, 2]}


def test_only_the_named_document_changes() -> None:
    text = "a: 1\n...\n---\na: 2\n--- # third\na: 3\n"
    assert patch(text, AddKey((), "b", 0), doc=1) == "a: 1\n...\n---\na: 2\nb: 0\n--- # third\na: 3\n"


def test_new_strings_read_back_as_the_same_strings() -> None:
    values = ["true", "8080", "0644", "yes", "a: b", "# x", "-", "- a", "@x", "", " lead", "null", "~",
              "{}", "[x]", "multi\nline", "a #b", "a# b", "end ", "n", "Y", "off", "quote'\"", "2001-01-01", "=", "日本"]
    out = patch("a:\n  k: 1\n", *[AddKey(("a",), f"k{i}", v) for i, v in enumerate(values)])
    assert list(yaml.safe_load(out)["a"].values())[1:] == values


def test_editing_through_an_alias_is_refused_with_its_position() -> None:
    text = "base: &b\n  - name: x\nspec:\n  containers: *b\n"
    with pytest.raises(InputError) as e:
        patch(text, Insert(("spec", "containers"), 1, {"name": "y"}))
    assert e.value.location is not None and e.value.location.line == 4  # where *b is used


def test_editing_a_mapping_fed_by_a_merge_key_is_refused() -> None:
    text = "d: &d\n  image: x\nc:\n  <<: *d\n  name: n\n"
    with pytest.raises(InputError, match="merge key"):
        patch(text, AddKey(("c",), "env", []))


def test_two_additions_at_one_point_nest_correctly() -> None:
    text = "c:\n  m:\n  - a\n"
    out = patch(text, AddKey(("c",), "env", ["e"]), Insert(("c", "m"), 1, "b"))
    assert yaml.safe_load(out) == {"c": {"m": ["a", "b"], "env": ["e"]}}


def test_an_edit_that_would_leave_the_document_unreadable_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from transformer.manifest import snippets

    monkeypatch.setattr(snippets, "block_item", lambda *a, **k: ["- [unclosed"])
    with pytest.raises(AssertionError, match="unreadable"):
        patch("a:\n- x\n---\nb: 1\n", Insert(("a",), 1, "y"))
