"""The bash formats: ``az-rest`` (ARM, or Graph for apps) and ``az-cli``.

Every value reaches the shell through ``federated_shell.quote``; the commands run one after the
other because Azure rejects concurrent credential writes under one identity (409
ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .credentials import Credential, Plan
from .identity import Identity
from .shell import Var, command, quote, word

_HEADER = """#!/usr/bin/env bash
# Federated identity credentials, made by `wi-transform federated-credential --format {fmt}`.
# {what}
# The writes run one at a time: Azure rejects concurrent writes under one identity.
set -euo pipefail
"""
_WHAT = {
    ("az-rest", "identity"): "One `az rest` PUT per credential; PUT creates or updates, so "
                             "re-running is safe.",
    ("az-rest", "app"): "One Microsoft Graph PATCH per credential with "
                        "`Prefer: create-if-missing`: it creates or updates, so re-running "
                        "is safe.",
    ("az-cli", "identity"): "One `az identity federated-credential create` per credential "
                            "(it creates or updates).",
    ("az-cli", "app"): "One `az ad app federated-credential create` per credential; it fails when "
                       "the credential exists (use --format graph to update in place).",
}
_LOOKUP = """
# The resource id of the one user-assigned identity with client id $1, found when this runs.
wi_identity_id() {
  local client_id=$1 found
  shift
  found=$(az identity list "$@" --query "[?clientId=='${client_id}'].id" -o tsv)
  if [[ -z $found || $found == *$'\\n'* ]]; then
    printf 'wi-transform: expected one user-assigned identity with client id %s, found %s\\n' \\
      "$client_id" "$(if [[ -z $found ]]; then echo none; else echo several; fi)" >&2
    printf '  select the subscription with `az account set`, or make this script again with\\n' >&2
    printf '  --identities FILE or --subscription/--resource-group/--identity-name\\n' >&2
    exit 1
  fi
  printf '%s\\n' "$found"
}
"""
_SPLIT = 'IFS=/ read -r _ _ {v}_subscription _ {v}_group _ _ _ {v}_name <<<"${{{v}}}"\n'
_NOTE = ("wi-transform: {n} federated identity credential(s) written. New credentials take a few "
         "seconds to propagate: a token request right away may still fail (AADSTS70021); retry "
         "after a minute.")

Lines = Callable[[Plan, Credential, "Identity | Var"], str]


def az_rest(plan: Plan) -> str:
    return _script(plan, "az-rest", _graph_patch if plan.target == "app" else _arm_put)


def az_cli(plan: Plan) -> str:
    return _script(plan, "az-cli", _ad_app_create if plan.target == "app" else _identity_create)


def _script(plan: Plan, fmt: str, write: Lines) -> str:
    # the flags that make this script again (graph is az-rest's name for --target app)
    flags = f"{fmt} --target app" if plan.target == "app" else fmt
    out = [_HEADER.format(fmt=flags, what=_WHAT[(fmt, plan.target)])]
    lookups = [(i, creds) for i, creds in plan.groups()
               if plan.target == "identity" and not i.known]
    if lookups:
        out.append(_LOOKUP)
        out.append("\n# Every identity is found before anything is written.\n")
        for n, (identity, _) in enumerate(lookups, 1):
            out.append(_lookup_line(f"identity_{n}", identity, split=fmt == "az-cli"))
    variables = {i.key: Var(f"identity_{n}") for n, (i, _) in enumerate(lookups, 1)}
    for identity, creds in plan.groups():
        where: Identity | Var = variables.get(identity.key, identity)
        for credential in creds:
            out.append("\n" + _progress(credential, where, plan.target == "app")
                       + write(plan, credential, where))
    out.append(f"\nprintf '%s\\n' {quote(_NOTE.format(n=len(plan.credentials)))} >&2\n")
    return "".join(out)


def _lookup_line(variable: str, identity: Identity, *, split: bool) -> str:
    narrow = []
    if identity.subscription:
        narrow += ["--subscription", quote(identity.subscription)]
    if identity.resource_group:
        narrow += ["--resource-group", quote(identity.resource_group)]
    call = " ".join(["wi_identity_id", quote(identity.client_id.lower()), *narrow])
    line = f"{variable}=$({call})\n"
    return line + (_SPLIT.format(v=variable) if split else "")


def _progress(credential: Credential, where: Identity | Var, app: bool) -> str:
    target: str | Var = where if isinstance(where, Var) else where.describe()
    if app:
        target = f"app registration {credential.identity.client_id}"
    text = word(f"{credential.name}: ServiceAccount {credential.account} -> ", target)
    return f"printf '%s\\n' {text} >&2\n"


def _arm_put(plan: Plan, credential: Credential, where: Identity | Var) -> str:
    if isinstance(where, Var):
        url = word(plan.arm_base(), where, plan.arm_path(credential))
    else:
        resource_id = where.resource_id("{subscriptionId}")  # az rest fills in the signed-in one
        url = quote(plan.arm_base() + resource_id + plan.arm_path(credential))
    return command(["az", "rest", "--method", "put", "--url", url,
                    "--headers", quote("Content-Type=application/json"),
                    "--body", quote(_json(plan.body(credential)))])


def _graph_patch(plan: Plan, credential: Credential, where: Identity | Var) -> str:
    return command(["az", "rest", "--method", "patch", "--url", quote(plan.graph_url(credential)),
                    "--headers", quote("Content-Type=application/json"),
                    quote("Prefer=create-if-missing"),
                    "--body", quote(_json(plan.body(credential)))])


def _identity_create(plan: Plan, credential: Credential, where: Identity | Var) -> str:
    if isinstance(where, Var):
        names = [word(Var(f"{where.name}_{part}")) for part in ("name", "group", "subscription")]
    else:
        names = [quote(str(where.name)), quote(str(where.resource_group))]
        names += [quote(where.subscription)] if where.subscription else []
    args = ["az", "identity", "federated-credential", "create", "--name", quote(credential.name),
            "--identity-name", names[0], "--resource-group", names[1]]
    args += ["--subscription", names[2]] if len(names) > 2 else []
    args += ["--issuer", quote(plan.issuer), "--subject", quote(credential.subject),
             "--audiences", *(quote(a) for a in plan.audiences)]
    return command(args)


def _ad_app_create(plan: Plan, credential: Credential, where: Identity | Var) -> str:
    return command(["az", "ad", "app", "federated-credential", "create",
                    "--id", quote(credential.identity.client_id),
                    "--parameters", quote(_json(plan.body(credential)))])


def _json(body: object) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
