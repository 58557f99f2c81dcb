"""``wi-transform doctor``."""

from __future__ import annotations

import sys

import click

from ..options import TOKEN_EXCHANGE_AUDIENCE
from . import audience_flags, cli


def _app_credential(ctx: click.Context, param: click.Parameter,
                    values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        client_id, sep, path = value.partition("=")
        if not sep or not client_id or not path:
            raise click.BadParameter(f"{value!r}: expected CLIENT_ID=FILE", ctx, param)
        pairs.append((client_id, path))
    return tuple(pairs)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-n", "--namespace", default="default", show_default=True,
              help="Namespace of objects that name none.")
@click.option("--service-accounts", "service_accounts", multiple=True, metavar="PATH",
              help="Files or directories read for ServiceAccounts only.")
@click.option("--issuer", envvar="AKS_OIDC_ISSUER", metavar="URL",
              help="The cluster's OIDC issuer, exactly [env AKS_OIDC_ISSUER].")
@click.option("--from-cluster", is_flag=True,
              help="Read the issuer from the API server's /.well-known/openid-configuration "
                   "(extra cluster).")
@click.option("--context", default=None, help="Kubeconfig context for --from-cluster.")
@click.option("--identities", "identities_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="The JSON of `az identity list -o json`.")
@click.option("--credentials", "credentials_files", multiple=True, metavar="FILE",
              type=click.Path(dir_okay=False),
              help="The JSON of `az identity federated-credential list`, or of "
                   "`wi-transform federated-credential --format json` (repeatable).")
@click.option("--app-credentials", multiple=True, metavar="CLIENT_ID=FILE",
              callback=_app_credential,
              help="The JSON of `az ad app federated-credential list --id CLIENT_ID` "
                   "(repeatable).")
@click.option("--tenant-id", envvar="AZURE_TENANT_ID",
              help="Tenant of ServiceAccounts without the tenant-id annotation "
                   "[env AZURE_TENANT_ID].")
@audience_flags
@click.option("-o", "--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "json", "github", "sarif"]),
              help="Output: text, json, github (workflow annotations) or sarif (code scanning).")
@click.pass_context
def doctor(ctx: click.Context, /, paths: tuple[str, ...], namespace: str,
           service_accounts: tuple[str, ...], issuer: str | None, from_cluster: bool,
           context: str | None, identities_file: str | None, credentials_files: tuple[str, ...],
           app_credentials: tuple[tuple[str, str], ...], tenant_id: str | None,
           audience: str | None, annotation_suffix: str | None, endpoint_audience: str | None,
           fmt: str) -> int:
    """Find, before deploying, why a pod would not get its token: the trust chain from each
    workload-identity pod to its ServiceAccount, identity and federated credentials, with the
    Entra ID error it would produce and the fix; and workload-identity keys in the wrong place.
    Calls no Azure API.

    Exit 0 when everything lines up, 1 on any error, 2 on bad usage, 3 when an input cannot be
    read.
    """
    from ..commands import doctor as command
    from ..doctor.rules import RULES
    from ..options import DoctorOptions, TokenEndpoint
    from ..validate.formats import render

    if from_cluster and ctx.get_parameter_source("issuer") == click.core.ParameterSource.ENVIRONMENT:
        issuer = None  # --from-cluster asks the cluster itself, over $AKS_OIDC_ISSUER
    options = DoctorOptions(
        paths=paths, namespace=namespace, service_accounts=service_accounts,
        issuer=issuer or None, from_cluster=from_cluster, context=context,
        identities_file=identities_file, credentials_files=credentials_files,
        app_credentials=app_credentials, tenant_id=tenant_id or None,
        audience=TOKEN_EXCHANGE_AUDIENCE if audience is None else audience,
        endpoint=TokenEndpoint(annotation_suffix=annotation_suffix, audience=endpoint_audience),
    )
    result = command.run(options)
    sys.stdout.write(render(result.findings, result.summary(), fmt,  # type: ignore[arg-type]
                            catalogue=RULES, command="doctor"))
    sys.stdout.flush()
    return result.exit_code
