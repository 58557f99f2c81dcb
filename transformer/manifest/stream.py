"""Manifest streams: sources, their documents and resources, and where each node stands.

Parsing uses libyaml through PyYAML (fast) and keeps the composed node trees, whose marks give
exact character offsets: edits are applied to the original text, so whatever is not edited comes
out byte for byte. Scalars resolve as Kubernetes resolves them (YAML 1.1, go-yaml v2 flavour).
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import InputError, Location

Path = tuple[str | int, ...]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_VALUE = "tag:yaml.org,2002:value"
_BOOL = "tag:yaml.org,2002:bool"
STR_TAG = "tag:yaml.org,2002:str"


class _Loader(yaml.CSafeLoader):
    """libyaml parser with the resolution Kubernetes applies (sigs.k8s.io/yaml, go-yaml v2)."""


# go-yaml v2 reads y/Y/n/N as booleans and leaves timestamps as strings; PyYAML's `=` tag has
# no constructor at all. Kubernetes' view is what decides whether the API server accepts a value.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_TIMESTAMP, _VALUE)]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))


class _Constructor(yaml.constructor.SafeConstructor):
    bool_values = {**yaml.constructor.SafeConstructor.bool_values, "y": True, "n": False}


_Constructor.add_constructor(_BOOL, _Constructor.construct_yaml_bool)  # type: ignore[type-var]


def resolve_plain(text: str) -> str:
    """The tag a plain scalar with this text gets, as Kubernetes reads it."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag


# resolve() reads only class-level tables: one parser-less instance serves every call.
_RESOLVER = _Loader.__new__(_Loader)


@dataclass(eq=False)
class Source:
    """One input: a file or standard input, decoded, with its documents."""

    name: str
    file: str | None
    text: str
    bom: bool = False
    newline: str = "\n"
    is_json: bool = False
    documents: list[Document] = field(default_factory=list)

    def encode(self, text: str | None = None) -> bytes:
        body = (self.text if text is None else text).encode("utf-8")
        return b"\xef\xbb\xbf" + body if self.bom else body

    def location(self, node: yaml.Node | None) -> Location:
        if node is None:
            return Location(self.name)
        return Location(self.name, node.start_mark.line + 1, node.start_mark.column + 1)


@dataclass(eq=False)
class Document:
    """One YAML document of a source; ``node`` is None for an empty document."""

    source: Source
    index: int
    node: yaml.Node | None
    data: Any = None

    @property
    def scalar(self) -> str | None:
        """The text of a document that is a lone non-null scalar (not an object at all)."""
        if isinstance(self.node, yaml.ScalarNode) and self.data is not None:
            return str(self.node.value)
        return None

    def resources(self) -> Iterator[Resource]:
        """Every object in the document: itself, or each item of a ``List``."""
        if not isinstance(self.node, yaml.MappingNode):
            return
        data = self.data
        if not isinstance(data, dict):
            return
        items = data.get("items")
        kind = data.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    yield Resource(self, ("items", i), item)
            return
        yield Resource(self, (), data)

    def node_at(self, path: Path) -> yaml.Node | None:
        """The node at ``path``, or None when some step is missing."""
        return node_at(self.node, path)

    def location(self, path: Path, *, key: bool = False) -> Location:
        """Where ``path`` stands, or its nearest existing ancestor; ``key`` points at the key."""
        node = self.node
        for depth in range(len(path) + 1):
            found = node_at(self.node, path[: len(path) - depth])
            if found is not None:
                node = found
                if key and depth == 0 and path:
                    node = key_node_at(self.node, path) or found
                break
        return self.source.location(node)


# Kinds that live outside namespaces: no namespace in their names.
CLUSTER_SCOPED = frozenset({
    "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding",
    "CSIDriver", "CSINode", "CustomResourceDefinition", "FlowSchema", "IngressClass",
    "MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume",
    "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration", "RuntimeClass",
    "StorageClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration", "VolumeAttachment",
})


@dataclass(eq=False)
class Resource:
    """One Kubernetes object inside a document, at ``prefix`` (``()`` or ``("items", i)``)."""

    document: Document
    prefix: Path
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else ""

    @property
    def api_version(self) -> str:
        value = self.data.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def group(self) -> str:
        """The API group: ``apps`` for ``apps/v1``, ``""`` for ``v1``."""
        return self.api_version.rpartition("/")[0]

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        name = self.metadata.get("name") or self.metadata.get("generateName")
        return str(name) if name is not None else ""

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        return str(ns) if ns is not None and ns != "" else None

    def location(self, path: Path = (), *, key: bool = False) -> Location:
        return self.document.location(self.prefix + path, key=key)

    def node_at(self, path: Path) -> yaml.Node | None:
        return self.document.node_at(self.prefix + path)

    def title(self, namespace: str) -> str:
        """How reports name an object: ``Deployment apps/web``, ``Namespace apps``."""
        if self.kind in CLUSTER_SCOPED:
            return f"{self.kind} {self.name or '<no name>'}"
        ns = self.namespace or namespace
        return f"{self.kind or '<no kind>'} {ns}/{self.name or '<no name>'}"


def json_path(path: Path) -> str:
    """``spec.containers[0].env[1].value``; keys that are not plain words are quoted."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step.replace("_", "a").replace("-", "a").isalnum():
            out += f".{step}" if out else step
        else:
            out += "[" + json.dumps(step, ensure_ascii=False) + "]"
    return out


def node_at(root: yaml.Node | None, path: Path) -> yaml.Node | None:
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = _value_node(node, step)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if 0 <= step < len(node.value) else None
        else:
            return None
        if node is None:
            return None
    return node


def key_node_at(root: yaml.Node | None, path: Path) -> yaml.Node | None:
    parent = node_at(root, path[:-1])
    if isinstance(parent, yaml.MappingNode):
        for key, _ in parent.value:
            if isinstance(key, yaml.ScalarNode) and key.value == path[-1]:
                return key
    return None


def _value_node(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    found = None
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found = v  # the last one wins, as in the constructed data
    return found


def parse(name: str, raw: bytes, file: str | None = None) -> Source:
    """Decode and parse one input; a syntax error becomes an InputError at its position."""
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text = raw[3 if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError as e:
        start = e.start + (3 if bom else 0)
        line = raw.count(b"\n", 0, start) + 1
        column = len(raw[raw.rfind(b"\n", 0, start) + 1 : start].decode("utf-8", "replace")) + 1
        raise InputError(
            f"not UTF-8 (byte 0x{raw[start]:02x}): save the file as UTF-8",
            Location(name, line, column),
        ) from e
    source = Source(
        name=name,
        file=file,
        text=text,
        bom=bom,
        newline="\r\n" if "\r\n" in text[: text.find("\n") + 1 or None] else "\n",
        is_json=_looks_like_json(name, text),
    )
    source.documents = list(_compose(source))
    return source


def check_syntax(name: str, text: str) -> None:
    """Raise InputError unless ``text`` reads as YAML (composition only: no values built)."""
    loader = _Loader(text)
    collecting = gc.isenabled()
    gc.disable()
    try:
        while loader.check_node():
            loader.get_node()
    except yaml.MarkedYAMLError as e:
        source = Source(name=name, file=None, text=text)
        raise _syntax_error(source, e) from e
    finally:
        loader.dispose()
        if collecting:
            gc.enable()


def lacks_top_keys(text: str, names: Collection[str]) -> bool:
    """True when ``text`` reads as YAML, every document is a mapping or a list, and no
    top-level mapping has any of ``names``: from the parser's events alone, a third of what
    building the documents costs, and stopping at the first such key (a manifest says
    ``apiVersion`` in its first line). False too when a top-level key is not an untagged
    string, or is an alias or a merge: only the built document says what those hold."""
    loader = _Loader(text)
    depth = 0
    documents = 0
    in_mapping = expecting_key = False
    try:
        while (event := loader.get_event()) is not None:
            kind = type(event)
            if kind in _ENDS:
                depth -= 1
                continue
            if kind not in _NODES:
                continue
            if depth == 0:
                if kind is not yaml.MappingStartEvent and kind is not yaml.SequenceStartEvent:
                    return False
                documents += 1
                in_mapping = expecting_key = kind is yaml.MappingStartEvent
            elif depth == 1 and in_mapping:
                if expecting_key and (
                    not isinstance(event, yaml.ScalarEvent)
                    or event.tag is not None
                    or event.value == "<<"
                    or event.value in names
                ):
                    return False
                expecting_key = not expecting_key
            if kind is not yaml.ScalarEvent and kind is not yaml.AliasEvent:
                depth += 1
    except yaml.YAMLError:
        return False  # the full parse says where
    finally:
        loader.dispose()
    return documents > 0


_NODES = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _looks_like_json(name: str, text: str) -> bool:
    if name.endswith(".json"):
        return True
    stripped = text.lstrip()
    return stripped.startswith("{") and not name.endswith((".yaml", ".yml"))


def _compose(source: Source) -> Iterator[Document]:
    # Tabs are JSON whitespace but not YAML indentation; one character for one keeps offsets.
    text = source.text.replace("\t", " ") if source.is_json else source.text
    loader = _Loader(text)
    constructor = _Constructor()
    index = 0
    # Kept node trees are millions of objects without cycles; the cyclic collector would walk
    # them again and again as they grow (10x the parse time on a 5 MB stream).
    collecting = gc.isenabled()
    gc.disable()
    try:
        while loader.check_node():
            node = loader.get_node()
            data = _construct(constructor, node) if node is not None else None
            yield Document(source, index, node, data)
            index += 1
    except yaml.MarkedYAMLError as e:
        raise _syntax_error(source, e) from e
    except yaml.YAMLError as e:
        raise InputError(f"cannot read YAML: {e}", Location(source.name)) from e
    finally:
        loader.dispose()
        if collecting:
            gc.enable()


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Unusual(Exception):
    """A document the short way does not build exactly as PyYAML does: PyYAML builds it."""


def _construct(constructor: _Constructor, node: yaml.Node) -> Any:
    """The document's data, as ``constructor.construct_document`` builds it, in a sixth of the time:
    strings, mappings and lists (most of any manifest) are built here, every other scalar by
    PyYAML; merges, other tags, unhashable keys and what recursion cannot reach go to PyYAML
    whole. Aliases give the same object, as PyYAML's do."""
    built: dict[int, Any] = {}
    scalar = constructor.construct_object

    def build(node: yaml.Node) -> Any:
        kind = type(node)
        if kind is yaml.ScalarNode:
            return node.value if node.tag == STR_TAG else scalar(node)
        known = built.get(id(node))
        if known is not None:
            return known
        if kind is yaml.MappingNode and node.tag == _MAP_TAG:
            mapping: dict[Any, Any] = {}
            built[id(node)] = mapping
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    raise _Unusual
                try:
                    mapping[build(key_node)] = build(value_node)
                except TypeError:
                    raise _Unusual from None  # an unhashable key: PyYAML names it
            return mapping
        if kind is yaml.SequenceNode and node.tag == _SEQ_TAG:
            items: list[Any] = []
            built[id(node)] = items
            items.extend(build(item) for item in node.value)
            return items
        raise _Unusual

    try:
        data = build(node)
    except (_Unusual, RecursionError):
        return constructor.construct_document(node)
    constructor.constructed_objects.clear()  # what construct_document leaves behind
    return data


# Template actions where YAML expects a value or a line: not a `{{` inside a quoted string
# (Prometheus rules and Argo workflows put Go templates in ConfigMap values).
_HELM = re.compile(r"(?m)^[ \t]*(?:- |[^\s#'\"][^'\"\n]*?:[ \t]+)?\{\{")


def _syntax_error(source: Source, e: yaml.MarkedYAMLError) -> InputError:
    mark = e.problem_mark or e.context_mark
    where = Location(source.name, mark.line + 1, mark.column + 1) if mark else Location(source.name)
    if _HELM.search(source.text):
        return InputError(
            "this is a Helm template, not a manifest: render it first, or use "
            "`wi-transform post-render` as Helm's --post-renderer",
            where,
        )
    problem = " ".join(str(p) for p in (e.context, e.problem) if p)
    return InputError(f"invalid YAML: {problem}: fix the syntax at this position", where)
