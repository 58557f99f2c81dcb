"""``wi-transform validate``."""

from __future__ import annotations

import sys
from typing import IO

import click

from ..errors import UsageError
from . import cli

FORMATS = ["text", "json", "github", "sarif", "junit", "tap"]


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--kubernetes-version", "-k", metavar="X.Y", default=None,
              help="Kubernetes version whose schemas to use [default: the newest bundled].")
@click.option("--strict/--no-strict", default=None,
              help="Unknown fields are errors, as kubectl apply has it since 1.25 [default: strict].")
@click.option("--schema-dir", "schema_dirs", multiple=True, type=click.Path(file_okay=False),
              help="JSON Schemas for custom resources (one for a built-in kind replaces ours); repeatable.")
@click.option("-n", "--namespace", default="default", show_default=True,
              help="Namespace of objects that name none.")
@click.option("--service-accounts", "service_accounts", multiple=True, metavar="PATH",
              help="Files or directories read for ServiceAccounts only (not validated).")
@click.option("--custom-token-endpoint-annotation-suffix", "endpoint_suffix", metavar="S",
              help="The webhook's suffix: azure.workload.identity/use-S is the custom token "
                   "endpoint annotation; any other use-* annotation is a warning.")
@click.option("-o", "--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="text (default), json, github (workflow annotations), sarif (code scanning), "
                   "junit or tap; once per --output.")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="Write the n-th --format to FILE (stdout then gets the text).")
@click.option("--skip-non-manifests", is_flag=True,
              help="Skip well-known non-manifests (kustomizations, Helm charts and values, "
                   "workflows, Compose files) even when named, as hooks name every YAML file.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Project file with defaults [default: .wi-transform.yaml, found upward].")
@click.option("--no-config", is_flag=True, help="Read no project file.")
@click.option("-v", "--verbose", is_flag=True, help="List the files skipped as not manifests.")
def validate(paths: tuple[str, ...], kubernetes_version: str | None, strict: bool | None,
             schema_dirs: tuple[str, ...], namespace: str, service_accounts: tuple[str, ...],
             endpoint_suffix: str | None, formats: tuple[str, ...], outputs: tuple[str, ...],
             skip_non_manifests: bool, config_file: str | None, no_config: bool,
             verbose: bool) -> int:
    """Validate manifests: YAML, Kubernetes schemas, removed API versions, workload identity.

    Exit 0 without errors, 1 with errors, 2 on bad usage, 3 when an input cannot be read.
    """
    from ..commands import validate as command
    from ..identity import endpoint
    from ..options import TokenEndpoint, ValidateOptions
    from ..validate.formats import render

    problems = endpoint.problems(TokenEndpoint(annotation_suffix=endpoint_suffix), ("audience",))
    if problems:
        raise UsageError("; ".join(problems))
    if config_file and no_config:
        raise UsageError("--config and --no-config: give one of them")
    targets = _targets(formats, outputs)
    options = ValidateOptions(
        paths=paths, kubernetes_version=kubernetes_version, strict=strict,
        schema_dirs=schema_dirs, namespace=namespace, service_accounts=service_accounts,
        skip_non_manifests=skip_non_manifests, config_file=config_file, no_config=no_config,
        endpoint_suffix=endpoint_suffix or None,
    )
    result = command.run(options)
    opened = _open(targets)
    if verbose:
        sys.stderr.write("".join(f"{s}\n" for s in result.skipped))
    for fmt, stream in opened:
        stream.write(render(result.findings, result.summary(), fmt,  # type: ignore[arg-type]
                            result.subjects))
        stream.flush()
        if stream is not sys.stdout:
            stream.close()
    return result.exit_code


def _targets(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """(format, file) pairs: the n-th --output takes the n-th --format; of the formats left,
    the last goes to stdout (as one --format always did), else the text does."""
    if len(outputs) > max(len(formats), 1):
        raise UsageError(f"--output {outputs[len(formats) if formats else 1]}: every --output "
                         "needs its own --format before it (--format sarif --output a.sarif)")
    chosen = list(formats) or ["text"]
    pairs: list[tuple[str, str | None]] = list(zip(chosen, outputs, strict=False))
    rest = chosen[len(outputs):]
    pairs.append((rest[-1] if rest else "text", None))
    return pairs


def _open(targets: list[tuple[str, str | None]]) -> list[tuple[str, IO[str]]]:
    """Every output opened before any is written: one that cannot be written is a usage error
    and nothing is written."""
    opened: list[tuple[str, IO[str]]] = []
    for fmt, path in targets:
        if path is None:
            opened.append((fmt, sys.stdout))
            continue
        try:
            opened.append((fmt, open(path, "w", encoding="utf-8")))  # noqa: SIM115
        except OSError as e:
            for _, stream in opened:
                if stream is not sys.stdout:
                    stream.close()
            raise UsageError(f"--output {path}: cannot write it ({e.strerror})") from e
    return opened
