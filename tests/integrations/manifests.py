"""Small manifests the integration tests share: a labelled ServiceAccount and its workloads."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import CLIENT

USE = "azure.workload.identity/use"

ACCOUNT = f"""\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  labels:
    {USE}: "true"
  annotations:
    azure.workload.identity/client-id: "{CLIENT}"
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      containers:
      - name: web
        image: nginx
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web  # untouched: not a workload
spec:
  ports: [{port: 80}]
"""

# What `helm template` prints: a `---` and a `# Source:` comment before every document.
HELM_STREAM = (
    "---\n# Source: web/templates/serviceaccount.yaml\n" + ACCOUNT
    + "---\n# Source: web/templates/service.yaml\n" + SERVICE
    + "---\n# Source: web/templates/deployment.yaml\n" + DEPLOYMENT
)


def in_namespace(manifest: str, namespace: str) -> str:
    """The manifest with ``metadata.namespace`` set, right after its name."""
    return manifest.replace("\n  name: web\n", f"\n  name: web\n  namespace: {namespace}\n", 1)


def documents(text: bytes | str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def env_of(workload: dict[str, Any], container: int = 0) -> dict[str, str]:
    """The env of one container of a workload's pod template, by name."""
    spec = workload["spec"]["template"]["spec"]
    return {e["name"]: e.get("value", "") for e in spec["containers"][container].get("env", [])}
