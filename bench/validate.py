"""Speed of ``validate`` against the ``kubernetes-validate`` CLI, and its cold start.

Both tools validate the same file (the shared corpus, or without it the project's own manifests,
repeated to at least 400 objects) in a new
process each time, so process start counts for both. Every figure is a ratio or rate measured in
this same run; each timing is the median of several runs, interleaved so that load on the
machine falls on both sides alike.

Then what skipping non-manifests costs: ``validate .`` on a repository of 100 manifests and
1,000 other YAML files (Helm charts with values and templates, settings files, some with a
nested ``kind:`` that must be parsed to be told apart), against the 100 manifests alone.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench._manifests import stream
from transformer.commands.validate import validate_sources
from transformer.manifest.stream import parse
from transformer.options import ValidateOptions

ROOT = Path(__file__).resolve().parents[1]
MIN_OBJECTS = 400
SMALL = ROOT / "examples" / "quick-start.yaml"


def repeated(min_objects: int) -> tuple[str, str, int]:
    """What the input is, the text (every parseable manifest, repeated), and its objects."""
    origin, unit = stream("validate", lambda p: not p.name.endswith("-as-published.yaml"))
    per_copy = _objects(unit)
    copies = -(-min_objects // per_copy)
    return origin, "---\n".join([unit] * copies), per_copy * copies


def _objects(text: str) -> int:
    return sum(1 for d in parse("bench.yaml", text.encode()).documents for _ in d.resources())


def timed(command: Sequence[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(commands: dict[str, Sequence[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU time per command, the commands interleaved run by run."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(timed(command))
    return {
        name: (statistics.median(w for w, _ in runs_), statistics.median(c for _, c in runs_))
        for name, runs_ in times.items()
    }


def in_process_rates(text: str, objects: int) -> tuple[float, float]:
    """Objects per second once the process runs and the validators are built: parsing and
    validating, and validating alone."""
    options = ValidateOptions()
    validate_sources([parse("warm.yaml", text.encode())], options)
    start = time.perf_counter()
    source = parse("bench.yaml", text.encode())
    parsed = time.perf_counter()
    validate_sources([source], options)
    done = time.perf_counter()
    return objects / (done - start), objects / (done - parsed)


MANIFESTS = 100
NOT_MANIFESTS = 1000
_SETTINGS = "# settings of service {n}\nlog:\n  level: info\nfeatures: [search, checkout]\n"
_NESTED = ("queues:\n  - name: jobs-{n}\n    kind: fifo\n    retries: 3\nstorage:\n"
           "  kind: blob\n  container: data-{n}\n")
_CHART = "apiVersion: v2\nname: app{n}\nversion: 0.1.{n}\n"
_VALUES = "replicaCount: 2\nkind: Deployment\nimage:\n  repository: ghcr.io/example/app{n}\n"
_TEMPLATE = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ .Release.Name }}}}-{n}\n"


def skip_repository(root: Path) -> tuple[Path, Path]:
    """``root/all`` (manifests and non-manifests) and ``root/only`` (the same manifests alone)."""
    unit = sorted((ROOT / "tests" / "data" / "manifests").rglob("*.yaml"))
    for tree in ("all", "only"):
        k8s = root / tree / "k8s"
        k8s.mkdir(parents=True)
        for i in range(MANIFESTS):
            source = unit[i % len(unit)]
            (k8s / f"{i:03d}-{source.name}").write_bytes(source.read_bytes())
    repo = root / "all"
    written = 0
    for n in range(NOT_MANIFESTS // 10):  # 10 files a service: a chart of 5, 3 settings, 2 nested
        chart = repo / "charts" / f"app{n}"
        (chart / "templates").mkdir(parents=True)
        files = {chart / "Chart.yaml": _CHART, chart / "values.yaml": _VALUES,
                 chart / "values-prod.yaml": _VALUES, chart / "templates" / "deployment.yaml": _TEMPLATE,
                 chart / "templates" / "service.yaml": _TEMPLATE}
        for k in range(3):
            files[repo / "config" / f"svc{n}" / f"settings-{k}.yaml"] = _SETTINGS
        for k in range(2):
            files[repo / "config" / f"svc{n}" / f"queues-{k}.yaml"] = _NESTED
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.format(n=n))
            written += 1
    assert written == NOT_MANIFESTS
    return repo, root / "only"


SKIP_PAIRS = 15


def skip_cost() -> None:
    """The share of a run that skipping takes: the repository with and without its
    non-manifests, run in pairs, the share taken per pair (the machine drifts between pairs
    more than within one), medians of wall and CPU time."""
    with tempfile.TemporaryDirectory() as tmp:
        repo, only = skip_repository(Path(tmp))
        command = [sys.executable, "-m", "transformer", "validate", "--no-config", "."]
        pairs = [(timed(command, repo), timed(command, only)) for _ in range(SKIP_PAIRS)]
    full = statistics.median(a[0] for a, _ in pairs)
    alone = statistics.median(b[0] for _, b in pairs)
    wall = statistics.median((a[0] - b[0]) / a[0] for a, b in pairs)
    cpu = statistics.median((a[1] - b[1]) / a[1] for a, b in pairs)
    print(
        f"skipping: {MANIFESTS} manifests + {NOT_MANIFESTS} non-manifest YAML files "
        f"{full:.2f} s, the manifests alone {alone:.2f} s (medians of {SKIP_PAIRS} pairs): "
        f"skipping is {wall:.0%} of the run's wall time, {cpu:.0%} of its CPU time "
        f"(target <= 10%: {'met' if max(wall, cpu) <= 0.10 else 'NOT met'})"
    )


def main() -> None:
    origin, text, objects = repeated(MIN_OBJECTS)
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "manifests.yaml"
        big.write_text(text)
        ours = [sys.executable, "-m", "transformer", "validate", "--strict", str(big)]
        theirs = [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet", str(big)]
        speed = medians({"wi-transform": ours, "kubernetes-validate": theirs}, runs=3)
    print(f"input: {origin} repeated, {objects} objects, {len(text) / 1e6:.2f} MB")
    for name, flags in (("wi-transform", "validate --strict"), ("kubernetes-validate", "--strict")):
        wall, cpu = speed[name]
        print(f"{name} {flags}: {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"({objects / wall:.0f} objects/s, process start included)")
    ratio = speed["kubernetes-validate"][0] / speed["wi-transform"][0]
    cpu_ratio = speed["kubernetes-validate"][1] / speed["wi-transform"][1]
    print(f"speed-up: {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU "
          f"(target >= 10x: {'met' if ratio >= 10 else 'NOT met'})")
    both, alone = in_process_rates(text, objects)
    print(f"in-process, validators built: {both:.0f} objects/s parsed and validated, "
          f"{alone:.0f} objects/s validated")

    cold = medians({
        "validate": [sys.executable, "-m", "transformer", "validate", str(SMALL)],
        "imports": [sys.executable, "-c", "import click, ruamel.yaml, jsonschema"],
    }, runs=9)
    cold_ratio = cold["validate"][0] / cold["imports"][0]
    print(f"cold start, validate on {SMALL.name}: {cold['validate'][0] * 1000:.0f} ms; "
          f"python -c 'import click, ruamel.yaml, jsonschema': {cold['imports'][0] * 1000:.0f} ms; "
          f"ratio {cold_ratio:.2f}x wall, {cold['validate'][1] / cold['imports'][1]:.2f}x CPU "
          f"(target <= 2x: {'met' if cold_ratio <= 2 else 'NOT met'})")
    skip_cost()


if __name__ == "__main__":
    main()
