"""Edits applied to the original text of a source, so that only what changes is touched.

Block collections get whole new lines at the indentation they already use; flow collections
(and JSON) get entries spliced in before their closing bracket, on lines of their own when the
collection already spans lines. Comments, quoting and key order around an edit are kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

import yaml

from ..errors import InputError
from . import snippets
from .edits import AddKey, Edit, Insert, Replace
from .snippets import Style
from .stream import Document, Path, Source, check_syntax, key_node_at, node_at


class Patch(NamedTuple):
    """Replace ``text[start:end]`` with ``text``.

    Of several insertions at one point, the deeper collection's comes first: a new item of a
    container's last list must stand before a new key of the container itself. Otherwise the
    order in which they were listed is kept.
    """

    start: int
    end: int
    depth: int
    order: int
    text: str


def apply(source: Source, edits_by_document: dict[int, list[Edit]]) -> str:
    """The source's new text with every document's edits applied."""
    patches: list[Patch] = []
    style = detect_style(source, edits_by_document) if not source.is_json else Style(json=True)
    for index, edits in edits_by_document.items():
        document = source.documents[index]
        patcher = _Patcher(source, document, style, len(patches))
        for edit in edits:
            patcher.add(edit)
        _check_region(source, index, patcher.patches)
        patches += patcher.patches
    return splice(source.text, patches + _line_break_at_end(source.text, patches), source.newline)


def _line_break_at_end(text: str, patches: list[Patch]) -> list[Patch]:
    """New lines after a last line that has no line break: give that line one, once."""
    end = len(text)
    if text and not text.endswith("\n") and any(p.start == end for p in patches):
        return [Patch(end, end, -(1 << 30), -1, "\n")]
    return []


def _check_region(source: Source, index: int, patches: list[Patch]) -> None:
    """The edited document must still read as YAML; if not, the bug is ours, not the input's.

    Only the document's own region is read again, so a large stream with a few edits does not
    pay for a second parse of all of it.
    """
    node = source.documents[index].node
    if not patches or node is None:
        return
    text = source.text
    start = text.rfind("\n", 0, node.start_mark.index) + 1
    following = [d.node for d in source.documents[index + 1 :] if d.node is not None]
    end = text.rfind("\n", 0, following[0].start_mark.index) + 1 if following else len(text)
    region = text[start:end]
    shifted = [p._replace(start=p.start - start, end=p.end - start) for p in patches]
    try:
        check_syntax(source.name, splice(region, shifted + _line_break_at_end(region, shifted), "\n"))
    except InputError as e:
        raise AssertionError(f"an edit left {source.name} unreadable: {e}") from e


def splice(text: str, patches: Iterable[Patch], newline: str) -> str:
    out: list[str] = []
    pos = 0
    for p in sorted(patches):
        if p.start < pos:
            raise AssertionError(f"overlapping edits at offset {p.start}")
        out.append(text[pos : p.start])
        out.append(p.text.replace("\n", newline) if newline != "\n" else p.text)
        pos = p.end
    out.append(text[pos:])
    return "".join(out)


def detect_style(source: Source, edited: Iterable[int] = ()) -> Style:
    """The indentation most of the file's block collections use.

    The documents named in ``edited`` are read first; the rest only while evidence is scarce,
    so that a large stream with a few edits does not pay for a walk over all of it.
    """
    steps: Counter[int] = Counter()
    seq_indents: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    order = list(dict.fromkeys([*edited, *range(len(source.documents))]))
    for index in order:
        if steps.total() + seq_indents.total() > 200:
            break
        document = source.documents[index]
        stack = [document.node] if document.node is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.append(value)
                    if _flow(value) or key.start_mark.line == value.start_mark.line:
                        continue
                    if isinstance(value, yaml.MappingNode):
                        steps[value.start_mark.column - key.start_mark.column] += 1
                    elif isinstance(value, yaml.SequenceNode):
                        seq_indents[value.start_mark.column - key.start_mark.column] += 1
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
                if not node.flow_style and node.value:
                    first = node.value[0]
                    if first.start_mark.line == node.start_mark.line:
                        offsets[first.start_mark.column - node.start_mark.column] += 1
    return Style(
        step=_most_common(steps, 2, lambda n: n > 0),
        seq_indent=_most_common(seq_indents, 0, lambda n: n >= 0),
        item_offset=_most_common(offsets, 2, lambda n: n > 0),
    )


def _flow(node: yaml.Node) -> bool:
    return bool(getattr(node, "flow_style", False))


def _empty(node: yaml.Node) -> bool:
    """An empty flow collection, or a plain null (``null``, ``~``, nothing at all)."""
    if isinstance(node, yaml.ScalarNode):
        return node.tag == "tag:yaml.org,2002:null" and not node.style
    return isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and _flow(node) and not node.value


def _most_common(counter: Counter[int], default: int, ok: object) -> int:
    for value, _ in counter.most_common():
        if ok(value):  # type: ignore[operator]
            return value
    return default


class _Patcher:
    def __init__(self, source: Source, document: Document, style: Style, order: int) -> None:
        self.text = source.text
        self.source = source
        self.document = document
        self.style = style
        self.patches: list[Patch] = []
        self._order = order
        self._depth = 0
        self._shared_ids: set[int] | None = None

    def add(self, edit: Edit) -> None:
        self._depth = -len(edit.path)
        if isinstance(edit, Insert):
            self._insert(edit.path, edit.before, edit.value)
        elif isinstance(edit, AddKey):
            self._add_key(edit.path, edit.key, edit.value)
        elif isinstance(edit, Replace):
            self._replace(edit.path, edit.value)
        else:
            self._delete(edit.path)

    # -- the edits -------------------------------------------------------------------------

    def _insert(self, path: Path, index: int, value: object) -> None:
        seq = self._node(path, yaml.SequenceNode)
        items = seq.value
        if self._fills_empty(path, seq, [value]):
            return
        if _flow(seq):
            self._flow_insert(seq, index, self._flow_text(value, seq))
            return
        dash = self._dash_column(seq)
        style = self._local_style(seq)
        lines = snippets.block_item(value, dash, style)
        if index < len(items):
            start = self._line_start(self._dash_offset(items[index]))
        else:
            start = self._after_line(self._content_end(items[-1]))
        self._emit(start, start, lines)

    def _add_key(self, path: Path, key: str, value: object) -> None:
        mapping = self._node(path, yaml.MappingNode)
        if self._fills_empty(path, mapping, {key: value}):
            return
        if _flow(mapping):
            entry = f"{snippets.key_text(key, json_mode=self.style.json)}: "
            entry += self._flow_text(value, mapping)
            self._flow_insert(mapping, len(mapping.value), entry)
            return
        column = mapping.value[0][0].start_mark.column
        start = self._after_line(self._content_end(mapping))
        self._emit(start, start, snippets.block_entry(key, value, column, self.style))

    def _replace(self, path: Path, value: object) -> None:
        parent = node_at(self.document.node, path[:-1])
        old = self._node(path, yaml.Node)
        if parent is None:
            raise AssertionError(f"no parent for {path}")
        if _flow(parent):
            text = self._flow_text(value, parent)
            self._patch(old.start_mark.index, self._scalar_end(old), text)
            return
        scalar_for_scalar = not isinstance(value, (dict, list)) and getattr(old, "style", None) not in ("|", ">")
        if isinstance(old, yaml.ScalarNode) and scalar_for_scalar:
            self._patch(old.start_mark.index, old.end_mark.index, snippets.scalar(value))
            return
        if self._fills_empty(path, old, value):
            return
        if isinstance(parent, yaml.MappingNode):
            key = self._key_node(parent, path[-1])
            column = key.start_mark.column
            lines = snippets.block_entry(str(path[-1]), value, column, self.style)
            start = key.start_mark.index
        else:
            column = old.start_mark.column
            lines = snippets.block_value(value, column, self._local_style(parent))
            start = old.start_mark.index
        lines[0] = lines[0][column:]
        end = self._after_line(max(self._content_end(old), start))
        self._emit(start, end, lines)

    def _fills_empty(self, path: Path, old: yaml.Node, value: object) -> bool:
        """``key: []``, ``key: {}`` or ``key: null`` in a block mapping, given entries: the token
        goes, the block form follows on lines of its own, and the rest of the key's line
        (spacing, a comment) stays as it was. False, and nothing done, for anything else."""
        parent = node_at(self.document.node, path[:-1]) if path else None
        if not (isinstance(parent, yaml.MappingNode) and not _flow(parent) and _empty(old)):
            return False
        if not isinstance(value, (dict, list)) or not value:
            return False
        column = self._key_node(parent, path[-1]).start_mark.column
        lines = snippets.block_entry(str(path[-1]), value, column, self.style)[1:]
        self._patch(old.start_mark.index, old.end_mark.index, "")
        start = self._after_line(old.end_mark.index)
        self._emit(start, start, lines)
        return True

    def _delete(self, path: Path) -> None:
        parent = node_at(self.document.node, path[:-1])
        old = self._node(path, yaml.Node)
        if parent is None:
            raise AssertionError(f"no parent for {path}")
        if _flow(parent):
            self._flow_delete(parent, old, path[-1])
            return
        if isinstance(parent, yaml.MappingNode):
            first = self._key_node(parent, path[-1])
            start = self._line_start(first.start_mark.index)
        else:
            start = self._line_start(self._dash_offset(old))
        if self.text[start : self._dash_or_key(parent, old)].strip(" "):
            self._unsupported(old, "an entry that shares its line with another")
        self._patch(start, self._after_line(self._content_end(old)), "")

    # -- flow collections ------------------------------------------------------------------

    def _flow_text(self, value: object, node: yaml.Node) -> str:
        """``value`` as flow text fit for the flow collection ``node``."""
        if not self._multiline(node):
            return snippets.flow(value, json_mode=self.style.json)
        return snippets.flow(
            value,
            json_mode=self.style.json,
            indent=self._flow_step(node),
            column=self._item_column(node),
            pad=self._pad(node),
        )

    def _first_entry(self, node: yaml.Node) -> yaml.Node:
        first: yaml.Node = node
        if isinstance(node, yaml.MappingNode) and node.value:
            first = node.value[0][0]
        elif isinstance(node, yaml.SequenceNode) and node.value:
            first = node.value[0]
        return first

    def _pad(self, node: yaml.Node) -> str:
        """The character the collection's lines are indented with (tabs in some JSON)."""
        start = self._line_start(self._first_entry(node).start_mark.index)
        return "\t" if self.text.startswith("\t", start) else " "

    def _flow_insert(self, node: yaml.Node, index: int, text: str) -> None:
        items = self._flow_items(node)
        multiline = self._multiline(node)
        sep = "\n" + self._pad(node) * self._item_column(node) if multiline else " "
        if not items:
            at = node.start_mark.index + 1
            self._patch(at, at, text)
        elif index < len(items):
            at = items[index].start_mark.index
            self._patch(at, at, text + "," + sep)
        else:
            end = self._scalar_end(items[-1])
            comma = self._trailing_comma(end)
            if comma is not None:
                self._patch(comma + 1, comma + 1, sep + text + ",")
            else:
                self._patch(end, end, "," + sep + text)

    def _flow_delete(self, parent: yaml.Node, old: yaml.Node, step: str | int) -> None:
        items = self._flow_items(parent)
        position = next(i for i, item in enumerate(items) if item is old)
        start = self._flow_entry_start(parent, items[position])
        if position + 1 < len(items):
            end = self._flow_entry_start(parent, items[position + 1])
        else:
            end = self._scalar_end(old)
            comma = self._trailing_comma(end)
            if comma is not None:
                end = comma + 1
            elif position > 0:
                start = self._scalar_end(items[position - 1])
        self._patch(start, end, "")

    def _flow_items(self, node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.MappingNode):
            return [value for _, value in node.value]
        return list(node.value)

    def _flow_entry_start(self, parent: yaml.Node, item: yaml.Node) -> int:
        if isinstance(parent, yaml.MappingNode):
            for key, value in parent.value:
                if value is item:
                    return int(key.start_mark.index)
        return int(item.start_mark.index)

    def _trailing_comma(self, end: int) -> int | None:
        i = end
        while i < len(self.text):
            c = self.text[i]
            if c == ",":
                return i
            if c == "#":
                i = self.text.find("\n", i)
                if i < 0:
                    return None
            elif not c.isspace():
                return None
            i += 1
        return None

    def _multiline(self, node: yaml.Node) -> bool:
        items = self._flow_items(node)
        if isinstance(node, yaml.MappingNode) and node.value:
            first = node.value[0][0]
        elif items:
            first = items[0]
        else:
            return False
        return bool(first.start_mark.line != node.start_mark.line)

    def _item_column(self, node: yaml.Node) -> int:
        if isinstance(node, yaml.MappingNode) and node.value:
            return int(node.value[0][0].start_mark.column)
        items = self._flow_items(node)
        if items:
            return int(items[0].start_mark.column)
        return self._indent_of_line(node.start_mark.index) + self.style.step

    def _flow_step(self, node: yaml.Node) -> int:
        step = self._item_column(node) - self._indent_of_line(node.start_mark.index)
        return step if step > 0 else 2

    # -- positions -------------------------------------------------------------------------

    def _node(self, path: Path, kind: type[yaml.Node]) -> yaml.Node:
        node = node_at(self.document.node, path)
        if not isinstance(node, kind):
            raise AssertionError(f"expected {kind.__name__} at {path}")
        self._check_local(path, node)
        return node

    def _check_local(self, path: Path, target: yaml.Node) -> None:
        """Refuse to edit text that stands for more than one place: a collection reached through
        an alias (*name), one that an alias elsewhere repeats, or one fed by a merge key (<<)."""
        parent = self.document.node
        for depth in range(1, len(path) + 1):
            child = node_at(self.document.node, path[:depth])
            if parent is not None and child is not None and child.start_mark.index < parent.start_mark.index:
                where = key_node_at(self.document.node, path[:depth]) or parent
                self._unsupported(where, "a collection reached through a YAML alias (*name)")
            if child is not None and id(child) in self._shared():
                self._unsupported(child, "an anchored collection that an alias (*name) repeats")
            parent = child
        if isinstance(target, yaml.MappingNode):
            # A merge key's entries are spliced in from elsewhere: their keys stand before us.
            if any(k.start_mark.index < target.start_mark.index for k, _ in target.value):
                self._unsupported(target, "a mapping that takes entries from a merge key (<<)")
        elif (isinstance(target, yaml.SequenceNode) and target.value and not _flow(target)
              and target.value[-1].start_mark.index < target.start_mark.index):
            self._unsupported(target, "a sequence whose last item is an alias (*name)")

    def _shared(self) -> set[int]:
        """Collections of this document that stand in more than one place (anchor + aliases)."""
        if self._shared_ids is None:
            seen: set[int] = set()
            shared: set[int] = set()
            stack = [self.document.node] if self.document.node is not None else []
            while stack:
                node = stack.pop()
                if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
                    continue
                if id(node) in seen:
                    shared.add(id(node))
                    continue
                seen.add(id(node))
                if isinstance(node, yaml.MappingNode):
                    stack.extend(n for pair in node.value for n in pair)
                else:
                    stack.extend(node.value)
            self._shared_ids = shared
        return self._shared_ids

    def _key_node(self, mapping: yaml.MappingNode, key: str | int) -> yaml.Node:
        found = None
        for k, _ in mapping.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found = k
        if found is None:
            raise AssertionError(f"no key {key}")
        return found

    def _content_end(self, node: yaml.Node) -> int:
        """Where a node's own text ends: block collections end at their last descendant."""
        while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style:
            if not node.value:
                break
            last = node.value[-1]
            if isinstance(node, yaml.MappingNode):
                key, value = last
                # An alias (*name) stands on its key's line; its node's marks are the anchor's.
                aliased = value.start_mark.index < key.start_mark.index
                if aliased or value.end_mark.index <= key.end_mark.index:
                    return int(key.end_mark.index)
                last = value
            node = last
        return self._scalar_end(node)

    def _scalar_end(self, node: yaml.Node) -> int:
        end = int(node.end_mark.index)
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            header = self.text[node.start_mark.index : self.text.find("\n", node.start_mark.index)]
            if "+" in header.split("#")[0]:
                return end  # keep chomping (|+): the trailing blank lines are the value's own
            # A block scalar's mark runs past its trailing blank lines; stop after its last line.
            while end > node.start_mark.index and self.text[end - 1] in " \r\n":
                end -= 1
        return end

    def _after_line(self, index: int) -> int:
        """The start of the line after the one holding ``index`` (a comment there stays)."""
        if index > 0 and self.text[index - 1] == "\n":
            return index
        newline = self.text.find("\n", index)
        return len(self.text) if newline < 0 else newline + 1

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _indent_of_line(self, index: int) -> int:
        start = self._line_start(index)
        end = start
        while end < len(self.text) and self.text[end] in " \t":
            end += 1
        return end - start

    def _dash_offset(self, item: yaml.Node) -> int:
        i = int(item.start_mark.index) - 1
        while i >= 0 and self.text[i] in " \r\n":
            i -= 1
        if i < 0 or self.text[i] != "-":
            self._unsupported(item, "a sequence item without its dash")
        return i

    def _dash_or_key(self, parent: yaml.Node, old: yaml.Node) -> int:
        if isinstance(parent, yaml.MappingNode):
            for key, value in parent.value:
                if value is old:
                    return int(key.start_mark.index)
        return self._dash_offset(old)

    def _dash_column(self, seq: yaml.Node) -> int:
        """The column of the items' dashes: the node's own mark may be an anchor or a tag."""
        dash = self._dash_offset(seq.value[0])
        return dash - self._line_start(dash)

    def _local_style(self, seq: yaml.Node) -> Style:
        """The file's style with the item offset this sequence itself uses."""
        if seq.value and not _flow(seq):
            first = seq.value[0]
            dash = self._dash_offset(first)
            if self.text.count("\n", dash, first.start_mark.index) == 0:
                offset = first.start_mark.index - dash
                return Style(self.style.step, self.style.seq_indent, offset, self.style.json)
        return self.style

    # -- output ----------------------------------------------------------------------------

    def _emit(self, start: int, end: int, lines: list[str]) -> None:
        self._patch(start, end, "\n".join(lines) + "\n")

    def _patch(self, start: int, end: int, text: str) -> None:
        self.patches.append(Patch(start, end, self._depth, self._order + len(self.patches), text))

    def _unsupported(self, node: yaml.Node, what: str) -> None:
        raise InputError(
            f"cannot add to {what} without rewriting what it shares: expand it in place "
            "(no alias, no merge key, one item a line) and run again",
            self.source.location(node),
        )
