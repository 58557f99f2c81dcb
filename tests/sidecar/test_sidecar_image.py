"""The Dockerfile, without a Docker engine: its stages, bases, users and entrypoints are
read and checked, and its build steps are run here as written (the wheel, a fresh venv
with the `sidecar` extra only), then the result is started the way the pod starts it:
as UID 1501 on a read-only filesystem, probed, and asked for a token."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sidecar_fakes import FakeEntra
from sidecar_harness import Proxy, free_port, http_get, proxy_env, wait_ready
from sidecar_pki import Pki

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
PINNED = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")


@dataclass
class Stage:
    name: str
    base: str
    steps: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.steps if key == keyword]

    def env(self) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for rest in self.all("ENV"):
            pairs.update(pair.split("=", 1) for pair in rest.split())
        return pairs


def parse(text: str) -> tuple[dict[str, str], dict[str, Stage]]:
    """Global ARGs and the stages, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in joined.splitlines():
        if not line.strip():
            continue
        keyword, _, rest = line.strip().partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            base, _, name = rest.partition(" AS ")
            current = stages.setdefault(name.strip(), Stage(name.strip(), base.strip()))
        elif current is None and keyword == "ARG":
            name, _, value = rest.partition("=")
            args[name] = value
        elif current is not None:
            current.steps.append((keyword, rest))
    return args, stages


def shell_of(run: str) -> str:
    return re.sub(r"^(--\S+\s+)+", "", run)


ARGS, STAGES = parse(DOCKERFILE.read_text())


def test_bases_are_pinned_by_digest() -> None:
    assert ARGS and all(PINNED.match(value) for value in ARGS.values()), ARGS
    for stage in STAGES.values():
        base = stage.base
        assert base in STAGES or (base.startswith("${") and base[2:-1] in ARGS), base


def test_proxy_target() -> None:
    proxy = STAGES["proxy"]
    assert proxy.base == "${PYTHON_BASE}"
    assert proxy.all("USER") == ["1501:1501"]
    assert proxy.all("ENTRYPOINT") == ['["/proxy"]']
    assert "ln -s /opt/wi-proxy/bin/wi-proxy /proxy" in proxy.all("RUN")
    assert proxy.env()["PYTHONDONTWRITEBYTECODE"] == "1"
    assert proxy.all("COPY") == ["--from=venv /opt/wi-proxy /opt/wi-proxy"]
    assert STAGES["venv"].env()["VENV"] == "/opt/wi-proxy"


def test_proxy_init_target() -> None:
    init = STAGES["proxy-init"]
    assert init.base == "${DEBIAN_BASE}"
    assert init.all("ENTRYPOINT") == ['["/init-iptables.sh"]']
    assert init.all("COPY") == ["--chmod=0755 sidecar/init-iptables.sh /init-iptables.sh"]
    assert any("install -y --no-install-recommends iptables" in run for run in init.all("RUN"))
    assert not init.all("USER")  # the injected container runs it as root with NET_ADMIN


def test_build_inputs_exist() -> None:
    for copy in STAGES["wheel"].all("COPY"):
        for source in copy.split()[:-1]:
            assert (REPO / source).exists(), source


@pytest.fixture
def build_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="wi-image-"))
    path.chmod(0o755)  # UID 1501 runs what is built here
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run_step(stage: str, cwd: Path, env: dict[str, str]) -> None:
    for run in STAGES[stage].all("RUN"):
        result = subprocess.run(
            ["sh", "-c", shell_of(run)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{stage}: {shell_of(run)}\n{result.stderr[-3000:]}"


READ_ONLY = (
    "mount --make-rprivate / && "
    "for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do "
    'mount -o remount,bind,ro "$m" 2>/dev/null || true; done; '
    'exec setpriv --reuid=1501 --regid=1501 --clear-groups "$@"'
)


@pytest.mark.slow
def test_image_steps_build_a_working_proxy(build_dir: Path, entra: FakeEntra, pki: Pki) -> None:
    source = build_dir / "src"
    for copy in STAGES["wheel"].all("COPY"):
        *sources, _ = copy.split()
        for name in sources:
            target = source / name.rstrip("/")
            if (REPO / name).is_dir():
                shutil.copytree(REPO / name, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(REPO / name, target)
    tools = build_dir / "bin"
    tools.mkdir()
    base_python = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    (tools / "python").symlink_to(base_python)
    (tools / "pip").write_text(f'#!/bin/sh\nexec "{base_python}" -m pip "$@"\n')
    (tools / "pip").chmod(0o755)
    env = {  # pip keeps this machine's index, certificate and proxy settings
        **{k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "PYTHON"))},
        "PATH": f"{tools}:/usr/bin:/bin",
        "WHEELS": str(build_dir / "wheels"),
        "VENV": str(build_dir / "venv"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    run_step("wheel", source, env)
    run_step("venv", build_dir, env)

    venv = build_dir / "venv"
    installed = {
        p.name.split("-")[0].lower() for p in venv.glob("lib/python*/site-packages/*.dist-info")
    }
    assert {"wi_transform", "aiohttp", "msal"} <= installed
    assert not installed & {"click", "jsonschema", "kubernetes_validate", "ruamel.yaml"}, installed

    entrypoint = build_dir / "proxy"
    entrypoint.symlink_to(venv / "bin" / "wi-proxy")
    shared = build_dir / "shared"
    shared.mkdir(mode=0o755)
    token_file = shared / "sa-token"
    token_file.write_text(pki.service_account_token())
    shutil.copy(pki.ca_file, shared / "ca.pem")
    for path in shared.iterdir():
        path.chmod(0o644)
    port = free_port()
    proxy_environment = {
        **proxy_env(
            tenant=entra.tenant,
            token_file=token_file,
            authority_host=entra.base_url,
            ca_file=shared / "ca.pem",
        ),
        **STAGES["proxy"].env(),
    }
    as_in_pod: list[str] = []
    if os.geteuid() == 0:
        as_in_pod = ["unshare", "--mount", "sh", "-c", READ_ONLY, "sh"]
    log = build_dir / "proxy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*as_in_pod, str(entrypoint), f"--proxy-port={port}", "--log-level=info"],
            env=proxy_environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        probe = subprocess.run(
            [*as_in_pod, str(entrypoint), f"--proxy-port={port}", "--probe", "--log-level=info"],
            env=proxy_environment,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert probe.returncode == 0, (probe.stderr, log.read_text())
        wait_ready(Proxy(process, port, log))
        reply = http_get(
            "127.0.0.1",
            port,
            "/metadata/identity/oauth2/token",
            params={"resource": "https://vault.azure.net"},
            headers={"Metadata": "true"},
        )
        assert reply.status == 200, (reply.body, log.read_text())
        assert json.loads(reply.body)["access_token"] == entra.issued[-1].access_token
    finally:
        process.terminate()
        process.wait(10)
    assert process.returncode == 0, log.read_text()
    if as_in_pod:  # and the pod's view really was read-only
        write = subprocess.run(
            [*as_in_pod, "touch", f"/tmp/wi-image-write-{port}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert write.returncode != 0 and "Read-only file system" in write.stderr
