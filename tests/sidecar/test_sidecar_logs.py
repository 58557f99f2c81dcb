"""The proxy's logs: one structured line per request, levels as injected, and never a
secret. (Every test's proxy logs are also searched for secrets when the test ends.)"""

from __future__ import annotations

import io
import json
import logging
import signal
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from sidecar_fakes import FakeEntra
from sidecar_harness import CLIENT_ID, TOKEN_PATH, ProxyFactory, assert_no_secrets, free_port
from sidecar_pki import Pki

from sidecar.logs import configure


def test_a_full_run_logs_no_secret(start: ProxyFactory, entra: FakeEntra) -> None:
    entra.lifetime = 4  # refresh ahead after 2 s
    proxy = start(log_level="all")
    first = proxy.token().json()["access_token"]
    assert proxy.token().json()["access_token"] == first
    time.sleep(2.2)
    assert proxy.token().json()["access_token"] == first  # served while refreshing
    time.sleep(0.3)
    refreshed = proxy.token().json()["access_token"]
    assert refreshed != first and entra.token_requests == 2
    entra.mode = "reject"
    proxy.token("https://rejected")
    entra.mode = "error"
    proxy.token("https://failed")
    proxy.get(
        "/metadata/instance", headers={"Metadata": "true", "Authorization": "Bearer " + first}
    )
    proxy.get(params={"resource": "r"}, headers={"Authorization": "Bearer " + refreshed})
    assert proxy.stop() == 0

    logs = proxy.logs()
    secrets = [*entra.issued_tokens(), *entra.assertions]
    assert len(secrets) >= 5
    assert_no_secrets(logs, secrets, "the proxy's logs")
    assert "Bearer" not in logs
    outcomes = [(line["status"], line.get("cache")) for line in proxy.request_lines()]
    assert outcomes[1:5] == [(200, "miss"), (200, "hit"), (200, "refresh"), (200, "hit")]


def test_one_line_per_request_without_query_values(start: ProxyFactory, entra: FakeEntra) -> None:
    proxy = start(log_level="info")
    marker = "https://marker-value-7c1d.example"
    proxy.token(marker)
    proxy.get("/metadata/instance", params={"api-version": "marker-version-93ab"})
    proxy.get(params={"resource": "r"}, headers={})
    assert proxy.stop() == 0
    lines = proxy.request_lines()
    assert [line["path"] for line in lines] == [
        "/readyz",
        "/metadata/identity/oauth2/token",
        "/metadata/instance",
        "/metadata/identity/oauth2/token",
    ]
    token_line, forwarded, refused = lines[1:]
    assert token_line["method"] == "GET" and token_line["status"] == 200
    assert token_line["client_id"] == CLIENT_ID and token_line["cache"] == "miss"
    assert token_line["query"] == ["api-version", "resource"]
    assert isinstance(token_line["duration_ms"], float)
    assert forwarded["status"] == 200 and "client_id" not in forwarded
    assert (refused["status"], refused["error"]) == (400, "invalid_request")
    assert "marker-value-7c1d" not in proxy.logs() and "marker-version-93ab" not in proxy.logs()
    assert all(line["level"] == "info" and line["time"].endswith("Z") for line in lines)


def test_levels(start: ProxyFactory, entra: FakeEntra) -> None:
    quiet = start(log_level="")  # upstream's default: warnings only
    quiet.token()
    entra.mode = "error"
    quiet.token("https://failing")
    quiet.stop()
    assert [(line["status"], line["level"]) for line in quiet.request_lines()] == [(503, "warning")]
    for level in ("info", "debug", "trace", "all", "INFO"):
        chatty = start(log_level=level)
        chatty.stop()
        assert [line["path"] for line in chatty.request_lines()] == ["/readyz"]


def test_the_secret_search_can_fail() -> None:
    secret = "fake-at-0123456789abcdefghijklmnopqrstuvwxyz"
    for leaked in (secret, secret[:30], "..." + secret[-30:]):
        try:
            assert_no_secrets(f'{{"msg":"{leaked}"}}', [secret], "log")
        except AssertionError:
            continue
        raise AssertionError(f"{leaked!r} went unnoticed")


def test_jwt_shaped_text_is_redacted_whoever_logs_it(pki: Pki) -> None:
    stream = io.StringIO()
    configure(logging.DEBUG, stream)
    assertion = pki.service_account_token()
    try:
        logging.getLogger("wi_proxy.test").info(
            "got %s", assertion, extra={"fields": {"x": assertion}}
        )
        logging.getLogger("urllib3").warning("header was Bearer %s", assertion)
        logging.getLogger("msal").error("msal quoting %s", assertion)
    finally:
        logging.getLogger().handlers.clear()
        for name in ("wi_proxy", "msal"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["logger"] for line in lines] == ["wi_proxy.test", "urllib3"]
    assert assertion not in stream.getvalue() and stream.getvalue().count("[redacted]") == 3


# Raw paths as sent, percent-decoded by the proxy before they are logged.
AWKWARD_PATHS = [
    "/metadata/%22quoted%22/back%5Cslash",
    "/metadata/caf%C3%A9/%E2%9C%93",
    "/metadata/control%01%1F%7F/tab%09",
    "/metadata/%7B%22not%22:%22json%22%7D",
]


def test_awkward_paths_are_escaped(start: ProxyFactory) -> None:
    proxy = start(log_level="info")
    for raw in AWKWARD_PATHS:
        assert proxy.get(raw).status == 200
    assert proxy.stop() == 0
    lines = proxy.logs().splitlines()
    logged = [json.loads(line) for line in lines if '"msg":"request"' in line]  # each parses
    assert [line["path"] for line in logged[1:]] == [unquote(raw) for raw in AWKWARD_PATHS]


def test_jwt_shaped_text_in_a_request_is_redacted(start: ProxyFactory, pki: Pki) -> None:
    jwt = pki.service_account_token()
    proxy = start(log_level="info")
    proxy.get(f"/metadata/{jwt}")
    assert proxy.token(client_id=jwt).status == 400  # the fake Entra ID knows no such client
    proxy.get(TOKEN_PATH, params={"resource": "r", jwt: "x"})
    assert proxy.stop() == 0
    logs = proxy.logs()
    assert "eyJ" not in logs
    lines = proxy.request_lines()[1:]
    assert [line["status"] for line in lines] == [200, 400, 200]
    assert lines[0]["path"] == "/metadata/[redacted]" and lines[1]["client_id"] == "[redacted]"
    assert lines[2]["query"] == ["[redacted]", "resource"]


def test_one_line_per_request_however_it_ends(
    start: ProxyFactory, entra: FakeEntra, tmp_path: Path
) -> None:
    proxy = start("--forward-timeout=0.5", log_level="info")
    unreachable = start(f"--imds-endpoint=http://127.0.0.1:{free_port()}", log_level="info")
    asked = [
        (proxy.token(), 200),
        (proxy.get(params={"resource": "r"}, headers={}), 400),
        (proxy.get(method="POST", params={"resource": "r"}), 405),
        (proxy.get("/metadata/instance", headers={"X-Forwarded-For": "10.0.0.1"}), 400),
        (proxy.get("/metadata/instance", params={"delay": "2"}), 504),
        (unreachable.get("/metadata/instance"), 502),
        (unreachable.token(), 200),
    ]
    entra.mode = "error"
    asked.append((proxy.token("https://failing"), 503))
    entra.mode = "reject"
    asked.append((proxy.token("https://rejected"), 400))
    token_file = tmp_path / "sa-token"
    token_file.unlink()
    asked.append((proxy.token("https://no-file"), 500))
    assert [reply.status for reply, _ in asked] == [status for _, status in asked]
    assert proxy.stop() == 0 and unreachable.stop() == 0
    lines = [line for p in (proxy, unreachable) for line in p.request_lines()[1:]]
    statuses = [line["status"] for line in lines]
    assert sorted(statuses) == sorted(status for _, status in asked)
    assert all(line["level"] == ("warning" if line["status"] >= 500 else "info") for line in lines)
    errors = {line["status"]: line.get("error") for line in lines}
    assert errors[504] == "gateway_timeout" and errors[502] == "bad_gateway"
    assert errors[500] == "token_file_unreadable" and errors[503] == "entra_unavailable"


def test_warnings_are_written_at_once_after_the_lines_kept(
    start: ProxyFactory, entra: FakeEntra
) -> None:
    proxy = start(log_level="info")
    assert proxy.token().status == 200
    entra.mode = "error"
    assert proxy.token("https://failing").status == 503
    # read straight away: no waiting for the 0.1 s flush
    text = proxy.log_file.read_text()
    lines = [json.loads(line) for line in text.splitlines() if '"msg":"request"' in line]
    assert [line["status"] for line in lines][-2:] == [200, 503]


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_no_line_is_lost_on_a_signal(start: ProxyFactory, how: str) -> None:
    proxy = start(log_level="info")
    proxy.token()
    for i in range(40):
        proxy.get(f"/metadata/instance/{i}")
    proxy.process.send_signal(getattr(signal, how))  # within 0.1 s of the last request
    assert proxy.process.wait(10) == 0
    lines = proxy.log_lines()
    paths = [line["path"] for line in lines if line["msg"] == "request"]
    assert paths[2:] == [f"/metadata/instance/{i}" for i in range(40)]
    assert lines[-1]["msg"] == "shutting down"
