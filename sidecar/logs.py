"""One JSON object per log line, at the level `--log-level` names. Request lines are built
by hand and buffered (written within FLUSH_INTERVAL); warnings and errors go out at once."""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import parse_qsl

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
# Anything shaped like a JWT (a service-account token, an assertion, an access token),
# even a cut one (a path is logged up to 256 characters): base64url of JSON ("eyJ" is
# '{"'), with any dotted segments after it, is cut from every line, whoever logged it.
_JWT = re.compile(r"eyJ[\w-]{8,}(?:\.[\w-]*)*")
FLUSH_INTERVAL = 0.1
_FLUSH_BYTES = 64 * 1024
_LOGGER = '"logger":"wi_proxy.request","msg":"request"'


class LogLevelError(ValueError):
    pass


def parse_level(name: str) -> int:
    try:
        return _LEVELS[name.strip().lower()]
    except KeyError:
        choices = ", ".join(repr(k) for k in _LEVELS)
        raise LogLevelError(f"--log-level={name!r} is not one of {choices}") from None


def redacted(line: str) -> str:
    return _JWT.sub("[redacted]", line) if "eyJ" in line else line


class LineWriter:
    """Whole lines to a text stream. `later` keeps a line for at most FLUSH_INTERVAL (or
    until 64 KiB wait); `now` writes it at once, after the ones kept. Safe from any thread:
    lines are kept in a deque (its appends and pops are atomic) and written under a lock."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._kept: deque[str] = deque()
        self._size = 0
        self._timer: asyncio.TimerHandle | None = None
        self._lock = threading.Lock()

    def later(self, line: str) -> None:
        self._kept.append(line)
        self._size += len(line)
        if self._size >= _FLUSH_BYTES or (self._timer is None and not self._schedule()):
            self.flush()

    def now(self, line: str) -> None:
        self._kept.append(line)
        self.flush()

    def flush(self) -> None:
        with self._lock:
            self._size = 0
            kept = self._kept
            text = "".join([kept.popleft() for _ in range(len(kept))])
            if not text:
                return
            try:
                self._stream.write(text)
                self._stream.flush()
            except (OSError, ValueError):
                pass  # stderr gone (a closed pipe): nothing left to tell

    def _schedule(self) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False  # no event loop in this thread: written at once
        self._timer = loop.call_later(FLUSH_INTERVAL, self._due)
        return True

    def _due(self) -> None:
        self._timer = None
        self.flush()


class RequestLog:
    """The one line per request. `info` says whether successful requests are logged."""

    def __init__(self, writer: LineWriter, level: int) -> None:
        self.info = level <= logging.INFO
        self._writer = writer
        self._millisecond = -1
        self._stamp = ""

    def write(
        self,
        *,
        method: str,
        path: str,
        status: int,
        duration_us: int,
        query_string: str = "",
        client_id: str | None = None,
        cache: str | None = None,
        error: str | None = None,
    ) -> None:
        warning = status >= 500
        if not (warning or self.info):
            return
        now = time.time()
        line = (
            f'{{"time":"{self._time(now)}","level":"{"warning" if warning else "info"}",'
            f'{_LOGGER},"method":{_QUOTED[method]},"path":{_QUOTED[path[:256]]},'
            f'"status":{status},"duration_ms":{duration_us // 1000}.{duration_us % 1000:03d}'
        )
        if query_string:
            line += _QUERY_KEYS[query_string]
        if client_id is not None:
            line += (
                f',"client_id":{_QUOTED[client_id]},"cache":{_QUOTED[cache] if cache else "null"}'
            )
        if error is not None:
            line += f',"error":{_QUOTED[error]}'
        # Every value that came with the request went through _QUOTED or _QUERY_KEYS, which
        # cut JWT-shaped text: the line needs no search of its own.
        line += "}\n"
        if warning:
            self._writer.now(line)
        else:
            self._writer.later(line)

    def flush(self) -> None:
        self._writer.flush()

    def _time(self, now: float) -> str:
        millisecond = int(now * 1000)
        if millisecond != self._millisecond:
            self._millisecond = millisecond
            seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millisecond // 1000))
            self._stamp = f"{seconds}.{millisecond % 1000:03d}Z"
        return self._stamp


def _string(value: str) -> str:
    """A JSON string: as it is when it needs no escaping (the common case), else json's."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return json.dumps(value)


def _query_keys(query_string: str) -> str:
    """The names of a query's parameters (never their values), as they are logged."""
    keys = sorted({name for name, _ in parse_qsl(query_string, keep_blank_values=True)})[:16]
    return ',"query":[' + ",".join(map(_string, keys)) + "]" if keys else ""


class _Kept(dict[str, str]):
    """What `render` makes of the values seen most (methods, paths, client ids, queries):
    made once, up to 1024 of them, none longer than 256 characters."""

    def __init__(self, render: Callable[[str], str]) -> None:
        super().__init__()
        self._render = render

    def __missing__(self, value: str) -> str:
        rendered = self._render(value)
        if len(value) <= 256 and len(self) < 1024:
            self[value] = rendered
        return rendered


_QUOTED = _Kept(lambda value: redacted(_string(value)))
_QUERY_KEYS = _Kept(lambda query_string: redacted(_query_keys(query_string)))


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
        return redacted(json.dumps(line, separators=(",", ":"), default=str))


class _WriterHandler(logging.Handler):
    """Records from `logging` (ours and the libraries') through the same writer, so their
    order with the request lines is kept; info and below wait like request lines."""

    def __init__(self, writer: LineWriter) -> None:
        super().__init__()
        self._writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:  # noqa: BLE001 - logging's own contract: never raise from emit
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING:
            self._writer.now(line)
        else:
            self._writer.later(line)


def _timestamp(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


def configure(level: int, stream: IO[str] | None = None) -> RequestLog:
    """Our loggers at `level`; other libraries' at warning at most. msal is silenced: we log
    each failure ourselves, and its messages may quote whole HTTP answers. Returns the
    request log; whatever is kept is written at exit too."""
    # What our lines never show, so no record spends time collecting it (the logging
    # HOWTO's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    writer = LineWriter(stream or sys.stderr)
    atexit.register(writer.flush)
    handler = _WriterHandler(writer)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(level, logging.WARNING))
    logging.getLogger("wi_proxy").setLevel(level)
    logging.getLogger("msal").setLevel(logging.CRITICAL + 1)
    return RequestLog(writer, level)
