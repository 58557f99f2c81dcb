"""Unmodified SDK clients against the running proxy, as an application in the pod would
use them: azure-identity's ManagedIdentityCredential (sync and async) and msal's
ManagedIdentityClient, pointed at the proxy by AZURE_POD_IDENTITY_AUTHORITY_HOST."""

from __future__ import annotations

import asyncio
import time

import msal
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ManagedIdentityCredential
from azure.identity.aio import ManagedIdentityCredential as AsyncManagedIdentityCredential
from sidecar_fakes import FakeEntra
from sidecar_harness import CLIENT_ID, OTHER_CLIENT_ID, Proxy

SCOPE = "https://vault.azure.net/.default"

# Any of these would make the SDKs skip IMDS (workload identity directly, App Service,
# Arc, Cloud Shell) or send traffic through a proxy.
_BYPASSES = (
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "IDENTITY_SERVER_THUMBPRINT",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture
def pointed_at(proxy: Proxy, monkeypatch: pytest.MonkeyPatch) -> Proxy:
    for name in _BYPASSES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", f"http://127.0.0.1:{proxy.port}")
    return proxy


def test_azure_identity_sync(pointed_at: Proxy, entra: FakeEntra) -> None:
    entra.lifetime = 3456
    credential = ManagedIdentityCredential(client_id=CLIENT_ID)
    token = credential.get_token(SCOPE)
    issued = entra.issued[-1]
    assert token.token == issued.access_token
    assert abs(token.expires_on - issued.expires_on) <= 1
    info = credential.get_token_info("https://storage.azure.com/.default")
    assert info.token == entra.issued[-1].access_token
    assert entra.issued[-1].scope == "https://storage.azure.com/.default"


def test_azure_identity_system_assigned_uses_the_pod_identity(
    pointed_at: Proxy, entra: FakeEntra
) -> None:
    token = ManagedIdentityCredential().get_token(SCOPE)
    assert token.token == entra.issued[-1].access_token
    assert entra.issued[-1].client_id == CLIENT_ID


def test_azure_identity_async(pointed_at: Proxy, entra: FakeEntra) -> None:
    async def fetch() -> tuple[str, int, str]:
        async with AsyncManagedIdentityCredential(client_id=OTHER_CLIENT_ID) as credential:
            token = await credential.get_token(SCOPE)
            again = await credential.get_token(SCOPE)
            return token.token, token.expires_on, again.token

    token, expires_on, again = asyncio.run(fetch())
    issued = entra.issued[-1]
    assert token == again == issued.access_token and issued.client_id == OTHER_CLIENT_ID
    assert abs(expires_on - issued.expires_on) <= 1


def test_msal_managed_identity_client(pointed_at: Proxy, entra: FakeEntra) -> None:
    entra.lifetime = 2800
    client = msal.ManagedIdentityClient(
        msal.UserAssignedManagedIdentity(client_id=CLIENT_ID), http_client=requests.Session()
    )
    before = time.time()
    result = client.acquire_token_for_client(resource="https://vault.azure.net")
    issued = entra.issued[-1]
    assert result["access_token"] == issued.access_token, result
    assert abs(before + result["expires_in"] - issued.expires_on) <= 2
    assert issued.scope == SCOPE


def test_rejection_reaches_the_sdk_quickly(pointed_at: Proxy, entra: FakeEntra) -> None:
    entra.mode = "reject"
    started = time.monotonic()
    with pytest.raises(ClientAuthenticationError) as caught:
        ManagedIdentityCredential(client_id=CLIENT_ID).get_token(SCOPE)
    assert "AADSTS70021" in str(caught.value)
    assert time.monotonic() - started < 5  # a 400 is not retried
    result = msal.ManagedIdentityClient(
        msal.UserAssignedManagedIdentity(client_id=CLIENT_ID), http_client=requests.Session()
    ).acquire_token_for_client(resource="https://vault.azure.net")
    assert result["error"] == "invalid_client" and "AADSTS70021" in result["error_description"]
