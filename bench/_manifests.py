"""The input of the inject and validate benchmarks: the shared corpus beside the clone, or, when
it is missing, a stream generated from the project's own manifests (with a message saying so)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from tests.corpus import CORPUS, MANIFESTS

ROOT = Path(__file__).resolve().parents[1]


def _own_manifests() -> list[Path]:
    return sorted(MANIFESTS.iterdir()) + [ROOT / "examples" / "quick-start.yaml"]


def _as_document(text: str) -> str:
    """One file's text, fit to be joined into one stream: no BOM, LF only, no directives."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").splitlines(keepends=True)
    if lines and lines[0].startswith("%"):
        lines = lines[2:] if len(lines) > 1 and lines[1].startswith("---") else lines[1:]
    joined = "".join(line for line in lines if line.rstrip() != "...")
    return joined if joined.endswith("\n") else joined + "\n"


def texts(bench: str, keep: Callable[[Path], bool]) -> tuple[str, list[str]]:
    """(what they are, their texts): every corpus file ``keep`` accepts; without the corpus, the
    project's manifests, after a message on stderr. Each text fit to be joined with ``---``."""
    if CORPUS.is_dir():
        paths, origin = [p for p in sorted(CORPUS.rglob("*.yaml")) if keep(p)], "the corpus"
    else:
        print(f"bench {bench}: shared corpus not found beside the clone ({CORPUS}): using a stream "
              f"generated from the project's own manifests ({MANIFESTS.relative_to(ROOT)}); "
              "the figures are not comparable with the README's", file=sys.stderr, flush=True)
        paths, origin = _own_manifests(), "the project's manifests"
    return origin, [_as_document(p.read_text("utf-8")) for p in paths]


def stream(bench: str, keep: Callable[[Path], bool]) -> tuple[str, str]:
    """(what it is, the text): :func:`texts` joined into one stream."""
    origin, found = texts(bench, keep)
    return origin, "---\n".join(found)
