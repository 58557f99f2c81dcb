"""Azure clouds by the names upstream accepts, with the endpoints each command needs."""

from __future__ import annotations

from typing import NamedTuple

from ..errors import UsageError


class Cloud(NamedTuple):
    name: str
    authority_host: str
    resource_manager: str
    graph: str


_PUBLIC = Cloud(
    "AzurePublicCloud",
    "https://login.microsoftonline.com/",
    "https://management.azure.com/",
    "https://graph.microsoft.com/",
)
_CHINA = Cloud(
    "AzureChinaCloud",
    "https://login.chinacloudapi.cn/",
    "https://management.chinacloudapi.cn/",
    "https://microsoftgraph.chinacloudapi.cn/",
)
_USGOV = Cloud(
    "AzureUSGovernmentCloud",
    "https://login.microsoftonline.us/",
    "https://management.usgovcloudapi.net/",
    "https://graph.microsoft.us/",
)
_GERMAN = Cloud(
    "AzureGermanCloud",
    "https://login.microsoftonline.de/",
    "https://management.microsoftazure.de/",
    "https://graph.microsoft.de/",
)

# The names and aliases of go-autorest's EnvironmentFromName, which the webhook uses.
_BY_NAME = {
    "AZUREPUBLICCLOUD": _PUBLIC,
    "AZURECLOUD": _PUBLIC,
    "AZURECHINACLOUD": _CHINA,
    "AZUREUSGOVERNMENTCLOUD": _USGOV,
    "AZUREUSGOVERNMENT": _USGOV,
    "AZUREGERMANCLOUD": _GERMAN,
}

CLOUD_NAMES = ("AzurePublicCloud", "AzureChinaCloud", "AzureUSGovernmentCloud")


def cloud(name: str | None) -> Cloud:
    """The cloud of that name, any case; empty means the public cloud, as upstream."""
    if not name:
        return _PUBLIC
    found = _BY_NAME.get(name.strip().upper())
    if found is None:
        raise UsageError(f"unknown cloud {name!r}: use one of {', '.join(CLOUD_NAMES)}")
    return found
