"""``wi-transform post-render``: the Helm post-renderer (stdin to stdout)."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ..errors import EXIT_OK, UsageError
from . import cli, inject_flags, settings_from


@cli.command("post-render")
@click.option("--report", "report_file", type=click.Path(dir_okay=False),
              help="Write the per-resource report (or the errors) to FILE; Helm hides stderr.")
@inject_flags
@click.pass_context
def post_render(ctx: click.Context, /, report_file: str | None, **flags: Any) -> int:
    """Inject the manifests Helm renders: read them on stdin, write them to stdout.

    Nothing is written to stdout unless every document succeeded. Objects without a namespace
    take --namespace, else $HELM_NAMESPACE (set by Helm 4 for plugins), else "default".
    """
    from ..commands import postrender as command
    from ..options import InjectOptions
    from ..report import inject_report

    namespace = flags["namespace"]
    if ctx.get_parameter_source("namespace") == click.core.ParameterSource.DEFAULT:
        namespace = os.environ.get("HELM_NAMESPACE") or namespace
    options = InjectOptions(
        paths=("-",),
        namespace=namespace,
        service_accounts=flags["service_accounts"],
        settings=settings_from(flags),
        report_file=report_file,
    )
    raw = sys.stdin.buffer.read()
    try:
        result = command.run(raw, options)
    except Exception as e:
        if report_file:
            try:
                _write(report_file, f"{e}\n")
            except UsageError as unwritable:  # the input's errors matter more: keep them
                sys.stderr.write(f"wi-transform: warning: {unwritable}\n")
        raise
    text = inject_report(result.entries)
    if report_file:
        _write(report_file, text)
    sys.stdout.buffer.write(result.stream())
    sys.stdout.flush()
    sys.stderr.write(text)
    return EXIT_OK


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise UsageError(
            f"--report {path}: cannot write it ({e.strerror or e}): name a file in a directory "
            "that exists and may be written"
        ) from e
