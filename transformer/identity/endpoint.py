"""The custom token endpoint (AKS identity bindings): its settings checked as the webhook checks
them, which pod templates ask for it, and what they get.

Upstream v1.6.0: pkg/config/config.go (validateConfig, LabelSelectorPtr.Decode) and
pkg/webhook/webhook.go (NewPodMutator, isUsingCustomTokenEndpoint, addEnvironmentVariables,
addProjectedVolume). The CA file lives in our token volume: names.CA_FILE.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from ..kube import qualifiednames
from ..options import TOKEN_EXCHANGE_AUDIENCE, TokenEndpoint
from .names import CA_FILE, CA_KEY, CA_PATH, CUSTOM_ENDPOINT_PREFIX

# TokenEndpoint field -> the key of the webhook's ConfigMap (azure-wi-webhook-config) that sets it
CONFIG_KEYS = {
    "token_proxy": "AZURE_KUBERNETES_TOKEN_PROXY",
    "sni_name": "AZURE_KUBERNETES_SNI_NAME",
    "ca_data": "AZURE_KUBERNETES_CA_DATA",
    "ca_configmap": "AZURE_KUBERNETES_CA_CONFIGMAP_NAME",
    "ctb_signer": "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME",
    "ctb_label_selector": "AZURE_KUBERNETES_CA_CTB_LABEL_SELECTOR",
}
# TokenEndpoint field -> our flag (the webhook's own flag for the first two)
FLAGS = {
    "annotation_suffix": "--custom-token-endpoint-annotation-suffix",
    "audience": "--custom-token-endpoint-audience",
    "token_proxy": "--kubernetes-token-proxy",
    "sni_name": "--kubernetes-sni-name",
    "ca_data": "--kubernetes-ca-data",
    "ca_configmap": "--kubernetes-ca-configmap",
    "ctb_signer": "--kubernetes-ca-ctb-signer",
    "ctb_label_selector": "--kubernetes-ca-ctb-label-selector",
}
_EXPRESSION_FIELDS = ("key", "operator", "values")


def enabled(endpoint: TokenEndpoint) -> bool:
    """Whether the webhook's custom token endpoint is on (upstream: either flag non-empty)."""
    return bool(endpoint.annotation_suffix or endpoint.audience)


def annotation(endpoint: TokenEndpoint) -> str | None:
    """The pod annotation that asks for the endpoint, as upstream builds it (case kept)."""
    return CUSTOM_ENDPOINT_PREFIX + endpoint.annotation_suffix if endpoint.annotation_suffix else None


def problems(endpoint: TokenEndpoint, pending: Collection[str] = ()) -> list[str]:
    """Every reason the webhook would refuse to start with these settings, in its order.

    ``pending``: fields that may still be given later (by a cluster's ConfigMap, a function
    config); a check that fails only for want of one of them waits for the complete settings."""
    def missing(name: str) -> bool:
        value = getattr(endpoint, name)
        return not value and not (value is None and name in pending)

    found = _config_problems(endpoint, missing)
    if not enabled(endpoint):
        return found
    suffix, audience = endpoint.annotation_suffix, endpoint.audience
    if missing("annotation_suffix"):
        found.append("custom token endpoint annotation suffix cannot be empty when audience is "
                     f"set: pass {FLAGS['annotation_suffix']} too, or drop {FLAGS['audience']}")
    if missing("audience"):
        found.append("custom token endpoint audience cannot be empty when annotation suffix is "
                     f"set: pass {FLAGS['audience']} too (the audience the token endpoint "
                     "expects)")
    elif audience and audience.casefold() == TOKEN_EXCHANGE_AUDIENCE.casefold():
        found.append(f"custom token endpoint audience cannot be equal to default audience "
                     f'"{TOKEN_EXCHANGE_AUDIENCE}": pass the audience the token endpoint expects')
    if suffix is None:
        return found
    key = annotation(endpoint)
    errors = qualifiednames.errors(key.lower()) if key else []
    if key and errors:
        found.append(f"custom token endpoint annotation key {json.dumps(key, ensure_ascii=False)} is not valid: "
                     f"{', '.join(errors)}: change {FLAGS['annotation_suffix']}")
    return found


def _config_problems(endpoint: TokenEndpoint, missing: Callable[[str], bool]) -> list[str]:
    found = []
    try:
        selector = label_selector(endpoint.ctb_label_selector)
    except ValueError as e:
        found.append(f"{FLAGS['ctb_label_selector']}: failed to decode LabelSelector: {e}: give "
                     'the JSON of a LabelSelector, e.g. {"matchLabels":{"app":"ca"}}')
        selector = None
    sources = [endpoint.ca_data, endpoint.ca_configmap, endpoint.ctb_signer]
    if sum(1 for v in sources if v) > 1:
        found.append(
            "only one of AZURE_KUBERNETES_CA_DATA, AZURE_KUBERNETES_CA_CONFIGMAP_NAME or "
            f"AZURE_KUBERNETES_CA_CTB_SIGNER_NAME can be set: keep one of {FLAGS['ca_data']}, "
            f"{FLAGS['ca_configmap']} and {FLAGS['ctb_signer']}"
        )
    if selector is not None and missing("ctb_signer"):
        found.append(
            "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME needs to be set when "
            f"AZURE_KUBERNETES_CA_CTB_LABEL_SELECTOR is set: pass {FLAGS['ctb_signer']} with "
            f"{FLAGS['ctb_label_selector']}"
        )
    return found


def label_selector(text: str | None) -> dict[str, Any] | None:
    """The LabelSelector of ``text`` as upstream marshals it back (None: not set); ValueError
    says why it is not one. Fields it does not know are refused (upstream drops them)."""
    if text is None or not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ValueError(str(e)) from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"expected an object, got {json.dumps(data)}")
    unknown = sorted(set(data) - {"matchLabels", "matchExpressions"})
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (a LabelSelector has matchLabels and "
                         "matchExpressions)")
    out: dict[str, Any] = {}
    labels = data.get("matchLabels")
    if labels is not None and not (
        isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())
    ):
        raise ValueError("matchLabels must map label names to strings")
    if labels:
        out["matchLabels"] = labels
    expressions = [_expression(e) for e in _list(data.get("matchExpressions"), "matchExpressions")]
    if expressions:
        out["matchExpressions"] = expressions
    return out


def _expression(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValueError("each of matchExpressions must be an object with key, operator, values")
    unknown = sorted(set(item) - set(_EXPRESSION_FIELDS))
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} in matchExpressions (key, operator, values)")
    for name in ("key", "operator"):
        if not isinstance(item.get(name, ""), str):
            raise ValueError(f"matchExpressions {name} must be a string")
    values = _list(item.get("values"), "matchExpressions values")
    if not all(isinstance(v, str) for v in values):
        raise ValueError("matchExpressions values must be strings")
    out: dict[str, Any] = {"key": item.get("key", ""), "operator": item.get("operator", "")}
    if values:
        out["values"] = values
    return out


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list")
    return value


def asked_for(endpoint: TokenEndpoint, annotations: dict[str, Any]) -> bool:
    """Whether a pod template with ``annotations`` uses the endpoint ("true" in any case)."""
    key = annotation(endpoint)
    value = annotations.get(key) if key and endpoint.audience else None
    return isinstance(value, str) and value.casefold() == "true"


def env(endpoint: TokenEndpoint) -> list[tuple[str, str]]:
    """The variables a container of such a pod gets after the usual four, in upstream's order."""
    return [
        ("AZURE_KUBERNETES_TOKEN_PROXY", endpoint.token_proxy or ""),
        ("AZURE_KUBERNETES_SNI_NAME", endpoint.sni_name or ""),
        ("AZURE_KUBERNETES_CA_FILE", CA_FILE),
        ("AZURE_KUBERNETES_CA_DATA", endpoint.ca_data or ""),
    ]


def ca_sources(endpoint: TokenEndpoint) -> list[dict[str, Any]]:
    """The projected volume's sources after the token: the CA ConfigMap or ClusterTrustBundle."""
    sources: list[dict[str, Any]] = []
    if endpoint.ca_configmap:
        sources.append({"configMap": {"name": endpoint.ca_configmap,
                                      "items": [{"key": CA_KEY, "path": CA_PATH}],
                                      "optional": False}})
    if endpoint.ctb_signer:
        bundle: dict[str, Any] = {"signerName": endpoint.ctb_signer}
        selector = label_selector(endpoint.ctb_label_selector)
        if selector is not None:
            bundle["labelSelector"] = selector
        bundle.update({"optional": False, "path": CA_PATH})
        sources.append({"clusterTrustBundle": bundle})
    return sources
