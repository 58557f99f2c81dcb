"""Offline validation: Kubernetes schemas, workload-identity rules, findings and their output formats."""
