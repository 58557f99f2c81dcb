"""`wi-proxy`: flags in, one call, exit code out. Its flags are the injected container
interface: `--proxy-port=PORT --log-level=LEVEL`, and `--probe` in the postStart hook."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .settings import (
    DEFAULT_BIND,
    DEFAULT_IMDS_ENDPOINT,
    DEFAULT_PORT,
    Settings,
    SettingsError,
    settings_from,
)

if TYPE_CHECKING:
    from .logs import RequestLog

_SIDECAR_EXTRA = ("aiohttp", "msal", "requests")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wi-proxy",
        description="An IMDS-compatible token endpoint backed by Azure Workload Identity.",
    )
    parser.add_argument("--proxy-port", type=int, default=DEFAULT_PORT, metavar="PORT")
    parser.add_argument(
        "--log-level",
        default="",
        metavar="LEVEL",
        help="'' (warnings), info, debug, trace or all; also warning and error",
    )
    parser.add_argument(
        "--probe", action="store_true", help="wait until the proxy on --proxy-port is ready"
    )
    parser.add_argument(
        "--bind", default=DEFAULT_BIND, metavar="ADDRESS", help="a loopback address to listen on"
    )
    parser.add_argument(
        "--imds-endpoint",
        default=DEFAULT_IMDS_ENDPOINT,
        metavar="URL",
        help="where paths other than the token endpoint are forwarded",
    )
    parser.add_argument("--entra-timeout", type=float, default=10.0, metavar="SECONDS")
    parser.add_argument("--forward-timeout", type=float, default=10.0, metavar="SECONDS")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the proxy, or with `--probe` check that it is ready; returns the exit code."""
    args = _parser().parse_args(argv)
    from .logs import LogLevelError, configure, parse_level

    try:
        level = parse_level(args.log_level)
    except LogLevelError as e:
        return _fail(str(e), 2)
    if args.probe:
        from .probe import probe

        problem = probe(args.bind, args.proxy_port)
        return 0 if problem is None else _fail(f"proxy not ready: {problem}", 1)
    try:
        settings = settings_from(
            os.environ,
            bind=args.bind,
            port=args.proxy_port,
            imds_endpoint=args.imds_endpoint,
            entra_timeout=args.entra_timeout,
            forward_timeout=args.forward_timeout,
        )
    except SettingsError as e:
        return _fail(str(e), 2)
    missing = _missing_extra()
    if missing is not None:
        return _fail(
            f"the proxy needs {missing}, which is not installed: pip install 'wi-transform[sidecar]'",
            2,
        )
    return _serve(settings, configure(level))


def _missing_extra() -> str | None:
    """The first module of the `sidecar` extra that cannot be found (none is imported here)."""
    from importlib.util import find_spec

    for name in _SIDECAR_EXTRA:
        if find_spec(name) is None:
            return name
    return None


def _serve(settings: Settings, log: RequestLog) -> int:
    import asyncio

    from .app import serve

    try:
        asyncio.run(serve(settings, log))
    except OSError as e:
        return _fail(f"cannot listen on {settings.bind}:{settings.port}: {e.strerror or e}", 1)
    finally:
        log.flush()
    # The in-flight requests are answered or given up; an exchange still running in a worker
    # thread (for up to --entra-timeout) must not hold the exiting pod open.
    sys.stderr.flush()
    os._exit(0)


def _fail(message: str, code: int) -> int:
    print(f"wi-proxy: error: {message}", file=sys.stderr)
    return code
