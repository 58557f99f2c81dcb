"""Fixtures for the proxy tests: the test PKI, a fake Entra ID and a stand-in IMDS on
threads of this process, and real `wi-proxy` processes whose logs are checked for
secrets when each test ends."""

from __future__ import annotations

import socket
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "guard"))
import sitecustomize  # noqa: F401  - this process refuses non-loopback connections too
from sidecar_fakes import FakeEntra, ServerThread, server_ssl, stand_in_imds
from sidecar_harness import (
    CLIENT_ID,
    OTHER_CLIENT_ID,
    SUBJECT,
    Proxy,
    ProxyFactory,
    assert_no_secrets,
    proxy_env,
    start_proxy,
)
from sidecar_pki import Pki, make_pki

assert socket.socket.connect.__name__ == "_guarded_connect"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def servers() -> Iterator[ServerThread]:
    thread = ServerThread()
    yield thread
    thread.close()


@pytest.fixture
def entra(pki: Pki, servers: ServerThread) -> Iterator[FakeEntra]:
    fake = FakeEntra(
        tenant=str(uuid.uuid4()),
        sa_public_pem=pki.sa_public_pem,
        subjects={CLIENT_ID: SUBJECT, OTHER_CLIENT_ID: SUBJECT},
    )
    port = servers.start(fake.app(), ssl_context=server_ssl(pki.cert_file, pki.key_file))
    fake.base_url = f"https://127.0.0.1:{port}"
    yield fake
    servers.stop(port)


@pytest.fixture(scope="session")
def imds_port(servers: ServerThread) -> int:
    return servers.start(stand_in_imds())


@pytest.fixture
def token_file(pki: Pki, tmp_path: Path) -> Path:
    path = tmp_path / "sa-token"
    path.write_text(pki.service_account_token())
    return path


@pytest.fixture
def start(
    entra: FakeEntra, pki: Pki, token_file: Path, imds_port: int, tmp_path: Path
) -> Iterator[ProxyFactory]:
    """Start `wi-proxy` (at log level `all` unless told) against this test's fake Entra."""
    started: list[Proxy] = []

    def factory(
        *args: str, log_level: str = "all", port: int | None = None, **env_changes: str | None
    ) -> Proxy:
        env = proxy_env(
            tenant=entra.tenant,
            token_file=token_file,
            authority_host=entra.base_url + "/",
            ca_file=pki.ca_file,
        )
        for name, value in env_changes.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        flags = [f"--log-level={log_level}", f"--imds-endpoint=http://127.0.0.1:{imds_port}"]
        proxy = start_proxy(
            env, tmp_path / f"proxy-{len(started)}.log", args=[*flags, *args], port=port
        )
        started.append(proxy)
        return proxy

    yield factory
    for proxy in started:
        proxy.stop()
        secrets = [*entra.issued_tokens(), *(a for a in entra.assertions if a)]
        secrets.append(token_file.read_text() if token_file.exists() else "")
        assert_no_secrets(proxy.logs(), [s for s in secrets if s], proxy.log_file.name)


@pytest.fixture
def proxy(start: ProxyFactory) -> Proxy:
    return start()
