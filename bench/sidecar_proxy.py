"""Speed and size of the wi-proxy sidecar, each against a baseline measured in this run:

- cached-token throughput (wrk, 1 thread, 50 connections, time-bounded, loopback) as a
  ratio of a bare aiohttp handler returning a fixed 1.5 KB JSON; p99 latency of both;
- what a cache miss adds over the fake Entra ID's own response time;
- resident memory after 100k and 200k requests against a process that has only
  imported aiohttp and msal.

Everything runs on 127.0.0.1: the fake Entra ID and the baselines are our own processes.
Run with `python -m bench sidecar_proxy` (wrk comes from Debian's `wrk` package; without
it a slower Python load generator is used and the output says so).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests" / "sidecar"
sys.path.insert(0, str(TESTS))

from sidecar_harness import (  # noqa: E402 - the fakes live with the tests
    CLIENT_ID,
    GUARD,
    SUBJECT,
    WI_PROXY,
    free_port,
    proxy_env,
)
from sidecar_pki import make_pki  # noqa: E402

BASELINE = Path(__file__).with_name("sidecar_baseline.py")
RESULTS = REPO / "bench" / "results" / "sidecar.json"
TENANT = "0e3f6f0c-0000-4000-8000-0000000bench"
TOKEN_QUERY = "/metadata/identity/oauth2/token?" + urlencode(
    {"api-version": "2018-02-01", "resource": "https://vault.azure.net"}
)
DURATION = float(os.environ.get("SIDECAR_BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("SIDECAR_BENCH_ROUNDS", "7"))
CONNECTIONS = 50


@dataclass
class Load:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    generator: str


def main() -> int:
    """Run every measurement, print the figures and whether each target is met."""
    with tempfile.TemporaryDirectory(prefix="wi-bench-") as tmp, _peers(Path(tmp)) as peers:
        figures = {
            "throughput": _throughput(peers),
            "miss": _miss_overhead(peers),
            "memory": _memory(peers),
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2, default=asdict))
    return _report(figures)


# --- the processes ---------------------------------------------------------------------


@dataclass
class Peers:
    tmp: Path
    env: dict[str, str]
    entra_url: str
    assertion: str


@contextmanager
def _peers(tmp: Path) -> Iterator[Peers]:
    pki = make_pki(tmp / "pki")
    token_file = tmp / "sa-token"
    assertion = pki.service_account_token(SUBJECT, lifetime=86400)
    token_file.write_text(assertion)
    port = free_port()
    entra = subprocess.Popen(
        [
            sys.executable,
            str(TESTS / "sidecar_fakes.py"),
            f"--entra-port={port}",
            f"--cert={pki.cert_file}",
            f"--key={pki.key_file}",
            f"--sa-public-key={tmp / 'pki' / 'sa-public.pem'}",
            f"--tenant={TENANT}",
            f"--client={CLIENT_ID}={SUBJECT}",
            f"--issued={tmp / 'issued'}",
            "--token-bytes=1290",
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(GUARD)},
    )
    try:
        assert entra.stdout is not None and b"ready" in entra.stdout.readline()
        env = proxy_env(
            tenant=TENANT,
            token_file=token_file,
            authority_host=f"https://127.0.0.1:{port}/",
            ca_file=pki.ca_file,
        )
        yield Peers(tmp, env, f"https://127.0.0.1:{port}/{TENANT}/oauth2/v2.0/token", assertion)
    finally:
        entra.terminate()
        entra.wait(10)


@contextmanager
def _process(command: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[int]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, process)
        yield process.pid
    finally:
        process.terminate()
        process.wait(10)


def _proxy(peers: Peers, log_level: str = "") -> tuple[list[str], int]:
    port = free_port()
    return [
        str(WI_PROXY),
        f"--proxy-port={port}",
        f"--log-level={log_level}",
        f"--imds-endpoint=http://127.0.0.1:{free_port()}",
    ], port


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "a benchmark process exited early"
        try:
            _get(port, "/readyz")
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def _get(port: int, path: str, connection: http.client.HTTPConnection | None = None) -> bytes:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Metadata": "true"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
        return body
    finally:
        if own:
            connection.close()


# --- load ------------------------------------------------------------------------------


def _load(port: int, path: str, seconds: float, connections: int = CONNECTIONS) -> Load:
    if shutil.which("wrk"):
        return _wrk(port, path, seconds, connections)
    return _python_load(port, path, seconds, connections)


def _wrk(port: int, path: str, seconds: float, connections: int) -> Load:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "--timeout",
            "5s",
            "-H",
            "Metadata: true",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Load(
        requests=requests,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_wrk_ms(out, "50%"),
        p99_ms=_wrk_ms(out, "99%"),
        errors=errors,
        generator="wrk -t1",
    )


def _wrk_ms(out: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _python_load(port: int, path: str, seconds: float, connections: int) -> Load:
    import asyncio

    import aiohttp

    async def run() -> tuple[list[float], int]:
        latencies: list[float] = []
        errors = 0
        stop = time.monotonic() + seconds
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections)
        ) as session:

            async def worker() -> None:
                nonlocal errors
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    async with session.get(
                        f"http://127.0.0.1:{port}{path}", headers={"Metadata": "true"}
                    ) as response:
                        await response.read()
                        errors += response.status != 200
                    latencies.append((time.perf_counter() - started) * 1000)

            await asyncio.gather(*(worker() for _ in range(connections)))
        return latencies, errors

    latencies, errors = asyncio.run(run())
    latencies.sort()
    return Load(
        requests=len(latencies),
        rps=len(latencies) / seconds,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[int(len(latencies) * 0.99)],
        errors=errors,
        generator="python aiohttp (wrk not installed)",
    )


# --- the measurements ------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(pid: int, port: int, path: str) -> tuple[Load, float]:
    """A load run and the server's CPU time per request in microseconds."""
    before = _cpu_seconds(pid)
    load = _load(port, path, DURATION)
    return load, (_cpu_seconds(pid) - before) / max(1, load.requests) * 1e6


def _throughput(peers: Peers, rounds: int = ROUNDS) -> dict[str, object]:
    port = free_port()
    baseline_cmd = [sys.executable, str(BASELINE), "serve", str(port)]
    proxy_cmd, proxy_port = _proxy(peers)
    info_cmd, info_port = _proxy(peers, "info")
    pairs: list[tuple[tuple[Load, float], tuple[Load, float]]] = []
    with (
        _process(baseline_cmd, peers.env, peers.tmp / "baseline.log", port) as base_pid,
        _process(proxy_cmd, peers.env, peers.tmp / "proxy.log", proxy_port) as proxy_pid,
        _process(info_cmd, peers.env, peers.tmp / "proxy-info.log", info_port) as info_pid,
    ):
        for p in (proxy_port, info_port):
            _get(p, TOKEN_QUERY)  # the one miss: everything after is a cache hit
        _load(port, "/", 2)  # warm-up, discarded
        _load(proxy_port, TOKEN_QUERY, 2)
        # Interleaved pairs, so drift in the machine's load hits both sides of a ratio alike.
        for _ in range(rounds):
            pairs.append(
                (_measured(base_pid, port, "/"), _measured(proxy_pid, proxy_port, TOKEN_QUERY))
            )
        info = _measured(info_pid, info_port, TOKEN_QUERY)
    ratios = [proxy[0].rps / base[0].rps for base, proxy in pairs]
    middle = sorted(range(rounds), key=lambda i: ratios[i])[rounds // 2]
    (base, _), (proxy, _) = pairs[middle]
    base_cpu = statistics.median(b[1] for b, _ in pairs)
    proxy_cpu = statistics.median(p[1] for _, p in pairs)
    return {
        "baseline": base,
        "proxy": proxy,
        "proxy_info_logs": info[0],
        "ratio": ratios[middle],
        "ratios": ratios,
        "ratio_info_logs": info[0].rps / base.rps,
        "cpu_us_per_request": {"baseline": base_cpu, "proxy": proxy_cpu, "proxy_info": info[1]},
        "cpu_ratio": base_cpu / proxy_cpu,
    }


def _miss_overhead(peers: Peers, samples: int = 400) -> dict[str, float]:
    import requests

    session = requests.Session()
    ca = peers.env["REQUESTS_CA_BUNDLE"]  # per request: REQUESTS_CA_BUNDLE would override
    form = {
        "client_id": CLIENT_ID,
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": peers.assertion,
    }

    def direct(i: int) -> float:
        started = time.perf_counter()
        response = session.post(
            peers.entra_url, data={**form, "scope": f"https://d{i}/.default"}, verify=ca
        )
        response.raise_for_status()
        return (time.perf_counter() - started) * 1000

    cmd, port = _proxy(peers)
    with _process(cmd, peers.env, peers.tmp / "proxy-miss.log", port):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def through_proxy(i: int) -> float:
            started = time.perf_counter()
            _get(port, TOKEN_QUERY.replace("vault.azure.net", f"m{i}.example"), connection)
            return (time.perf_counter() - started) * 1000

        through_proxy(-1)  # msal's app and its discovery, once per client id
        direct(-1)
        proxy_ms, direct_ms = [], []
        for i in range(samples):  # interleaved, for the same reason as above
            direct_ms.append(direct(i))
            proxy_ms.append(through_proxy(i))
        connection.close()
    return {
        "entra_ms_median": statistics.median(direct_ms),
        "proxy_miss_ms_median": statistics.median(proxy_ms),
        "added_ms_median": statistics.median(proxy_ms) - statistics.median(direct_ms),
        "added_ms_p90": _p(proxy_ms, 0.9) - _p(direct_ms, 0.9),
        "samples": samples,
    }


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(len(ordered) * q)]


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def _memory(peers: Peers) -> dict[str, float]:
    idle = subprocess.Popen(
        [sys.executable, str(BASELINE), "idle"], stdout=subprocess.PIPE, env=peers.env
    )
    try:
        assert idle.stdout is not None and idle.stdout.readline().strip() == b"ready"
        bare_kib = _rss_kib(idle.pid)
    finally:
        idle.terminate()
        idle.wait(10)
    cmd, port = _proxy(peers)
    with _process(cmd, peers.env, peers.tmp / "proxy-memory.log", port) as pid:
        _get(port, TOKEN_QUERY)
        served = 0
        marks: dict[int, int] = {}
        for mark in (100_000, 200_000):
            while served < mark:
                served += _load(port, TOKEN_QUERY, 2).requests
            marks[mark] = _rss_kib(pid)
    return {
        "bare_import_rss_mib": bare_kib / 1024,
        "rss_100k_mib": marks[100_000] / 1024,
        "rss_200k_mib": marks[200_000] / 1024,
        "ratio_100k": marks[100_000] / bare_kib,
        "growth_100k_to_200k_mib": (marks[200_000] - marks[100_000]) / 1024,
        "requests_served": served,
    }


# --- the report ------------------------------------------------------------------------


def _report(figures: dict[str, dict[str, object]]) -> int:
    t, m, r = figures["throughput"], figures["miss"], figures["memory"]
    base, proxy, info = t["baseline"], t["proxy"], t["proxy_info_logs"]
    assert isinstance(base, Load) and isinstance(proxy, Load) and isinstance(info, Load)
    checks = [
        ("cached throughput >= 0.70x bare aiohttp", float(t["ratio"]) >= 0.70),  # type: ignore[arg-type]
        ("cache miss adds <= 2 ms over Entra", float(m["added_ms_median"]) <= 2.0),  # type: ignore[arg-type]
        ("RSS after 100k <= 1.15x bare imports", float(r["ratio_100k"]) <= 1.15),  # type: ignore[arg-type]
        ("no RSS growth 100k -> 200k (< 1 MiB)", float(r["growth_100k_to_200k_mib"]) < 1.0),  # type: ignore[arg-type]
    ]
    print(
        f"load generator: {base.generator}, {CONNECTIONS} connections, "
        f"{ROUNDS} paired rounds of {DURATION:g} s runs"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")
    print(f"{'':34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, load in (
        ("bare aiohttp, fixed 1.5 KB JSON", base),
        ("wi-proxy cached token", proxy),
        ("wi-proxy cached, --log-level=info", info),
    ):
        print(f"{name:34}{load.rps:>10.0f}{load.p50_ms:>9.2f}{load.p99_ms:>9.2f}{load.errors:>8}")
    ratios = ", ".join(f"{x:.2f}" for x in t["ratios"])  # type: ignore[attr-defined]
    cpu = t["cpu_us_per_request"]
    assert isinstance(cpu, dict)
    print(
        f"throughput ratio: {t['ratio']:.2f}, the median of paired runs ({ratios}); "
        f"with info logs: {t['ratio_info_logs']:.2f}"
    )
    print(
        f"server CPU per request: bare {cpu['baseline']:.1f} us, proxy {cpu['proxy']:.1f} us "
        f"(ratio {t['cpu_ratio']:.2f}; medians), proxy with info logs {cpu['proxy_info']:.1f} us"
    )
    print(
        f"cache miss: Entra alone {m['entra_ms_median']:.2f} ms, through the proxy "
        f"{m['proxy_miss_ms_median']:.2f} ms, added {m['added_ms_median']:.2f} ms "
        f"(p90 {m['added_ms_p90']:.2f} ms)"
    )
    print(
        f"memory: bare imports {r['bare_import_rss_mib']:.1f} MiB; proxy after 100k "
        f"{r['rss_100k_mib']:.1f} MiB ({r['ratio_100k']:.2f}x), after 200k "
        f"{r['rss_200k_mib']:.1f} MiB (growth {r['growth_100k_to_200k_mib']:+.2f} MiB)"
    )
    for text, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {text}")
    return 0 if all(ok for _, ok in checks) else 1
