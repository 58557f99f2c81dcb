"""``wi-transform validate``."""

from __future__ import annotations

import sys

import click

from . import cli


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--kubernetes-version", "-k", metavar="X.Y", default=None,
              help="Kubernetes version whose schemas to use [default: the newest bundled].")
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="Unknown fields are errors, as kubectl apply has it since 1.25.")
@click.option("--schema-dir", type=click.Path(file_okay=False), default=None,
              help="JSON Schemas for custom resources (one for a built-in kind replaces ours).")
@click.option("-n", "--namespace", default="default", show_default=True,
              help="Namespace of objects that name none.")
@click.option("--service-accounts", "service_accounts", multiple=True, metavar="PATH",
              help="Files or directories read for ServiceAccounts only (not validated).")
@click.option("--custom-token-endpoint-annotation-suffix", "endpoint_suffix", metavar="S",
              help="The webhook's suffix: azure.workload.identity/use-S is the custom token "
                   "endpoint annotation; any other use-* annotation is a warning.")
@click.option("-o", "--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "json", "github", "sarif"]),
              help="Output: text, json, github (workflow annotations) or sarif (code scanning).")
def validate(paths: tuple[str, ...], kubernetes_version: str | None, strict: bool,
             schema_dir: str | None, namespace: str, service_accounts: tuple[str, ...],
             endpoint_suffix: str | None, fmt: str) -> int:
    """Validate manifests: YAML, Kubernetes schemas, removed API versions, workload identity.

    Exit 0 without errors, 1 with errors, 2 on bad usage, 3 when an input cannot be read.
    """
    from ..commands import validate as command
    from ..errors import UsageError
    from ..identity import endpoint
    from ..options import TokenEndpoint, ValidateOptions
    from ..validate.formats import render

    problems = endpoint.problems(TokenEndpoint(annotation_suffix=endpoint_suffix), ("audience",))
    if problems:
        raise UsageError("; ".join(problems))

    options = ValidateOptions(
        paths=paths,
        kubernetes_version=kubernetes_version,
        strict=strict,
        schema_dir=schema_dir,
        namespace=namespace,
        service_accounts=service_accounts,
        endpoint_suffix=endpoint_suffix or None,
    )
    result = command.run(options)
    sys.stdout.write(render(result.findings, result.summary(), fmt))  # type: ignore[arg-type]
    sys.stdout.flush()
    return result.exit_code
