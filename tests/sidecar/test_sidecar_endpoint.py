"""The running proxy's HTTP contract, through the real `wi-proxy` process."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time

import aiohttp
from sidecar_fakes import FakeEntra
from sidecar_harness import CLIENT_ID, OTHER_CLIENT_ID, TOKEN_PATH, Proxy, ProxyFactory, free_port

OUR_ERROR_STATUSES = {400, 405, 500, 502, 503, 504}


def test_token_reply_is_imds_shaped(proxy: Proxy, entra: FakeEntra) -> None:
    entra.lifetime = 3000
    reply = proxy.token("https://vault.azure.net")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    issued = entra.issued[-1]
    assert set(body) == {
        "access_token",
        "client_id",
        "expires_in",
        "expires_on",
        "ext_expires_in",
        "not_before",
        "resource",
        "token_type",
    }
    assert all(isinstance(v, str) for v in body.values())
    assert body["access_token"] == issued.access_token
    assert (body["client_id"], body["resource"], body["token_type"]) == (
        CLIENT_ID,
        "https://vault.azure.net",
        "Bearer",
    )
    assert abs(int(body["expires_on"]) - issued.expires_on) <= 1
    assert 2998 <= int(body["expires_in"]) <= 3000
    assert int(body["ext_expires_in"]) - int(body["expires_in"]) in (599, 600, 601)
    assert abs(int(body["not_before"]) - time.time()) < 5
    assert issued.scope == "https://vault.azure.net/.default"


def test_hits_are_served_from_the_cache(proxy: Proxy, entra: FakeEntra) -> None:
    first = proxy.token().json()
    for _ in range(5):
        assert proxy.token().json()["access_token"] == first["access_token"]
    assert entra.token_requests == 1
    outcomes = [line["cache"] for line in proxy.request_lines() if "cache" in line]
    assert outcomes == ["miss"] + ["hit"] * 5


def test_paths_headers_and_v1_resources(proxy: Proxy, entra: FakeEntra) -> None:
    for path in ("/metadata/identity/oauth2/token/", "/Metadata/identity/oauth2/token"):
        params = {"resource": "https://database.windows.net/"}
        assert proxy.get(path, params=params, headers={"metadata": "TRUE"}).status == 200
    assert entra.issued[0].scope == "https://database.windows.net//.default"
    assert entra.token_requests == 1


def test_client_id_selects_the_identity(proxy: Proxy, entra: FakeEntra) -> None:
    mine = proxy.token().json()
    other = proxy.token(client_id=OTHER_CLIENT_ID).json()
    assert (mine["client_id"], other["client_id"]) == (CLIENT_ID, OTHER_CLIENT_ID)
    assert [i.client_id for i in entra.issued] == [CLIENT_ID, OTHER_CLIENT_ID]
    assert mine["access_token"] != other["access_token"]


def test_without_any_client_id(start: ProxyFactory, entra: FakeEntra) -> None:
    proxy = start(AZURE_CLIENT_ID=None)
    reply = proxy.token()
    assert reply.status == 400 and "AZURE_CLIENT_ID" in reply.json()["error_description"]
    assert proxy.token(client_id=CLIENT_ID).status == 200


def test_metadata_header_is_required(proxy: Proxy, entra: FakeEntra) -> None:
    for headers in ({}, {"Metadata": "false"}):
        reply = proxy.get(params={"resource": "r"}, headers=headers)
        assert (reply.status, reply.json()) == (
            400,
            {
                "error": "invalid_request",
                "error_description": "Required metadata header not specified",
            },
        )
    assert entra.token_requests == 0


def test_refusals(proxy: Proxy, entra: FakeEntra) -> None:
    forwarded = proxy.get(
        params={"resource": "r"}, headers={"Metadata": "true", "X-Forwarded-For": "10.1.2.3"}
    )
    assert forwarded.status == 400 and "X-Forwarded-For" in forwarded.json()["error_description"]
    posted = proxy.get(params={"resource": "r"}, method="POST")
    assert (posted.status, posted.headers["allow"]) == (405, "GET")
    for name in ("object_id", "msi_res_id", "mi_res_id"):
        reply = proxy.token(**{name: "x"})
        assert reply.status == 400 and name in reply.json()["error_description"]
    assert entra.token_requests == 0


def test_malformed_queries_are_400_and_harmless(proxy: Proxy, entra: FakeEntra) -> None:
    refused = (
        "",
        "?",
        "?resource",
        "?resource=",
        "?&&&=&",
        "?resource=a&resource=b",
        "?client_id=&resource=",
        "?resource=%20%20",
        "?" + "x=1&" * 2000,
    )
    # Odd but well-formed resources go to Entra, whose verdict is passed on.
    odd = ("?resource=%ZZ%", "?resource=%FF%FE", "?resource=a%00b")
    for query in refused + odd:
        reply = proxy.get(TOKEN_PATH + query)
        assert reply.status == (400 if query in refused else 200), (query, reply.body)
        assert set(reply.json()) >= (
            {"error", "error_description"} if query in refused else {"access_token"}
        )
    assert proxy.token().status == 200


def test_readiness_and_health(proxy: Proxy) -> None:
    for path in ("/readyz", "/healthz"):
        reply = proxy.get(path, headers={})
        assert (reply.status, reply.body) == (200, b"ok")


def test_other_paths_go_to_the_metadata_endpoint(proxy: Proxy, imds_port: int) -> None:
    reply = proxy.get("/metadata/instance", params={"api-version": "2021-02-01"})
    assert reply.status == 200 and reply.headers["x-stand-in"] == "stand-in"
    assert reply.json()["path_qs"] == "/metadata/instance?api-version=2021-02-01"
    assert reply.json()["metadata"] == "true"
    posted = proxy.get("/metadata/identity/oauth2/tokens", method="POST")
    assert posted.json()["method"] == "POST"
    upper = proxy.get("/metadata/Identity/oauth2/token", params={"resource": "r"})
    assert upper.json()["served_by"] == "stand-in"
    refused = proxy.get("/metadata/instance", headers={"X-Forwarded-For": "10.0.0.9"})
    assert refused.status == 400


def test_forwarding_failures_are_not_404(start: ProxyFactory) -> None:
    nowhere = start(f"--imds-endpoint=http://127.0.0.1:{free_port()}")
    reply = nowhere.get("/metadata/instance")
    assert reply.status == 502 and reply.json()["error"] == "bad_gateway"
    slow = start("--forward-timeout=0.3")
    started = time.monotonic()
    reply = slow.get("/metadata/instance", params={"delay": "2"})
    assert reply.status == 504 and time.monotonic() - started < 1.5
    for reply in (nowhere.get("/readyz"), slow.token()):
        assert reply.status == 200


def test_hundred_concurrent_cold_requests_make_one_exchange(proxy: Proxy, entra: FakeEntra) -> None:
    entra.delay = 0.5

    async def burst() -> list[tuple[int, str]]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one() -> tuple[int, str]:
                async with session.get(
                    f"http://127.0.0.1:{proxy.port}{TOKEN_PATH}",
                    params={"resource": "https://storage.azure.com/"},
                    headers={"Metadata": "true"},
                ) as response:
                    return response.status, (await response.json())["access_token"]

            return await asyncio.gather(*(one() for _ in range(100)))

    results = asyncio.run(burst())
    assert entra.token_requests == 1
    assert set(results) == {(200, entra.issued[0].access_token)}


def test_own_errors_are_never_404_or_410(start: ProxyFactory, entra: FakeEntra) -> None:
    proxy = start(AZURE_CLIENT_ID=None)
    statuses = [
        proxy.get(params={"resource": "r"}, headers={}).status,
        proxy.token().status,
        proxy.token(client_id="unknown-client").status,
        proxy.get(method="DELETE").status,
    ]
    entra.mode = "error"
    statuses.append(proxy.token(client_id=CLIENT_ID, resource="https://a").status)
    assert set(statuses) <= OUR_ERROR_STATUSES, statuses


def test_expectations_are_answered_as_upstream_does(proxy: Proxy) -> None:
    # 100 Continue comes before the body is sent; any other expectation is a logged 417.
    with socket.create_connection((proxy.host, proxy.port), timeout=5) as conn:
        conn.sendall(
            b"POST /metadata/instance HTTP/1.1\r\nHost: x\r\nMetadata: true\r\n"
            b"Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"
        )
        assert conn.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        conn.sendall(b"hello")
        reply = b""
        while not reply.endswith(b"}"):
            reply += conn.recv(4096)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and json.loads(body)["body"] == "hello"
    refused = proxy.get(headers={"Metadata": "true", "Expect": "tea"}, params={"resource": "r"})
    assert refused.status == 417 and refused.json()["error"] == "invalid_request"
    assert proxy.stop() == 0
    statuses = [line["status"] for line in proxy.request_lines()]
    assert statuses[-2:] == [200, 417]


def test_an_oversized_body_is_413_not_an_internal_error(proxy: Proxy) -> None:
    connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=10)
    try:
        connection.request("POST", "/metadata/instance", body=b"x" * (1024**2 + 1))
        response = connection.getresponse()
        reply = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 413 and reply["error"] == "invalid_request"
    assert proxy.get("/metadata/instance").status == 200  # and the proxy serves on
    assert proxy.stop() == 0
    assert [line["status"] for line in proxy.request_lines()][-2:] == [413, 200]
