"""``wi-transform doctor``: manifests and the ``az`` JSON of identities and credentials in, every
reason a workload-identity pod would get no token out, as findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..doctor import fieldtypes, placement, trust
from ..errors import InputError, InputErrors, UsageError
from ..federated import azjson
from ..federated.identity import client_id_problem
from ..identity import endpoint
from ..kube.accounts import Accounts
from ..manifest import inputs
from ..manifest.stream import Source
from ..options import DoctorOptions
from ..validate.findings import Finding, count, ordered


@dataclass
class DoctorResult:
    findings: list[Finding] = field(default_factory=list)
    accounts: int = 0
    identities: int = 0
    credentials: int = 0
    issuer: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity == "error" for f in self.findings) else 0

    def summary(self) -> str:
        tally = ", ".join(f"{n} {_plural(s, n)}" for s, n in count(self.findings).items())
        return (f"{tally}: {self.accounts} {_plural('ServiceAccount', self.accounts)}, "
                f"{self.identities} {_plural('identity', self.identities)}, {self.credentials} "
                f"{_plural('credential', self.credentials)}; issuer "
                f"{self.issuer if self.issuer is not None else '(none given)'}")


def run(options: DoctorOptions) -> DoctorResult:
    """Read every input; unreadable ones (or JSON of another shape) raise InputErrors (exit 3)."""
    _check_usage(options)
    errors: list[InputError] = []
    sources = inputs.load(options.paths, errors)
    identities = _identities(options.identities_file, errors)
    credentials = _credentials(options, errors)
    account_sources = inputs.load(options.service_accounts, errors) if options.service_accounts else []
    if errors:
        raise InputErrors(errors)
    if options.identities_file is None and any(c.owner[0] != "app" for c in credentials):
        raise UsageError("--credentials name managed identities by resource id, and only "
                         "--identities (az identity list -o json) says which client id each has: "
                         "pass it too")
    issuer = _cluster_issuer(options) if options.from_cluster else options.issuer
    if issuer is None and credentials:
        raise UsageError("no issuer to compare the credentials with: pass --issuer URL, set "
                         "AKS_OIDC_ISSUER (az aks show -n CLUSTER -g GROUP --query "
                         "oidcIssuerProfile.issuerUrl -o tsv), or --from-cluster")
    return check(sources, account_sources, options, trust.Trust(
        issuer=issuer, audience=options.audience, endpoint=options.endpoint,
        tenant_id=options.tenant_id,
        identities={i.client_id.lower(): i for i in identities},
        identities_given=options.identities_file is not None, credentials=credentials,
        credentials_given=bool(options.credentials_files),
        apps=frozenset([c.owner[1] for c in credentials if c.owner[0] == "app"]
                       + [client_id.lower() for client_id, _ in options.app_credentials])))


def check(sources: list[Source], account_sources: list[Source], options: DoctorOptions,
          held: trust.Trust) -> DoctorResult:
    """The findings over parsed inputs (pure); InputErrors for fields of the wrong type."""
    resources = list(inputs.resources(sources))
    accounts = Accounts(options.namespace)
    accounts.add_from(inputs.resources(account_sources))  # of those files, all that is read
    problems = fieldtypes.problems([*accounts, *resources], options.namespace)
    if problems:
        raise InputErrors(problems)
    accounts.add_from(resources)
    findings = placement.check(resources, accounts, namespace=options.namespace)
    findings += trust.check(resources, accounts, held, namespace=options.namespace)
    return DoctorResult(ordered(findings), len(accounts), len(held.identities),
                        len(held.credentials), held.issuer)


def _check_usage(options: DoctorOptions) -> None:
    if options.from_cluster and options.issuer:
        raise UsageError("--issuer and --from-cluster both name the issuer: pick one")
    for client_id, _ in options.app_credentials:
        problem = client_id_problem(client_id)
        if problem:
            raise UsageError(f"--app-credentials {client_id}=FILE: {problem}")
    if not options.audience.strip():
        raise UsageError("--audience is empty: leave it out for api://AzureADTokenExchange")
    # only the annotation suffix and the audience matter here: the rest may stay unsaid
    problems = endpoint.problems(options.endpoint, pending=_NOT_ASKED)
    if problems:
        raise UsageError("; ".join(problems))


_NOT_ASKED = ("token_proxy", "sni_name", "ca_data", "ca_configmap", "ctb_signer",
              "ctb_label_selector")


def _identities(path: str | None, errors: list[InputError]) -> list[azjson.AzIdentity]:
    found: list[azjson.AzIdentity] = []
    for source in inputs.load([path], errors) if path else []:
        for document in azjson.each(source.documents):
            listed, problems = azjson.identities(document)
            found += listed
            errors += problems
    return found


def _credentials(options: DoctorOptions, errors: list[InputError]) -> list[azjson.AzCredential]:
    files: list[tuple[str, str | None]] = [(f, None) for f in options.credentials_files]
    files += [(f, client_id) for client_id, f in options.app_credentials]
    found: list[azjson.AzCredential] = []
    for path, app in files:
        for source in inputs.load([path], errors):
            for document in azjson.each(source.documents):
                listed, problems = azjson.credentials(document, app)
                found += listed
                errors += problems
    return found


def _cluster_issuer(options: DoctorOptions) -> str:
    from ..integrations.cluster import Cluster

    return Cluster(options.context).issuer()


def _plural(word: str, n: int) -> str:
    if n == 1 or word == "info":
        return word
    return word[:-1] + "ies" if word.endswith("y") else word + "s"
