"""``wi-transform jwks``."""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_OK
from . import cli


@cli.command()
@click.option("--public-key", "public_keys", multiple=True, required=True, metavar="FILE",
              type=click.Path(dir_okay=False),
              help="PEM file of a service-account signing key (public, or the private key); "
                   "repeat for each key the API server accepts.")
@click.option("--issuer", required=True, metavar="URL",
              help="The issuer URL, exactly as the API server's --service-account-issuer.")
@click.option("--output-dir", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Where to write .well-known/openid-configuration and openid/v1/jwks.")
@click.option("--jwks-uri", default=None, metavar="URL",
              help="Where the JWKS is served [default: ISSUER/openid/v1/jwks].")
def jwks(public_keys: tuple[str, ...], issuer: str, output_dir: str, jwks_uri: str | None) -> int:
    """Write the OIDC discovery documents of a self-managed cluster's service-account issuer
    (kind, k3s, Cluster API), ready to upload to the static site at --issuer."""
    from ..commands import jwks as command
    from ..options import JwksOptions

    written = command.run(JwksOptions(public_keys, issuer, output_dir, jwks_uri))
    sys.stderr.write(written.report())
    return EXIT_OK
