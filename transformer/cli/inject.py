"""``wi-transform inject``."""

from __future__ import annotations

from typing import Any

import click

from ..errors import EXIT_CHANGED, EXIT_OK
from . import cli, emit, inject_flags, output_mode, settings_from


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-i", "--in-place", is_flag=True, help="Rewrite the files (exit 1 when any changed).")
@click.option("--check", is_flag=True, help="Write nothing; print a diff and exit 1 if anything would change.")
@click.option("--validate", is_flag=True, help="Validate the output; fail when it is invalid.")
@click.option("--kubernetes-version", "-k", metavar="X.Y", default=None,
              help="With --validate: the schemas' Kubernetes version (default: the newest bundled).")
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="With --validate: unknown fields are errors, as kubectl apply makes them.")
@click.option("--from-cluster", is_flag=True, help="Look up missing ServiceAccounts in the cluster.")
@click.option("--context", default=None, help="kubeconfig context for --from-cluster.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), help="Also write the report to FILE.")
@inject_flags
def inject(paths: tuple[str, ...], in_place: bool, check: bool, validate: bool,
           kubernetes_version: str | None, strict: bool, from_cluster: bool, context: str | None,
           report_file: str | None, **flags: Any) -> int:
    """Inject Azure Workload Identity into the pod templates of PATHS (files, dirs, - for stdin)."""
    from ..commands import inject as command
    from ..identity.endpoint import CONFIG_KEYS
    from ..options import InjectOptions

    options = InjectOptions(
        paths=paths,
        mode=output_mode(in_place, check, paths),
        namespace=flags["namespace"],
        service_accounts=flags["service_accounts"],
        settings=settings_from(flags, CONFIG_KEYS if from_cluster else ()),
        validate=validate,
        from_cluster=from_cluster,
        context=context,
        report_file=report_file,
    )
    result = command.run(options)
    if validate:
        from ..commands.validate import check_injected

        check_injected(result.outputs, options, kubernetes_version=kubernetes_version,
                       strict=strict)
    return _finish_inject(options, result)


def _finish_inject(options: Any, result: Any) -> int:
    from ..commands import inject as command
    from ..manifest.triage import summary
    from ..report import inject_report

    report = inject_report(result.entries, summary(result.skipped))
    emit(options.mode, result, lambda: command.write(result), report, options.report_file)
    if options.mode in ("check", "in-place") and result.changed:
        return EXIT_CHANGED
    return EXIT_OK


