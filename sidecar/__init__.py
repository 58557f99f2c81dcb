"""wi-proxy: an IMDS-compatible token endpoint backed by Azure Workload Identity."""
