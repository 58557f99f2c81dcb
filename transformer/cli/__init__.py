"""The command line: flags in, one call, a report out, an exit code. Only this package imports click."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

import click

from .. import __version__
from ..errors import EXIT_BUG, EXIT_OK, InputErrors, UsageError, WiTransformError
from ..identity.names import PROXY_LOG_LEVELS

F = TypeVar("F", bound=Callable[..., Any])


# Command name -> the module that defines it. Only the module of the command being run is
# imported: a cold start pays for one command's flags, not for all of them.
_COMMANDS = {
    "inject": "inject",
    "validate": "validate",
    "federated-credential": "federated",
    "migrate": "migrate",
    "post-render": "postrender",
    "krm": "krm",
    "doctor": "doctor",
    "jwks": "jwks",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMANDS.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"{__name__}.{module}")  # registers itself on `cli`
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="wi-transform")
@click.option("--debug", is_flag=True, envvar="WI_TRANSFORM_DEBUG", help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Azure Workload Identity for Kubernetes manifests, at build time."""
    ctx.obj = {"debug": debug}


def inject_flags(f: F) -> F:
    """The flags that decide what is injected; shared by inject, post-render, krm."""
    return _decorated(f, [*_SETTINGS_FLAGS, _AUDIENCE_FLAG, *_ENDPOINT_FLAGS])


def migrate_inject_flags(f: F) -> F:
    """inject_flags without --audience: migrate's own --audience gives the token's audience."""
    return _decorated(f, [*_SETTINGS_FLAGS, *_ENDPOINT_FLAGS])


def audience_flags(f: F) -> F:
    """The flags that decide the audience of a pod's token: --audience and the custom token
    endpoint's annotation suffix and audience (doctor checks the credentials against them)."""
    return _decorated(f, [_AUDIENCE_FLAG, *_ENDPOINT_FLAGS[:2]])


def _decorated(f: F, decorators: list[Callable[[F], F]]) -> F:
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


_SETTINGS_FLAGS: list[Any] = [
    click.option("-n", "--namespace", default="default", show_default=True,
                 help="Namespace of objects that name none."),
    click.option("--service-accounts", "service_accounts", multiple=True, metavar="PATH",
                 help="Files or directories read for ServiceAccounts only (never written)."),
    click.option("--tenant-id", envvar="AZURE_TENANT_ID",
                 help="Tenant for ServiceAccounts without the tenant-id annotation [env AZURE_TENANT_ID]."),
    click.option("--cloud", default="AzurePublicCloud", show_default=True,
                 help="Azure cloud: AzurePublicCloud, AzureChinaCloud, AzureUSGovernmentCloud."),
    click.option("--proxy-image", default=None, help="Image of the azwi-proxy sidecar."),
    click.option("--proxy-init-image", default=None, help="Image of the azwi-proxy-init container."),
    click.option("--native-sidecar/--no-native-sidecar", default=True, show_default=True,
                 help="Run the proxy as a native sidecar: every node must run Kubernetes 1.29+ "
                      "(upstream waits for 1.32, the skew policy's guarantee)."),
    click.option("--proxy-log-level", default="info", show_default=True,
                 type=click.Choice(list(PROXY_LOG_LEVELS)),
                 help="--log-level of the proxy sidecar (warning is upstream's empty level)."),
]
_AUDIENCE_FLAG = click.option(
    "--audience", default=None, metavar="AUDIENCE",
    help="Audience of the projected service account token, as the webhook's --audience "
         "[default: api://AzureADTokenExchange].")
_ENDPOINT_FLAGS: list[Any] = [
    click.option("--custom-token-endpoint-annotation-suffix", "annotation_suffix", metavar="S",
                 help='Custom token endpoint (AKS identity bindings): pod templates annotated '
                      'azure.workload.identity/use-S: "true" get it. As the webhook\'s flag.'),
    click.option("--custom-token-endpoint-audience", "endpoint_audience", metavar="AUDIENCE",
                 help="Audience of the token of those pods (needed with the suffix)."),
    click.option("--kubernetes-token-proxy", "token_proxy", metavar="URL",
                 help="Their AZURE_KUBERNETES_TOKEN_PROXY."),
    click.option("--kubernetes-sni-name", "sni_name", metavar="NAME",
                 help="Their AZURE_KUBERNETES_SNI_NAME."),
    click.option("--kubernetes-ca-data", "ca_data", metavar="PEM|@FILE",
                 help="Their AZURE_KUBERNETES_CA_DATA: the CA itself, or @FILE to read it."),
    click.option("--kubernetes-ca-configmap", "ca_configmap", metavar="NAME",
                 help="ConfigMap whose ca.crt the token volume holds as ca-cert/ca.crt."),
    click.option("--kubernetes-ca-ctb-signer", "ctb_signer", metavar="NAME",
                 help="ClusterTrustBundle signer whose bundle the token volume holds instead."),
    click.option("--kubernetes-ca-ctb-label-selector", "ctb_label_selector", metavar="JSON",
                 help='LabelSelector of those bundles, e.g. \'{"matchLabels":{"a":"b"}}\'.'),
]


def output_mode(in_place: bool, check: bool, paths: Sequence[str]) -> Any:
    """Where a rewriting command's result goes: stdout, the files, or a diff."""
    if in_place and check:
        raise UsageError("--in-place and --check exclude each other: pick one")
    if in_place and (not paths or "-" in paths):
        raise UsageError("--in-place needs files, not standard input")
    return "in-place" if in_place else "check" if check else "stdout"


def emit(mode: str, result: Any, write: Callable[[], None], report: str,
         report_file: str | None) -> None:
    """A rewriting command's output: the stream, a diff, or the files; then its report.

    The report file is opened first: if it cannot be written, nothing else is either."""
    try:
        saved = open(report_file, "w", encoding="utf-8") if report_file else None  # noqa: SIM115
    except OSError as e:
        raise UsageError(f"--report {report_file}: cannot write it ({e.strerror})") from e
    try:
        if mode == "stdout":
            sys.stdout.buffer.write(result.stream())
            sys.stdout.flush()
        elif mode == "check":
            sys.stdout.write(result.diff())
        else:
            write()
        sys.stderr.write(report)
        if saved is not None:
            saved.write(report)
    finally:
        if saved is not None:
            saved.close()


def settings_from(flags: dict[str, Any], pending: Collection[str] = ()) -> Any:
    """The injection settings of the flags; UsageError when the webhook would refuse them.

    ``pending``: the settings that may still come from elsewhere (--from-cluster: the webhook's
    ConfigMap; krm: the function config), whose checks wait for them."""
    from ..identity import endpoint
    from ..identity.clouds import cloud
    from ..options import (
        TOKEN_EXCHANGE_AUDIENCE,
        UPSTREAM_PROXY_IMAGE,
        UPSTREAM_PROXY_INIT_IMAGE,
        InjectSettings,
    )

    token_endpoint = _token_endpoint(flags)
    problems = endpoint.problems(token_endpoint, pending)
    if problems:
        raise UsageError("; ".join(problems))
    return InjectSettings(
        authority_host=cloud(flags["cloud"]).authority_host,
        tenant_id=flags["tenant_id"] or None,
        proxy_image=flags["proxy_image"] or UPSTREAM_PROXY_IMAGE,
        proxy_init_image=flags["proxy_init_image"] or UPSTREAM_PROXY_INIT_IMAGE,
        native_sidecar=flags["native_sidecar"],
        log_level=PROXY_LOG_LEVELS[flags["proxy_log_level"]],
        audience=flags.get("audience") or TOKEN_EXCHANGE_AUDIENCE,
        endpoint=token_endpoint,
    )


def _token_endpoint(flags: dict[str, Any]) -> Any:
    from ..options import TokenEndpoint

    ca_data = flags["ca_data"]
    if ca_data is not None and ca_data.startswith("@"):
        try:
            with open(ca_data[1:], encoding="utf-8") as f:
                ca_data = f.read()
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) else "it is not UTF-8 text"
            raise UsageError(f"--kubernetes-ca-data {ca_data}: cannot read {ca_data[1:]} "
                             f"({reason}): name a PEM file, or give the PEM itself") from e
    return TokenEndpoint(
        annotation_suffix=flags["annotation_suffix"],
        audience=flags["endpoint_audience"],
        token_proxy=flags["token_proxy"],
        sni_name=flags["sni_name"],
        ca_data=ca_data,
        ca_configmap=flags["ca_configmap"],
        ctb_signer=flags["ctb_signer"],
        ctb_label_selector=flags["ctb_label_selector"],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and turn every outcome into an exit code (2 usage, 3 bad input, 4 bug)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("WI_TRANSFORM_DEBUG"))
    # A run builds large acyclic trees (nodes, data) and then exits: the cyclic collector
    # would only walk them again and again. Restored afterwards for in-process callers.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args, debug)
    finally:
        if collecting:
            gc.enable()


def _run(args: list[str], debug: bool) -> int:
    try:
        code = cli.main(args, prog_name="wi-transform", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.show()
        return int(e.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except InputErrors as e:
        for error in e.errors:
            click.echo(f"{error}", err=True)
        click.echo(f"wi-transform: {len(e.errors)} problem(s); nothing was written", err=True)
        return e.exit_code
    except WiTransformError as e:
        click.echo(f"wi-transform: {e}", err=True)
        return e.exit_code
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the one place that turns bugs into exit 4
        if debug:
            raise
        click.echo(f"wi-transform: internal error: {type(e).__name__}: {e} "
                   "(rerun as `wi-transform --debug ...` for a traceback, and please report it)", err=True)
        return EXIT_BUG
    return int(code or 0)
