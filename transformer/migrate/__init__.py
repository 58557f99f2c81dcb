"""aad-pod-identity to workload identity: reading its objects, matching bindings, planning the rewrite."""
