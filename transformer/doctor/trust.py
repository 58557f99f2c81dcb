"""The trust chain of every workload-identity pod: ServiceAccount -> client id -> identity ->
federated credential (issuer, subject, audience), checked in the order Entra ID checks a token
request. Pure: resources, the identities and credentials as ``az`` lists them in, findings out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..federated.azjson import AzCredential, AzIdentity, Owner, app_owner
from ..federated.credentials import subject_claim
from ..federated.identity import parse_resource_id
from ..federated.names import credential_name
from ..federated.plan import MAX_PER_IDENTITY
from ..federated.shell import quote
from ..identity import endpoint as token_endpoint
from ..identity import names as wi
from ..identity import trigger
from ..kube.accounts import Accounts
from ..kube.objects import annotations_of, as_map
from ..manifest.stream import Path, Resource
from ..options import TokenEndpoint
from ..validate.findings import Finding, at, on
from ..validate.identitychecks import Workload, workload
from .rules import CHECKS

_SUBJECT_PREFIX = "system:serviceaccount:"


class _Make(Protocol):
    """How _account makes a finding about its ServiceAccount."""

    def __call__(self, rule: str, text: str, path: Path = ...) -> Finding: ...


@dataclass(frozen=True)
class Trust:
    """What Azure holds, as far as the inputs say, and what the token will carry."""

    issuer: str | None
    audience: str = wi.AUDIENCE
    endpoint: TokenEndpoint = field(default_factory=TokenEndpoint)
    tenant_id: str | None = None
    identities: Mapping[str, AzIdentity] = field(default_factory=dict)  # by client id, lower
    identities_given: bool = False
    credentials: Sequence[AzCredential] = ()
    credentials_given: bool = False  # --credentials: the managed identities' credentials are known
    apps: frozenset[str] = frozenset()  # client ids (lower) whose credentials were given

    def audience_of(self, pod: Workload) -> str:
        """The audience of the pod's token: the custom token endpoint's when it asks for it."""
        if self.endpoint.audience and token_endpoint.asked_for(self.endpoint, pod.annotations):
            return self.endpoint.audience
        return self.audience

    def owner(self, client_id: str) -> tuple[Owner, str, str | None] | None:
        """(owner, how to name it, its tenant) of a client id, None when unknown."""
        if client_id.lower() in self.apps:
            return app_owner(client_id), f"app registration {client_id}", None
        found = self.identities.get(client_id.lower())
        if found is None:
            return None
        return found.identity.key, found.resource_id, found.tenant_id


def check(resources: Iterable[Resource], accounts: Accounts, trust: Trust, *,
          namespace: str) -> list[Finding]:
    """Every reason a workload-identity pod of the inputs would get no token."""
    uses, findings = _uses(resources, accounts, namespace)
    by_owner: dict[Owner, list[AzCredential]] = {}
    for credential in trust.credentials:
        by_owner.setdefault(credential.owner, []).append(credential)
    for (ns, name), pods in uses.items():
        account = accounts.get(ns, name)
        assert account is not None  # _uses keeps only ServiceAccounts in the inputs
        findings += _account(account, ns, pods, trust, by_owner, namespace)
    for credentials in by_owner.values():
        findings += _limits(credentials)
    findings += _stale(trust, accounts)
    return findings


def _uses(resources: Iterable[Resource], accounts: Accounts, namespace: str
          ) -> tuple[dict[tuple[str, str], list[Workload]], list[Finding]]:
    uses: dict[tuple[str, str], list[Workload]] = {}
    findings: list[Finding] = []
    for resource in resources:
        pod = workload(resource, namespace)
        if pod is None:
            continue
        account = accounts.get(pod.namespace, pod.account)
        if not trigger.is_triggered(pod.template, account.data if account else None):
            continue
        if account is None:
            findings.append(_missing(pod))
        else:
            uses.setdefault((pod.namespace, pod.account), []).append(pod)
    return uses, findings


def _missing(pod: Workload) -> Finding:
    spec = as_map(pod.template.get("spec"))
    where: Path = ("spec", "serviceAccountName") if "serviceAccountName" in spec else ()
    return pod.finding(
        where, "warning", "account-missing",
        f"{pod.title} runs as ServiceAccount {pod.namespace}/{pod.account}, which is in none of "
        "the inputs, so its trust cannot be checked: add its manifest to the inputs or point "
        "--service-accounts at it")


def _account(account: Resource, ns: str, pods: list[Workload], trust: Trust,
             by_owner: Mapping[Owner, list[AzCredential]], namespace: str) -> list[Finding]:
    title = f"ServiceAccount {ns}/{account.name} (used by {', '.join(p.title for p in pods)})"
    annotations = annotations_of(account.data)
    client_id = annotations.get(wi.CLIENT_ID)
    client_at: Path = ("metadata", "annotations", wi.CLIENT_ID)

    def finding(rule: str, text: str, path: Path = client_at) -> Finding:
        code = CHECKS[rule].code
        text = (f"the token request would fail with {code}: {text}" if code.startswith("AADSTS")
                else f"{text} ({code})")
        return on(account, path, CHECKS[rule].severity, rule, f"{title}: {text}",
                  namespace=namespace)

    if not isinstance(client_id, str) or not client_id:
        return [finding("no-client-id",
                        f"no {wi.CLIENT_ID} annotation, so the pods get no AZURE_CLIENT_ID and "
                        "ask for no token: annotate it with the client id of its identity",
                        ("metadata", "name"))]
    known = trust.owner(client_id)
    if known is None:
        if not trust.identities_given:
            return []
        return [finding("unknown-client-id",
                        f"client id {client_id} names no identity in --identities, so Entra ID "
                        "answers that the application was not found in the directory: use the "
                        "clientId of its identity (az identity show -n NAME -g GROUP --query "
                        "clientId -o tsv)")]
    owner, owner_name, owner_tenant = known
    findings = _tenant(annotations, owner_name, owner_tenant, trust, finding)
    if trust.issuer is None or (owner[0] != "app" and not trust.credentials_given):
        return findings
    subject = subject_claim(ns, account.name)
    audiences = sorted({trust.audience_of(p) for p in pods})
    fix = _fix(owner, owner_name, client_id, ns, account.name, trust, audiences[0])
    credentials = by_owner.get(owner, [])
    if not credentials:
        findings.append(finding("no-credential",
                                f"{owner_name} has no federated identity credential in the "
                                f"inputs (`az identity federated-credential list` printing [] "
                                f"names no identity: then it has none), so none trusts "
                                f"{subject}: create it: {fix}"))
        return findings
    problem = _exchange(credentials, trust, subject, audiences)
    if problem is not None:
        fix = _fix(owner, owner_name, client_id, ns, account.name, trust, problem[2])
        findings.append(finding(problem[0], f"{problem[1]}: fix: {fix}"))
    return findings


def _tenant(annotations: Mapping[str, object], owner_name: str, owner_tenant: str | None,
            trust: Trust, finding: _Make) -> list[Finding]:
    value = annotations.get(wi.TENANT_ID)
    tenant = value if isinstance(value, str) and value else trust.tenant_id
    if owner_tenant is None or tenant is None or tenant.lower() == owner_tenant.lower():
        return []
    where: Path = ("metadata", "annotations", wi.TENANT_ID if value else wi.CLIENT_ID)
    source = f"its {wi.TENANT_ID} annotation" if value else "--tenant-id"
    return [finding("wrong-tenant",
                    f"the token is requested from tenant {tenant} ({source}), but {owner_name} "
                    f"is in tenant {owner_tenant}: set {wi.TENANT_ID} to {owner_tenant}", where)]


def _exchange(credentials: Sequence[AzCredential], trust: Trust, subject: str,
              audiences: Sequence[str]) -> tuple[str, str, str] | None:
    """The first check Entra ID would fail, as (rule, why, the audience of the credential that
    would fix it), or None when a credential matches the token of every pod."""
    issuer = str(trust.issuer)
    with_issuer = [c for c in credentials if c.issuer == issuer]
    if not with_issuer:
        near = "; ".join(f"credential {c.name!r} has issuer {c.issuer!r}{_issuer_miss(c.issuer, issuer)}"
                         for c in credentials)
        return "issuer-mismatch", (f"no federated credential of {credentials[0].owner_name} has "
                                   f"the cluster's issuer {issuer!r} (compared byte for byte): "
                                   f"{near}"), audiences[0]
    matching = [c for c in with_issuer if c.subject == subject]
    if not matching:
        near = "; ".join(f"credential {c.name!r} has subject {c.subject!r}{_subject_miss(c.subject, subject)}"
                         for c in with_issuer)
        return "subject-mismatch", (f"no federated credential with the cluster's issuer has "
                                    f"subject {subject!r} (compared byte for byte): {near}"), audiences[0]
    missing = [a for a in audiences if not any(a in c.audiences for c in matching)]
    if not missing:
        return None
    found = "; ".join(f"credential {c.name!r} has audiences {list(c.audiences)}" for c in matching)
    return "audience-mismatch", (f"the token's audience is {missing[0]!r}, which no credential "
                                 f"for {subject!r} accepts: {found}"), missing[0]


def _issuer_miss(found: str, wanted: str) -> str:
    if found.rstrip("/") == wanted.rstrip("/"):
        return ", which differs only by the trailing slash"
    if found.lower() == wanted.lower():
        return ", which differs in letter case"
    if found.strip() == wanted.strip():
        return ", which differs by surrounding whitespace"
    return ""


def _subject_miss(found: str, wanted: str) -> str:
    if found.lower() == wanted.lower():
        return ", case differs"
    if found.strip() == wanted.strip():
        return ", surrounding whitespace differs"
    have, want = _parts(found), _parts(wanted)
    if have and want and have[1] == want[1]:
        return f", namespace {have[0]!r} instead of {want[0]!r}"
    if have and want and have[0] == want[0]:
        return f", ServiceAccount {have[1]!r} instead of {want[1]!r}"
    return ""


def _parts(subject: str) -> tuple[str, str] | None:
    if not subject.startswith(_SUBJECT_PREFIX):
        return None
    ns, sep, name = subject[len(_SUBJECT_PREFIX):].partition(":")
    return (ns, name) if sep and ns and name and ":" not in name else None


def _fix(owner: Owner, owner_name: str, client_id: str, ns: str, name: str, trust: Trust,
         audience: str) -> str:
    subject = subject_claim(ns, name)
    credential = credential_name(ns, name, subject)
    if owner[0] == "app":
        parameters = json.dumps({"name": credential, "issuer": trust.issuer, "subject": subject,
                                 "audiences": [audience]})
        return f"az ad app federated-credential create --id {client_id} --parameters {quote(parameters)}"
    identity = parse_resource_id(client_id, owner_name)
    assert not isinstance(identity, str)  # owner_name is the resource id az listed
    return " ".join([
        "az identity federated-credential create", "--name", quote(credential),
        "--identity-name", quote(str(identity.name)), "--resource-group",
        quote(str(identity.resource_group)), "--subscription", quote(str(identity.subscription)),
        "--issuer", quote(str(trust.issuer)), "--subject", quote(subject),
        "--audiences", quote(audience)])


def _limits(credentials: Sequence[AzCredential]) -> list[Finding]:
    findings: list[Finding] = []
    if len(credentials) > MAX_PER_IDENTITY:
        extra = credentials[MAX_PER_IDENTITY]
        findings.append(at(extra.where, "error", "too-many-credentials",
                           f"{extra.owner_name} holds {len(credentials)} federated identity "
                           f"credentials, more than the {MAX_PER_IDENTITY} Entra ID allows per "
                           "identity: delete the stale ones or spread the ServiceAccounts over "
                           f"more identities ({CHECKS['too-many-credentials'].code})"))
    seen: dict[tuple[str, str], AzCredential] = {}
    for credential in credentials:
        first = seen.setdefault((credential.issuer, credential.subject), credential)
        if first is not credential:
            findings.append(at(credential.where, "error", "duplicate-credential",
                               f"credential {credential.name!r} of {credential.owner_name} has "
                               f"the issuer and subject of credential {first.name!r} "
                               f"({first.where}): Entra ID refuses a second one; keep one "
                               f"({CHECKS['duplicate-credential'].code})"))
    return findings


def _stale(trust: Trust, accounts: Accounts) -> list[Finding]:
    findings: list[Finding] = []
    for credential in trust.credentials:
        parts = _parts(credential.subject)
        if credential.issuer != trust.issuer or parts is None:
            continue
        account = accounts.get(*parts)
        why = _stale_reason(account, credential, trust, parts)
        if why:
            findings.append(at(credential.where, "warning", "stale-credential",
                               f"credential {credential.name!r} of {credential.owner_name} trusts "
                               f"{credential.subject!r}, but {why}: delete it if nothing else "
                               "uses it, or add the manifests that do to the inputs"))
    return findings


def _stale_reason(account: Resource | None, credential: AzCredential, trust: Trust,
                  parts: tuple[str, str]) -> str | None:
    if account is None:
        return f"no ServiceAccount {parts[0]}/{parts[1]} is in the inputs"
    client_id = annotations_of(account.data).get(wi.CLIENT_ID)
    known = trust.owner(client_id) if isinstance(client_id, str) else None
    if known is not None and known[0] != credential.owner:
        return (f"ServiceAccount {parts[0]}/{parts[1]} names client id {client_id}, which is "
                f"{known[1]}")
    return None
