"""One JSON object per log line, at the level `--log-level` names."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import IO, Any

# Upstream's levels (its injected `--log-level` may be empty) plus Python's own names.
_LEVELS = {
    "": logging.WARNING,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
    "all": logging.DEBUG,
}
# Anything shaped like a JWT (a service-account token, an assertion, an access token)
# is cut from every line, whoever logged it.
_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")


class LogLevelError(ValueError):
    pass


def parse_level(name: str) -> int:
    try:
        return _LEVELS[name.strip().lower()]
    except KeyError:
        choices = ", ".join(repr(k) for k in _LEVELS)
        raise LogLevelError(f"--log-level={name!r} is not one of {choices}") from None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
        return _JWT.sub("[redacted]", json.dumps(line, separators=(",", ":"), default=str))


def _timestamp(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


def configure(level: int, stream: IO[str] | None = None) -> None:
    """Our loggers at `level`; other libraries' at warning at most. msal is silenced: we log
    each failure ourselves, and its messages may quote whole HTTP answers."""
    # What our lines never show, so no record spends time collecting it (the logging
    # HOWTO's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(level, logging.WARNING))
    logging.getLogger("wi_proxy").setLevel(level)
    logging.getLogger("msal").setLevel(logging.CRITICAL + 1)
