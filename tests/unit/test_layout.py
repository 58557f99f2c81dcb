"""The package layout is the architecture: imports inside ``transformer/`` point one way, with no
circles, and ``transformer``/``sidecar`` never import each other (read with ``ast``)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "transformer"

# Lower rank = lower layer. A module may import its own package or a package of lower rank;
# the capabilities share a rank and must not import each other.
RANKS = {
    "errors": 0, "options": 0, "report": 0,
    "manifest": 1,
    "kube": 2, "identity": 2,
    "inject": 3, "validate": 3, "federated": 3, "migrate": 3, "integrations": 3,
    "doctor": 3, "issuer": 3,
    "commands": 4,
    "cli": 5,
    "__main__": 6,
}
# Peers that may import each other, never in a circle (the circle check holds them to that):
# kube and identity are one layer of knowledge; migrate emits federated credentials; the KRM
# function injects the items of its list.
PEERS_ALLOWED = {("kube", "identity"), ("identity", "kube"), ("migrate", "federated"),
                 ("integrations", "inject"), ("doctor", "validate"), ("doctor", "federated")}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every ``transformer`` module the file imports, lazy imports inside functions included."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # ``from pkg import module`` imports the module, not only the package
            found.update(f"{target}.{a.name}" for a in node.names
                         if (ROOT / (target + "." + a.name).replace(".", "/")).exists()
                         or (ROOT / (target + "." + a.name).replace(".", "/")).with_suffix(".py").exists())
    return {f for f in found if f.split(".")[0] in ("transformer", "sidecar")}


@cache
def graph(top: str) -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted((ROOT / top).rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_layer_is_ranked() -> None:
    layers = {layer(m) for m in graph("transformer")} - {"__init__"}
    assert layers <= set(RANKS), f"unranked packages: {sorted(layers - set(RANKS))}"


def test_imports_point_down() -> None:
    wrong = []
    for module, targets in graph("transformer").items():
        source = layer(module)
        for target in targets:
            if target == "transformer" or not target.startswith("transformer."):
                continue
            dest = layer(target)
            if source in ("__init__", dest) or (source, dest) in PEERS_ALLOWED:
                continue
            if RANKS[dest] >= RANKS[source]:
                wrong.append(f"{module} imports {target} ({source} may not import {dest})")
    assert not wrong, "\n".join(wrong)


def test_no_import_circles() -> None:
    edges = {m: {t for t in ts if t in graph("transformer")} for m, ts in graph("transformer").items()}
    # a package's __init__ is imported on the way to its modules; it imports nothing here
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize(("top", "other"), [("transformer", "sidecar"), ("sidecar", "transformer")])
def test_transformer_and_sidecar_stay_apart(top: str, other: str) -> None:
    wrong = [f"{m} imports {t}" for m, ts in graph(top).items() for t in ts
             if t.split(".")[0] == other]
    assert not wrong, "\n".join(wrong)


def test_every_package_says_what_it_is() -> None:
    for init in sorted(PACKAGE.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.splitlines()) == 1, f"{init.relative_to(ROOT)}: one-line docstring"
