"""What each command was asked to do, as frozen values; the CLI builds them from flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

UPSTREAM_PROXY_IMAGE = "mcr.microsoft.com/oss/azure/workload-identity/proxy:v1.6.0"
UPSTREAM_PROXY_INIT_IMAGE = "mcr.microsoft.com/oss/azure/workload-identity/proxy-init:v1.6.0"

Mode = Literal["stdout", "in-place", "check"]


@dataclass(frozen=True)
class InjectSettings:
    """What the injection itself depends on (pure: no paths, no I/O)."""

    authority_host: str = "https://login.microsoftonline.com/"
    tenant_id: str | None = None
    proxy_image: str = UPSTREAM_PROXY_IMAGE
    proxy_init_image: str = UPSTREAM_PROXY_INIT_IMAGE
    native_sidecar: bool = True
    log_level: str = "info"


@dataclass(frozen=True)
class InjectOptions:
    """``wi-transform inject``: inputs, where output goes, and the injection settings."""

    paths: tuple[str, ...] = ()
    mode: Mode = "stdout"
    namespace: str = "default"
    service_accounts: tuple[str, ...] = ()
    settings: InjectSettings = field(default_factory=InjectSettings)
    validate: bool = False
    from_cluster: bool = False
    context: str | None = None
    report_file: str | None = None
