"""Entra ID tokens for the pod's identities: the projected service-account token is
exchanged with msal as a client assertion. The only module that imports msal."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msal  # type: ignore[import-untyped]
import requests

from .imds import Token, TokenFailure

_MAX_THROTTLE = 60.0


class TokenFileError(Exception):
    """The projected service-account token could not be read."""


class _Forgetful(dict[str, Any]):
    """A mapping that keeps nothing.

    As msal's http_cache it stops msal replaying an earlier 400/429/5xx for up to a minute
    (after a federated credential is fixed, say); as the token cache it makes every
    acquisition a real exchange, which our own cache relies on to refresh ahead."""

    def __setitem__(self, key: str, value: Any) -> None:
        pass


class _NoTokenCache(msal.TokenCache):  # type: ignore[misc]
    def add(self, event: Any, now: Any = None) -> None:
        pass


class _EntraHttp:
    """msal's HttpClient: one requests session with our timeout, remembering per thread
    the status and Retry-After of the last answer, which msal's result leaves out.

    What the environment says of an origin (proxies, NO_PROXY, the CA bundle, .netrc) is
    read once per origin: requests reads it again on every request, which costs a good
    part of a millisecond, and a process's environment does not change."""

    def __init__(self, timeout: float) -> None:
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(max_retries=1)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.trust_env = False  # what it would read is passed with each request
        self._environment: dict[str, dict[str, Any]] = {}
        self._timeout = timeout
        self.last = threading.local()

    def post(self, url: str, **kwargs: Any) -> Any:
        return self._send("POST", url, kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self._send("GET", url, kwargs)

    def _send(self, method: str, url: str, kwargs: dict[str, Any]) -> Any:
        kwargs.pop("timeout", None)
        settings = {**self._from_environment(url), **kwargs}
        response = self._session.request(method, url, timeout=self._timeout, **settings)
        self.last.status = response.status_code
        self.last.retry_after = response.headers.get("Retry-After")
        return response

    def _from_environment(self, url: str) -> dict[str, Any]:
        origin = "/".join(url.split("/", 3)[:3])  # scheme://host[:port]
        settings = self._environment.get(origin)
        if settings is None:
            with requests.Session() as reader:  # trusts the environment, as requests does
                found = reader.merge_environment_settings(url, {}, None, None, None)
            settings = {
                "proxies": found["proxies"],
                "verify": found["verify"],
                "cert": found["cert"],
                "auth": requests.utils.get_netrc_auth(url),
            }
            self._environment[origin] = settings
        return settings

    def forget(self) -> None:
        self.last.status = None
        self.last.retry_after = None

    def close(self) -> None:
        self._session.close()


class TokenSource:
    """Blocking token exchanges; run `acquire` in a worker thread.

    One msal ConfidentialClientApplication per client id, built on its first use (msal
    fetches the tenant's OpenID configuration then) and kept. Instance discovery and
    region detection stay off: the latter would make msal itself probe 169.254.169.254.
    The timeout lives in our HTTP client, because msal applies its own `timeout` only to
    a session it builds itself."""

    def __init__(
        self,
        *,
        authority: str,
        token_file: Path | None,
        timeout: float,
        clock: Callable[[], float] = time.time,
        max_clients: int = 64,
    ) -> None:
        self._authority = authority
        self._token_file = token_file
        self._clock = clock
        self._max_clients = max_clients
        self._http = _EntraHttp(timeout)
        self._apps: OrderedDict[str, Any] = OrderedDict()
        self._quiet_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self._read = threading.local()  # this thread's exchange's assertion, for msal

    def acquire(self, client_id: str, scope: str) -> Token:
        self._respect_retry_after(client_id)
        self._http.forget()
        started = self._clock()
        try:
            # Before msal's discovery: an unreadable file is a 500 even when Entra is down.
            self._read.assertion = self._read_assertion()
            result = self._app(client_id).acquire_token_for_client(scopes=[scope])
        except TokenFileError as e:
            raise TokenFailure("local", "token_file_unreadable", str(e)) from e
        except ValueError as e:
            raise self._value_failure(client_id, e) from e
        except (requests.RequestException, msal.exceptions.MsalServiceError) as e:
            raise self._unavailable(
                client_id, "entra_unavailable", f"Entra ID did not answer: {_brief(e)}"
            ) from e
        if "access_token" in result:
            return _token(result, started)
        raise self._error_failure(client_id, result)

    def close(self) -> None:
        self._http.close()

    def _app(self, client_id: str) -> Any:
        with self._lock:
            app = self._apps.get(client_id)
            if app is not None:
                self._apps.move_to_end(client_id)
                return app
        app = msal.ConfidentialClientApplication(
            client_id,
            authority=self._authority,
            client_credential={"client_assertion": self._assertion},
            instance_discovery=False,
            azure_region=False,
            http_client=self._http,
            http_cache=_Forgetful(),
            token_cache=_NoTokenCache(),
        )
        with self._lock:
            app = self._apps.setdefault(client_id, app)
            while len(self._apps) > self._max_clients:
                self._apps.popitem(last=False)
        return app

    def _assertion(self) -> str:
        # What acquire read for this exchange: msal asks while building the request.
        return str(self._read.assertion)

    def _read_assertion(self) -> str:
        # Read on every exchange: the kubelet rotates the file in place.
        if self._token_file is None:
            raise TokenFileError("AZURE_FEDERATED_TOKEN_FILE is not set in the proxy's environment")
        try:
            assertion = self._token_file.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise TokenFileError(
                f"cannot read AZURE_FEDERATED_TOKEN_FILE {self._token_file}: {e.strerror}"
            ) from e
        if not assertion:
            raise TokenFileError(f"AZURE_FEDERATED_TOKEN_FILE {self._token_file} is empty")
        return assertion

    def _respect_retry_after(self, client_id: str) -> None:
        quiet_until = self._quiet_until.get(client_id, 0.0)
        left = quiet_until - self._clock()
        if left > 0:
            raise TokenFailure(
                "unavailable",
                "temporarily_unavailable",
                "Entra ID asked to wait before retrying (Retry-After)",
                retry_after=max(1, round(left)),
            )

    def _value_failure(self, client_id: str, error: ValueError) -> TokenFailure:
        status = self._http.last.status
        if (
            isinstance(error, json.JSONDecodeError)
            or status is None
            or status < 400
            or status == 429
        ):
            return self._unavailable(client_id, "entra_unavailable", "Entra ID answered unreadably")
        # msal raises a plain ValueError when the tenant's OpenID configuration is refused.
        return TokenFailure("rejected", "invalid_request", _brief(error))

    def _error_failure(self, client_id: str, result: dict[str, Any]) -> TokenFailure:
        status = self._http.last.status
        error = str(result.get("error") or "invalid_request")
        description = str(result.get("error_description") or "Entra ID refused the request")
        transient = error in ("temporarily_unavailable", "server_error")
        if status is not None and (status == 429 or status >= 500):
            transient = True
        if not transient:
            return TokenFailure("rejected", error, description)
        return self._unavailable(client_id, error, description)

    def _unavailable(self, client_id: str, error: str, description: str) -> TokenFailure:
        retry_after = _retry_after(self._http.last.retry_after)
        if retry_after:
            self._quiet_until[client_id] = self._clock() + retry_after
        return TokenFailure("unavailable", error, description, retry_after=retry_after)


def _token(result: dict[str, Any], started: float) -> Token:
    try:
        expires_in = int(result["expires_in"])
        ext_expires_in = int(result.get("ext_expires_in", expires_in))
    except (KeyError, TypeError, ValueError) as e:
        raise TokenFailure(
            "unavailable", "entra_unavailable", "Entra ID answered without a valid expires_in"
        ) from e
    return Token(
        access_token=str(result["access_token"]),
        expires_on=started + expires_in,
        ext_expires_on=started + ext_expires_in,
        not_before=started,
    )


def _retry_after(value: str | None) -> int | None:
    try:
        seconds = int(value) if value is not None else None
    except ValueError:
        return None
    return None if seconds is None else max(0, min(int(_MAX_THROTTLE), seconds))


def _brief(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:300]
