"""Pure core of ``wi-transform federated-credential``: ServiceAccounts + options -> credentials.

``render(subjects, options)`` is the public entry point (``migrate`` calls it too); ``plan``
checks everything and decides names and identities, the ``federated_*`` modules write formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..errors import InputError, InputErrors, UsageError
from ..identity.clouds import Cloud, cloud
from ..options import FederatedFormat, FederatedOptions, FederatedTarget
from .credentials import Credential, Plan, Subject, subject_claim
from .identity import Identity, client_id_problem, names_problem, parse_resource_id
from .names import unique_names

MAX_PER_IDENTITY = 20
MAX_CLAIM = 600
APP_FORMATS: tuple[FederatedFormat, ...] = ("az-rest", "graph", "az-cli", "json")
_API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(-preview)?", re.IGNORECASE)
_AKS_ISSUER_HOST = re.compile(r"(^|\.)(oidc|oic)\.prod-aks\.azure\.(com|cn|us)(:443)?$",
                              re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]")

Warn = Callable[[str], None]


def render(
    subjects: Sequence[Subject], options: FederatedOptions, *, warn: Warn | None = None
) -> str:
    """The chosen ``--format``'s text; UsageError or InputErrors (all at once) for bad input."""
    checked = plan(subjects, options)
    for warning in checked.warnings:
        if warn is not None:
            warn(warning)
    return renderer(options.format)(checked)


def renderer(fmt: FederatedFormat) -> Callable[[Plan], str]:
    # Imported on demand: each format's module is only loaded when asked for.
    if fmt in ("az-rest", "graph"):
        from .scripts import az_rest

        return az_rest
    if fmt == "az-cli":
        from .scripts import az_cli

        return az_cli
    if fmt == "json":
        from .payloads import payloads

        return payloads
    if fmt == "arm":
        from .arm import arm_template

        return arm_template
    if fmt == "bicep":
        from .bicep import bicep

        return bicep
    if fmt == "terraform":
        from .terraform import terraform

        return terraform
    raise UsageError(f"unknown format {fmt!r}")


def target_of(options: FederatedOptions) -> FederatedTarget:
    return "app" if options.format == "graph" else options.target


def plan(subjects: Sequence[Subject], options: FederatedOptions) -> Plan:
    """Check every input and decide each credential; raise once with every problem."""
    target = target_of(options)
    _check_usage(options, target)
    problems = [InputError(p) for p in _option_problems(options)]
    the_cloud = _cloud(options.cloud, problems)
    identities = _identity_map(options.identities, problems)
    resolved: list[tuple[Subject, Identity]] = []
    for subject in subjects:
        identity = _identity_of(subject, options, target, identities, problems)
        if identity is not None:
            resolved.append((subject, identity))
    problems += [InputError(p) for p in _one_identity_problems(resolved, options, target)]
    credentials = _credentials(resolved)
    problems += [InputError(p) for p in _limit_problems(credentials)]
    if problems:
        raise InputErrors(problems)
    result = Plan(tuple(credentials), str(options.issuer), options.audiences, target, the_cloud,
                  options.api_version, tuple(issuer_warnings(str(options.issuer))))
    _check_known(result, options)
    return result


def _check_usage(options: FederatedOptions, target: FederatedTarget) -> None:
    if target == "app":
        if options.format not in APP_FORMATS:
            raise UsageError(f"--target app works with --format {', '.join(APP_FORMATS)}: "
                             f"{options.format} only describes managed identities")
        given = [flag for flag, value in (
            ("--subscription", options.subscription), ("--resource-group", options.resource_group),
            ("--identity-name", options.identity_name), ("--identities", options.identities_file
                                                         or options.identities)) if value]
        if given:
            raise UsageError(f"{', '.join(given)} name managed identities, but --target app writes "
                             "to app registrations by client id: drop them")
    if options.identity_name and not options.resource_group:
        raise UsageError("--identity-name needs --resource-group (and --subscription unless the "
                         "signed-in subscription is the identity's)")


def _option_problems(options: FederatedOptions) -> list[str]:
    problems = issuer_problems(options.issuer)
    if len(options.audiences) != 1:
        problems.append(f"exactly one audience is allowed, got {len(options.audiences)}: "
                        "Entra ID takes one per credential (the default is "
                        "api://AzureADTokenExchange)")
    for audience in options.audiences:
        if not audience.strip():
            problems.append("the audience is empty: leave --audience out for the default")
        elif len(audience) > MAX_CLAIM:
            problems.append(f"the audience is {len(audience)} characters long; at most {MAX_CLAIM}")
    if not _API_VERSION.fullmatch(options.api_version):
        problems.append(f"--api-version {options.api_version!r} is not an API version "
                        "like 2023-01-31")
    problem = names_problem(options.subscription, options.resource_group, options.identity_name)
    if problem:
        problems.append(problem)
    return problems


def issuer_problems(issuer: str | None) -> list[str]:
    if not issuer:
        return [("no issuer: pass --issuer URL or set AKS_OIDC_ISSUER, e.g. from `az aks show -n "
                "CLUSTER -g GROUP --query oidcIssuerProfile.issuerUrl -o tsv`")]
    problems = []
    if not issuer.lower().startswith("https://") or not _host(issuer):
        problems.append(f"issuer {issuer!r} is not an https URL: Entra ID only trusts "
                        "https://HOST/... issuers")
    if "?" in issuer or "#" in issuer:
        problems.append(f"issuer {issuer!r} has a query or fragment: use the issuer URL exactly "
                        "as the cluster's discovery document states it")
    if len(issuer) > MAX_CLAIM:
        problems.append(f"issuer is {len(issuer)} characters long; Entra ID takes at most "
                        f"{MAX_CLAIM}")
    return problems


def issuer_warnings(issuer: str) -> list[str]:
    warnings = []
    if _AKS_ISSUER_HOST.search(_host(issuer)) and not issuer.endswith("/"):
        warnings.append(f"issuer {issuer!r} looks like an AKS issuer but does not end with '/': "
                        "AKS issuers do, and Entra ID compares them exactly; copy it from `az aks "
                        "show --query oidcIssuerProfile.issuerUrl -o tsv`")
    if _CONTROL.search(issuer):
        warnings.append(f"issuer {issuer!r} contains whitespace or control characters: tokens "
                        "from a real cluster will not match it")
    return warnings


def _host(url: str) -> str:
    rest = url.split("://", 1)[1] if "://" in url else ""
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _cloud(name: str, problems: list[InputError]) -> Cloud:
    try:
        return cloud(name)
    except UsageError as e:
        problems.append(InputError(str(e)))
        return cloud(None)


def _identity_map(
    pairs: Sequence[tuple[str, str]], problems: list[InputError]
) -> dict[str, Identity]:
    found: dict[str, Identity] = {}
    for client_id, resource_id in pairs:
        parsed = parse_resource_id(client_id, resource_id)
        if isinstance(parsed, str):
            problems.append(InputError(f"identities: client id {client_id}: {parsed}"))
        else:
            found[client_id.lower()] = parsed
    return found


def _identity_of(subject: Subject, options: FederatedOptions, target: FederatedTarget,
                 identities: dict[str, Identity], problems: list[InputError]) -> Identity | None:
    where = f"ServiceAccount {subject.namespace}/{subject.service_account}"
    bad = client_id_problem(subject.client_id)
    if bad is None and not (subject.namespace and subject.service_account):
        bad = "namespace and name must not be empty"
    if bad is None and len(subject_claim(subject.namespace, subject.service_account)) > MAX_CLAIM:
        bad = f"the subject is longer than {MAX_CLAIM} characters"
    if bad:
        problems.append(InputError(f"{where}: {bad}"))
        return None
    if target == "app":
        return Identity(subject.client_id)
    if subject.identity_id:
        parsed = parse_resource_id(subject.client_id, subject.identity_id)
        if isinstance(parsed, str):
            problems.append(InputError(f"{where}: {parsed}"))
            return None
        return parsed
    if subject.client_id.lower() in identities:
        return identities[subject.client_id.lower()]
    return Identity(subject.client_id, options.subscription, options.resource_group,
                    options.identity_name)


def _one_identity_problems(resolved: Sequence[tuple[Subject, Identity]],
                           options: FederatedOptions, target: FederatedTarget) -> list[str]:
    if target == "app" or not options.identity_name:
        return []
    named = [(s, i) for s, i in resolved if i.name == options.identity_name and
             i.resource_group == options.resource_group and i.subscription == options.subscription]
    client_ids = sorted({s.client_id.lower() for s, _ in named})
    if len(client_ids) <= 1:
        return []
    accounts = ", ".join(f"{s.namespace}/{s.service_account} ({s.client_id})" for s, _ in named)
    return [(f"--identity-name {options.identity_name} names one identity, but the ServiceAccounts "
            f"name {len(client_ids)} client ids: {accounts}: map each client id to its identity "
            "with --identities FILE")]


def _credentials(resolved: Sequence[tuple[Subject, Identity]]) -> list[Credential]:
    by_identity: dict[tuple[str, ...], list[tuple[Subject, Identity, str]]] = {}
    for subject, identity in resolved:
        claim = subject_claim(subject.namespace, subject.service_account)
        group = by_identity.setdefault(identity.key, [])
        if all(claim != seen for _, _, seen in group):  # same issuer and subject: emitted once
            group.append((subject, identity, claim))
    credentials = []
    for group in by_identity.values():
        names = unique_names([(s.namespace, s.service_account, claim) for s, _, claim in group])
        credentials += [Credential(identity, name, s.namespace, s.service_account, claim)
                        for (s, identity, claim), name in zip(group, names, strict=True)]
    return credentials


def _limit_problems(credentials: Sequence[Credential]) -> list[str]:
    counts: dict[tuple[str, ...], list[Credential]] = {}
    for credential in credentials:
        counts.setdefault(credential.identity.key, []).append(credential)
    return [
        f"{group[0].identity.describe()} would get {len(group)} federated identity credentials, "
        f"more than the {MAX_PER_IDENTITY} Azure allows per identity: ServiceAccounts "
        f"{', '.join(c.account for c in group)}: spread them over more identities"
        for group in counts.values() if len(group) > MAX_PER_IDENTITY
    ]


def _check_known(result: Plan, options: FederatedOptions) -> None:
    if options.format != "json" or result.target == "app":
        return
    unknown = [c for c in result.credentials
               if not c.identity.known or c.identity.subscription is None]
    if unknown:
        ids = sorted({c.identity.client_id for c in unknown})
        raise UsageError(
            "--format json writes complete URLs, so it needs each identity's subscription, "
            f"resource group and name, unknown for client id(s) {', '.join(ids)}: pass "
            "--identities FILE or --subscription/--resource-group/--identity-name (the az-rest "
            "and az-cli scripts can look identities up when they run)"
        )
