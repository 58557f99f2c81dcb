"""The proxy's configuration: flags and environment, read once into a frozen Settings."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com/"
DEFAULT_IMDS_ENDPOINT = "http://169.254.169.254:80"
DEFAULT_PORT = 8000
DEFAULT_BIND = "127.0.0.1"


class SettingsError(ValueError):
    """The flags or the environment cannot make a working proxy."""


@dataclass(frozen=True)
class Settings:
    tenant_id: str
    token_file: Path | None  # None: every exchange fails with 500, as an unreadable file does
    authority_host: str
    default_client_id: str | None
    bind: str = DEFAULT_BIND
    port: int = DEFAULT_PORT
    imds_endpoint: str = DEFAULT_IMDS_ENDPOINT
    entra_timeout: float = 10.0
    forward_timeout: float = 10.0

    @property
    def authority(self) -> str:
        return f"{self.authority_host}/{self.tenant_id}"


def settings_from(
    env: Mapping[str, str],
    *,
    bind: str = DEFAULT_BIND,
    port: int = DEFAULT_PORT,
    imds_endpoint: str = DEFAULT_IMDS_ENDPOINT,
    entra_timeout: float = 10.0,
    forward_timeout: float = 10.0,
) -> Settings:
    """Combine the injected environment with the command-line flags."""
    tenant_id = env.get("AZURE_TENANT_ID", "").strip()
    if not tenant_id:
        raise SettingsError(
            "AZURE_TENANT_ID is not set: the proxy needs the tenant to ask Entra ID"
        )
    # Like upstream, start without it: the token requests say what is missing (500), while
    # /readyz and forwarding keep working.
    token_file = env.get("AZURE_FEDERATED_TOKEN_FILE", "").strip()
    return Settings(
        tenant_id=tenant_id,
        token_file=Path(token_file) if token_file else None,
        authority_host=checked_authority_host(
            env.get("AZURE_AUTHORITY_HOST", "").strip() or DEFAULT_AUTHORITY_HOST
        ),
        default_client_id=env.get("AZURE_CLIENT_ID", "").strip() or None,
        bind=checked_bind(bind),
        port=checked_port(port),
        imds_endpoint=checked_endpoint(imds_endpoint),
        entra_timeout=checked_timeout(entra_timeout, "--entra-timeout"),
        forward_timeout=checked_timeout(forward_timeout, "--forward-timeout"),
    )


def checked_authority_host(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise SettingsError(
            f"AZURE_AUTHORITY_HOST={value!r} is not an https URL such as {DEFAULT_AUTHORITY_HOST}"
        )
    return value.rstrip("/")


def checked_endpoint(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise SettingsError(
            f"--imds-endpoint={value!r} is not a URL such as {DEFAULT_IMDS_ENDPOINT}"
        )
    return value.rstrip("/")


def checked_bind(value: str) -> str:
    # Whoever reaches the proxy gets the pod's tokens: it must stay inside the pod.
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise SettingsError(f"--bind={value!r} is not an IP address such as 127.0.0.1") from None
    if not address.is_loopback:
        raise SettingsError(f"--bind={value!r} is not a loopback address; use 127.0.0.1")
    return value


def checked_port(value: int) -> int:
    if not 0 < value <= 65535:
        raise SettingsError(f"--proxy-port={value} is not a TCP port (1-65535)")
    return value


def checked_timeout(value: float, flag: str) -> float:
    if not value > 0:
        raise SettingsError(f"{flag}={value} must be a positive number of seconds")
    return value
