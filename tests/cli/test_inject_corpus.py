"""The real-world corpus: untouched documents keep every byte; triggered ones follow the rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import oracle
from tests.conftest import CORPUS, TENANT, Run
from transformer import textpatch
from transformer.edits import AddKey, Edit
from transformer.manifest import Source, parse
from transformer.workloads import template_path

USE = "azure.workload.identity/use"
FILES = sorted(p for p in CORPUS.rglob("*.yaml") if "as-published" not in p.name)
WORKLOAD_FILES = [p for p in FILES if "quick-start" not in p.name]


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _templates(source: Source) -> list[tuple[int, tuple[Any, ...], dict[str, Any]]]:
    return [(i, w, t) for i, w, t, _ in _located(source)]


def _located(source: Source) -> list[tuple[int, tuple[Any, ...], dict[str, Any], str]]:
    found = []
    for document in source.documents:
        for resource in document.resources():
            path = template_path(resource.group, resource.kind)
            node: Any = resource.data
            for step in path or ():
                node = node.get(step) if isinstance(node, dict) else None
            if path is not None and isinstance(node, dict):
                found.append((document.index, resource.prefix + path, node, resource.namespace or "default"))
    return found


def labelled(path: Path) -> str:
    """The file with every pod template labelled for injection (our own edits, tested apart)."""
    source = parse(path.name, path.read_bytes())
    edits: dict[int, list[Edit]] = {}
    for index, where, template in _templates(source):
        meta = template.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("labels"), dict):
            edit: Edit = AddKey(where + ("metadata", "labels"), USE, "true")
        elif isinstance(meta, dict):
            edit = AddKey(where + ("metadata",), "labels", {USE: "true"})
        else:
            edit = AddKey(where, "metadata", {"labels": {USE: "true"}})
        edits.setdefault(index, []).append(edit)
    return textpatch.apply(source, edits)


def accounts_for(text: str, name: str) -> str:
    """ServiceAccounts with a client id for every account the workloads use."""
    docs = []
    for _, _, template, namespace in _located(parse(name, text.encode())):
        account = (template.get("spec") or {}).get("serviceAccountName") or "default"
        docs.append({"apiVersion": "v1", "kind": "ServiceAccount",
                     "metadata": {"name": account, "namespace": namespace, "annotations": {
                         "azure.workload.identity/client-id": "00000000-0000-0000-0000-00000000000c"}}})
    return yaml.safe_dump_all(docs)


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_untriggered_corpus_comes_out_byte_for_byte(wi: Run, path: Path) -> None:
    if "quick-start" in path.name:
        pytest.skip("unquoted annotation values: an expected error, tested below")
    r = wi("inject", "--tenant-id", TENANT, path)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == path.read_bytes()


def test_the_walkthroughs_unquoted_values_are_errors(wi: Run) -> None:
    path = CORPUS / "seed" / "quick-start.yaml"
    r = wi("inject", "--tenant-id", TENANT, path)
    assert r.returncode == 3 and r.stdout == b""
    lines = r.stderr.decode().splitlines()
    assert lines[0].startswith(f"{path}:20:51: annotation azure.workload.identity/inject-proxy-sidecar")
    assert lines[1].startswith(f"{path}:21:49: annotation azure.workload.identity/proxy-sidecar-port")


def test_the_published_walkthrough_does_not_parse(wi: Run) -> None:
    path = CORPUS / "seed" / "pod-as-published.yaml"
    r = wi("inject", path)
    assert r.returncode == 3 and f"{path}:2:6: invalid YAML" in r.stderr.decode()


@pytest.mark.parametrize("path", WORKLOAD_FILES, ids=_id)
def test_triggered_corpus_is_injected_by_the_rules_and_idempotent(
    wi: Run, path: Path, tmp_path: Path
) -> None:
    text = labelled(path)
    target = tmp_path / path.name
    target.write_text(text)
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(accounts_for(text, path.name))
    r = wi("inject", "--tenant-id", TENANT, "--service-accounts", accounts, target)
    assert r.returncode == 0, r.stderr.decode()
    before, after = parse("in", text.encode()), parse("out", r.stdout)

    templates_in = _templates(before)
    templates_out = {(i, w): t for i, w, t in _templates(after)}
    assert r.stderr.decode().count(": injected") == len(templates_in)
    account = yaml.safe_load_all(accounts.read_text())
    by_name = {a["metadata"]["name"]: a for a in account}
    for index, where, template in templates_in:
        sa = by_name[(template.get("spec") or {}).get("serviceAccountName") or "default"]
        if any(d.data.get("kind") == "ServiceAccount" and d.data["metadata"]["name"] == sa["metadata"]["name"]
               for d in before.documents if isinstance(d.data, dict)):
            sa = {"metadata": {}}  # the corpus's own account, without a client id, wins
        want = oracle.expected(template, sa, tenant=TENANT)
        got = oracle.without_marker(templates_out[(index, where)], "annotations" in (template.get("metadata") or {}))
        assert got == want

    untouched = {i for i, _, _ in templates_in} ^ set(range(len(before.documents)))
    for i in untouched:
        a, b = before.documents[i].node, after.documents[i].node
        if a is None:
            continue
        assert (before.text[a.start_mark.index:a.end_mark.index]
                == after.text[b.start_mark.index:b.end_mark.index])

    if "flow-style" not in path.name:
        new_lines = iter(r.stdout.decode().splitlines())
        assert all(line in new_lines for line in text.splitlines()), "only added lines"

    again = wi("inject", "--tenant-id", TENANT, "--service-accounts", accounts, "-", input=r.stdout)
    assert again.returncode == 0 and again.stdout == r.stdout
