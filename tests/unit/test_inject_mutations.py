"""Property test of failing closed (issue 11), through the real CLI: a valid workload of any kind,
in block, flow or JSON, with one field on the injection path given a value of another YAML type
or one key written twice. Either inject refuses it (exit 3, the field's line in the message,
nothing written) or it injects it with every input key and scalar still at its path; a value
of the right type (``env: []``, ``labels: null``, ``annotations: {}``) is injected, never refused.

Each hypothesis example is a batch of mutants in files of their own, run by one ``--in-place``
call (and a second one over the good files when some are bad), so that the 500 mutants CI asks
for cost a few dozen processes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TENANT, run_cli
from transformer.kube.workloads import GROUP_KINDS, template_path
from transformer.manifest.stream import key_node_at, node_at, parse

P = "azure.workload.identity/"
CLIENT = "00000000-0000-0000-0000-0000000000aa"
ACCOUNTS = yaml.safe_dump_all([
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {
        "name": name, "namespace": "default", "labels": {P + "use": "true"},
        "annotations": {P + "client-id": CLIENT}}}
    for name in ("default", "app")
])
BATCH, BATCHES = 25, 21  # 525 mutants
KINDS = sorted(GROUP_KINDS)
OTHER_VALUES: list[Any] = [None, True, 42, 1.5, "text", [], ["x"], {}, {"k": "v"}]
Path_ = tuple[str | int, ...]

# Fields whose Kubernetes type takes null, an empty list or an empty mapping.
NULLABLE = {"metadata", "labels", "annotations", "initContainers", "env", "volumeMounts",
            "volumes", "serviceAccountName", "hostNetwork", "value"}
LISTS = {"containers", "initContainers", "env", "volumeMounts", "volumes"}
MAPS = {"metadata", "labels", "annotations"}


def valid_replacement(field: str | int, value: Any) -> bool:
    return ((value is None and field in NULLABLE) or (value == [] and field in LISTS)
            or (value == {} and field in MAPS))


@st.composite
def container(draw: st.DrawFn, name: str) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": "nginx"}
    if draw(st.booleans()):
        c["env"] = [{"name": n, "value": "x"} for n in draw(st.lists(
            st.sampled_from(["FOO", "BAR", "AZURE_CLIENT_ID"]), min_size=1, max_size=2, unique=True))]
    if draw(st.booleans()):
        c["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    return c


@st.composite
def template(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(["app", "web", "init"]), min_size=1, max_size=3, unique=True))
    split = draw(st.integers(0, len(names) - 1))
    spec: dict[str, Any] = {"containers": [draw(container(n)) for n in names[split:]]}
    if split:
        spec["initContainers"] = [draw(container(n)) for n in names[:split]]
    if draw(st.booleans()):
        spec["volumes"] = [{"name": "data", "emptyDir": {}}]
    if draw(st.booleans()):
        spec["serviceAccountName"] = draw(st.sampled_from(["app", "default"]))
    if draw(st.booleans()):
        spec["hostNetwork"] = False
    metadata: dict[str, Any] = {"labels": {"app": "demo"}}
    if draw(st.booleans()):
        metadata["annotations"] = {"team": "blue"}
    return {"metadata": metadata, "spec": spec}


def workload(group: str, kind: str, tpl: dict[str, Any]) -> tuple[dict[str, Any], Path_]:
    path = template_path(group, kind)
    assert path is not None
    api = "v1" if not group else f"{group}/v1beta1" if group == "extensions" else f"{group}/v1"
    doc: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": {"name": "w", "namespace": "default"}}
    if not path:
        doc["metadata"].update(tpl["metadata"])
        doc["spec"] = tpl["spec"]
        return doc, ()
    inner: Any = tpl
    for step in reversed(path[1:]):
        inner = {step: inner}
    doc["spec"] = inner
    return doc, path


def injection_paths(doc: dict[str, Any], at: Path_) -> list[Path_]:
    """Every field on the injection path that the document has."""
    found = [at[:n] for n in range(1, len(at) + 1)]
    tpl = doc
    for step in at:
        tpl = tpl[step]
    found += [at + ("metadata",)] + [at + ("metadata", k) for k in tpl["metadata"] if k in MAPS]
    found += [at + ("spec",)] + [at + ("spec", k) for k in tpl["spec"]
                                 if k in LISTS | {"serviceAccountName", "hostNetwork"}]
    for field in ("containers", "initContainers", "volumes"):
        for i, item in enumerate(tpl["spec"].get(field, [])):
            found += [at + ("spec", field, i), at + ("spec", field, i, "name")]
            for sub in ("env", "volumeMounts"):
                if sub in item:
                    found.append(at + ("spec", field, i, sub))
                    for j, entry in enumerate(item[sub]):
                        found += [at + ("spec", field, i, sub, j)] + [
                            at + ("spec", field, i, sub, j, k) for k in entry]
    return [p for p in found if not (doc["kind"] == "Pod" and p == ("metadata",))]


def render(doc: dict[str, Any], layout: str) -> str:
    if layout == "json":
        return json.dumps(doc, indent=2) + "\n"
    return yaml.safe_dump(doc, default_flow_style=layout == "flow", sort_keys=False, width=10**9)


class Mutant(NamedTuple):
    text: str
    name: str  # file name
    lines: frozenset[int]  # where the message may point
    must_inject: bool
    must_refuse: bool


@st.composite
def mutant(draw: st.DrawFn) -> Mutant:
    group, kind = draw(st.sampled_from(KINDS))
    doc, at = workload(group, kind, draw(template()))
    layout = draw(st.sampled_from(["block", "flow", "json"]))
    name = "w.json" if layout == "json" else "w.yaml"
    path = draw(st.sampled_from(injection_paths(doc, at)))
    if draw(st.integers(0, 4)) == 0:
        return _duplicated(render(doc, layout), path, layout, name)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    value = draw(st.sampled_from([v for v in OTHER_VALUES if type(v) is not type(parent[path[-1]])]))
    parent[path[-1]] = value
    text = render(doc, layout)
    node = parse(name, text.encode()).documents[0]
    lines = {n.start_mark.line + 1 for n in (node.node_at(path), key_node_at(node.node, path)) if n}
    valid = valid_replacement(path[-1], value) and not (path[-1] == "metadata" and at == ())
    return Mutant(text, name, frozenset(lines), must_inject=valid, must_refuse=not valid)


def _duplicated(text: str, path: Path_, layout: str, name: str) -> Mutant:
    """The first scalar-valued key of the mapping at ``path`` (or holding it) written twice."""
    root = parse(name, text.encode()).documents[0].node
    mapping = node_at(root, path)
    while not isinstance(mapping, yaml.MappingNode) or not any(
            isinstance(v, yaml.ScalarNode) for _, v in mapping.value):
        path = path[:-1]
        mapping = node_at(root, path)
    key, value = next((k, v) for k, v in mapping.value if isinstance(v, yaml.ScalarNode))
    pair = text[key.start_mark.index:value.end_mark.index]
    glue = "\n" + " " * key.start_mark.column if layout == "block" else ", "
    mutated = text[:key.start_mark.index] + pair + glue + text[key.start_mark.index:]
    line = key.start_mark.line + (2 if layout == "block" else 1)
    return Mutant(mutated, name, frozenset({line}), must_inject=False, must_refuse=True)


def _leaves(data: Any, path: Path_ = ()) -> dict[Path_, Any]:
    if isinstance(data, dict) and data:
        return {p: v for k, sub in data.items() for p, v in _leaves(sub, path + (k,)).items()}
    if isinstance(data, list) and data:
        return {p: v for i, sub in enumerate(data) for p, v in _leaves(sub, path + (i,)).items()}
    return {path: data}


def _kept(before: Any, after: Any) -> bool:
    """Every key and scalar of ``before`` at its path in ``after``; an empty value may fill up."""
    for path, value in _leaves(before).items():
        found: Any = after
        for step in path:
            held = step in found if isinstance(found, dict) else (
                isinstance(found, list) and isinstance(step, int) and step < len(found))
            if not held:
                return False
            found = found[step]
        grew = value in (None, [], {}) and isinstance(found, (list, dict)) and found
        if found != value and not grew:
            return False
    return True


@settings(max_examples=BATCHES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(mutant(), min_size=BATCH, max_size=BATCH))
def test_a_mutated_field_is_refused_at_its_line_or_injected_keeping_everything(
    tmp_path_factory: Any, mutants: list[Mutant]
) -> None:
    folder: Path = tmp_path_factory.mktemp("mutants")
    accounts = folder.parent / (folder.name + "-accounts.yaml")
    accounts.write_text(ACCOUNTS)
    files = []
    for n, m in enumerate(mutants):
        f = folder / f"{n:02d}-{m.name}"
        f.write_text(m.text)
        files.append(f)
    args = ("inject", "--tenant-id", TENANT, "--service-accounts", accounts, "--in-place")
    first = run_cli(*args, *files)
    err = first.stderr.decode()
    assert first.returncode in (0, 1, 3), err
    refused = {f for f in files if f"{f}:" in err}
    if refused:
        assert first.returncode == 3, err
        assert all(f.read_text() == m.text for f, m in zip(files, mutants, strict=True)), "a file was written"
        assert sorted(folder.iterdir()) == sorted(files), "a temp file was left"
    for f, m in zip(files, mutants, strict=True):
        if f in refused:
            assert not m.must_inject, f"{m.text}\nwas refused:\n{err}"
            assert any(f"{f}:{line}:" in err for line in m.lines), f"{m.text}\nlines {set(m.lines)}:\n{err}"
        else:
            assert not m.must_refuse, f"{m.text}\nwas not refused"
    good = [f for f in files if f not in refused]
    if refused and good:
        second = run_cli(*args, *good)
        assert second.returncode in (0, 1), second.stderr.decode()
    for f, m in zip(files, mutants, strict=True):
        if f in good:
            assert _kept(yaml.safe_load(m.text), yaml.safe_load(f.read_text())), f"{m.text}\n->\n{f.read_text()}"
            assert "azure-identity-token" in f.read_text(), f"{m.text}\nwas not injected"
