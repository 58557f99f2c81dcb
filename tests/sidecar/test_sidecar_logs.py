"""The proxy's logs: one structured line per request, levels as injected, and never a
secret. (Every test's proxy logs are also searched for secrets when the test ends.)"""

from __future__ import annotations

import io
import json
import logging
import time

from sidecar_fakes import FakeEntra
from sidecar_harness import CLIENT_ID, ProxyFactory, assert_no_secrets
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
