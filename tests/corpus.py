"""Support for tests and benchmarks over manifests: where the shared corpus is (an additional
real-world check beside the clone, skipped when it is missing), the project's own manifests, and
helpers that label pod templates for injection (with our own edits, which are tested apart) and
make ServiceAccounts for what they use."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from transformer.kube.workloads import template_path
from transformer.manifest import textpatch
from transformer.manifest.edits import AddKey, Edit
from transformer.manifest.stream import Source, key_node_at, node_at, parse

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
MISSING = "shared corpus not found beside the clone: real-world checks skipped"
# Manifests this project wrote: comments, flow style, anchors, CRLF, BOM, JSON, a List, every
# workload kind. Every rule is tested on them; the corpus only adds published files.
MANIFESTS = ROOT / "tests" / "data" / "manifests"
USE = "azure.workload.identity/use"
CLIENT = "00000000-0000-0000-0000-00000000000c"


def need_corpus() -> Path:
    """The corpus; else skip with one reason, or fail when ``WI_REQUIRE_CORPUS=1`` (CI)."""
    if CORPUS.is_dir():
        return CORPUS
    if os.environ.get("WI_REQUIRE_CORPUS") == "1":
        pytest.fail(f"WI_REQUIRE_CORPUS=1, but the shared corpus is missing at {CORPUS}", pytrace=False)
    pytest.skip(MISSING)


def corpus_params(keep: Callable[[Path], bool] = lambda path: True) -> list[Any]:
    """One pytest param per corpus ``*.yaml`` (marked ``corpus``); when the corpus is missing, one
    placeholder, so the test is skipped (or fails) for that reason, not for an empty set."""
    mark = pytest.mark.corpus
    if not CORPUS.is_dir():
        return [pytest.param(CORPUS / "missing.yaml", id="corpus-missing", marks=mark)]
    return [pytest.param(p, id=str(p.relative_to(CORPUS)), marks=mark)
            for p in sorted(CORPUS.rglob("*.yaml")) if keep(p)]


def manifest_params() -> list[Any]:
    """One pytest param per manifest in tests/data/manifests."""
    return [pytest.param(p, id=f"data/{p.name}") for p in sorted(MANIFESTS.iterdir())]


def located(source: Source) -> list[tuple[int, tuple[Any, ...], dict[str, Any], str]]:
    """(document index, path, pod template, namespace) for every pod template."""
    found = []
    for document in source.documents:
        for resource in document.resources():
            path = template_path(resource.group, resource.kind)
            node: Any = resource.data
            for step in path or ():
                node = node.get(step) if isinstance(node, dict) else None
            if path is not None and isinstance(node, dict):
                found.append((document.index, resource.prefix + path, node,
                              resource.namespace or "default"))
    return found


def labelled(text: str, name: str = "corpus.yaml", every: int = 1) -> str:
    """The stream with every ``every``-th pod template labelled for injection.

    Labels that are an alias (``labels: *labels``) cannot gain a key without changing what the
    anchor's other users see: the alias is written out, with the label, as a flow mapping."""
    source = parse(name, text.encode())
    edits: dict[int, list[Edit]] = {}
    spliced: list[tuple[int, int, str]] = []
    for n, (index, where, template, _) in enumerate(located(source), start=1):
        if n % every:
            continue
        meta = template.get("metadata")
        labels_at = where + ("metadata", "labels")
        if _aliased(source, index, labels_at):
            key = key_node_at(source.documents[index].node, labels_at)
            assert key is not None
            labels = {**meta["labels"], USE: "true"}
            flow = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in labels.items())
            spliced.append((key.end_mark.index, text.index("\n", key.end_mark.index), f": {{{flow}}}"))
            continue
        if isinstance(meta, dict) and isinstance(meta.get("labels"), dict):
            edit: Edit = AddKey(labels_at, USE, "true")
        elif isinstance(meta, dict):
            edit = AddKey(where + ("metadata",), "labels", {USE: "true"})
        else:
            edit = AddKey(where, "metadata", {"labels": {USE: "true"}})
        edits.setdefault(index, []).append(edit)
    for start, end, replacement in sorted(spliced, reverse=True):
        text = text[:start] + replacement + text[end:]
    return textpatch.apply(parse(name, text.encode()), edits)


def _aliased(source: Source, index: int, path: tuple[Any, ...]) -> bool:
    """Whether the collection at ``path`` is an alias (*name) of one written before it."""
    node, parent = node_at(source.documents[index].node, path), node_at(source.documents[index].node, path[:-1])
    return node is not None and parent is not None and node.start_mark.index < parent.start_mark.index


def accounts_for(text: str, name: str = "corpus.yaml") -> str:
    """ServiceAccounts with a client id for every account the pod templates use."""
    seen: set[tuple[str, str]] = set()
    docs = []
    for _, _, template, namespace in located(parse(name, text.encode())):
        key = (namespace, (template.get("spec") or {}).get("serviceAccountName") or "default")
        if key in seen:
            continue
        seen.add(key)
        docs.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {
            "name": key[1], "namespace": key[0],
            "annotations": {"azure.workload.identity/client-id": CLIENT}}})
    return yaml.safe_dump_all(docs)
