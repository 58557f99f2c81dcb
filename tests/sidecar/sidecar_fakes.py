"""Loopback stand-ins for the proxy's peers: a fake Entra ID (HTTPS, checks the client
assertion like the real one) and a stand-in "real IMDS". Importable by the tests, and
runnable as a script inside a network namespace:

    python sidecar_fakes.py --entra-port P --cert C --key K --sa-public-key S \
        --tenant T --client ID=SUBJECT --imds 127.0.0.169:80 --issued FILE
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jwt
from aiohttp import web

SA_AUDIENCE = "api://AzureADTokenExchange"
SA_ISSUER = "https://oidc.wi-transform.test/cluster"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NO_MATCH = (
    "AADSTS70021: No matching federated identity record found for presented assertion. "
    "Assertion Issuer: '{iss}'. Assertion Subject: '{sub}'. Assertion Audience: '{aud}'."
)

Mode = Literal["ok", "reject", "error", "throttle", "garbage"]


@dataclass
class Issued:
    access_token: str
    client_id: str
    scope: str
    expires_on: int


@dataclass
class FakeEntra:
    """Fake Entra ID. Tests steer it through `mode`, `delay` and `lifetime`, and read the
    counters; every request runs on the server thread, so they are guarded by a lock."""

    tenant: str
    sa_public_pem: bytes
    subjects: dict[str, str]
    issuer: str = SA_ISSUER
    lifetime: int = 3600
    mode: Mode = "ok"
    delay: float = 0.0
    retry_after: int = 1
    token_bytes: int = 0  # pad tokens to a real one's size (~1.3 KB) for benchmarks
    base_url: str = ""
    token_requests: int = 0
    discovery_requests: int = 0
    issued: list[Issued] = field(default_factory=list)
    assertions: list[str] = field(default_factory=list)
    on_issue: Callable[[Issued], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(
            "/{tenant}/v2.0/.well-known/openid-configuration", self._openid_configuration
        )
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/common/discovery/instance", self._instance_discovery)
        return app

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return [i.access_token for i in self.issued]

    async def _openid_configuration(self, request: web.Request) -> web.Response:
        with self._lock:
            self.discovery_requests += 1
        tenant = request.match_info["tenant"]
        if tenant != self.tenant:
            return _error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        base = f"{self.base_url}/{tenant}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _instance_discovery(self, request: web.Request) -> web.Response:
        """What Go's MSAL asks before it reads its token cache (Python's msal is told not to)."""
        with self._lock:
            self.discovery_requests += 1
        host = request.host
        tenant = request.query.get("authorization_endpoint", "").split("/")[3:4] or ["common"]
        return web.json_response(
            {
                "api-version": "1.1",
                "tenant_discovery_endpoint": (
                    f"{self.base_url}/{tenant[0]}/v2.0/.well-known/openid-configuration"
                ),
                "metadata": [
                    {"preferred_network": host, "preferred_cache": host, "aliases": [host]}
                ],
            }
        )

    async def _token(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        with self._lock:
            self.token_requests += 1
            self.assertions.append(str(form.get("client_assertion", "")))
            mode, delay = self.mode, self.delay
        if delay:
            await asyncio.sleep(delay)
        if mode == "error":
            return _error(500, "server_error", "AADSTS50000: There was an error issuing a token.")
        if mode == "throttle":
            response = _error(429, "temporarily_unavailable", "AADSTS50196: Too many requests.")
            response.headers["Retry-After"] = str(self.retry_after)
            return response
        if mode == "garbage":
            return web.Response(status=200, text="<html>captive portal</html>")
        problem = self._check(request.match_info["tenant"], form)
        if problem is not None:
            return problem
        if mode == "reject":
            return self._no_match(str(form["client_assertion"]))
        return self._issue(str(form["client_id"]), str(form["scope"]))

    def _check(self, tenant: str, form: Any) -> web.Response | None:
        if tenant != self.tenant:
            return _error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "AADSTS70003: grant_type unsupported.")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("scope"):
            return _error(400, "invalid_request", "AADSTS900144: a required field is missing.")
        try:
            claims = jwt.decode(
                str(form.get("client_assertion", "")),
                self.sa_public_pem,
                algorithms=["RS256"],
                audience=SA_AUDIENCE,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError as e:
            return _error(
                400,
                "invalid_client",
                f"AADSTS700024: client assertion rejected: {type(e).__name__}",
            )
        if self.subjects.get(str(form.get("client_id"))) != claims["sub"]:
            return self._no_match(str(form["client_assertion"]))
        return None

    def _no_match(self, assertion: str) -> web.Response:
        claims = jwt.decode(assertion, options={"verify_signature": False})
        text = NO_MATCH.format(iss=claims.get("iss"), sub=claims.get("sub"), aud=SA_AUDIENCE)
        return _error(400, "invalid_client", text)

    def _issue(self, client_id: str, scope: str) -> web.Response:
        access_token = "fake-at-" + secrets.token_urlsafe(32)
        access_token += "x" * max(0, self.token_bytes - len(access_token))
        issued = Issued(
            access_token=access_token,
            client_id=client_id,
            scope=scope,
            expires_on=int(time.time()) + self.lifetime,
        )
        with self._lock:
            self.issued.append(issued)
        if self.on_issue is not None:
            self.on_issue(issued)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.lifetime,
                "ext_expires_in": self.lifetime + 600,
                "access_token": issued.access_token,
            }
        )


def _error(status: int, error: str, description: str) -> web.Response:
    body = {
        "error": error,
        "error_description": description,
        "error_codes": [int(description[6:11])] if description.startswith("AADSTS") else [],
        "trace_id": "00000000-0000-0000-0000-000000000000",
    }
    return web.json_response(body, status=status)


def stand_in_imds(label: str = "stand-in") -> web.Application:
    """The 'real' metadata endpoint: echoes what reached it."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        if "delay" in request.query:
            await asyncio.sleep(float(request.query["delay"]))
        return web.json_response(
            {
                "served_by": label,
                "method": request.method,
                "path_qs": request.path_qs,
                "metadata": request.headers.get("Metadata"),
                "body": body.decode(errors="replace"),
            },
            headers={"X-Stand-In": label},
        )

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", echo)
    return app


class ServerThread:
    """An event loop on a daemon thread serving aiohttp apps; sites can stop and restart."""

    def __init__(self, enter: Callable[[], None] | None = None) -> None:
        """`enter` runs first on the thread (Netns.enter: its sockets live in a namespace)."""
        self.loop = asyncio.new_event_loop()

        def run() -> None:
            if enter is not None:
                enter()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        self._runners: dict[int, web.AppRunner] = {}

    def call(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(
        self,
        app: web.Application,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> int:
        return int(self.call(self._start(app, host, port, ssl_context)))

    async def _start(
        self, app: web.Application, host: str, port: int, ssl_context: ssl.SSLContext | None
    ) -> int:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context, reuse_address=True)
        await site.start()
        bound = runner.addresses[0][1]
        self._runners[bound] = runner
        return int(bound)

    async def _cancel_leftovers(self) -> None:
        leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)

    def stop(self, port: int) -> None:
        runner = self._runners.pop(port)
        self.call(runner.cleanup())

    def close(self) -> None:
        for port in list(self._runners):
            self.stop(port)
        self.call(self._cancel_leftovers())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


def server_ssl(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entra-port", type=int, required=True)
    parser.add_argument("--cert", type=Path, required=True)
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--sa-public-key", type=Path, required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--client", action="append", default=[], metavar="ID=SUBJECT")
    parser.add_argument("--imds", action="append", default=[], metavar="HOST:PORT")
    parser.add_argument("--issued", type=Path, required=True, help="append issued tokens here")
    parser.add_argument("--token-bytes", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1", help="the name Entra's URLs carry")
    args = parser.parse_args()
    issued_file = args.issued.open("a", encoding="utf-8")

    def note(issued: Issued) -> None:
        issued_file.write(issued.access_token + "\n")
        issued_file.flush()

    entra = FakeEntra(
        tenant=args.tenant,
        sa_public_pem=args.sa_public_key.read_bytes(),
        subjects=dict(c.split("=", 1) for c in args.client),
        base_url=f"https://{args.host}" + (f":{args.entra_port}" if args.entra_port != 443 else ""),
        on_issue=note,
        token_bytes=args.token_bytes,
    )
    servers = ServerThread()
    servers.start(entra.app(), port=args.entra_port, ssl_context=server_ssl(args.cert, args.key))
    for address in args.imds:
        host, port = address.rsplit(":", 1)
        servers.start(stand_in_imds(f"stand-in:{port}"), host=host, port=int(port))
    print(json.dumps({"ready": True}), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
