"""The postStart probe keeps waiting, and then fails cleanly, when the port answers non-HTTP."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from sidecar.probe import probe


@pytest.fixture
def garbage_port() -> Iterator[int]:
    """A loopback listener that answers every connection with a line that is not HTTP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            with connection:
                connection.recv(4096)
                connection.sendall(b"garbage\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(timeout=2)
    assert accepted, "the probe never connected"


def test_probe_retries_a_non_http_answer_then_reports_it(garbage_port: int) -> None:
    problem = probe("127.0.0.1", garbage_port, deadline=0.5)
    assert problem is not None
    assert f"127.0.0.1:{garbage_port}/readyz" in problem
    assert "BadStatusLine" in problem
