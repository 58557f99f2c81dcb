"""The sidecar benchmark's baselines, run as their own processes:

python bench/sidecar_baseline.py serve PORT   # a bare aiohttp handler, fixed 1.5 KB JSON
python bench/sidecar_baseline.py serve-low PORT  # the same on aiohttp's low-level server
python bench/sidecar_baseline.py idle [MODULE...]  # has imported them (aiohttp and msal), idles
"""

from __future__ import annotations

import json
import sys
import time

# The size of a real IMDS answer carrying a ~1.3 KB access token.
BODY = json.dumps(
    {
        "access_token": "x" * 1290,
        "client_id": "6f1f4c3e-0000-4000-8000-00000000c11e",
        "expires_in": "3599",
        "expires_on": "1795869776",
        "ext_expires_in": "3599",
        "not_before": "1795866176",
        "resource": "https://vault.azure.net",
        "token_type": "Bearer",
    },
    separators=(",", ":"),
).encode()


def serve(port: int) -> None:
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="application/json")

    app = web.Application()
    app.router.add_get("/{path:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def serve_low(port: int) -> None:
    """The same handler without an Application (no router, no middleware chain), as the
    proxy itself is served: what aiohttp alone costs per request."""
    import asyncio

    from aiohttp import web

    async def handler(request: web.BaseRequest) -> web.Response:
        return web.Response(body=BODY, content_type="application/json")

    async def run() -> None:
        runner = web.ServerRunner(web.Server(handler, access_log=None))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(run())


def idle(modules: list[str]) -> None:
    import importlib

    for name in modules or ["aiohttp", "msal"]:
        importlib.import_module(name)
    print("ready", flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif sys.argv[1] == "serve-low":
        serve_low(int(sys.argv[2]))
    else:
        idle(sys.argv[2:])
