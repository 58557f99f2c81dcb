"""Throughput and cold start of ``inject`` against PyYAML's C loader+dumper and ruamel.

Input: the shared corpus (without it, the project's own manifests) repeated to at least 5 MB, with 10% (then 100%) of the pod templates
labelled for injection. Every figure is a ratio against a baseline timed in this same run.
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench._manifests import texts
from tests.corpus import accounts_for, labelled
from transformer.errors import InputError
from transformer.inject.streams import inject_sources
from transformer.manifest.stream import parse
from transformer.options import InjectOptions, InjectSettings

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES = 5_000_000


def corpus_stream() -> str:
    """The manifests whose every pod template can be labelled (not through a YAML alias, which
    inject refuses to edit), joined."""
    _, found = texts("inject", lambda p: "seed" not in p.parts and p.name != "kustomization.yaml")
    usable = [text for text in found if _labellable(text)]
    if len(usable) < len(found):
        print(f"bench inject: {len(found) - len(usable)} of {len(found)} files left out: pod "
              "templates reached through YAML aliases, which inject refuses to edit",
              file=sys.stderr)
    return "---\n".join(usable)


def _labellable(text: str) -> bool:
    try:
        labelled(text)
    except InputError:
        return False
    return True


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def pyyaml_c(data: bytes) -> None:
    docs = list(yaml.load_all(data, Loader=yaml.CSafeLoader))
    yaml.dump_all(docs, Dumper=yaml.CSafeDumper)


def ruamel_roundtrip(data: bytes) -> None:
    from ruamel.yaml import YAML

    y = YAML()
    out = io.StringIO()
    y.dump_all(list(y.load_all(data.decode())), out)


def ours(data: bytes, sa: bytes) -> bytes:
    """In process, as the property tests call it (no process start, the collector left on)."""
    accounts = [r for d in parse("sa.yaml", sa).documents for r in d.resources()]
    options = InjectOptions(settings=InjectSettings(tenant_id="t"))
    return inject_sources([parse("bench.yaml", data)], options, extra_accounts=accounts).stream()


def cli(stream: Path, accounts: Path) -> Callable[[], None]:
    """The console script users run, on the file: process start and all."""
    script = Path(sys.executable).with_name("wi-transform")
    cmd = [str(script), "inject", "--tenant-id", "t", "--service-accounts", str(accounts), str(stream)]

    def run() -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return run


def throughput(share: int) -> None:
    base = corpus_stream()
    one = labelled(base, every=share)
    copies = TARGET_BYTES // len(one.encode()) + 1
    text = "---\n".join([one] * copies)
    data = text.encode()
    sa = accounts_for(text).encode()
    triggered = ours(data, sa).count(b"wi-transform.azure.workload.identity/injected")
    mb = len(data) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        stream, accounts = Path(tmp) / "stream.yaml", Path(tmp) / "accounts.yaml"
        stream.write_bytes(data)
        accounts.write_bytes(sa)
        t_cli = best_of(cli(stream, accounts))
    t_ours = best_of(lambda: ours(data, sa))
    t_c = best_of(lambda: pyyaml_c(data))
    print(f"input: {mb:.1f} MB, {text.count(chr(10) + 'kind: ')} objects, {triggered} pod templates injected "
          f"(every {share}{'st' if share == 1 else 'th'} workload)")
    print(f"  PyYAML C load_all+dump_all:       {mb / t_c:6.2f} MB/s")
    print(f"  wi-transform inject (CLI):        {mb / t_cli:6.2f} MB/s   ratio {t_c / t_cli:.2f}x")
    print(f"  inject_sources() in process:      {mb / t_ours:6.2f} MB/s   ratio {t_c / t_ours:.2f}x")
    if share == 1:
        t_r = best_of(lambda: ruamel_roundtrip(data), runs=1)
        print(f"  ruamel round-trip (in process):   {mb / t_r:6.2f} MB/s   CLI ratio {t_r / t_cli:.2f}x")


def cold_start() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "pod.yaml"
        f.write_text((ROOT / "examples" / "quick-start.yaml").read_text())
        script = Path(sys.executable).with_name("wi-transform")  # the console script users run
        inject = [str(script), "inject", "--tenant-id", "t", str(f)]
        imports = [sys.executable, "-c", "import click, ruamel.yaml"]

        # As installed: pip compiles bytecode at install time, so let this checkout have its
        # .pyc too (the development environment may set PYTHONDONTWRITEBYTECODE).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

        def once(cmd: list[str]) -> tuple[float, float]:
            """Wall and CPU time (user + system) of one run."""
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime

        once(inject)  # write the bytecode
        load = os.getloadavg()[0]
        pairs = [(once(inject), once(imports)) for _ in range(21)]  # interleaved: load hits both
        for n, what in enumerate(("wall", "CPU")):
            ours = statistics.median(i[n] for i, _ in pairs)
            base = statistics.median(b[n] for _, b in pairs)
            ratios = sorted(i[n] / b[n] for i, b in pairs)
            print(f"cold start ({what}): inject on one small manifest {ours * 1000:.0f} ms, "
                  f"`import click, ruamel.yaml` {base * 1000:.0f} ms, ratio {ours / base:.2f}x "
                  f"(paired ratios {ratios[len(ratios) // 4]:.2f}-{ratios[3 * len(ratios) // 4]:.2f}x "
                  f"between the quartiles)")
        print(f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} CPUs")


def main() -> None:
    throughput(10)
    throughput(1)
    cold_start()


if __name__ == "__main__":
    main()
