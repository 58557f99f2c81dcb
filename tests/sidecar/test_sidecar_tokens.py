"""msal against the fake Entra ID, in this process: what each Entra answer becomes.
These pin the mapping from msal's and requests' behaviour to our three failure kinds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sidecar_fakes import FakeEntra
from sidecar_harness import CLIENT_ID, OTHER_CLIENT_ID, free_port
from sidecar_pki import Pki

from sidecar.imds import TokenFailure
from sidecar.tokens import TokenSource

SCOPE = "https://vault.azure.net/.default"


@pytest.fixture(autouse=True)
def trust_test_ca(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.ca_file))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def source_for(entra: FakeEntra, token_file: Path, timeout: float = 5) -> TokenSource:
    return TokenSource(
        authority=f"{entra.base_url}/{entra.tenant}", token_file=token_file, timeout=timeout
    )


def failure(source: TokenSource, client_id: str = CLIENT_ID) -> TokenFailure:
    with pytest.raises(TokenFailure) as caught:
        source.acquire(client_id, SCOPE)
    return caught.value


def test_exchange_and_times(entra: FakeEntra, token_file: Path) -> None:
    entra.lifetime = 1234
    before = time.time()
    token = source_for(entra, token_file).acquire(CLIENT_ID, SCOPE)
    after = time.time()
    issued = entra.issued[-1]
    assert (token.access_token, issued.scope, issued.client_id) == (
        issued.access_token,
        SCOPE,
        CLIENT_ID,
    )
    assert before + 1234 <= token.expires_on <= after + 1234
    assert token.ext_expires_on == token.expires_on + 600
    assert before <= token.not_before <= after
    assert entra.assertions == [token_file.read_text()]


def test_every_acquisition_is_an_exchange(entra: FakeEntra, token_file: Path) -> None:
    # msal's own token cache is off: refreshing ahead must really get a new token.
    source = source_for(entra, token_file)
    first = source.acquire(CLIENT_ID, SCOPE)
    second = source.acquire(CLIENT_ID, SCOPE)
    assert first.access_token != second.access_token
    assert (entra.token_requests, entra.discovery_requests) == (2, 1)


def test_one_application_per_client_id(entra: FakeEntra, token_file: Path) -> None:
    source = source_for(entra, token_file)
    for client_id in (CLIENT_ID, OTHER_CLIENT_ID, CLIENT_ID, OTHER_CLIENT_ID):
        source.acquire(client_id, SCOPE)
    assert entra.discovery_requests == 2


def test_no_matching_federated_credential_is_rejected(entra: FakeEntra, token_file: Path) -> None:
    error = failure(source_for(entra, token_file), client_id="11111111-2222-3333-4444-555555555555")
    assert (error.kind, error.error) == ("rejected", "invalid_client")
    assert error.description.startswith("AADSTS70021: No matching federated identity record")


def test_a_400_is_not_replayed_once_entra_changes_its_mind(
    entra: FakeEntra, token_file: Path
) -> None:
    # msal would replay an identical 400 for a minute; a fixed federated credential
    # must work at once.
    source = source_for(entra, token_file)
    entra.mode = "reject"
    assert failure(source).kind == "rejected"
    entra.mode = "ok"
    assert source.acquire(CLIENT_ID, SCOPE).access_token == entra.issued[-1].access_token


def test_unknown_tenant_is_rejected(entra: FakeEntra, token_file: Path) -> None:
    source = TokenSource(
        authority=f"{entra.base_url}/no-such-tenant", token_file=token_file, timeout=5
    )
    error = failure(source)
    assert error.kind == "rejected" and "no-such-tenant" in error.description


def test_server_error_is_unavailable(entra: FakeEntra, token_file: Path) -> None:
    entra.mode = "error"
    error = failure(source_for(entra, token_file))
    assert (error.kind, error.error) == ("unavailable", "entra_unavailable")


def test_throttling_is_unavailable_and_respected(entra: FakeEntra, token_file: Path) -> None:
    entra.mode, entra.retry_after = "throttle", 2
    source = source_for(entra, token_file)
    error = failure(source)
    assert (error.kind, error.retry_after) == ("unavailable", 2)
    entra.mode = "ok"
    again = failure(source)  # within Retry-After: Entra is not asked
    assert again.error == "temporarily_unavailable" and again.retry_after in (1, 2)
    assert entra.token_requests == 1
    time.sleep(2.1)
    assert source.acquire(CLIENT_ID, SCOPE).access_token


def test_garbage_is_unavailable(entra: FakeEntra, token_file: Path) -> None:
    entra.mode = "garbage"
    assert failure(source_for(entra, token_file)).kind == "unavailable"


def test_slow_entra_times_out(entra: FakeEntra, token_file: Path) -> None:
    entra.delay = 1.5
    started = time.monotonic()
    assert failure(source_for(entra, token_file, timeout=0.5)).kind == "unavailable"
    assert time.monotonic() - started < 1.4


def test_entra_down(pki: Pki, token_file: Path) -> None:
    source = TokenSource(
        authority=f"https://127.0.0.1:{free_port()}/tenant", token_file=token_file, timeout=2
    )
    error = failure(source)
    assert (error.kind, error.error) == ("unavailable", "entra_unavailable")


@pytest.mark.parametrize("content", [None, "", "  \n"])
def test_token_file_missing_or_empty(
    entra: FakeEntra, token_file: Path, content: str | None
) -> None:
    if content is None:
        token_file.unlink()
    else:
        token_file.write_text(content)
    error = failure(source_for(entra, token_file))
    assert (error.kind, error.error) == ("local", "token_file_unreadable")
    assert str(token_file) in error.description
    assert entra.token_requests == 0


def test_token_file_is_read_on_every_exchange(entra: FakeEntra, token_file: Path, pki: Pki) -> None:
    source = source_for(entra, token_file)
    source.acquire(CLIENT_ID, SCOPE)
    token_file.write_text(pki.service_account_token())
    source.acquire(CLIENT_ID, SCOPE)
    assert entra.assertions[1] == token_file.read_text() != entra.assertions[0]


def test_msal_never_goes_regional(
    entra: FakeEntra, token_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With a region msal would ask the metadata endpoint where it runs, or go to
    # <region>.login.microsoft.com: both are blocked here, and neither may happen.
    monkeypatch.setenv("MSAL_FORCE_REGION", "westus2")
    token = source_for(entra, token_file).acquire(CLIENT_ID, SCOPE)
    assert token.access_token == entra.issued[-1].access_token


def test_the_loopback_guard_refuses_without_connecting() -> None:
    import sitecustomize

    sitecustomize._check(("127.0.0.1", 80))
    sitecustomize._check(("::1", 80, 0, 0))
    for address in ("169.254.169.254", "10.0.0.1", "login.microsoftonline.com"):
        with pytest.raises(PermissionError):
            sitecustomize._check((address, 443))
