"""wi-transform: Azure Workload Identity injected into Kubernetes manifests at build time."""

__version__ = "0.1.0"
