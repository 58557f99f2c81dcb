"""``--from-cluster``: what the inputs leave out, read from the cluster of the kubeconfig.

The only module that imports ``kubernetes``; it is imported only when --from-cluster is given.
ServiceAccounts that pod templates use but no input defines are read from the API server, and,
as the webhook does, the tenant and the custom token endpoint's AZURE_KUBERNETES_* settings from
its ConfigMap when their flags are not given. Every library error becomes one of ours here,
naming the kubeconfig context.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, InputErrors, Location, UsageError, WiTransformError
from ..identity import endpoint, trigger
from ..identity import names as wi
from ..kube.accounts import Accounts
from ..kube.objects import annotations_of
from ..kube.workloads import pod_template
from ..manifest import inputs
from ..manifest.stream import Resource, Source, parse
from ..options import InjectOptions, InjectSettings

NEEDS_CLIENT = "--from-cluster needs the kubernetes client: pip install 'wi-transform[cluster]'"
try:
    import urllib3
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException
except ImportError as e:  # the extra is not installed: a usage error with the fix, not a bug
    raise UsageError(NEEDS_CLIENT) from e

WEBHOOK_NAMESPACE = "azure-workload-identity-system"
WEBHOOK_CONFIG = "azure-wi-webhook-config"
TENANT_KEY = "AZURE_TENANT_ID"
TIMEOUT_SECONDS = 10.0
DISCOVERY = "/.well-known/openid-configuration"


class ClusterError(WiTransformError):
    """The cluster could not be asked (no kubeconfig, unreachable, refused)."""


@dataclass(frozen=True)
class Wanted:
    """A ServiceAccount some pod template uses that no input defines."""

    namespace: str
    name: str
    user: str
    where: Location
    required: bool  # the template is labelled itself, so injection cannot go on without it


def lookup(sources: list[Source], options: InjectOptions) -> tuple[list[Resource], InjectOptions]:
    """The ServiceAccounts missing from the inputs, and options with the cluster's tenant."""
    accounts = Accounts(options.namespace)
    if options.service_accounts:
        accounts.add_from(inputs.resources(inputs.load(options.service_accounts)))
    accounts.add_from(inputs.resources(sources))
    wanted = missing_accounts(inputs.resources(sources), accounts, options.namespace)
    cluster = Cluster(options.context) if wanted else None
    found = cluster.accounts(wanted) if cluster else []
    accounts.add_from(found)
    settings = options.settings
    tenant = settings.tenant_id is None and _tenant_needed(sources, accounts, options.namespace)
    if tenant or _endpoint_needed(sources, settings):
        cluster = cluster or Cluster(options.context)
        settings = _configured(settings, cluster.webhook_config(), cluster.context, tenant)
        options = options._replace(settings=settings)
    return found, options


def _configured(
    settings: InjectSettings, config: dict[str, str], context: str, tenant: bool
) -> InjectSettings:
    """``settings`` with what the webhook's ConfigMap gives that no flag did, checked whole."""
    if tenant and config.get(TENANT_KEY):
        settings = settings._replace(tenant_id=config[TENANT_KEY])
    given = {
        name: config[key] for name, key in endpoint.CONFIG_KEYS.items()
        if getattr(settings.endpoint, name) is None and key in config
    }
    settings = settings._replace(endpoint=settings.endpoint._replace(**given))
    problems = endpoint.problems(settings.endpoint)
    if problems:
        raise UsageError(
            f"--from-cluster: with ConfigMap {WEBHOOK_NAMESPACE}/{WEBHOOK_CONFIG} of context "
            f"{context!r} ({', '.join(endpoint.CONFIG_KEYS[n] for n in given) or 'no setting'} "
            f"from it): {'; '.join(problems)}"
        )
    return settings


def missing_accounts(
    resources: Iterable[Resource], accounts: Accounts, default_namespace: str
) -> list[Wanted]:
    """Each ServiceAccount that a pod template names and no input defines, once."""
    wanted: dict[tuple[str, str], Wanted] = {}
    for resource in resources:
        template, path = _template(resource)
        if template is None:
            continue
        namespace = resource.namespace or default_namespace
        name = trigger.service_account_name(template)
        if accounts.get(namespace, name) is not None:
            continue
        required = trigger.is_triggered(template, None)
        prior = wanted.get((namespace, name))
        if prior is None or (required and not prior.required):
            where = resource.location(path + ("spec", "serviceAccountName"))
            title = resource.title(default_namespace)
            wanted[(namespace, name)] = Wanted(namespace, name, title, where, required)
    return list(wanted.values())


class Cluster:
    """One API server, as the kubeconfig's context (or its current one) describes it."""

    def __init__(self, context: str | None) -> None:
        try:
            _, active = config.list_kube_config_contexts()  # type: ignore[no-untyped-call]
            self.context = context or str(active["name"])
            configuration = client.Configuration()
            config.load_kube_config(  # type: ignore[no-untyped-call]
                context=self.context, client_configuration=configuration
            )
        except (config.ConfigException, OSError, KeyError, TypeError) as e:
            which = f"context {context!r}" if context else "the current context"
            raise ClusterError(
                f"--from-cluster: cannot use {which} of the kubeconfig: {e}: check KUBECONFIG "
                "and --context (kubectl config get-contexts lists them)"
            ) from e
        # One try, bounded: a wrong address should fail in seconds, not after urllib3's retries.
        configuration.retries = False
        self.server = configuration.host
        self.api = client.CoreV1Api(client.ApiClient(configuration))

    def accounts(self, wanted: Iterable[Wanted]) -> list[Resource]:
        found: list[Resource] = []
        missing: list[InputError] = []
        for want in wanted:
            data = self._get("ServiceAccount", want.namespace, want.name)
            if data is not None:
                source = parse(_source_name(self.context, want), json.dumps(data).encode())
                found += source.documents[0].resources()
            elif want.required:
                missing.append(
                    InputError(
                        f"{want.user} uses ServiceAccount {want.namespace}/{want.name}, which is "
                        f"neither in the inputs nor in the cluster of context {self.context!r}: "
                        "create it, add its manifest to the inputs, or point --service-accounts "
                        "at it",
                        want.where,
                    )
                )
        if missing:
            raise InputErrors(missing)
        return found

    def webhook_config(self) -> dict[str, str]:
        """The settings the cluster's webhook runs with (its ConfigMap), none when not installed."""
        data = self._get("ConfigMap", WEBHOOK_NAMESPACE, WEBHOOK_CONFIG)
        found = (data or {}).get("data")
        if not isinstance(found, dict):
            return {}
        return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}

    def issuer(self) -> str:
        """The service-account issuer the API server publishes in its discovery document."""
        well_known = client.WellKnownApi(self.api.api_client)
        data = self._read(DISCOVERY, "", "",
                          lambda: well_known.get_service_account_issuer_open_id_configuration(
                              _preload_content=False, _request_timeout=TIMEOUT_SECONDS))
        issuer = data.get("issuer") if isinstance(data, dict) else None
        if not isinstance(issuer, str) or not issuer:
            raise ClusterError(
                f"--from-cluster: the API server {self.server} of context {self.context!r} "
                "serves no issuer at /.well-known/openid-configuration (service-account issuer "
                "discovery is off?): pass --issuer instead")
        return issuer

    def _get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        read: Any = (
            self.api.read_namespaced_service_account
            if kind == "ServiceAccount"
            else self.api.read_namespaced_config_map
        )
        return self._read(kind, namespace, name, lambda: read(
            name, namespace, _preload_content=False, _request_timeout=TIMEOUT_SECONDS))

    def _read(self, kind: str, namespace: str, name: str,
              call: Callable[[], Any]) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(call().data)
            return data
        except ApiException as e:
            if e.status == 404:
                return None
            raise ClusterError(self._refused(e, kind, namespace, name)) from e
        except urllib3.exceptions.HTTPError as e:
            reason = getattr(e, "reason", None) or e
            raise ClusterError(
                f"--from-cluster: cannot reach the API server {self.server} of context "
                f"{self.context!r}: {reason}: check that the cluster is up and the kubeconfig "
                "is current, or pass the ServiceAccounts with --service-accounts instead"
            ) from e
        except ValueError as e:
            raise ClusterError(
                f"--from-cluster: the API server {self.server} of context {self.context!r} "
                f"sent a {kind} that is not JSON: is the server address right?"
            ) from e

    def _refused(self, e: ApiException, kind: str, namespace: str, name: str) -> str:
        what = f"{kind} {namespace}/{name}" if namespace else DISCOVERY
        where = f"the API server {self.server} of context {self.context!r}"
        if e.status == 401:
            return (
                f"--from-cluster: {where} did not accept the credentials (401 Unauthorized) "
                f"reading {what}: refresh them (e.g. az aks get-credentials) and retry"
            )
        if e.status == 403 and not namespace:
            return (
                f"--from-cluster: context {self.context!r} may not read {what} (403 Forbidden): "
                "bind it to the ClusterRole system:service-account-issuer-discovery, or pass "
                "--issuer instead"
            )
        if e.status == 403:
            # The ConfigMap only gives settings, so the way around it is their flags.
            instead = (
                "pass the manifests with --service-accounts instead"
                if kind == "ServiceAccount"
                else "pass --tenant-id instead (and the --kubernetes-* flags when pods use a "
                "custom token endpoint)"
            )
            return (
                f"--from-cluster: context {self.context!r} may not read {what} (403 Forbidden): "
                f"grant it get on {kind.lower()}s in namespace {namespace}, or {instead}"
            )
        return f"--from-cluster: {where} answered {e.status} {e.reason} reading {what}"


def _template(resource: Resource) -> tuple[dict[str, Any] | None, tuple[str | int, ...]]:
    located = pod_template(resource)
    return (located[1], located[0]) if located is not None else (None, ())


def _tenant_needed(sources: list[Source], accounts: Accounts, default_namespace: str) -> bool:
    """Whether some triggered template's ServiceAccount names no tenant of its own."""
    for resource in inputs.resources(sources):
        template, _ = _template(resource)
        if template is None:
            continue
        namespace = resource.namespace or default_namespace
        account = accounts.get(namespace, trigger.service_account_name(template))
        data = account.data if account is not None else None
        if trigger.is_triggered(template, data) and not _annotation(account, wi.TENANT_ID):
            return True
    return False


def _endpoint_needed(sources: list[Source], settings: InjectSettings) -> bool:
    """Whether a template asks for the custom token endpoint and a setting of it is not given."""
    token_endpoint = settings.endpoint
    if all(getattr(token_endpoint, name) is not None for name in endpoint.CONFIG_KEYS):
        return False
    for resource in inputs.resources(sources):
        template, _ = _template(resource)
        if template is not None and endpoint.asked_for(token_endpoint, annotations_of(template)):
            return True
    return False


def _annotation(account: Resource | None, key: str) -> object:
    annotations = account.metadata.get("annotations") if account is not None else None
    return annotations.get(key) if isinstance(annotations, dict) else None


def _source_name(context: str, want: Wanted) -> str:
    return f"cluster {context}/namespaces/{want.namespace}/serviceaccounts/{want.name}.json"
