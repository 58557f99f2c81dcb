"""The catalogue of ``validate``'s rules: what each finding id means and how grave it is."""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str


_CATALOGUE = [
    Rule("yaml-syntax", "error", "The input is not valid YAML."),
    Rule("yaml-duplicate-key", "error",
         "A key written twice in one mapping: only the last counts (a warning with --no-strict)."),
    Rule("helm-template", "warning",
         "A Helm template, not a manifest: skipped (render it, or use the Helm post-renderer)."),
    Rule("k8s-object", "error", "A document that is not a Kubernetes object (apiVersion and kind)."),
    Rule("k8s-schema", "error", "The object does not match the Kubernetes schema of its kind."),
    Rule("k8s-unknown-field", "error",
         "A field the Kubernetes schema does not know; the API server rejects it (strict)."),
    Rule("removed-api-version", "error",
         "An API version removed from Kubernetes, with the one that replaced it."),
    Rule("unknown-api-version", "error", "The kind exists, but not in this API version."),
    Rule("no-schema", "info", "No schema for this kind (a custom resource?): skipped."),
    Rule("crd-schema", "error", "The object does not match the schema given with --schema-dir."),
    Rule("wi-string-value", "error",
         "A workload-identity label or annotation whose value Kubernetes does not read as a string."),
    Rule("wi-use-label", "warning", "The azure.workload.identity/use label is not \"true\" or \"false\"."),
    Rule("wi-client-id", "error", "azure.workload.identity/client-id is not a GUID."),
    Rule("wi-tenant-id", "error", "azure.workload.identity/tenant-id is not a GUID."),
    Rule("wi-token-expiration", "error",
         "azure.workload.identity/service-account-token-expiration is not 3600..86400 seconds."),
    Rule("wi-proxy-port", "error", "azure.workload.identity/proxy-sidecar-port is not 1..65535."),
    Rule("wi-inject-proxy-sidecar", "error",
         "azure.workload.identity/inject-proxy-sidecar is not \"true\" or \"false\"."),
    Rule("wi-skip-containers", "error",
         "azure.workload.identity/skip-containers names a container the pod does not have."),
    Rule("wi-custom-endpoint-value", "warning",
         "A custom token endpoint annotation (azure.workload.identity/use-S) is not \"true\" or "
         "\"false\" (any case)."),
    Rule("wi-custom-endpoint-unconfigured", "warning",
         "An azure.workload.identity/use-S annotation that no configured custom token endpoint "
         "suffix (--custom-token-endpoint-annotation-suffix) matches: it does nothing."),
    Rule("wi-account-client-id", "error",
         "A workload uses a ServiceAccount that has no azure.workload.identity/client-id."),
    Rule("wi-account-missing", "warning",
         "A workload's ServiceAccount is not in the inputs (see --service-accounts)."),
    Rule("wi-proxy-host-network", "error", "The proxy sidecar is requested on a hostNetwork pod."),
    Rule("wi-proxy-pod-security", "error",
         "The proxy goes into a namespace whose Pod Security level rejects its privileged init "
         "container."),
    Rule("wi-account-unused", "info",
         "A ServiceAccount with the use label that no workload in the inputs runs as."),
    Rule("ignore-annotation", "warning",
         "A wi-transform.azure.workload.identity/ignore-<rule> annotation without a reason, or "
         "naming no rule."),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _CATALOGUE}
