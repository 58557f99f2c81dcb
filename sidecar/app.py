"""The proxy's HTTP side: the IMDS token endpoint, readiness, and forwarding of every other
path to the real metadata endpoint. The only module that imports aiohttp."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from .cache import TokenCache
from .imds import (
    ImdsError,
    Token,
    TokenFailure,
    TokenRequest,
    check_token_headers,
    failure_reply,
    is_token_path,
    parse_token_query,
    refuse_forwarded,
    token_reply,
)
from .logs import RequestLog
from .settings import Settings

if TYPE_CHECKING:
    from .tokens import TokenSource

SHUTDOWN_TIMEOUT = 5.0
_HOP_BY_HOP = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Host",
        "Content-Length",
    )
)
# (client id, resource) -> the token, the second and the reply body made from them
_Replies = dict[tuple[str, str], tuple[Token, int, bytes]]
# The client id a token request asked for and how the cache answered (None: not known)
_Asked = tuple[str | None, str | None]
_MAX_REPLIES = 1024
_MAX_QUERY = 512


class _Proxy:
    """What every request reads, as attributes: a cache hit is a handful of microseconds,
    and a lookup in the request's app or a write to the request would be a good part of it."""

    def __init__(self, settings: Settings, log: RequestLog) -> None:
        self.settings = settings
        self.log = log
        self.cache: TokenCache
        self.session: aiohttp.ClientSession
        self.replies: _Replies = {}
        self.queries: dict[str, TokenRequest] = {}

    @asynccontextmanager
    async def resources(self) -> AsyncIterator[None]:
        """The token source, its thread pool and the forwarding session, for as long as the
        listener is up and its last requests are answered."""
        settings = self.settings
        tokens: list[TokenSource] = []
        made = threading.Lock()

        def acquire(client_id: str, scope: str) -> Token:
            with made:
                if not tokens:
                    # msal and requests are imported on the first token request, not at
                    # start: /readyz answers as soon as the listener is up.
                    from .tokens import TokenSource

                    tokens.append(
                        TokenSource(
                            authority=settings.authority,
                            token_file=settings.token_file,
                            timeout=settings.entra_timeout,
                        )
                    )
                    gc.freeze()  # msal's modules, as the listener's in serve()
            return tokens[0].acquire(client_id, scope)

        # msal blocks; its exchanges run here, never on the event loop.
        pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="entra")

        async def fetch(client_id: str, scope: str) -> Token:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, acquire, client_id, scope)

        self.cache = TokenCache(fetch)
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.forward_timeout),
            auto_decompress=False,
            trust_env=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
        )
        try:
            yield
        finally:
            await self.session.close()
            pool.shutdown(wait=False, cancel_futures=True)
            for source in tokens:
                source.close()

    async def dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        """The one handler: routes by hand (IMDS matches "/metadata" case-insensitively), and
        logs one line per request, however it ends."""
        started = time.perf_counter()
        error: str | None = None
        asked: _Asked = (None, None)
        response: web.StreamResponse
        try:
            if "Expect" in request.headers:
                _check_expectation(request.headers["Expect"])
            path = request.path
            if is_token_path(path):
                response, asked, error = await self._token(request)
            # Upstream routes every path that starts with /readyz to its readiness handler.
            elif path.startswith("/readyz") or path == "/healthz":
                response = web.Response(text="ok")
            else:
                response = await _forward(request, self.session, self.settings.imds_endpoint)
        except ImdsError as e:
            error = e.error
            response = _error_response(e)
        except Exception as e:  # noqa: BLE001 - a last resort that must not echo anything back
            error = type(e).__name__
            response = _json(
                500, {"error": "internal_error", "error_description": "unexpected error"}
            )
        log = self.log
        if log.info or response.status >= 500:
            log.write(
                method=request.method,
                path=request.path,
                status=response.status,
                duration_us=int((time.perf_counter() - started) * 1_000_000),
                query_string=request.query_string,
                client_id=asked[0],
                cache=asked[1],
                error=error,
            )
        return response

    async def _token(self, request: web.BaseRequest) -> tuple[web.Response, _Asked, str | None]:
        """The reply, what was asked and how the cache answered, and the error if any: a
        failed exchange is still logged with the client id it was for."""
        check_token_headers(request.method, request.headers)
        wanted = self._wanted(request)
        cache = self.cache
        found = cache.peek(wanted.client_id, wanted.scope)
        if found is None:
            try:
                found = await cache.get(wanted.client_id, wanted.scope)
            except TokenFailure as failure:
                refused = failure_reply(failure)
                return _error_response(refused), (wanted.client_id, "miss"), refused.error
        token, outcome = found
        body = self._reply_body(token, wanted, time.time())
        response = web.Response(body=body, content_type="application/json")
        return response, (wanted.client_id, outcome), None

    def _wanted(self, request: web.BaseRequest) -> TokenRequest:
        # The same few query strings come again and again, and parsing one costs a good part
        # of a cache hit; what a query asks for depends on nothing else.
        known = self.queries
        wanted = known.get(request.query_string)
        if wanted is None:
            wanted = parse_token_query(request.query.items(), self.settings.default_client_id)
            if len(request.query_string) <= _MAX_QUERY:
                if len(known) >= _MAX_REPLIES:
                    known.clear()
                known[request.query_string] = wanted
        return wanted

    def _reply_body(self, token: Token, wanted: TokenRequest, now: float) -> bytes:
        # Serialising a 1.5 KB body is a good part of a cache hit's cost; within one second
        # the same token makes the same body.
        replies = self.replies
        key, second = (wanted.client_id, wanted.resource), int(now)
        kept = replies.get(key)
        if kept is not None and kept[0] is token and kept[1] == second:
            return kept[2]
        body = json.dumps(token_reply(token, wanted, now), separators=(",", ":")).encode()
        if len(replies) >= _MAX_REPLIES:
            replies.clear()
        replies[key] = (token, second, body)
        return body


async def _forward(
    request: web.BaseRequest, session: aiohttp.ClientSession, endpoint: str
) -> web.StreamResponse:
    refuse_forwarded(request.headers)
    if request.body_exists and "Expect" in request.headers and request.version >= (1, 1):
        # Asked for only now, as Go's server (upstream's) asks once a handler reads the body.
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    headers = CIMultiDict(
        (k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP
    )
    data = await _body(request) if request.body_exists else None
    try:
        async with session.request(
            request.method,
            endpoint + request.raw_path,
            headers=headers,
            data=data,
            allow_redirects=False,
        ) as upstream:
            body = await upstream.read()
            reply_headers = CIMultiDict(
                (k, v) for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP
            )
            return web.Response(status=upstream.status, body=body, headers=reply_headers)
    except TimeoutError:
        raise ImdsError(
            504, "gateway_timeout", "The metadata endpoint did not answer in time"
        ) from None
    except aiohttp.ClientError as e:
        raise ImdsError(
            502, "bad_gateway", f"The metadata endpoint could not be reached ({type(e).__name__})"
        ) from None


async def _body(request: web.BaseRequest) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ImdsError(
            413,
            "invalid_request",
            f"The request body is larger than the {request.client_max_size} bytes forwarded",
        ) from None


def _check_expectation(expect: str) -> None:
    """100-continue is the only expectation HTTP/1.1 defines; Go's server (upstream's) answers
    any other with 417, whatever the path."""
    if expect.lower() != "100-continue":
        raise ImdsError(417, "invalid_request", "Only 'Expect: 100-continue' is understood")


def _json(status: int, body: dict[str, str], headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, separators=(",", ":")).encode(),
        content_type="application/json",
        headers=headers,
    )


def _error_response(error: ImdsError) -> web.Response:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
    if error.status == 405:
        headers["Allow"] = "GET"
    return _json(error.status, error.body(), headers)


async def serve(settings: Settings, log: RequestLog) -> None:
    """Serve until SIGTERM or SIGINT, then finish in-flight requests for up to 5 seconds."""
    proxy = _Proxy(settings, log)
    async with proxy.resources():
        # aiohttp's low-level server: the proxy routes by hand, and an Application's router,
        # match info and middleware chain would cost more than a whole cache hit.
        runner = web.ServerRunner(
            web.Server(proxy.dispatch, access_log=None),
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.bind, settings.port, reuse_address=True).start()
            # What lives as long as the process (modules, the proxy) leaves the collector's
            # view: a full collection then walks only what requests made.
            gc.freeze()
            logging.getLogger("wi_proxy").info(
                "listening", extra={"fields": {"address": f"{settings.bind}:{settings.port}"}}
            )
            await _until_signalled()
            logging.getLogger("wi_proxy").info("shutting down", extra={"fields": {}})
        finally:
            # aiohttp alone may wait twice its shutdown_timeout for a stuck handler.
            try:
                await asyncio.wait_for(runner.cleanup(), SHUTDOWN_TIMEOUT + 0.5)
            except TimeoutError:
                logging.getLogger("wi_proxy").warning(
                    "gave up on in-flight requests", extra={"fields": {}}
                )


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
