"""What the Instance Metadata Service's token endpoint accepts and answers, as pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

# IMDS treats the "/metadata" segment case-insensitively; the Node SDK adds a trailing slash.
_TOKEN_PATH = re.compile(r"/(?i:metadata)/identity/oauth2/token/?")
_CANONICAL_TOKEN_PATH = "/metadata/identity/oauth2/token"  # what every SDK sends
_UNSUPPORTED_IDS = ("object_id", "msi_res_id", "mi_res_id")
_SINGLE_VALUED = ("resource", "client_id", "api-version")

FailureKind = Literal["rejected", "unavailable", "local"]


class ImdsError(Exception):
    """An answer that is not a token: status and the IMDS-style JSON error body."""

    def __init__(
        self, status: int, error: str, description: str, retry_after: int | None = None
    ) -> None:
        super().__init__(status, error, description)
        self.status = status
        self.error = error
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class TokenRequest:
    client_id: str
    resource: str
    scope: str


@dataclass(frozen=True)
class Token:
    """An access token and its times, all in unix seconds."""

    access_token: str
    expires_on: float
    ext_expires_on: float
    not_before: float

    def __repr__(self) -> str:
        # Keeps the token out of tracebacks, reprs and debug output.
        return f"Token(expires_on={self.expires_on!r}, not_before={self.not_before!r})"


class TokenFailure(Exception):
    """Why no token could be had: Entra refused (rejected), could not answer
    (unavailable), or the pod's own token file failed (local)."""

    def __init__(
        self, kind: FailureKind, error: str, description: str, retry_after: int | None = None
    ) -> None:
        super().__init__(kind, error, description)
        self.kind = kind
        self.error = error
        self.description = description
        self.retry_after = retry_after


def is_token_path(path: str) -> bool:
    return path == _CANONICAL_TOKEN_PATH or _TOKEN_PATH.fullmatch(path) is not None


def scope_for(resource: str) -> str:
    """The v2 scope for a v1 resource, keeping a trailing slash as Entra expects."""
    return resource if resource.endswith("/.default") else resource + "/.default"


def bad_request(description: str) -> ImdsError:
    return ImdsError(400, "invalid_request", description)


def refuse_forwarded(headers: Mapping[str, str]) -> None:
    """IMDS refuses requests that came through a proxy; so do we, on every path."""
    if "X-Forwarded-For" in headers:
        raise bad_request(
            "Requests carrying X-Forwarded-For are refused; call the endpoint directly"
        )


def parse_token_request(
    method: str,
    headers: Mapping[str, str],
    query: Iterable[tuple[str, str]],
    default_client_id: str | None,
) -> TokenRequest:
    """Check a token request as IMDS would; `headers` must be case-insensitive."""
    check_token_headers(method, headers)
    return parse_token_query(query, default_client_id)


def check_token_headers(method: str, headers: Mapping[str, str]) -> None:
    """The method and headers of a token request, as IMDS checks them."""
    if method != "GET":
        raise ImdsError(405, "invalid_request", f"{method} is not allowed here; use GET")
    if headers.get("Metadata", "").lower() != "true":
        raise bad_request("Required metadata header not specified")
    refuse_forwarded(headers)


def parse_token_query(
    query: Iterable[tuple[str, str]], default_client_id: str | None
) -> TokenRequest:
    """The identity and resource a token request's query asks for (it depends on nothing
    else, so an answer may be kept for the same query string)."""
    params = _single_params(query)
    for name in _UNSUPPORTED_IDS:
        if name in params:
            raise bad_request(
                f"{name} cannot be honoured by the workload identity proxy; "
                "select the identity with client_id"
            )
    resource = params.get("resource", "").strip()
    if not resource:
        raise bad_request("Required query variable 'resource' is missing")
    client_id = params.get("client_id", "").strip() or default_client_id
    if not client_id:
        raise bad_request("No client_id in the request and AZURE_CLIENT_ID is not set")
    return TokenRequest(client_id=client_id, resource=resource, scope=scope_for(resource))


def _single_params(query: Iterable[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in query:
        if name in params and name in _SINGLE_VALUED:
            raise bad_request(f"Query variable '{name}' is given more than once")
        params[name] = value
    return params


def token_reply(token: Token, request: TokenRequest, now: float) -> dict[str, str]:
    """The IMDS success body: every value a string, times in whole seconds."""
    return {
        "access_token": token.access_token,
        "client_id": request.client_id,
        "expires_in": str(_seconds_left(token.expires_on, now)),
        "expires_on": str(int(token.expires_on)),
        "ext_expires_in": str(_seconds_left(token.ext_expires_on, now)),
        "not_before": str(int(token.not_before)),
        "resource": request.resource,
        "token_type": "Bearer",
    }


def _seconds_left(until: float, now: float) -> int:
    return max(0, int(until) - int(now))


_FAILURE_STATUS: dict[FailureKind, int] = {"rejected": 400, "unavailable": 503, "local": 500}


def failure_reply(failure: TokenFailure) -> ImdsError:
    """400 for what retrying cannot fix, 503/500 for what it may. Never 404 or 410:
    clients keep retrying those for over a minute."""
    return ImdsError(
        _FAILURE_STATUS[failure.kind], failure.error, failure.description, failure.retry_after
    )
