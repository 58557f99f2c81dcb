"""The ``terraform`` format: ``azurerm_federated_identity_credential`` (azurerm 4.x), chained.

Terraform would create them in parallel; each credential ``depends_on`` the one before under the
same identity, because Azure rejects concurrent writes under one identity.
"""

from __future__ import annotations

import re

from .credentials import Credential, Plan
from .identity import Identity

RESOURCE = "azurerm_federated_identity_credential"
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER = """\
# Federated identity credentials, made by `wi-transform federated-credential --format terraform`.
# Azure rejects concurrent writes under one identity: depends_on makes them one at a time.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}
"""


def string(text: str) -> str:
    """``text`` as an HCL string: quotes and controls escaped, ``${`` and ``%{`` doubled."""
    body = "".join(_ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if _CONTROL.fullmatch(ch) else ch)
                   for ch in text)
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'


def block(header: str, attributes: list[tuple[str, str]], indent: str = "") -> str:
    """A block with its ``=`` aligned as ``terraform fmt`` aligns them."""
    width = max((len(k) for k, _ in attributes), default=0)
    lines = "".join(f"{indent}  {k.ljust(width)} = {v}\n" for k, v in attributes)
    return f"{indent}{header} {{\n{lines}{indent}}}\n"


def terraform(plan: Plan) -> str:
    out = [_HEADER]
    parents: list[tuple[str, str]] = []
    for n, (identity, _) in enumerate(plan.groups(), 1):
        text, parent = _identity(identity, n)
        out.append(text)
        parents.append(parent)
    audiences = "[" + ", ".join(string(a) for a in plan.audiences) + "]"
    out.append("\n" + block("locals", [("issuer", string(plan.issuer)), ("audiences", audiences)]))
    labels = _labels(plan.credentials)
    for (_, creds), (parent_id, group) in zip(plan.groups(), parents, strict=True):
        before = None
        for credential in creds:
            label = labels[credential]
            attributes = [("name", string(credential.name)), ("resource_group_name", group),
                          ("parent_id", parent_id), ("issuer", "local.issuer"),
                          ("subject", string(credential.subject)), ("audience", "local.audiences")]
            if before:
                attributes.append(("depends_on", f"[{RESOURCE}.{before}]"))
            out.append("\n" + block(f'resource "{RESOURCE}" "{label}"', attributes))
            before = label
    return "".join(out)


def _identity(identity: Identity, n: int) -> tuple[str, tuple[str, str]]:
    """Declarations the identity needs, and (parent_id, resource_group_name) expressions."""
    if identity.known and identity.subscription:
        return "", (string(identity.resource_id()), string(str(identity.resource_group)))
    if identity.known:
        data = f"data.azurerm_user_assigned_identity.identity_{n}"
        return ("\n" + block(f'data "azurerm_user_assigned_identity" "identity_{n}"',
                             [("name", string(str(identity.name))),
                              ("resource_group_name", string(str(identity.resource_group)))]),
                (f"{data}.id", f"{data}.resource_group_name"))
    description = f"Resource id of the user-assigned identity with client id {identity.client_id}"
    var = f"var.identity_{n}_id"
    return ("\n" + block(f'variable "identity_{n}_id"',
                         [("description", string(description)), ("type", "string")]),
            (var, f'split("/", {var})[4]'))


def _labels(credentials: tuple[Credential, ...]) -> dict[Credential, str]:
    """Resource labels from credential names: letters, digits, _ and -, not a leading digit."""
    labels: dict[Credential, str] = {}
    taken: set[str] = set()
    for credential in credentials:
        base = credential.name.replace("-", "_")
        base = base if base[0].isalpha() or base[0] == "_" else f"fic_{base}"
        label, n = base, 1
        while label in taken:
            n += 1
            label = f"{base}_{n}"
        taken.add(label)
        labels[credential] = label
    return labels
