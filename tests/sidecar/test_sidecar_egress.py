"""The proxy's way out to Entra ID follows the environment as requests reads it (HTTPS_PROXY,
NO_PROXY), although the proxy reads it once per origin rather than on every exchange."""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sidecar_fakes import FakeEntra
from sidecar_harness import ProxyFactory


class _Tunnel(socketserver.BaseRequestHandler):
    """An HTTP CONNECT proxy that notes each target, then pipes bytes both ways."""

    server: _TunnelServer

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
        self.server.targets.append(f"{method} {target}")
        host, port = target.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pipe(self.request, upstream)


class _TunnelServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Tunnel)
        self.targets: list[str] = []


def _pipe(a: socket.socket, b: socket.socket) -> None:
    while True:
        ready, _, _ = select.select([a, b], [], [], 5)
        if not ready:
            return
        for side in ready:
            data = side.recv(65536)
            if not data:
                return
            (b if side is a else a).sendall(data)


@pytest.fixture
def tunnel() -> Iterator[_TunnelServer]:
    server = _TunnelServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_exchanges_go_through_https_proxy(
    start: ProxyFactory, entra: FakeEntra, tunnel: _TunnelServer
) -> None:
    proxy = start(HTTPS_PROXY=f"http://127.0.0.1:{tunnel.server_address[1]}")
    for resource in ("https://vault.azure.net", "https://storage.azure.com"):
        assert proxy.token(resource).status == 200
    entra_at = urlsplit(entra.base_url).netloc
    # one tunnel for discovery and both exchanges: the connection is kept
    assert tunnel.targets == [f"CONNECT {entra_at}"]
    assert entra.token_requests == 2


def test_no_proxy_is_honoured(start: ProxyFactory, entra: FakeEntra, tunnel: _TunnelServer) -> None:
    proxy = start(HTTPS_PROXY=f"http://127.0.0.1:{tunnel.server_address[1]}", NO_PROXY="127.0.0.1")
    assert proxy.token().status == 200
    assert tunnel.targets == [] and entra.token_requests == 1
