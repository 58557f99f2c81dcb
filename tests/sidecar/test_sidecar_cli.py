"""`wi-proxy` as a command: its flags, its refusals, the postStart probe, and SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sidecar_fakes import FakeEntra
from sidecar_harness import WI_PROXY, Proxy, ProxyFactory, Reply, free_port, proxy_env
from sidecar_pki import Pki

from sidecar.probe import probe


def run(*args: str, env: dict[str, str], timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WI_PROXY), *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def env(entra: FakeEntra, token_file: Path, pki: Pki) -> dict[str, str]:
    return proxy_env(
        tenant=entra.tenant,
        token_file=token_file,
        authority_host=entra.base_url,
        ca_file=pki.ca_file,
    )


@pytest.mark.parametrize(
    ("drop", "change", "args", "message"),
    [
        ("AZURE_TENANT_ID", {}, [], "AZURE_TENANT_ID is not set"),
        (None, {"AZURE_AUTHORITY_HOST": "http://login.example"}, [], "not an https URL"),
        (None, {}, ["--log-level=loud"], "--log-level='loud' is not one of"),
        (None, {}, ["--bind=0.0.0.0"], "not a loopback address"),
        (None, {}, ["--bind=localhost"], "not an IP address"),
        (None, {}, ["--imds-endpoint=169.254.169.254"], "is not a URL"),
        (None, {}, ["--proxy-port=70000"], "is not a TCP port"),
        (None, {}, ["--entra-timeout=0"], "must be a positive number"),
    ],
)
def test_refuses_to_start(
    env: dict[str, str], drop: str | None, change: dict[str, str], args: list[str], message: str
) -> None:
    if drop:
        del env[drop]
    env.update(change)
    result = run(f"--proxy-port={free_port()}", *args, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("wi-proxy: error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use(env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run(f"--proxy-port={busy.getsockname()[1]}", env=env)
    assert result.returncode == 1 and "cannot listen on 127.0.0.1:" in result.stderr


def test_probe_as_the_injected_post_start_hook(proxy: Proxy, env: dict[str, str]) -> None:
    started = time.monotonic()
    result = run(f"--proxy-port={proxy.port}", "--probe", "--log-level=info", env=env)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 3


def test_probe_waits_for_a_proxy_that_is_still_starting(
    start: ProxyFactory, env: dict[str, str]
) -> None:
    port = free_port()
    probing = subprocess.Popen(
        [str(WI_PROXY), f"--proxy-port={port}", "--probe"], env=env, stderr=subprocess.PIPE
    )
    time.sleep(1.0)  # connections are refused meanwhile
    start(port=port)
    assert probing.wait(10) == 0


@pytest.mark.slow
def test_probe_gives_up_after_about_seven_seconds(env: dict[str, str]) -> None:
    started = time.monotonic()
    result = run(f"--proxy-port={free_port()}", "--probe", env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 1 and "proxy not ready" in result.stderr
    assert 6.5 < elapsed < 10


def test_probe_retries_until_ready(pki: Pki) -> None:
    answers = iter([503, 503, 200])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        for status in answers:
            connection, _ = listener.accept()
            with connection:
                connection.recv(1024)
                connection.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode())

    threading.Thread(target=serve, daemon=True).start()
    assert probe("127.0.0.1", listener.getsockname()[1], deadline=5) is None
    problem = probe("127.0.0.1", listener.getsockname()[1], deadline=0.5)
    listener.close()
    assert problem is not None and "/readyz" in problem


def test_sigterm_finishes_in_flight_requests(proxy: Proxy, entra: FakeEntra) -> None:
    entra.delay = 1.5
    replies: list[Reply] = []
    asking = threading.Thread(target=lambda: replies.append(proxy.token()))
    asking.start()
    time.sleep(0.5)
    proxy.process.send_signal(signal.SIGTERM)
    asking.join(10)
    assert replies and replies[0].status == 200
    assert proxy.process.wait(5) == 0
    assert '"msg":"shutting down"' in proxy.logs()


@pytest.mark.slow
def test_sigterm_does_not_wait_for_a_stuck_exchange(start: ProxyFactory, entra: FakeEntra) -> None:
    proxy = start("--entra-timeout=30")
    entra.delay = 25
    threading.Thread(target=lambda: _ignore_errors(proxy), daemon=True).start()
    time.sleep(0.5)
    started = time.monotonic()
    proxy.process.send_signal(signal.SIGTERM)
    assert proxy.process.wait(10) == 0
    assert time.monotonic() - started < 7


def _ignore_errors(proxy: Proxy) -> None:
    with contextlib.suppress(OSError):
        proxy.token()


@pytest.mark.parametrize("module", ["aiohttp", "msal", "requests"])
def test_without_the_sidecar_extra(env: dict[str, str], tmp_path: Path, module: str) -> None:
    """As after `pip install wi-transform` without `[sidecar]`: the module cannot be found."""
    (tmp_path / "sitecustomize.py").write_text(f"import sys\nsys.modules[{module!r}] = None\n")
    env["PYTHONPATH"] = str(tmp_path)
    result = run(f"--proxy-port={free_port()}", env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"wi-proxy: error: the proxy needs {module}, which is not installed: "
        "pip install 'wi-transform[sidecar]'\n"
    )
