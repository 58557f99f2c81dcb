"""The ``bicep`` format: the identities as ``existing`` resources, a ``@batchSize(1)`` loop each."""

from __future__ import annotations

import re

from .credentials import Plan
from .deploy import Deployed, deployment

TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "$": "\\$"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def string(text: str) -> str:
    """``text`` as a Bicep string literal (``$`` escaped: ``${`` would interpolate)."""
    return "'" + "".join(_escape(ch) for ch in text) + "'"


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    return f"\\u{{{ord(ch):X}}}" if _CONTROL.fullmatch(ch) else ch


def bicep(plan: Plan) -> str:
    target = deployment(plan, "bicep")
    out = [
        ("// Federated identity credentials, made by `wi-transform federated-credential --format "
         "bicep`.\n"
        "// Deploy it into the identities' resource group:\n"
        f"//   {target.command('federated-credentials.bicep')}\n"
        "// Azure rejects concurrent writes under one identity: @batchSize(1) writes them one "
        "at a time.\n")
    ]
    for identity in target.identities:
        if identity.parameter:
            out.append(f"\n@description({string(identity.description())})\n"
                       f"param {identity.parameter} string\n")
    audiences = "".join(f"  {string(a)}\n" for a in plan.audiences)
    out.append(f"\nvar issuer = {string(plan.issuer)}\nvar audiences = [\n{audiences}]\n")
    for identity in target.identities:
        out.append(_identity(plan, identity))
    return "".join(out)


def _identity(plan: Plan, identity: Deployed) -> str:
    name = identity.parameter or string(str(identity.name))
    entries = "".join(
        f"  {{\n    name: {string(c.name)}\n    subject: {string(c.subject)}\n  }}\n"
        for c in identity.credentials
    )
    s = identity.symbol
    return (
        f"\nresource {s} '{TYPE}@{plan.api_version}' existing = {{\n  name: {name}\n}}\n"
        f"\nvar {s}Credentials = [\n{entries}]\n"
        f"\n@batchSize(1)\n"
        f"resource {s}FederatedCredentials '{TYPE}/federatedIdentityCredentials@{plan.api_version}'"
        f" = [for credential in {s}Credentials: {{\n"
        f"  parent: {s}\n"
        "  name: credential.name\n"
        "  properties: {\n"
        "    issuer: issuer\n"
        "    subject: credential.subject\n"
        "    audiences: audiences\n"
        "  }\n"
        "}]\n"
    )
