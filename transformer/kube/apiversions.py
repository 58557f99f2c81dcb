"""API versions that Kubernetes removed, and what replaced them.

From the Kubernetes deprecated API migration guide. The replacement's version is not listed:
``validate`` takes the preferred one that the chosen Kubernetes version serves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Removal:
    removed_in: str
    group: str | None  # the group that now serves the kind; None: removed without replacement
    note: str = ""


def _each(removed_in: str, api_version: str, kinds: str, group: str | None, note: str = "") -> dict[
    tuple[str, str], Removal
]:
    return {(api_version, kind): Removal(removed_in, group, note) for kind in kinds.split()}


_PSA = (
    "PodSecurityPolicy has no replacement in the API: use Pod Security Admission "
    "(pod-security.kubernetes.io/* namespace labels) or a policy engine"
)

REMOVED: dict[tuple[str, str], Removal] = {
    **_each("1.16", "extensions/v1beta1", "Deployment DaemonSet ReplicaSet", "apps"),
    **_each("1.16", "apps/v1beta1", "Deployment StatefulSet ControllerRevision", "apps"),
    **_each("1.16", "apps/v1beta2", "Deployment StatefulSet DaemonSet ReplicaSet ControllerRevision",
            "apps"),
    **_each("1.16", "extensions/v1beta1", "NetworkPolicy", "networking.k8s.io"),
    **_each("1.16", "extensions/v1beta1", "PodSecurityPolicy", None, _PSA),
    **_each("1.22", "extensions/v1beta1", "Ingress", "networking.k8s.io"),
    **_each("1.22", "networking.k8s.io/v1beta1", "Ingress IngressClass", "networking.k8s.io"),
    **_each("1.22", "admissionregistration.k8s.io/v1beta1",
            "MutatingWebhookConfiguration ValidatingWebhookConfiguration",
            "admissionregistration.k8s.io"),
    **_each("1.22", "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition",
            "apiextensions.k8s.io"),
    **_each("1.22", "apiregistration.k8s.io/v1beta1", "APIService", "apiregistration.k8s.io"),
    **_each("1.22", "authentication.k8s.io/v1beta1", "TokenReview", "authentication.k8s.io"),
    **_each("1.22", "authorization.k8s.io/v1beta1",
            "SubjectAccessReview LocalSubjectAccessReview SelfSubjectAccessReview "
            "SelfSubjectRulesReview", "authorization.k8s.io"),
    **_each("1.22", "certificates.k8s.io/v1beta1", "CertificateSigningRequest",
            "certificates.k8s.io"),
    **_each("1.22", "coordination.k8s.io/v1beta1", "Lease", "coordination.k8s.io"),
    **_each("1.22", "rbac.authorization.k8s.io/v1beta1",
            "ClusterRole ClusterRoleBinding Role RoleBinding", "rbac.authorization.k8s.io"),
    **_each("1.22", "scheduling.k8s.io/v1beta1", "PriorityClass", "scheduling.k8s.io"),
    **_each("1.22", "storage.k8s.io/v1beta1", "CSIDriver CSINode StorageClass VolumeAttachment",
            "storage.k8s.io"),
    **_each("1.25", "batch/v1beta1", "CronJob", "batch"),
    **_each("1.25", "discovery.k8s.io/v1beta1", "EndpointSlice", "discovery.k8s.io"),
    **_each("1.25", "events.k8s.io/v1beta1", "Event", "events.k8s.io"),
    **_each("1.25", "autoscaling/v2beta1", "HorizontalPodAutoscaler", "autoscaling"),
    **_each("1.25", "policy/v1beta1", "PodDisruptionBudget", "policy"),
    **_each("1.25", "policy/v1beta1", "PodSecurityPolicy", None, _PSA),
    **_each("1.25", "node.k8s.io/v1beta1", "RuntimeClass", "node.k8s.io"),
    **_each("1.26", "flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema PriorityLevelConfiguration",
            "flowcontrol.apiserver.k8s.io"),
    **_each("1.26", "autoscaling/v2beta2", "HorizontalPodAutoscaler", "autoscaling"),
    **_each("1.27", "storage.k8s.io/v1beta1", "CSIStorageCapacity", "storage.k8s.io"),
    **_each("1.29", "flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema PriorityLevelConfiguration",
            "flowcontrol.apiserver.k8s.io"),
    **_each("1.32", "flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema PriorityLevelConfiguration",
            "flowcontrol.apiserver.k8s.io"),
}


def minor(version: str) -> tuple[int, int]:
    major, _, rest = version.partition(".")
    return int(major), int(rest.partition(".")[0])


def removal(api_version: str, kind: str, kubernetes: str) -> Removal | None:
    """How ``api_version`` ``kind`` was removed, if it is by Kubernetes ``kubernetes``."""
    found = REMOVED.get((api_version, kind))
    if found is None or minor(found.removed_in) > minor(kubernetes):
        return None
    return found
