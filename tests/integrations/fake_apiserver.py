"""A Kubernetes API server of our own on 127.0.0.1: just the reads --from-cluster makes
(ServiceAccounts, ConfigMaps, the service-account issuer's discovery document).

It serves ServiceAccounts and ConfigMaps from dicts, answers 403 for namespaces listed as
forbidden, 401 when a token is required and missing, and records every request it gets.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web


@dataclass
class Objects:
    service_accounts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    config_maps: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    forbidden_namespaces: set[str] = field(default_factory=set)
    token: str | None = None
    openid_configuration: dict[str, Any] | None = None  # /.well-known/openid-configuration
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, authorization)


def _status(code: int, reason: str, message: str) -> web.Response:
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": message, "reason": reason, "code": code}
    return web.json_response(body, status=code)


def _app(objects: Objects) -> web.Application:
    async def get(request: web.Request) -> web.Response:
        namespace, kind, name = (request.match_info[k] for k in ("ns", "kind", "name"))
        auth = request.headers.get("Authorization")
        objects.requests.append((request.path, auth))
        if objects.token is not None and auth != f"Bearer {objects.token}":
            return _status(401, "Unauthorized", "Unauthorized")
        if namespace in objects.forbidden_namespaces:
            return _status(403, "Forbidden", f'{kind} "{name}" is forbidden: User cannot get '
                           f'resource "{kind}" in the namespace "{namespace}"')
        table = objects.service_accounts if kind == "serviceaccounts" else objects.config_maps
        found = table.get((namespace, name))
        if found is None:
            return _status(404, "NotFound", f'{kind} "{name}" not found')
        return web.json_response(found)

    async def discovery(request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization")
        objects.requests.append((request.path, auth))
        if objects.token is not None and auth != f"Bearer {objects.token}":
            return _status(401, "Unauthorized", "Unauthorized")
        if "" in objects.forbidden_namespaces:  # "" stands for the cluster-wide document
            return _status(403, "Forbidden", 'forbidden: User cannot get path '
                           '"/.well-known/openid-configuration"')
        if objects.openid_configuration is None:
            return _status(404, "NotFound", "the server could not find the requested resource")
        return web.json_response(objects.openid_configuration)

    app = web.Application()
    app.router.add_get("/api/v1/namespaces/{ns}/{kind:serviceaccounts|configmaps}/{name}", get)
    app.router.add_get("/.well-known/openid-configuration", discovery)
    return app


@contextmanager
def serve(objects: Objects, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Run the server in a thread; yields its base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(_app(objects))
    ready = threading.Event()
    port: list[int] = []

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
        await site.start()
        port.append(runner.addresses[0][1])
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()),
                              daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the fake API server did not start")
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port[0]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def service_account(namespace: str, name: str, *, labels: dict[str, str] | None = None,
                    annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "uid": "0000",
                                "resourceVersion": "1"}
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    return {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": metadata}


def config_map(namespace: str, name: str, data: dict[str, str]) -> dict[str, Any]:
    return {"kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": namespace}, "data": data}


def write_kubeconfig(path: Path, contexts: dict[str, dict[str, Any]], current: str) -> Path:
    """A kubeconfig with one cluster and user per context: {name: {server, ca?, token?}}."""
    config: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "current-context": current,
                              "clusters": [], "users": [], "contexts": []}
    for name, spec in contexts.items():
        cluster: dict[str, Any] = {"server": spec["server"]}
        if spec.get("ca"):
            cluster["certificate-authority"] = str(spec["ca"])
        user: dict[str, Any] = {"token": spec["token"]} if spec.get("token") else {}
        config["clusters"].append({"name": name, "cluster": cluster})
        config["users"].append({"name": name, "user": user})
        config["contexts"].append({"name": name, "context": {"cluster": name, "user": name}})
    path.write_text(yaml.safe_dump(config))
    return path
