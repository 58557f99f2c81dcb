"""The ``json`` format: the raw requests, ``[{method, url, headers, body}]``, one per credential.

Its shape is schemas/federated-credential-payloads.json.
"""

from __future__ import annotations

import json

from .credentials import Plan


def payloads(plan: Plan) -> str:
    requests = [plan.request(credential) for credential in plan.credentials]
    listed = [{"method": r.method, "url": r.url, "headers": r.headers, "body": r.body}
              for r in requests]
    return json.dumps(listed, indent=2, ensure_ascii=False) + "\n"
