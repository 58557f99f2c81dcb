"""The ``arm`` format: a resource-group template whose one copy loop runs in ``serial`` mode.

Its shape is schemas/federated-credential-arm.json.
"""

from __future__ import annotations

import json
from typing import Any

from .credentials import Plan
from .deploy import Deployed, deployment

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
_ITEM = "variables('credentials')[copyIndex()]"


def arm_template(plan: Plan) -> str:
    target = deployment(plan, "arm")
    template: dict[str, Any] = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {"description": (
            "Federated identity credentials, made by `wi-transform federated-credential --format "
            f"arm`. Deploy: {target.command('federated-credentials.json')}. The copy loop is "
            "serial: Azure rejects concurrent writes under one identity.")},
        "parameters": {
            i.parameter: {"type": "string", "metadata": {"description": i.description()}}
            for i in target.identities if i.parameter
        },
        "variables": {
            "issuer": literal(plan.issuer),
            "audiences": [literal(a) for a in plan.audiences],
            "credentials": [entry for i in target.identities for entry in _entries(i)],
        },
        "resources": [_resource(plan)] if plan.credentials else [],
    }
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def literal(text: str) -> str:
    """``text`` as ARM reads it: a string in brackets would be an expression; ``[[`` escapes it."""
    return "[" + text if text.startswith("[") and text.endswith("]") else text


def _entries(identity: Deployed) -> list[dict[str, str]]:
    name = (f"[parameters('{identity.parameter}')]" if identity.parameter
            else literal(str(identity.name)))
    return [{"identity": name, "name": c.name, "subject": literal(c.subject)}
            for c in identity.credentials]


def _resource(plan: Plan) -> dict[str, Any]:
    return {
        "type": TYPE,
        "apiVersion": plan.api_version,
        "name": f"[format('{{0}}/{{1}}', {_ITEM}.identity, {_ITEM}.name)]",
        "copy": {
            "name": "federatedIdentityCredentials",
            "count": "[length(variables('credentials'))]",
            "mode": "serial",
            "batchSize": 1,
        },
        "properties": {
            "issuer": "[variables('issuer')]",
            "subject": f"[{_ITEM}.subject]",
            "audiences": "[variables('audiences')]",
        },
    }
