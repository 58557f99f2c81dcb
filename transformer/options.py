"""What each command was asked to do, as frozen values; the CLI builds them from flags.

NamedTuples, not dataclasses: every command imports this at start-up, and a frozen dataclass
costs ten times as much to define (``_replace`` makes a changed copy)."""

from __future__ import annotations

from typing import Literal, NamedTuple

UPSTREAM_PROXY_IMAGE = "mcr.microsoft.com/oss/azure/workload-identity/proxy:v1.6.0"
UPSTREAM_PROXY_INIT_IMAGE = "mcr.microsoft.com/oss/azure/workload-identity/proxy-init:v1.6.0"

Mode = Literal["stdout", "in-place", "check"]
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


class TokenEndpoint(NamedTuple):
    """The webhook's custom token endpoint (AKS identity bindings), as its flags and ConfigMap
    give it; ``None``: not given, so that ``--from-cluster`` may fill it from the ConfigMap."""

    annotation_suffix: str | None = None
    audience: str | None = None
    token_proxy: str | None = None
    sni_name: str | None = None
    ca_data: str | None = None
    ca_configmap: str | None = None
    ctb_signer: str | None = None
    ctb_label_selector: str | None = None  # the JSON of a LabelSelector


class InjectSettings(NamedTuple):
    """What the injection itself depends on (pure: no paths, no I/O)."""

    authority_host: str = "https://login.microsoftonline.com/"
    tenant_id: str | None = None
    proxy_image: str = UPSTREAM_PROXY_IMAGE
    proxy_init_image: str = UPSTREAM_PROXY_INIT_IMAGE
    native_sidecar: bool = True
    log_level: str = "info"
    audience: str = TOKEN_EXCHANGE_AUDIENCE
    endpoint: TokenEndpoint = TokenEndpoint()


class InjectOptions(NamedTuple):
    """``wi-transform inject``: inputs, where output goes, and the injection settings."""

    paths: tuple[str, ...] = ()
    mode: Mode = "stdout"
    namespace: str = "default"
    service_accounts: tuple[str, ...] = ()
    settings: InjectSettings = InjectSettings()
    validate: bool = False
    from_cluster: bool = False
    context: str | None = None
    report_file: str | None = None


FederatedFormat = Literal["az-rest", "az-cli", "graph", "json", "bicep", "terraform", "arm"]
FederatedTarget = Literal["identity", "app"]
FEDERATED_FORMATS: tuple[FederatedFormat, ...] = (
    "az-rest", "az-cli", "graph", "json", "bicep", "terraform", "arm",
)


class FederatedOptions(NamedTuple):
    """``wi-transform federated-credential``: which trust to emit, for whom, in which form.

    ``identities`` maps client ids to identity resource ids; the command fills it from
    ``identities_file``, the pure core only reads ``identities``.
    """

    issuer: str | None = None
    paths: tuple[str, ...] = ()
    namespace: str = "default"
    audiences: tuple[str, ...] = (TOKEN_EXCHANGE_AUDIENCE,)
    target: FederatedTarget = "identity"
    format: FederatedFormat = "az-rest"
    cloud: str = "AzurePublicCloud"
    api_version: str = "2023-01-31"
    subscription: str | None = None
    resource_group: str | None = None
    identity_name: str | None = None
    identities_file: str | None = None
    identities: tuple[tuple[str, str], ...] = ()


ReportFormat = Literal["text", "json"]


class MigrateOptions(NamedTuple):
    """``wi-transform migrate``: inputs, output mode, how to migrate, and what to emit.

    ``inject`` holds the injection settings when ``--inject`` asks for it in the same pass;
    ``federated`` the credential options when ``federated_credentials`` names a file.
    """

    paths: tuple[str, ...] = ()
    mode: Mode = "stdout"
    namespace: str = "default"
    service_accounts: tuple[str, ...] = ()
    tenant_id: str | None = None
    proxy: bool = True
    remove_pod_identity: bool = False
    force_namespaced: bool = False
    inject: InjectSettings | None = None
    report_format: ReportFormat = "text"
    report_file: str | None = None
    federated_credentials: str | None = None
    federated: FederatedOptions | None = None


class ValidateOptions(NamedTuple):
    """``wi-transform validate``: inputs, the schemas to judge them by, and the context."""

    paths: tuple[str, ...] = ()
    kubernetes_version: str | None = None  # None: the newest bundled
    strict: bool | None = None  # None: the project file's, else strict
    schema_dirs: tuple[str, ...] = ()
    namespace: str = "default"
    service_accounts: tuple[str, ...] = ()
    # the webhook's --custom-token-endpoint-annotation-suffix; None: it runs without one
    endpoint_suffix: str | None = None
    skip_non_manifests: bool = False  # skip well-known non-manifests even when named
    config_file: str | None = None  # None: .wi-transform.yaml found upward from the cwd
    no_config: bool = False
    skip_rules: tuple[tuple[str, str], ...] = ()  # (rule id, reason): not reported


class JwksOptions(NamedTuple):
    """``wi-transform jwks``: the issuer's keys, its URL, and where to write its documents."""

    public_keys: tuple[str, ...] = ()
    issuer: str = ""
    output_dir: str = ""
    jwks_uri: str | None = None  # None: the JWKS beside the configuration, under the issuer


class DoctorOptions(NamedTuple):
    """``wi-transform doctor``: the manifests, what Azure holds (as ``az`` lists it), and the
    token's issuer and audience."""

    paths: tuple[str, ...] = ()
    namespace: str = "default"
    service_accounts: tuple[str, ...] = ()
    issuer: str | None = None
    from_cluster: bool = False
    context: str | None = None
    identities_file: str | None = None
    credentials_files: tuple[str, ...] = ()
    app_credentials: tuple[tuple[str, str], ...] = ()  # (client id, file)
    tenant_id: str | None = None
    audience: str = TOKEN_EXCHANGE_AUDIENCE
    endpoint: TokenEndpoint = TokenEndpoint()  # suffix and audience only
