"""The pure IMDS rules: which requests are token requests, what they must carry, and the
exact shape of the answers."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from sidecar.imds import (
    ImdsError,
    Token,
    TokenFailure,
    TokenRequest,
    failure_reply,
    is_token_path,
    parse_token_request,
    scope_for,
    token_reply,
)

META = CIMultiDict({"Metadata": "true"})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/metadata/identity/oauth2/token", True),
        ("/metadata/identity/oauth2/token/", True),
        ("/Metadata/identity/oauth2/token", True),
        ("/METADATA/identity/oauth2/token/", True),
        ("/metadata/Identity/oauth2/token", False),
        ("/metadata/identity/oauth2/token//", False),
        ("/metadata/identity/oauth2/tokens", False),
        ("/metadata/identity/oauth2/token/x", False),
        ("/metadata/instance", False),
        ("/x/metadata/identity/oauth2/token", False),
    ],
)
def test_token_path(path: str, expected: bool) -> None:
    assert is_token_path(path) is expected


@pytest.mark.parametrize(
    ("resource", "scope"),
    [
        ("https://vault.azure.net", "https://vault.azure.net/.default"),
        ("https://database.windows.net/", "https://database.windows.net//.default"),
        ("https://graph.microsoft.com/.default", "https://graph.microsoft.com/.default"),
        ("api://my-app", "api://my-app/.default"),
    ],
)
def test_scope_for(resource: str, scope: str) -> None:
    assert scope_for(resource) == scope


def test_request_with_defaults() -> None:
    wanted = parse_token_request(
        "GET", META, [("api-version", "2018-02-01"), ("resource", "https://vault.azure.net")], "c1"
    )
    assert wanted == TokenRequest(
        "c1", "https://vault.azure.net", "https://vault.azure.net/.default"
    )


def test_client_id_from_query_wins() -> None:
    wanted = parse_token_request("GET", META, [("resource", "r"), ("client_id", "c2")], "c1")
    assert wanted.client_id == "c2"


def test_header_name_and_value_case_do_not_matter() -> None:
    headers = CIMultiDict({"metadata": "True"})
    assert parse_token_request("GET", headers, [("resource", "r")], "c1").resource == "r"


def refusal(
    method: str = "GET",
    headers: CIMultiDict[str] = META,
    query: list[tuple[str, str]] | None = None,
    default: str | None = "c1",
) -> ImdsError:
    with pytest.raises(ImdsError) as caught:
        parse_token_request(method, headers, query or [("resource", "r")], default)
    return caught.value


@pytest.mark.parametrize("headers", [CIMultiDict(), CIMultiDict({"Metadata": "false"})])
def test_metadata_header_required(headers: CIMultiDict[str]) -> None:
    error = refusal(headers=headers)
    assert (error.status, error.error) == (400, "invalid_request")
    assert error.description == "Required metadata header not specified"


def test_forwarded_requests_refused() -> None:
    error = refusal(headers=CIMultiDict({"Metadata": "true", "X-Forwarded-For": "10.0.0.1"}))
    assert error.status == 400 and "X-Forwarded-For" in error.description


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD"])
def test_only_get(method: str) -> None:
    assert refusal(method=method).status == 405


@pytest.mark.parametrize("name", ["object_id", "msi_res_id", "mi_res_id"])
def test_other_identity_selectors_refused(name: str) -> None:
    error = refusal(query=[("resource", "r"), (name, "x")])
    assert error.status == 400 and name in error.description and "client_id" in error.description


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ([("api-version", "2018-02-01")], "'resource' is missing"),
        ([("resource", "  ")], "'resource' is missing"),
        ([("resource", "a"), ("resource", "b")], "'resource' is given more than once"),
        ([("resource", "a"), ("client_id", "x"), ("client_id", "y")], "more than once"),
    ],
)
def test_malformed_queries(query: list[tuple[str, str]], needle: str) -> None:
    error = refusal(query=query)
    assert error.status == 400 and needle in error.description


def test_no_client_id_anywhere() -> None:
    error = refusal(default=None)
    assert error.status == 400 and "AZURE_CLIENT_ID" in error.description


def test_reply_is_all_strings_and_counts_down() -> None:
    token = Token(
        "tok", expires_on=1_000_3600.9, ext_expires_on=1_000_4200.0, not_before=1_000_0000.5
    )
    wanted = TokenRequest("c1", "https://vault.azure.net", "https://vault.azure.net/.default")
    body = token_reply(token, wanted, now=1_000_0100.2)
    assert body == {
        "access_token": "tok",
        "client_id": "c1",
        "expires_in": "3500",
        "expires_on": "10003600",
        "ext_expires_in": "4100",
        "not_before": "10000000",
        "resource": "https://vault.azure.net",
        "token_type": "Bearer",
    }
    assert token_reply(token, wanted, now=2e7)["expires_in"] == "0"


def test_token_repr_hides_the_token() -> None:
    assert "secret-value" not in repr(Token("secret-value", 1.0, 1.0, 0.0))


@pytest.mark.parametrize(
    ("kind", "status"), [("rejected", 400), ("unavailable", 503), ("local", 500)]
)
def test_failure_statuses(kind: str, status: int) -> None:
    failure = TokenFailure(kind, "e", "d", retry_after=3)  # type: ignore[arg-type]
    reply = failure_reply(failure)
    assert (reply.status, reply.body(), reply.retry_after) == (
        status,
        {"error": "e", "error_description": "d"},
        3,
    )
    assert reply.status not in (404, 410)
