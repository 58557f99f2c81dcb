"""Whether each pod's token exchange would succeed, checked offline: the trust chain from pod to ServiceAccount to identity to federated credential, and workload-identity keys in the wrong place."""
