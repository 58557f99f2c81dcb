"""``wi-transform krm``: a KRM function (ResourceList in and out) or a kustomize exec plugin."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import EXIT_OK
from . import cli, inject_flags, settings_from

# A KRM function says it failed by exiting non-zero, with the reasons in the list's results.
EXIT_FUNCTION_FAILED = 1


@cli.command("krm")
@click.argument("config", required=False, type=click.Path(dir_okay=False))
@inject_flags
def krm(config: str | None, **flags: Any) -> int:
    """Inject the resources kustomize or kpt pass on stdin.

    Without CONFIG, stdin is a ResourceList (config.kubernetes.io/v1) whose functionConfig, a
    WorkloadIdentityInjector or a ConfigMap, gives the options; the list comes back with
    results. With CONFIG (a kustomize legacy exec plugin: kustomize passes its config file),
    stdin and stdout are plain manifest streams. Flags give defaults that the config overrides.
    """
    from ..commands import krm as command
    from ..identity.endpoint import FLAGS
    from ..options import InjectOptions
    from ..report import inject_report

    base = InjectOptions(
        paths=("-",),
        namespace=flags["namespace"],
        service_accounts=flags["service_accounts"],
        settings=settings_from(flags, FLAGS),  # the config may give the rest
    )
    raw = sys.stdin.buffer.read()
    if config is not None:
        result = command.run_plugin(config, raw, base)
        sys.stdout.buffer.write(result.stream())
        sys.stdout.flush()
        sys.stderr.write(inject_report(result.entries))
        return EXIT_OK
    output = command.run_list(raw, base)
    sys.stdout.buffer.write(output.text.encode("utf-8"))
    sys.stdout.flush()
    for found in output.results:
        if found["severity"] != "info":
            sys.stderr.write(f"{found['severity']}: {found['message']}\n")
    return EXIT_FUNCTION_FAILED if output.failed else EXIT_OK
