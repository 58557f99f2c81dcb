"""Every case of upstream pkg/proxy/proxy_test.go and probe_test.go (v1.6.0) that a running
`wi-proxy` can show, on loopback, with the sidecar suite's fake Entra ID and stand-in IMDS.

Issue 5 makes ours stricter than upstream where these tests do not look: token requests need
`Metadata: true` (sent here, as every SDK does) and errors are JSON `{error, error_description}`
instead of upstream's plain text, so the tests read the JSON.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from sidecar_fakes import FakeEntra, ServerThread, server_ssl
from sidecar_harness import (
    CLIENT_ID,
    GUARD,
    OTHER_CLIENT_ID,
    SUBJECT,
    TOKEN_PATH,
    WI_PROXY,
    Proxy,
    ProxyFactory,
    Reply,
    assert_no_secrets,
    free_port,
    proxy_env,
    start_proxy,
    wait_ready,
)
from sidecar_pki import Pki


@dataclass
class Shared:
    entra: FakeEntra
    proxy: Proxy


@pytest.fixture(scope="module")
def shared(
    pki: Pki, servers: ServerThread, imds_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shared]:
    """One proxy for the read-only tables (routing, parsing, scopes): starting one per case
    would cost more than all the cases together."""
    entra = FakeEntra(
        tenant=str(uuid.uuid4()),
        sa_public_pem=pki.sa_public_pem,
        subjects={CLIENT_ID: SUBJECT, OTHER_CLIENT_ID: SUBJECT},
    )
    port = servers.start(entra.app(), ssl_context=server_ssl(pki.cert_file, pki.key_file))
    entra.base_url = f"https://127.0.0.1:{port}"
    directory = tmp_path_factory.mktemp("shared-proxy")
    token_file = directory / "sa-token"
    token_file.write_text(pki.service_account_token())
    env = proxy_env(
        tenant=entra.tenant,
        token_file=token_file,
        authority_host=entra.base_url + "/",
        ca_file=pki.ca_file,
    )
    flags = ["--log-level=all", f"--imds-endpoint=http://127.0.0.1:{imds_port}"]
    proxy = start_proxy(env, directory / "proxy.log", args=flags)
    yield Shared(entra, proxy)
    proxy.stop()
    servers.stop(port)
    secrets = [*entra.issued_tokens(), *(a for a in entra.assertions if a), token_file.read_text()]
    assert_no_secrets(proxy.logs(), secrets, "shared proxy log")


def error_of(reply: Reply) -> str:
    assert reply.headers["content-type"].startswith("application/json"), reply.headers
    body = reply.json()
    assert set(body) == {"error", "error_description"}, body
    return str(body["error_description"])


# -- TestProxy_MSIHandler ---------------------------------------------------------------------

MSI_QUERY = {"api-version": "2018-02-01", "resource": "https://vault.azure.net/"}


def test_proxy_msi_handler_client_id_is_missing(start: ProxyFactory) -> None:
    proxy = start(AZURE_CLIENT_ID=None)
    reply = proxy.get(params=MSI_QUERY)
    assert reply.status == 400
    description = error_of(reply)
    assert "client_id" in description and "AZURE_CLIENT_ID" in description, description


def test_proxy_msi_handler_resource_is_missing(shared: Shared) -> None:
    reply = shared.proxy.get(params={"api-version": "2018-02-01", "client_id": "client_id"})
    assert reply.status == 400
    assert "resource" in error_of(reply)


# -- TestRouterPathPrefix ---------------------------------------------------------------------

ROUTES = {
    "token request": ("/metadata/identity/oauth2/token/", "token"),
    "token request without / suffix": ("/metadata/identity/oauth2/token", "token"),
    "token request with upper case metadata": ("/Metadata/identity/oauth2/token/", "token"),
    "token request with upper case identity": ("/metadata/Identity/oauth2/token/", "default"),
    "instance metadata request": ("/metadata/instance", "default"),
    "instance metadata request with upper case metadata": ("/Metadata/instance", "default"),
    "instance metadata request / suffix": ("/Metadata/instance/", "default"),
    "default metadata request": ("/metadata/", "default"),
}


@pytest.mark.parametrize("case", list(ROUTES))
def test_router_path_prefix(shared: Shared, case: str) -> None:
    path, handler = ROUTES[case]
    reply = shared.proxy.get(path)  # Metadata: true, no query
    if handler == "token":
        # our token handler: a token request without a resource
        assert reply.status == 400 and "resource" in error_of(reply)
        assert reply.headers.get("x-stand-in") is None
    else:
        # upstream's default handler forwards to IMDS: here the stand-in on loopback
        assert reply.status == 200 and reply.headers.get("x-stand-in") == "stand-in"
        assert reply.json()["path_qs"] == path


# -- TestParseTokenRequest --------------------------------------------------------------------

PARSE = {
    "no query params": {},
    "client_id query param set": {"client_id": OTHER_CLIENT_ID},
    "resource query param set": {"resource": "resource"},
    "client_id query param set and resource query param set": {
        "client_id": OTHER_CLIENT_ID,
        "resource": "resource",
    },
}


@pytest.mark.parametrize("case", list(PARSE))
def test_parse_token_request(shared: Shared, case: str) -> None:
    params = PARSE[case]
    reply = shared.proxy.get(TOKEN_PATH, params=params or None)
    if "resource" not in params:
        assert reply.status == 400 and "resource" in error_of(reply)
        return
    assert reply.status == 200, reply.body
    body = reply.json()
    # no client_id: the proxy's AZURE_CLIENT_ID, as upstream's handler does after parsing
    client_id = params.get("client_id", CLIENT_ID)
    assert (body["client_id"], body["resource"]) == (client_id, "resource")
    [issued] = [i for i in shared.entra.issued if i.access_token == body["access_token"]]
    assert (issued.client_id, issued.scope) == (client_id, "resource/.default")


# -- TestProxy_ReadyZHandler ------------------------------------------------------------------



@pytest.mark.parametrize("path", ["/readyz", "/readyz/"])
def test_proxy_readyz_handler(shared: Shared, path: str) -> None:
    reply = shared.proxy.get(path, headers={})
    assert reply.status == 200 and reply.headers.get("x-stand-in") is None


# -- TestGetScope -----------------------------------------------------------------------------

SCOPES = {
    "resource doesn't have /.default suffix": (
        "https://vault.azure.net",
        "https://vault.azure.net/.default",
    ),
    "resource has /.default suffix": (
        "https://vault.azure.net/.default",
        "https://vault.azure.net/.default",
    ),
    "resource doesn't  have /.default suffix and has trailing slash": (
        "https://vault.azure.net/",
        "https://vault.azure.net//.default",
    ),
}


@pytest.mark.parametrize("case", list(SCOPES))
def test_get_scope(shared: Shared, case: str) -> None:
    resource, scope = SCOPES[case]
    reply = shared.proxy.token(resource)
    assert reply.status == 200, reply.body
    assert reply.json()["resource"] == resource
    [issued] = [i for i in shared.entra.issued if i.access_token == reply.json()["access_token"]]
    assert issued.scope == scope


# -- TestNewProxy -----------------------------------------------------------------------------


def test_new_proxy_tenant_id_not_set(entra: FakeEntra, pki: Pki, token_file: Path) -> None:
    env = proxy_env(
        tenant="unused",
        token_file=token_file,
        authority_host=entra.base_url + "/",
        ca_file=pki.ca_file,
    )
    del env["AZURE_TENANT_ID"]
    result = subprocess.run(
        [str(WI_PROXY), f"--proxy-port={free_port()}"],
        env=env,
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert b"AZURE_TENANT_ID" in result.stderr and b"not set" in result.stderr


def test_new_proxy_valid_tenant_id(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(GUARD),
        "AZURE_TENANT_ID": "tenant_id",
    }
    proxy = start_proxy(env, tmp_path / "proxy.log", wait=False)
    try:
        wait_ready(proxy, timeout=10)
    finally:
        proxy.stop()


# -- TestGetOrCreateCredSingleFlight ----------------------------------------------------------


def test_get_or_create_cred_single_flight(start: ProxyFactory, entra: FakeEntra) -> None:
    entra.delay = 0.3  # keep the first exchange in flight while the others arrive
    proxy = start()
    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda _: proxy.token("https://vault.azure.net"), range(10)))
    assert [r.status for r in replies] == [200] * 10
    assert len({r.json()["access_token"] for r in replies}) == 1
    assert entra.token_requests == 1


# -- TestProbe, TestProbeError (probe_test.go) ------------------------------------------------


def probe(port: int) -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(GUARD)}
    return subprocess.run(
        [str(WI_PROXY), f"--proxy-port={port}", "--probe"],
        env=env,
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


def test_probe(proxy: Proxy) -> None:
    result = probe(proxy.port)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_probe_error(servers: ServerThread) -> None:
    """A server without /readyz (404 for everything): the probe gives up (~7 s) and fails."""
    port = servers.start(web.Application())
    try:
        result = probe(port)
    finally:
        servers.stop(port)
    assert result.returncode == 1
    assert b"/readyz" in result.stderr and b"404" in result.stderr
