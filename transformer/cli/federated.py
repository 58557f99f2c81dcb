"""``wi-transform federated-credential``."""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_OK
from ..options import FEDERATED_FORMATS, TOKEN_EXCHANGE_AUDIENCE
from . import cli


@cli.command("federated-credential")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--issuer", envvar="AKS_OIDC_ISSUER", metavar="URL",
              help="The cluster's OIDC issuer URL, exactly (AKS: ends with /) "
                   "[env AKS_OIDC_ISSUER].")
@click.option("--audience", "audiences", multiple=True, metavar="TEXT",
              help=f"Audience of the tokens (exactly one) [default: {TOKEN_EXCHANGE_AUDIENCE}].")
@click.option("-n", "--namespace", default="default", show_default=True,
              help="Namespace of ServiceAccounts that name none.")
@click.option("--target", type=click.Choice(["identity", "app"]), default="identity",
              show_default=True,
              help="Write to user-assigned managed identities (ARM) or app registrations (Graph).")
@click.option("--format", "fmt", type=click.Choice(FEDERATED_FORMATS), default="az-rest",
              show_default=True, help="What to print (graph implies --target app).")
@click.option("--cloud", default="AzurePublicCloud", show_default=True,
              help="Azure cloud whose ARM and Graph endpoints to use.")
@click.option("--api-version", default="2023-01-31", show_default=True,
              help="Microsoft.ManagedIdentity API version.")
@click.option("--subscription", default=None, help="Subscription id of the identity.")
@click.option("--resource-group", default=None, help="Resource group of the identity.")
@click.option("--identity-name", default=None,
              help="The one identity every credential goes to (with --resource-group).")
@click.option("--identities", "identities_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE", help="Client id -> identity resource id (JSON/YAML mapping, or "
                                   "`az identity list -o json` output).")
def federated_credential(paths: tuple[str, ...], issuer: str | None, audiences: tuple[str, ...],
                         namespace: str, target: str, fmt: str, cloud: str, api_version: str,
                         subscription: str | None, resource_group: str | None,
                         identity_name: str | None, identities_file: str | None) -> int:
    """Print the federated identity credentials that let every ServiceAccount in PATHS (with the
    azure.workload.identity/client-id annotation) sign in as its identity. Calls no Azure API."""
    from ..commands import federated as command
    from ..options import FederatedOptions

    options = FederatedOptions(
        issuer=issuer or None,
        paths=paths,
        namespace=namespace,
        audiences=audiences or (TOKEN_EXCHANGE_AUDIENCE,),
        target=target,  # type: ignore[arg-type]
        format=fmt,  # type: ignore[arg-type]
        cloud=cloud,
        api_version=api_version,
        subscription=subscription,
        resource_group=resource_group,
        identity_name=identity_name,
        identities_file=identities_file,
    )
    text = command.run(options, warn=lambda w: click.echo(f"wi-transform: warning: {w}", err=True))
    sys.stdout.write(text)
    sys.stdout.flush()
    return EXIT_OK
