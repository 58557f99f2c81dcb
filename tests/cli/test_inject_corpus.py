"""The project's manifests and the real-world corpus: untouched documents keep every byte;
triggered ones follow the rules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import oracle
from tests.conftest import ROOT, TENANT, Run
from tests.corpus import accounts_for, corpus_params, labelled, located, manifest_params
from transformer.manifest.stream import Source, parse

# The walkthrough's files are errors (tested below); every other file must pass untouched.
FILES = manifest_params() + corpus_params(lambda p: "seed" not in p.parts)
WALKTHROUGH = ROOT / "examples" / "invalid" / "walkthrough.yaml"
_EMPTY = re.compile(r"\[\s*\]|\{\s*\}|\bnull\b|~")


def only_added_lines(before: str, after: str) -> bool:
    """Every line of ``before`` is in ``after``, in order; a block key's empty ``[]``, ``{}`` or
    ``null`` may have gone (its entries follow as block lines), and nothing else of that line."""
    new_lines = iter(after.splitlines())
    for line in before.splitlines():
        bare = _EMPTY.sub("", line, count=1)
        if not any(candidate in (line, bare) for candidate in new_lines):
            return False
    return True


def _templates(source: Source) -> list[tuple[int, tuple[Any, ...], dict[str, Any]]]:
    return [(i, w, t) for i, w, t, _ in located(source)]


@pytest.mark.parametrize("path", FILES)
def test_untriggered_corpus_comes_out_byte_for_byte(wi: Run, path: Path) -> None:
    r = wi("inject", "--tenant-id", TENANT, path)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == path.read_bytes()


def test_the_walkthroughs_unquoted_values_are_errors(wi: Run) -> None:
    path = WALKTHROUGH
    r = wi("inject", "--tenant-id", TENANT, path)
    assert r.returncode == 3 and r.stdout == b""
    lines = r.stderr.decode().splitlines()
    assert lines[0].startswith(f"{path}:20:51: annotation azure.workload.identity/inject-proxy-sidecar")
    assert lines[1].startswith(f"{path}:21:49: annotation azure.workload.identity/proxy-sidecar-port")


def test_the_published_walkthrough_does_not_parse(wi: Run) -> None:
    path = ROOT / "tests" / "data" / "invalid" / "pod-as-published.yaml"
    r = wi("inject", path)
    assert r.returncode == 3 and f"{path}:2:6: invalid YAML" in r.stderr.decode()


@pytest.mark.parametrize("path", FILES)
def test_triggered_corpus_is_injected_by_the_rules_and_idempotent(
    wi: Run, path: Path, tmp_path: Path
) -> None:
    text = labelled(path.read_text(), path.name)
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

    if "flow-style" not in path.name and path.suffix != ".json":
        assert only_added_lines(text, r.stdout.decode()), "only added lines"

    again = wi("inject", "--tenant-id", TENANT, "--service-accounts", accounts, "-", input=r.stdout)
    assert again.returncode == 0 and again.stdout == r.stdout
