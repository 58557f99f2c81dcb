"""Faults around the running proxy: it answers with the right status, keeps serving, and
recovers as soon as the fault is gone."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sidecar_fakes import FakeEntra, ServerThread, server_ssl
from sidecar_harness import TOKEN_PATH, Proxy, ProxyFactory, free_port
from sidecar_pki import Pki


def test_entra_rejects_then_is_fixed(proxy: Proxy, entra: FakeEntra) -> None:
    entra.mode = "reject"
    reply = proxy.token()
    assert reply.status == 400
    assert reply.json()["error"] == "invalid_client"
    assert reply.json()["error_description"].startswith(
        "AADSTS70021: No matching federated identity record found"
    )
    entra.mode = "ok"
    assert proxy.token().status == 200


def test_entra_server_error(proxy: Proxy, entra: FakeEntra) -> None:
    entra.mode = "error"
    reply = proxy.token()
    assert reply.status == 503 and reply.json()["error"] == "entra_unavailable"
    entra.mode = "ok"
    assert proxy.token().status == 200


def test_entra_throttles(proxy: Proxy, entra: FakeEntra) -> None:
    entra.mode, entra.retry_after = "throttle", 1
    reply = proxy.token()
    assert (reply.status, reply.headers["retry-after"]) == (503, "1")
    assert reply.json()["error"] == "temporarily_unavailable"
    entra.mode = "ok"
    time.sleep(1.1)
    assert proxy.token().status == 200


def test_entra_slow(start: ProxyFactory, entra: FakeEntra) -> None:
    proxy = start("--entra-timeout=0.5")
    entra.delay = 2
    started = time.monotonic()
    assert proxy.token().status == 503
    assert time.monotonic() - started < 1.8
    entra.delay = 0
    assert proxy.token().status == 200


def test_entra_down_and_back(
    proxy: Proxy, entra: FakeEntra, servers: ServerThread, pki: Pki
) -> None:
    port = int(entra.base_url.rsplit(":", 1)[1])
    assert proxy.token("https://a").status == 200
    servers.stop(port)
    try:
        reply = proxy.token("https://b")
        assert reply.status == 503 and reply.json()["error"] == "entra_unavailable"
        assert proxy.token("https://a").status == 200  # cached tokens are still served
    finally:
        servers.start(entra.app(), port=port, ssl_context=server_ssl(pki.cert_file, pki.key_file))
    assert proxy.token("https://b").status == 200


def test_token_file_missing_empty_and_back(proxy: Proxy, token_file: Path, pki: Pki) -> None:
    content = token_file.read_text()
    token_file.unlink()
    missing = proxy.token("https://a")
    assert missing.status == 500 and missing.json()["error"] == "token_file_unreadable"
    token_file.write_text("")
    assert proxy.token("https://a").status == 500
    token_file.write_text(content)
    assert proxy.token("https://a").status == 200


def test_token_file_rotated_mid_run(
    proxy: Proxy, entra: FakeEntra, token_file: Path, pki: Pki
) -> None:
    assert proxy.token("https://a").status == 200
    tmp = token_file.with_name("sa-token.new")
    tmp.write_text(pki.service_account_token())
    tmp.replace(token_file)  # the kubelet swaps the file atomically
    assert proxy.token("https://b").status == 200
    assert entra.assertions == [entra.assertions[0], token_file.read_text()]
    assert entra.assertions[0] != entra.assertions[1]


def test_client_disconnects_mid_exchange(proxy: Proxy, entra: FakeEntra) -> None:
    entra.delay = 0.5
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", proxy.port)) as s:
            s.sendall(
                f"GET {TOKEN_PATH}?resource=https%3A%2F%2Fx HTTP/1.1\r\n"
                "Host: x\r\nMetadata: true\r\n\r\n".encode()
            )
    entra.delay = 0
    reply = proxy.token("https://x")
    assert reply.status == 200
    assert entra.token_requests == 1  # the abandoned exchange still filled the cache


def test_garbage_on_the_socket(proxy: Proxy) -> None:
    for junk in (
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"GET / HTTP/9.9\r\n\r\n",
        b"NOT-HTTP\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
    ):
        with socket.create_connection(("127.0.0.1", proxy.port)) as s:
            s.sendall(junk)
            s.settimeout(5)
            try:
                answer = s.recv(100)
            except (ConnectionResetError, TimeoutError):
                answer = b""
            assert not answer.startswith((b"HTTP/1.1 404", b"HTTP/1.1 410", b"HTTP/1.0 404"))
    assert proxy.token().status == 200
    assert proxy.process.poll() is None


@pytest.mark.parametrize("case", ["missing", "empty", "unset"])
def test_an_unreadable_token_file_is_500_even_when_entra_is_down(
    start: ProxyFactory, tmp_path: Path, case: str
) -> None:
    """The README's promise holds without Entra: the file is checked before msal's discovery."""
    path = tmp_path / "no-such-token"
    if case == "empty":
        path.write_text("")
    proxy = start(
        AZURE_AUTHORITY_HOST=f"https://127.0.0.1:{free_port()}/",  # nothing listens there
        AZURE_FEDERATED_TOKEN_FILE=None if case == "unset" else str(path),
    )
    reply = proxy.token("https://a")
    assert reply.status == 500, reply.body
    assert reply.json()["error"] == "token_file_unreadable"
    assert "AZURE_FEDERATED_TOKEN_FILE" in reply.json()["error_description"]
