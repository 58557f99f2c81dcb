"""The two documents a service-account issuer serves, as the API server renders them. Pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

CONFIG_PATH = ".well-known/openid-configuration"
JWKS_PATH = "openid/v1/jwks"


def issuer_problems(issuer: str) -> list[str]:
    """The API server's own rules for an issuer it publishes discovery documents for."""
    parts = urlsplit(issuer)
    problems = []
    if parts.scheme != "https" or not parts.netloc:
        problems.append(f"--issuer {issuer!r} is not an https URL: Entra ID only trusts "
                        "https://HOST/... issuers")
    if parts.query or parts.fragment:
        problems.append(f"--issuer {issuer!r} has a query or fragment, which OIDC discovery "
                        "forbids")
    return problems


def jwks_uri(issuer: str) -> str:
    """Where the JWKS is when the output directory is served at the issuer URL."""
    return issuer.rstrip("/") + "/" + JWKS_PATH


def configuration(issuer: str, uri: str, keys: Sequence[dict[str, str]]) -> dict[str, Any]:
    """openid-configuration: the fields of the API server's openIDMetadata, in its order."""
    return {
        "issuer": issuer,
        "jwks_uri": uri,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": sorted({k["alg"] for k in keys}),
    }


def render(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2) + "\n").encode()
