"""What Kubernetes defines: workload kinds, objects, ServiceAccounts, API versions, schemas, selectors."""
