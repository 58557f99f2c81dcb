"""Running the real `wi-proxy` console script against the fakes, all on loopback."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
GUARD = HERE / "guard"
WI_PROXY = Path(sys.executable).with_name("wi-proxy")
CLIENT_ID = "6f1f4c3e-0000-4000-8000-00000000c11e"
OTHER_CLIENT_ID = "0a7d2b9e-0000-4000-8000-0000000007e2"
SUBJECT = "system:serviceaccount:default:workload"
TOKEN_PATH = "/metadata/identity/oauth2/token"
FLUSH_WAIT = 0.25


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_get(
    host: str,
    port: int,
    path: str,
    *,
    params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    timeout: float = 15,
) -> Reply:
    target = path + ("?" + urlencode(params) if params else "")
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, target, headers=dict(headers or {}))
        response = connection.getresponse()
        body = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


def proxy_env(
    *,
    tenant: str,
    token_file: Path,
    authority_host: str,
    ca_file: Path,
    client_id: str | None = CLIENT_ID,
) -> dict[str, str]:
    """A clean environment: only what the injected container gets, the test CA for msal's
    requests session, and the loopback guard."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AZURE_TENANT_ID": tenant,
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        "AZURE_AUTHORITY_HOST": authority_host,
        "REQUESTS_CA_BUNDLE": str(ca_file),
        "PYTHONPATH": str(GUARD),
        "PYTHONUNBUFFERED": "1",
    }
    if client_id is not None:
        env["AZURE_CLIENT_ID"] = client_id
    return env


@dataclass
class Proxy:
    process: subprocess.Popen[bytes]
    port: int
    log_file: Path
    host: str = "127.0.0.1"
    secrets: list[str] = field(default_factory=list)
    via: Executor | None = None  # threads inside the proxy's network namespace

    def get(
        self,
        path: str = TOKEN_PATH,
        params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Reply:
        if headers is None:
            headers = {"Metadata": "true"}
        if self.via is not None:
            return self.via.submit(
                http_get, self.host, self.port, path, params=params, headers=headers, **kwargs
            ).result()
        return http_get(self.host, self.port, path, params=params, headers=headers, **kwargs)

    def token(self, resource: str = "https://vault.azure.net", **params: str) -> Reply:
        return self.get(params={"api-version": "2018-02-01", "resource": resource, **params})

    def logs(self) -> str:
        if self.process.poll() is None:
            time.sleep(FLUSH_WAIT)  # request lines are written within 0.1 s, not at once
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs().splitlines() if line.startswith("{")]

    def request_lines(self) -> list[dict[str, Any]]:
        return [line for line in self.log_lines() if line.get("msg") == "request"]

    def stop(self, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


ProxyFactory = Callable[..., Proxy]


def start_proxy(
    env: dict[str, str],
    log_file: Path,
    *,
    args: Sequence[str] = (),
    port: int | None = None,
    wait: bool = True,
    prefix: Sequence[str] = (),
    program: Path = WI_PROXY,
    via: Executor | None = None,
) -> Proxy:
    """`program` (ours unless told, or upstream's) on `port`, logging to `log_file`."""
    port = port or free_port()
    command = [*prefix, str(program), f"--proxy-port={port}", *args]
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    proxy = Proxy(process, port, log_file, via=via)
    if wait:
        wait_ready(proxy)
    return proxy


def wait_ready(proxy: Proxy, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proxy.process.poll() is not None:
            raise AssertionError(f"wi-proxy exited {proxy.process.returncode}:\n{proxy.logs()}")
        try:
            if proxy.get("/readyz", headers={}, timeout=1).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"wi-proxy not ready after {timeout}s:\n{proxy.logs()}")


def assert_no_secrets(text: str, secrets: Sequence[str], where: str) -> None:
    for secret in secrets:
        assert secret, "an empty secret would match anything"
        for probe in {secret, secret[:24], secret[-24:]}:
            assert probe not in text, f"{where} contains a secret ({secret[:12]}...)"
