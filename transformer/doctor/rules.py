"""The catalogue of ``doctor``'s rules: what each finding means, how grave it is, and what Entra ID
answers the token request with when it happens.

Codes: AADSTS700016 is in Microsoft's published list (learn.microsoft.com/entra/identity-platform/
reference-error-codes: "UnauthorizedClient_DoesNotMatchRequest - The application wasn't found in
the directory/tenant"). AADSTS70021 ("No matching federated identity record found for presented
assertion") is cited by Microsoft's workload identity federation considerations. AADSTS700211,
AADSTS700212 and AADSTS700213 are not in the published list; Entra ID returns them with the text
"No matching federated identity record found for presented assertion issuer / audience / subject"
(the finer-grained successors of AADSTS70021, as users report them: Azure/azure-workload-identity
#1200, Azure/login #482).
"""

from __future__ import annotations

from typing import NamedTuple

from ..validate.findings import Severity
from ..validate.rules import Rule


class Check(NamedTuple):
    id: str
    severity: Severity
    code: str  # what Entra ID answers, or what the user sees instead
    summary: str


_CATALOGUE = [
    Check("no-client-id", "error", "no token request: AZURE_CLIENT_ID is not set",
          "The ServiceAccount of a workload-identity pod has no azure.workload.identity/client-id."),
    Check("account-missing", "warning", "(cannot be checked)",
          "The ServiceAccount a workload-identity pod runs as is in none of the inputs."),
    Check("unknown-client-id", "error", "AADSTS700016",
          "The client id names no identity in --identities."),
    Check("wrong-tenant", "error", "AADSTS700016",
          "The tenant (annotation or --tenant-id) is not the identity's tenantId."),
    Check("no-credential", "error", "AADSTS70021",
          "The identity has no federated identity credential in the inputs."),
    Check("issuer-mismatch", "error", "AADSTS700211",
          "No credential of the identity has the cluster's issuer, byte for byte."),
    Check("subject-mismatch", "error", "AADSTS700213",
          "No credential with the issuer has subject system:serviceaccount:<namespace>:<name>."),
    Check("audience-mismatch", "error", "AADSTS700212",
          "The matching credential's audiences do not hold the token's audience."),
    Check("too-many-credentials", "error", "creating more fails: 20 per identity",
          "An identity holds more than the 20 federated identity credentials Entra ID allows."),
    Check("duplicate-credential", "error",
          "creating it fails: issuer and subject combination already exists",
          "Two credentials of one identity with the same issuer and subject."),
    Check("stale-credential", "warning", "(drift: trusts a ServiceAccount nobody uses)",
          "A credential with the cluster's issuer whose subject matches no ServiceAccount of the "
          "identity in the inputs."),
    Check("use-misplaced", "error", "no injection: no token file, no AZURE_* variables",
          "The azure.workload.identity/use label is not on the pod template's labels."),
    Check("key-misspelled", "error", "ignored: no injection or no AZURE_CLIENT_ID",
          "A workload-identity key spelled otherwise (client_id, clientId): only the exact name "
          "counts."),
    Check("annotation-misplaced", "error", "ignored: read only from another object",
          "A workload-identity annotation on an object that is not read for it (a Service, the "
          "pod instead of its ServiceAccount, the ServiceAccount instead of the pod)."),
    Check("proxy-host-network", "error", "the proxy would take the node's metadata traffic",
          "The proxy sidecar is requested on a hostNetwork pod."),
    Check("proxy-windows", "error", "no proxy: its images and iptables rules are Linux-only",
          "The proxy sidecar is requested on a Windows pod (nodeSelector kubernetes.io/os: "
          "windows)."),
]

CHECKS: dict[str, Check] = {c.id: c for c in _CATALOGUE}
# The shape validate's SARIF writer reads.
RULES: dict[str, Rule] = {c.id: Rule(c.id, c.severity, f"{c.summary} ({c.code})")
                          for c in _CATALOGUE}
