"""Text for values we add: block YAML at a column, flow YAML, or JSON, in the file's own style."""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from .stream import STR_TAG, resolve_plain

_PLAIN_SAFE = re.compile(
    r"(?:[A-Za-z0-9_./$]|-(?=[^\s-]|-[^\s-]))(?:[A-Za-z0-9_./@:=+,$(){}-]| (?! |#|$))*"
)
# Plain scalars other YAML readers would not read back as strings, though Kubernetes does.
_OTHER_READERS = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*|=")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_./-]+")


class Style(NamedTuple):
    """How a file indents: mapping step, sequence dash offset under a key, item content offset."""

    step: int = 2
    seq_indent: int = 0
    item_offset: int = 2
    json: bool = False


def scalar(value: Any, *, flow: bool = False) -> str:
    """One scalar as YAML that reads back as the same value (strings stay strings)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if _plain_ok(text, flow=flow):
        return text
    if '"' in text and "'" not in text and "\n" not in text and not flow:
        return "'" + text + "'"
    return json.dumps(text, ensure_ascii=False)


def _plain_ok(text: str, *, flow: bool) -> bool:
    if not _PLAIN_SAFE.fullmatch(text) or resolve_plain(text) != STR_TAG or ": " in text:
        return False
    if _OTHER_READERS.fullmatch(text):
        return False
    return not (flow and any(c in text for c in ",{}[]:#"))


def key_text(key: str, *, json_mode: bool) -> str:
    if json_mode or not _PLAIN_KEY.fullmatch(key) or resolve_plain(key) != STR_TAG:
        return json.dumps(key, ensure_ascii=False)
    return key


def block_entry(key: str, value: Any, column: int, style: Style) -> list[str]:
    """``key: value`` as block YAML lines starting at ``column``."""
    pad = " " * column
    head = f"{pad}{key_text(key, json_mode=False)}:"
    if isinstance(value, dict) and value:
        return [head, *block_mapping(value, column + style.step, style)]
    if isinstance(value, list) and value:
        return [head, *block_sequence(value, column + style.seq_indent, style)]
    return [f"{head} {_block_scalar(value)}"]


def block_mapping(value: dict[str, Any], column: int, style: Style) -> list[str]:
    lines: list[str] = []
    for k, v in value.items():
        lines += block_entry(k, v, column, style)
    return lines


def block_sequence(value: list[Any], column: int, style: Style) -> list[str]:
    lines: list[str] = []
    for item in value:
        lines += block_item(item, column, style)
    return lines


def block_item(item: Any, dash_column: int, style: Style) -> list[str]:
    """One ``- item`` of a block sequence whose dashes stand at ``dash_column``."""
    inner = dash_column + style.item_offset
    body = block_value(item, inner, style)
    dash = " " * dash_column + "-" + " " * (style.item_offset - 1)
    return [dash + body[0][inner:], *body[1:]]


def block_value(value: Any, column: int, style: Style) -> list[str]:
    """A value standing alone at ``column`` (a sequence item's content)."""
    if isinstance(value, dict) and value:
        return block_mapping(value, column, style)
    if isinstance(value, list) and value:
        return block_sequence(value, column, style)
    return [" " * column + _block_scalar(value)]


def _block_scalar(value: Any) -> str:
    return flow(value, json_mode=False) if isinstance(value, (dict, list)) else scalar(value)


def flow(value: Any, *, json_mode: bool, indent: int | None = None, column: int = 0,
         pad: str = " ") -> str:
    """Flow YAML or JSON; with ``indent``, one entry a line, continuation lines at ``column``
    (counted in ``pad`` characters: a tab-indented file gets tabs)."""
    inner = column + (indent or 0)
    if isinstance(value, dict):
        parts = [f"{key_text(k, json_mode=json_mode)}: "
                 f"{flow(v, json_mode=json_mode, indent=indent, column=inner, pad=pad)}"
                 for k, v in value.items()]
        return _collection("{", "}", parts, indent, column, pad)
    if isinstance(value, list):
        parts = [flow(v, json_mode=json_mode, indent=indent, column=inner, pad=pad) for v in value]
        return _collection("[", "]", parts, indent, column, pad)
    if json_mode:
        return json.dumps(value, ensure_ascii=False)
    return scalar(value, flow=True)


def _collection(open_: str, close: str, parts: list[str], indent: int | None, column: int,
                pad: str = " ") -> str:
    if not parts:
        return open_ + close
    if indent is None:
        return open_ + ", ".join(parts) + close
    inner = "\n" + pad * (column + indent)
    return open_ + inner + ("," + inner).join(parts) + "\n" + pad * column + close
