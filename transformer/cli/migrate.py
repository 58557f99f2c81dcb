"""``wi-transform migrate``."""

from __future__ import annotations

from typing import Any

import click

from ..errors import EXIT_CHANGED, EXIT_OK, UsageError
from ..options import FEDERATED_FORMATS, TOKEN_EXCHANGE_AUDIENCE
from . import cli, emit, migrate_inject_flags, output_mode, settings_from

# Graph writes to app registrations; an AzureIdentity of type 0 is a managed identity.
MIGRATE_FORMATS = [f for f in FEDERATED_FORMATS if f != "graph"]


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-i", "--in-place", is_flag=True, help="Rewrite the files (exit 1 when any changed).")
@click.option("--check", is_flag=True,
              help="Write nothing; print a diff and exit 1 if anything would change.")
@click.option("--proxy/--no-proxy", default=True, show_default=True,
              help="Ask for the IMDS proxy sidecar (--no-proxy: the application already uses a "
                   "workload-identity-aware SDK).")
@click.option("--remove-pod-identity", is_flag=True,
              help="Drop the aadpodidbinding labels and the AzureIdentity/AzureIdentityBinding "
                   "documents no remaining workload uses.")
@click.option("--force-namespaced", is_flag=True,
              help="aad-pod-identity runs with --forceNamespaced: bindings match only pods of "
                   "their own namespace.")
@click.option("--inject", "inject_too", is_flag=True,
              help="Also inject workload identity in the same pass (the injection flags apply).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Format of the report (on stderr).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False),
              help="Also write the report to FILE.")
@click.option("--federated-credentials", "credentials_file", type=click.Path(dir_okay=False),
              metavar="FILE", help="Write the federated identity credentials of the migrated "
                                   "ServiceAccounts to FILE (with --check: shown in the diff).")
@click.option("--issuer", envvar="AKS_OIDC_ISSUER", metavar="URL",
              help="The cluster's OIDC issuer URL, exactly [env AKS_OIDC_ISSUER].")
@click.option("--credentials-format", "credentials_format", default="az-rest",
              show_default=True, type=click.Choice(MIGRATE_FORMATS),
              help="Form of --federated-credentials, as federated-credential --format.")
@click.option("--audience", "audiences", multiple=True, metavar="TEXT",
              help="Audience of the credentials and, with --inject, of the pods' token "
                   f"[default: {TOKEN_EXCHANGE_AUDIENCE}].")
@migrate_inject_flags
def migrate(paths: tuple[str, ...], in_place: bool, check: bool, proxy: bool,
            remove_pod_identity: bool, force_namespaced: bool, inject_too: bool, fmt: str,
            report_file: str | None, credentials_file: str | None, issuer: str | None,
            credentials_format: str, audiences: tuple[str, ...], **flags: Any) -> int:
    """Move the workloads of PATHS from aad-pod-identity to workload identity, side by side."""
    from ..commands import migrate as command
    from ..options import FederatedOptions, MigrateOptions

    if inject_too and len(audiences) > 1:
        raise UsageError("--inject takes one --audience: it is the audience of the pods' token, "
                         "which has one")
    flags["audience"] = audiences[0] if audiences else None

    options = MigrateOptions(
        paths=paths,
        mode=output_mode(in_place, check, paths),
        namespace=flags["namespace"],
        service_accounts=flags["service_accounts"],
        tenant_id=flags["tenant_id"] or None,
        proxy=proxy,
        remove_pod_identity=remove_pod_identity,
        force_namespaced=force_namespaced,
        inject=settings_from(flags) if inject_too else None,
        report_format="json" if fmt == "json" else "text",
        report_file=report_file,
        federated_credentials=credentials_file,
        federated=FederatedOptions(
            issuer=issuer or None,
            namespace=flags["namespace"],
            audiences=audiences or (TOKEN_EXCHANGE_AUDIENCE,),
            format=credentials_format,  # type: ignore[arg-type]
            cloud=flags["cloud"],
        ),
    )
    result = command.run(options)
    if options.mode == "stdout":
        command.write(result, manifests=False)  # the credentials file, when asked for
    emit(options.mode, result, lambda: command.write(result),
         command.report(result, options.report_format), report_file)
    changed = result.anything_changed
    return EXIT_CHANGED if options.mode != "stdout" and changed else EXIT_OK
