"""Speed of ``validate`` against the ``kubernetes-validate`` CLI, and its cold start.

Both tools validate the same file (the shared corpus, repeated to at least 200 objects) in a new
process each time, so process start counts for both. Every figure is a ratio or rate measured in
this same run; each timing is the median of several runs, interleaved so that load on the
machine falls on both sides alike.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from transformer.commands.validate import validate_sources
from transformer.manifest import parse
from transformer.options import ValidateOptions

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
MIN_OBJECTS = 400
SMALL = ROOT / "examples" / "quick-start.yaml"


def corpus_stream() -> str:
    """Every parseable manifest of the corpus (not the walkthrough as published), joined."""
    texts = []
    for path in sorted(CORPUS.rglob("*.yaml")):
        if path.name.endswith("-as-published.yaml"):
            continue
        text = path.read_text()
        texts.append(text if text.endswith("\n") else text + "\n")
    return "---\n".join(texts)


def repeated(min_objects: int) -> tuple[str, int]:
    unit = corpus_stream()
    per_copy = _objects(unit)
    copies = -(-min_objects // per_copy)
    return "---\n".join([unit] * copies), per_copy * copies


def _objects(text: str) -> int:
    return sum(1 for d in parse("bench.yaml", text.encode()).documents for _ in d.resources())


def wall(command: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def medians(commands: dict[str, Sequence[str]], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(wall(command))
    return {name: statistics.median(values) for name, values in times.items()}


def in_process_rate(text: str, objects: int) -> float:
    """Objects per second once the process runs and the validators are built."""
    options = ValidateOptions()
    validate_sources([parse("warm.yaml", text.encode())], options)
    start = time.perf_counter()
    validate_sources([parse("bench.yaml", text.encode())], options)
    return objects / (time.perf_counter() - start)


def main() -> None:
    text, objects = repeated(MIN_OBJECTS)
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "manifests.yaml"
        big.write_text(text)
        ours = [sys.executable, "-m", "transformer", "validate", "--strict", str(big)]
        theirs = [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet", str(big)]
        speed = medians({"wi-transform": ours, "kubernetes-validate": theirs}, runs=3)
    ratio = speed["kubernetes-validate"] / speed["wi-transform"]
    print(f"input: the corpus repeated, {objects} objects, {len(text) / 1e6:.2f} MB")
    print(f"wi-transform validate --strict: {speed['wi-transform']:.2f} s "
          f"({objects / speed['wi-transform']:.0f} objects/s, process start included)")
    print(f"kubernetes-validate --strict:   {speed['kubernetes-validate']:.2f} s "
          f"({objects / speed['kubernetes-validate']:.0f} objects/s)")
    print(f"speed-up: {ratio:.1f}x (target >= 10x: {'met' if ratio >= 10 else 'NOT met'})")
    print(f"in-process throughput, validators built: {in_process_rate(text, objects):.0f} objects/s")

    cold = medians({
        "validate": [sys.executable, "-m", "transformer", "validate", str(SMALL)],
        "imports": [sys.executable, "-c", "import click, ruamel.yaml, jsonschema"],
    }, runs=9)
    cold_ratio = cold["validate"] / cold["imports"]
    print(f"cold start, validate on {SMALL.name}: {cold['validate'] * 1000:.0f} ms; "
          f"python -c 'import click, ruamel.yaml, jsonschema': {cold['imports'] * 1000:.0f} ms; "
          f"ratio {cold_ratio:.2f}x (target <= 2x: {'met' if cold_ratio <= 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
