"""test_proxy.py's cases against upstream's own proxy (v1.6.0, built by `.ci/tools` as
`azwi-proxy-upstream`) and ours, side by side, with the same fake Entra ID and stand-in IMDS:
every answer must be the same, except the rows of STRICTER, where we deliberately refuse what
upstream serves (issue 5), and one translation: upstream's errors are plain text, ours
`{error, error_description}` JSON, so errors compare by status.

Both run in a network namespace of our own (tests/sidecar/netns.py): upstream hard-codes the
metadata address and needs Entra's own host name; there both are answered on loopback.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from netns import ENTRA_HOST, Netns, NetnsUnavailable, namespace
from sidecar_fakes import FakeEntra, Issued, ServerThread, server_ssl, stand_in_imds
from sidecar_harness import (
    CLIENT_ID,
    GUARD,
    OTHER_CLIENT_ID,
    SUBJECT,
    TOKEN_PATH,
    WI_PROXY,
    Proxy,
    Reply,
    assert_no_secrets,
    start_proxy,
)
from sidecar_pki import Pki

from tests.tools import tool

from .test_proxy import MSI_QUERY, PARSE, ROUTES, SCOPES

IMDS_PORT = 8081  # inside the namespace, where every port is free
ENTRA_PORT = 443  # upstream's MSAL takes the authority host without a port


@dataclass
class Side:
    ns: Netns
    entra: FakeEntra
    env: dict[str, str]
    client: ThreadPoolExecutor
    directory: Path
    upstream: Path
    started: list[Proxy]

    def start(self, which: str, port: int, wait: bool = True, **env: str | None) -> Proxy:
        changed = {**self.env, **env}
        for name in [k for k, v in changed.items() if v is None]:
            del changed[name]
        args = ["--log-level=all"]
        if which == "ours":
            args.append(f"--imds-endpoint=http://127.0.0.1:{IMDS_PORT}")
        proxy = start_proxy(
            {k: v for k, v in changed.items() if v is not None},
            self.directory / f"{which}-{len(self.started)}.log",
            args=args,
            port=port,
            wait=wait,
            prefix=self.ns.prefix,
            program=WI_PROXY if which == "ours" else self.upstream,
            via=self.client,
        )
        self.started.append(proxy)
        return proxy


@dataclass
class Pair:
    side: Side
    ours: Proxy
    theirs: Proxy

    def both(self, path: str = TOKEN_PATH, **kwargs: Any) -> tuple[Any, Any]:
        return (
            answer(self.ours.get(path, **kwargs), self.side.entra),
            answer(self.theirs.get(path, **kwargs), self.side.entra),
        )


@pytest.fixture(scope="module")
def side(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Side]:
    upstream = tool("azwi-proxy-upstream")
    try:
        stack = ExitStack()
        ns = stack.enter_context(namespace(IMDS_PORT))
    except NetnsUnavailable as e:
        if os.environ.get("WI_REQUIRE_TOOLS") == "1":
            pytest.fail(f"WI_REQUIRE_TOOLS=1 but {e}")
        pytest.skip(str(e))
    servers = ServerThread(enter=ns.enter)
    client = ThreadPoolExecutor(12, initializer=ns.enter, thread_name_prefix="in-netns")
    entra = FakeEntra(
        tenant=str(uuid.uuid4()),
        sa_public_pem=pki.sa_public_pem,
        subjects={CLIENT_ID: SUBJECT, OTHER_CLIENT_ID: SUBJECT},
        base_url=f"https://{ENTRA_HOST}",
    )
    directory = tmp_path_factory.mktemp("upstream-side")
    token_file = directory / "sa-token"
    token_file.write_text(pki.service_account_token())
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(GUARD),
        "AZURE_TENANT_ID": entra.tenant,
        "AZURE_CLIENT_ID": CLIENT_ID,
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        "AZURE_AUTHORITY_HOST": f"https://{ENTRA_HOST}/",
        "REQUESTS_CA_BUNDLE": str(pki.ca_file),  # ours (requests)
        "SSL_CERT_FILE": str(pki.ca_file),  # upstream's (Go)
    }
    side = Side(ns, entra, env, client, directory, upstream, [])
    try:
        servers.start(
            entra.app(), port=ENTRA_PORT, ssl_context=server_ssl(pki.cert_file, pki.key_file)
        )
        servers.start(stand_in_imds(), port=IMDS_PORT)
        yield side
    finally:
        for proxy in side.started:
            proxy.stop()
        client.shutdown()
        servers.close()
        stack.close()
    secrets = [*entra.issued_tokens(), *(a for a in entra.assertions if a), token_file.read_text()]
    for proxy in side.started:
        assert_no_secrets(proxy.logs(), secrets, proxy.log_file.name)


@pytest.fixture(scope="module")
def pair(side: Side) -> Pair:
    return Pair(side, side.start("ours", 8000), side.start("upstream", 8001))


def answer(reply: Reply, entra: FakeEntra) -> Any:
    """What an answer means, in terms both proxies share."""
    if reply.headers.get("x-stand-in"):
        return (reply.status, "forwarded", reply.json()["path_qs"])
    if reply.status != 200:
        return (reply.status, "error")  # ▲ the body: upstream's text, our JSON
    if not reply.headers.get("content-type", "").startswith("application/json"):
        return (200, "text", reply.body.decode().strip())
    body = reply.json()
    [issued] = [i for i in entra.issued if i.access_token == body["access_token"]]
    return (200, "token", body["resource"], issued.client_id, scope(issued), body["token_type"])


def scope(issued: Issued) -> str:
    """Go's MSAL adds the OpenID Connect scopes to every request (Entra ignores them for
    client credentials); Python's msal sends the one scope."""
    return " ".join(s for s in issued.scope.split() if s not in _OIDC_SCOPES)


_OIDC_SCOPES = frozenset({"openid", "offline_access", "profile"})


# -- the cases of test_proxy.py ---------------------------------------------------------------


@pytest.mark.parametrize("case", list(ROUTES))
def test_router_path_prefix(pair: Pair, case: str) -> None:
    ours, theirs = pair.both(ROUTES[case][0])
    assert ours == theirs
    assert ours[1] == ("error" if ROUTES[case][1] == "token" else "forwarded")


@pytest.mark.parametrize("case", list(PARSE))
def test_parse_token_request(pair: Pair, case: str) -> None:
    ours, theirs = pair.both(params=PARSE[case] or None)
    assert ours == theirs


@pytest.mark.parametrize("case", list(SCOPES))
def test_get_scope(pair: Pair, case: str) -> None:
    resource, scope = SCOPES[case]
    ours, theirs = pair.both(params={"api-version": "2018-02-01", "resource": resource})
    assert ours == theirs == (200, "token", resource, CLIENT_ID, scope, "Bearer")


@pytest.mark.parametrize("path", ["/readyz", "/readyz/", "/readyz/anything"])
def test_proxy_readyz_handler(pair: Pair, path: str) -> None:
    ours, theirs = pair.both(path, headers={})
    assert ours == theirs == (200, "text", "ok")


def test_proxy_msi_handler_resource_is_missing(pair: Pair) -> None:
    ours, theirs = pair.both(params={"api-version": "2018-02-01", "client_id": "client_id"})
    assert ours == theirs == (400, "error")


def test_proxy_msi_handler_client_id_is_missing(side: Side) -> None:
    ours = side.start("ours", 8010, AZURE_CLIENT_ID=None)
    theirs = side.start("upstream", 8011, AZURE_CLIENT_ID=None)
    assert answer(ours.get(params=MSI_QUERY), side.entra) == (400, "error")
    assert answer(theirs.get(params=MSI_QUERY), side.entra) == (400, "error")


def test_new_proxy_valid_tenant_id(side: Side) -> None:
    """Only AZURE_TENANT_ID: both start, are ready, and say 500 for a token (no file)."""
    bare = {"AZURE_CLIENT_ID": None, "AZURE_FEDERATED_TOKEN_FILE": None}
    for which, port in (("ours", 8020), ("upstream", 8021)):
        proxy = side.start(which, port, **bare)
        reply = proxy.get(params={**MSI_QUERY, "client_id": CLIENT_ID})
        assert (which, reply.status) == (which, 500)


def test_new_proxy_tenant_id_not_set(side: Side) -> None:
    env = {k: v for k, v in side.env.items() if k != "AZURE_TENANT_ID"}
    for program in (WI_PROXY, side.upstream):
        result = subprocess.run(
            [*side.ns.prefix, str(program), "--proxy-port=8030"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == (1 if program == side.upstream else 2)
        assert "AZURE_TENANT_ID" in result.stderr and "not set" in result.stderr, result.stderr


def test_get_or_create_cred_single_flight(pair: Pair) -> None:
    """Ten requests at once for a token nobody has yet: all answered, with one exchange."""
    pair.side.entra.delay = 0.3
    exchanges = {}
    try:
        for proxy, resource in ((pair.ours, "https://sf-ours"), (pair.theirs, "https://sf-up")):
            with ThreadPoolExecutor(10) as pool:
                replies = list(pool.map(lambda _, p=proxy, r=resource: p.get(
                    params={"api-version": "2018-02-01", "resource": r}), range(10)))  # fmt: skip
            assert [answer(r, pair.side.entra)[:3] for r in replies] == [
                (200, "token", resource)
            ] * 10
            scopes = [scope(i) for i in pair.side.entra.issued]
            exchanges[proxy is pair.ours] = scopes.count(resource + "/.default")
    finally:
        pair.side.entra.delay = 0
    assert exchanges == {True: 1, False: 1}


def test_cached_tokens_are_served_without_an_exchange(pair: Pair) -> None:
    for proxy, resource in ((pair.ours, "https://cached-ours"), (pair.theirs, "https://cached-up")):
        query = {"api-version": "2018-02-01", "resource": resource}
        first, *again = [answer(proxy.get(params=query), pair.side.entra) for _ in range(5)]
        assert again == [first] * 4 and first[:3] == (200, "token", resource)
        assert [scope(i) for i in pair.side.entra.issued].count(resource + "/.default") == 1


@pytest.mark.parametrize("prober", ["ours", "upstream"])
def test_probe(pair: Pair, prober: str) -> None:
    """Each proxy's --probe accepts either proxy (the postStart hook of either image)."""
    program = WI_PROXY if prober == "ours" else pair.side.upstream
    for proxy in (pair.ours, pair.theirs):
        result = subprocess.run(
            [*pair.side.ns.prefix, str(program), f"--proxy-port={proxy.port}", "--probe"],
            env=pair.side.env,
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr


# -- where we are deliberately stricter (issue 5) ---------------------------------------------

NO_METADATA = {"headers": {}}
# upstream's answer to MSI_QUERY: the default identity's token
SERVED = (
    200,
    "token",
    MSI_QUERY["resource"],
    CLIENT_ID,
    "https://vault.azure.net//.default",
    "Bearer",
)
STRICTER: dict[str, tuple[dict[str, Any], Any, Any]] = {
    # name: (request, our answer, upstream's answer)
    "a token request without Metadata: true": (
        {"params": MSI_QUERY, **NO_METADATA},
        (400, "error"),
        SERVED,
    ),
    "a token request through a proxy (X-Forwarded-For)": (
        {"params": MSI_QUERY, "headers": {"Metadata": "true", "X-Forwarded-For": "10.1.2.3"}},
        (400, "error"),
        SERVED,
    ),
    "a metadata request through a proxy (X-Forwarded-For)": (
        {
            "path": "/metadata/instance",
            "headers": {"Metadata": "true", "X-Forwarded-For": "10.1.2.3"},
        },
        (400, "error"),
        (200, "forwarded", "/metadata/instance"),
    ),
    "a token request by POST": (
        {"params": MSI_QUERY, "method": "POST"},
        (405, "error"),
        SERVED,
    ),
    "an identity by object_id, which the proxy cannot honour": (
        {"params": {**MSI_QUERY, "object_id": "0000"}},
        (400, "error"),
        SERVED,
    ),
    "resource given twice": (
        {"params": [("resource", "https://a"), ("resource", "https://b")]},
        (400, "error"),
        (200, "token", "https://a", CLIENT_ID, "https://a/.default", "Bearer"),
    ),
}


@pytest.mark.parametrize("case", list(STRICTER))
def test_where_we_are_stricter(pair: Pair, case: str) -> None:
    request, expected_ours, expected_theirs = STRICTER[case]
    ours, theirs = pair.both(**request)
    assert (ours, theirs) == (expected_ours, expected_theirs)


@pytest.mark.slow
def test_probe_error(side: Side) -> None:
    """A server without /readyz (404 for everything): both probes give up and fail."""
    servers = ServerThread(enter=side.ns.enter)
    port = servers.start(web.Application(), port=8040)
    try:
        for program in (WI_PROXY, side.upstream):
            result = subprocess.run(
                [*side.ns.prefix, str(program), f"--proxy-port={port}", "--probe"],
                env=side.env,
                capture_output=True,
                timeout=30,
                stdin=subprocess.DEVNULL,
            )
            assert result.returncode == 1, (program, result.stderr)
    finally:
        servers.close()
