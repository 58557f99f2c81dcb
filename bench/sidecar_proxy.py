"""Speed and size of the wi-proxy sidecar, beside upstream's own Go proxy (v1.6.0) and a bare
aiohttp handler, all measured in one run:

- cached-token throughput (wrk, 1 thread, 50 connections, time-bounded) of each server, in
  paired rounds (every server once per round, interleaved), as ratios of the bare handler
  returning a fixed 1.5 KB JSON in the same round (and, as a reference row, the same handler
  on aiohttp's low-level server, as wi-proxy is served); p50/p99 latency, server CPU per
  request, non-2xx answers and token exchanges under load;
- what a cache miss adds over the fake Entra ID's own response time;
- start-up: exec to the first 200 on /readyz, against `python -c "import aiohttp.web"`, and
  resident memory before and after the first token;
- resident memory after 100k and 200k requests against a process that has only imported
  aiohttp and msal, with `--log-level=info`.

Everything answers on loopback. Upstream's proxy hard-codes the metadata address and needs
Entra's own host name, so when the run may make network namespaces (root, iproute2,
iptables) every server runs in one of ours (tests/sidecar/netns.py), where nothing can leave
the machine; otherwise upstream's proxy is left out and the output says why. Run with
`python -m bench sidecar_proxy` (wrk comes from Debian's `wrk` package; without it a slower
Python load generator is used and the output says so).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests" / "sidecar"
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(REPO))

from netns import ENTRA_HOST, Netns, NetnsUnavailable, namespace  # noqa: E402
from sidecar_harness import CLIENT_ID, GUARD, SUBJECT, WI_PROXY, free_port  # noqa: E402
from sidecar_pki import Pki, make_pki  # noqa: E402

from tests.tools import tools_dir  # noqa: E402

BASELINE = Path(__file__).with_name("sidecar_baseline.py")
RESULTS = REPO / "bench" / "results" / "sidecar.json"
TENANT = "0e3f6f0c-0000-4000-8000-0000000bench"
TOKEN_QUERY = "/metadata/identity/oauth2/token?" + urlencode(
    {"api-version": "2018-02-01", "resource": "https://vault.azure.net"}
)
DURATION = float(os.environ.get("SIDECAR_BENCH_SECONDS", "3"))
ROUNDS = max(5, int(os.environ.get("SIDECAR_BENCH_ROUNDS", "5")))
STARTS = 7
CONNECTIONS = 50
IMDS_PORT = 8081  # inside the namespace
UPSTREAM = tools_dir() / "azwi-proxy-upstream"


@dataclass
class Load:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    generator: str


@dataclass
class Server:
    """One server under test: how to start it and what it serves."""

    name: str
    command: list[str]
    port: int
    path: str = TOKEN_QUERY
    reference: bool = False  # a throughput row for comparison only
    pid: int = 0
    log: Path = field(default=Path())


def main() -> int:
    """Run every measurement, print the figures and whether each target is met."""
    with tempfile.TemporaryDirectory(prefix="wi-bench-") as tmp, _peers(Path(tmp)) as peers:
        load_before = os.getloadavg()[0]
        busy = _Busy()
        figures: dict[str, object] = {
            "throughput": _throughput(peers),
            "miss": _miss_overhead(peers),
            "startup": _startup(peers),
            "memory": _memory(peers),
        }
        figures["machine"] = {
            "cores": os.cpu_count(),
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
            "busy_fraction": busy.fraction(),
            "generator": "wrk -t1" if shutil.which("wrk") else "python aiohttp",
            "upstream": peers.upstream_why or "measured",
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
    issued: Path
    prefix: list[str]
    upstream_why: str | None  # None: upstream's proxy is measured


@contextmanager
def _peers(tmp: Path) -> Iterator[Peers]:
    pki = make_pki(tmp / "pki")
    token_file = tmp / "sa-token"
    assertion = pki.service_account_token(SUBJECT, lifetime=86400)
    token_file.write_text(assertion)
    with ExitStack() as stack:
        ns, why = _namespace(stack)
        host, port = (ENTRA_HOST, 443) if ns else ("127.0.0.1", free_port())
        prefix = ns.prefix if ns else []
        issued = tmp / "issued"
        entra = _fakes(pki, tmp, host, port, issued, prefix)
        stack.callback(_stop, entra)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AZURE_TENANT_ID": TENANT,
            "AZURE_CLIENT_ID": CLIENT_ID,
            "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
            "AZURE_AUTHORITY_HOST": f"https://{host}/" if ns else f"https://{host}:{port}/",
            "REQUESTS_CA_BUNDLE": str(pki.ca_file),
            "SSL_CERT_FILE": str(pki.ca_file),
            "PYTHONPATH": str(GUARD),
        }
        entra_url = f"https://127.0.0.1:{port}/{TENANT}/oauth2/v2.0/token"
        yield Peers(tmp, env, entra_url, assertion, issued, prefix, why)


def _namespace(stack: ExitStack) -> tuple[Netns | None, str | None]:
    if not UPSTREAM.is_file():
        return None, f"not built at {UPSTREAM} (bash .ci/tools)"
    try:
        ns = stack.enter_context(namespace(IMDS_PORT))
    except NetnsUnavailable as e:
        return None, str(e)
    stack.enter_context(ns.inside())  # this thread and every process it starts
    return ns, None


def _fakes(
    pki: Pki, tmp: Path, host: str, port: int, issued: Path, prefix: list[str]
) -> subprocess.Popen[bytes]:
    entra = subprocess.Popen(
        [
            *prefix,
            sys.executable,
            str(TESTS / "sidecar_fakes.py"),
            f"--entra-port={port}",
            f"--host={host}",
            f"--cert={pki.cert_file}",
            f"--key={pki.key_file}",
            f"--sa-public-key={tmp / 'pki' / 'sa-public.pem'}",
            f"--tenant={TENANT}",
            f"--client={CLIENT_ID}={SUBJECT}",
            f"--issued={issued}",
            f"--imds=127.0.0.1:{IMDS_PORT}",
            "--token-bytes=1290",
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(GUARD)},
    )
    assert entra.stdout is not None and b"ready" in entra.stdout.readline()
    return entra


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _servers(peers: Peers) -> list[Server]:
    """The bare handler, ours at info (as deployed) and at the default level, upstream's."""

    def ours(level: str) -> Server:
        port = free_port()
        return Server(
            f"wi-proxy --log-level={level}" if level else "wi-proxy, default level",
            [
                str(WI_PROXY),
                f"--proxy-port={port}",
                f"--log-level={level}",
                f"--imds-endpoint=http://127.0.0.1:{IMDS_PORT}",
            ],  # fmt: skip
            port,
        )

    port = free_port()
    servers = [
        Server(
            "bare aiohttp, fixed 1.5 KB JSON",
            [sys.executable, str(BASELINE), "serve", str(port)],
            port,
        ),  # fmt: skip; the same request as every server gets, so only the handler differs
        ours("info"),
        ours(""),
    ]
    if peers.upstream_why is None:
        port = free_port()
        servers.append(
            Server(
                "upstream proxy --log-level=info",
                [str(UPSTREAM), f"--proxy-port={port}", "--log-level=info"],
                port,
            )
        )
    port = free_port()
    servers.append(
        Server(
            "bare aiohttp low-level server",
            [sys.executable, str(BASELINE), "serve-low", str(port)],
            port,
            reference=True,
        )
    )  # wi-proxy is served this way too: what the proxy adds over aiohttp alone
    return servers


@contextmanager
def _running(peers: Peers, server: Server) -> Iterator[Server]:
    slug = re.sub(r"\W+", "-", server.name)
    server.log = peers.tmp / f"{slug}.log"
    with server.log.open("wb") as out:
        process = subprocess.Popen(
            [*peers.prefix, *server.command],
            env=peers.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_ready(server.port, process)
        server.pid = process.pid
        yield server
    finally:
        _stop(process)


def _wait_ready(port: int, process: subprocess.Popen[bytes], step: float = 0.002) -> float:
    """Seconds until /readyz first answers 200."""
    started = time.perf_counter()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "a benchmark process exited early"
        try:
            _get(port, "/readyz")
            return time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            time.sleep(step)
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


def _exchanges(peers: Peers) -> int:
    return len(peers.issued.read_text().split()) if peers.issued.exists() else 0


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


class _Busy:
    """How busy the whole machine was between creation and `fraction()` (from /proc/stat)."""

    def __init__(self) -> None:
        self._start = self._read()

    @staticmethod
    def _read() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    def fraction(self) -> float:
        busy, total = self._read()
        return (busy - self._start[0]) / max(1, total - self._start[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(server: Server) -> tuple[Load, float]:
    """A load run and the server's CPU time per request in microseconds."""
    before = _cpu_seconds(server.pid)
    load = _load(server.port, server.path, DURATION)
    return load, (_cpu_seconds(server.pid) - before) / max(1, load.requests) * 1e6


def _throughput(peers: Peers, rounds: int = ROUNDS) -> dict[str, object]:
    servers = _servers(peers)
    runs: dict[str, list[tuple[Load, float]]] = {s.name: [] for s in servers}
    with ExitStack() as stack:
        for server in servers:
            stack.enter_context(_running(peers, server))
            if server.path != "/":
                _get(server.port, server.path)  # the one miss: everything after is a hit
            _load(server.port, server.path, 1)  # warm-up, discarded
        exchanges = _exchanges(peers)
        for _ in range(rounds):  # interleaved, so drift in the machine's load hits all alike
            for server in servers:
                runs[server.name].append(_measured(server))
        exchanges_under_load = _exchanges(peers) - exchanges
    base = servers[0].name
    result: dict[str, object] = {"exchanges_under_load": exchanges_under_load, "servers": {}}
    for server in servers:
        pairs = list(zip(runs[server.name], runs[base], strict=True))
        ratios = [run[0].rps / b[0].rps for run, b in pairs]
        p99s = [run[0].p99_ms / b[0].p99_ms for run, b in pairs]
        result["servers"][server.name] = {  # type: ignore[index]
            "rps": statistics.median(r[0].rps for r in runs[server.name]),
            "p50_ms": statistics.median(r[0].p50_ms for r in runs[server.name]),
            "p99_ms": statistics.median(r[0].p99_ms for r in runs[server.name]),
            "cpu_us": statistics.median(r[1] for r in runs[server.name]),
            "errors": sum(r[0].errors for r in runs[server.name]),
            "ratio": statistics.median(ratios),
            "ratios": ratios,
            "p99_ratio": statistics.median(p99s),
        }
    return result


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

    server = _servers(peers)[2]
    with _running(peers, server):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)

        def through_proxy(i: int) -> float:
            started = time.perf_counter()
            _get(server.port, TOKEN_QUERY.replace("vault.azure.net", f"m{i}.example"), connection)
            return (time.perf_counter() - started) * 1000

        through_proxy(-1)  # msal's import, app and discovery, once per client id
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


def _startup(peers: Peers, starts: int = STARTS) -> dict[str, object]:
    """Exec to the first 200 on /readyz (each server), and to exit for the bare import."""
    servers = [s for s in _servers(peers) if not s.reference]
    del servers[2]  # the level does not change start-up
    bare = "python -c 'import aiohttp.web'"
    times: dict[str, list[float]] = {bare: []}
    cpu: dict[str, list[float]] = {bare: []}  # robust to the machine's load, unlike wall time
    rss: dict[str, list[tuple[int, int]]] = {}
    for _ in range(starts):
        started, children = time.perf_counter(), _children_cpu()
        subprocess.run(
            [*peers.prefix, sys.executable, "-c", "import aiohttp.web"], check=True, env=peers.env
        )
        times[bare].append(time.perf_counter() - started)
        cpu[bare].append(_children_cpu() - children)
        for server in servers:
            started = time.perf_counter()
            with _running(peers, server):
                times.setdefault(server.name, []).append(time.perf_counter() - started)
                cpu.setdefault(server.name, []).append(_cpu_seconds(server.pid))
                before = _rss_kib(server.pid)
                if server.path != "/":
                    _get(server.port, server.path)
                rss.setdefault(server.name, []).append((before, _rss_kib(server.pid)))
    idle = _idle_rss(peers, "aiohttp.web")
    return {
        "ms": {name: statistics.median(t) * 1000 for name, t in times.items()},
        "ms_range": {name: (min(t) * 1000, max(t) * 1000) for name, t in times.items()},
        "cpu_ms": {name: statistics.median(t) * 1000 for name, t in cpu.items()},
        "rss_mib": {
            name: {
                "ready": statistics.median(r[0] for r in pairs) / 1024,
                "first_token": statistics.median(r[1] for r in pairs) / 1024,
            }
            for name, pairs in rss.items()
        },
        "import_aiohttp_web_rss_mib": idle / 1024,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _idle_rss(peers: Peers, *modules: str) -> int:
    idle = subprocess.Popen(
        [sys.executable, str(BASELINE), "idle", *modules], stdout=subprocess.PIPE, env=peers.env
    )
    try:
        assert idle.stdout is not None and idle.stdout.readline().strip() == b"ready"
        return _rss_kib(idle.pid)
    finally:
        _stop(idle)


def _memory(peers: Peers) -> dict[str, object]:
    bare_kib = _idle_rss(peers, "aiohttp", "msal")
    figures: dict[str, object] = {"bare_import_rss_mib": bare_kib / 1024}
    servers = [s for s in _servers(peers) if not s.reference]
    for server in servers[1:2] + servers[3:]:  # ours at info, upstream's
        with _running(peers, server):
            _get(server.port, TOKEN_QUERY)
            served = 0
            marks: dict[int, int] = {}
            for mark in (100_000, 200_000):
                while served < mark:
                    served += _load(server.port, TOKEN_QUERY, 2).requests
                marks[mark] = _rss_kib(server.pid)
        figures[server.name] = {
            "rss_100k_mib": marks[100_000] / 1024,
            "rss_200k_mib": marks[200_000] / 1024,
            "ratio_100k": marks[100_000] / bare_kib,
            "ratio_200k": marks[200_000] / bare_kib,
            "growth_100k_to_200k": marks[200_000] / marks[100_000] - 1,
            "requests_served": served,
        }
    return figures


# --- the report ------------------------------------------------------------------------


def _report(figures: dict[str, object]) -> int:
    t, m, s, r, machine = (
        figures[k] for k in ("throughput", "miss", "startup", "memory", "machine")
    )
    assert isinstance(t, dict) and isinstance(m, dict) and isinstance(s, dict)
    assert isinstance(r, dict) and isinstance(machine, dict)
    servers = t["servers"]
    info, default = servers["wi-proxy --log-level=info"], servers["wi-proxy, default level"]
    ours_memory = r["wi-proxy --log-level=info"]
    print(
        f"load generator: {machine['generator']}, {CONNECTIONS} connections, "
        f"{ROUNDS} rounds of {DURATION:g} s runs, every server once per round"
    )
    print(
        f"machine: {machine['cores']} cores, load average {machine['load_before']:.2f} before, "
        f"{machine['load_after']:.2f} after; CPU busy {machine['busy_fraction']:.0%} during the run"
    )
    print(f"upstream's proxy: {machine['upstream']}")
    print(f"{'':36}{'req/s':>9}{'ratio':>7}{'p50 ms':>8}{'p99 ms':>8}{'CPU/req':>9}{'non-2xx':>8}")
    for name, x in servers.items():
        print(
            f"{name:36}{x['rps']:>9.0f}{x['ratio']:>7.2f}{x['p50_ms']:>8.2f}{x['p99_ms']:>8.2f}"
            f"{x['cpu_us']:>7.1f}us{x['errors']:>8}"
        )
    for name, x in servers.items():
        print(f"  {name}: paired ratios {', '.join(f'{v:.2f}' for v in x['ratios'])}")
    reference = servers.get("bare aiohttp low-level server")
    if reference is not None:  # per round, ours over the reference: what the proxy adds
        paired = (("info", info), ("default level", default))
        over = {
            name: statistics.median(
                a / b for a, b in zip(x["ratios"], reference["ratios"], strict=True)
            )
            for name, x in paired
        }
        print(
            "  against a bare handler on aiohttp's low-level server (how wi-proxy is served): "
            + ", ".join(f"{name} {v:.2f}x" for name, v in over.items())
        )
    print(f"token exchanges under load: {t['exchanges_under_load']}")
    print(
        f"cache miss: Entra alone {m['entra_ms_median']:.2f} ms, through the proxy "
        f"{m['proxy_miss_ms_median']:.2f} ms, added {m['added_ms_median']:.2f} ms "
        f"(p90 {m['added_ms_p90']:.2f} ms)"
    )
    print(f"start-up, exec to first 200 on /readyz (median of {STARTS}; min-max; CPU time):")
    for name, ms in s["ms"].items():
        low, high = s["ms_range"][name]
        print(f"  {name:36}{ms:>7.0f} ms  ({low:.0f}-{high:.0f}), CPU {s['cpu_ms'][name]:.0f} ms")
    print(f"  RSS of python -c 'import aiohttp.web': {s['import_aiohttp_web_rss_mib']:.1f} MiB")
    for name, x in s["rss_mib"].items():
        print(f"  RSS of {name}: ready {x['ready']:.1f} MiB, after the first token "
              f"{x['first_token']:.1f} MiB")  # fmt: skip
    print(f"memory: a process that imported aiohttp and msal: {r['bare_import_rss_mib']:.1f} MiB")
    for name, x in r.items():
        if isinstance(x, dict):
            print(
                f"  {name}: after 100k {x['rss_100k_mib']:.1f} MiB ({x['ratio_100k']:.2f}x), "
                f"after 200k {x['rss_200k_mib']:.1f} MiB ({x['ratio_200k']:.2f}x, "
                f"growth {x['growth_100k_to_200k']:+.1%})"
            )
    checks = [
        ("info: >= 0.7x bare aiohttp req/s", info["ratio"] >= 0.7),
        ("info: p99 <= 1.5x bare aiohttp's", info["p99_ratio"] <= 1.5),
        ("default level: >= 0.9x bare aiohttp req/s", default["ratio"] >= 0.9),
        ("0 non-2xx", all(x["errors"] == 0 for x in servers.values())),
        ("0 token exchanges under load", t["exchanges_under_load"] == 0),
        ("cache miss adds <= 2 ms over Entra", m["added_ms_median"] <= 2.0),
        ("RSS after 200k (info) <= 1.15x bare imports", ours_memory["ratio_200k"] <= 1.15),
        ("RSS growth 100k -> 200k <= 5%", ours_memory["growth_100k_to_200k"] <= 0.05),
    ]
    for text, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {text}")
    return 0 if all(ok for _, ok in checks) else 1
