"""Interception for real: in a network namespace of our own with only `lo`, the init
script's rules send another user's metadata traffic to the proxy (UID 1501), let the
proxy's own forwarded requests through to the stand-in "real IMDS", and leave other
ports alone. 127.0.0.169 plays the metadata address: nothing leaves the namespace."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sidecar_harness import (
    CLIENT_ID,
    GUARD,
    HERE,
    SUBJECT,
    TOKEN_PATH,
    WI_PROXY,
    assert_no_secrets,
    proxy_env,
)
from sidecar_pki import Pki

pytestmark = pytest.mark.slow

SCRIPT = HERE.parent.parent / "sidecar" / "init-iptables.sh"
METADATA_IP = "127.0.0.169"
PROXY_PORT = 8123
ENTRA_PORT = 8443
PROXY_UID = 1501
OTHER_UID = 2345
TENANT = "0e3f6f0c-0000-4000-8000-00000000feed"

CLIENT = """
import http.client, json, sys
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
connection = http.client.HTTPConnection(host, port, timeout=10)
connection.request("GET", path, headers={"Metadata": "true"})
response = connection.getresponse()
print(json.dumps({"status": response.status, "body": response.read().decode()}))
"""


@dataclass
class Namespace:
    name: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def run(self, *command: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            ["ip", "netns", "exec", self.name, *command],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
            check=False,
        )
        assert result.returncode == 0, f"{command}: {result.stderr}"
        return result.stdout

    def start(self, *command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.name, *command],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.processes.append(process)
        return process

    def get_as(self, uid: int, host: str, port: int, path: str) -> dict[str, Any]:
        out = self.run(
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            sys.executable,
            "-c",
            CLIENT,
            host,
            str(port),
            path,
            env={"PYTHONPATH": str(GUARD), "PATH": os.environ["PATH"]},
        )
        reply: dict[str, Any] = json.loads(out)
        return reply


@pytest.fixture
def netns() -> Iterator[Namespace]:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (CI runs as root)")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 is not installed, so no namespace can be made")
    name = f"wi-test-{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {made.stderr.strip()}")
    namespace = Namespace(name)
    try:
        namespace.run("ip", "link", "set", "lo", "up")
        yield namespace
    finally:
        for process in namespace.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in namespace.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["ip", "netns", "delete", name], check=False)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """Files the proxy's unprivileged user must read (pytest's tmp_path is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="wi-netns-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def require_proxy_user_can_run_the_proxy() -> None:
    """The checkout and its venv must be readable by UID 1501; a checkout under a private
    directory is not, and that is this machine's layout, not a fault of the proxy."""
    result = subprocess.run(
        [
            "setpriv",
            f"--reuid={PROXY_UID}",
            f"--regid={PROXY_UID}",
            "--clear-groups",
            str(WI_PROXY),
            "--help",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"UID {PROXY_UID} cannot run {WI_PROXY}: {result.stderr.strip()[:200]}")


def wait_for_line(log: Path, process: subprocess.Popen[bytes], needle: str) -> None:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if needle in log.read_text(errors="replace"):
            return
        assert process.poll() is None, log.read_text(errors="replace")
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} never appeared in {log}:\n{log.read_text()}")


def test_iptables_interception(netns: Namespace, shared_dir: Path, pki: Pki) -> None:
    assert shutil.which("iptables"), "iptables is not installed (.ci/run installs it)"
    require_proxy_user_can_run_the_proxy()
    for name in ("ca.pem", "server.pem", "server-key.pem", "sa-public.pem"):
        shutil.copy(pki.ca_file.parent / name, shared_dir / name)
    token_file = shared_dir / "sa-token"
    token_file.write_text(pki.service_account_token(SUBJECT))
    for path in shared_dir.iterdir():
        path.chmod(0o644)
    issued = shared_dir / "issued"

    script_env = {
        "PATH": os.environ["PATH"],
        "PROXY_PORT": str(PROXY_PORT),
        "METADATA_IP": METADATA_IP,
    }
    first = netns.run("sh", str(SCRIPT), env=script_env)
    netns.run("sh", str(SCRIPT), env=script_env)
    rules = netns.run("iptables", "-t", "nat", "-S")
    assert rules.count("-j AZWI_PROXY_OUTPUT") == 1  # run twice, rules once
    assert f"--uid-owner {PROXY_UID} -j ACCEPT" in rules and f"--to-ports {PROXY_PORT}" in rules
    assert "AZWI_PROXY_REDIRECT" in first

    fakes = netns.start(
        sys.executable,
        str(HERE / "sidecar_fakes.py"),
        f"--entra-port={ENTRA_PORT}",
        f"--cert={shared_dir / 'server.pem'}",
        f"--key={shared_dir / 'server-key.pem'}",
        f"--sa-public-key={shared_dir / 'sa-public.pem'}",
        f"--tenant={TENANT}",
        f"--client={CLIENT_ID}={SUBJECT}",
        f"--imds={METADATA_IP}:80",
        f"--imds={METADATA_IP}:81",
        f"--issued={issued}",
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(GUARD)},
        log=shared_dir / "fakes.log",
    )
    wait_for_line(shared_dir / "fakes.log", fakes, '"ready"')

    env = proxy_env(
        tenant=TENANT,
        token_file=token_file,
        authority_host=f"https://127.0.0.1:{ENTRA_PORT}/",
        ca_file=shared_dir / "ca.pem",
    )
    proxy_log = shared_dir / "proxy.log"
    proxy = netns.start(
        "setpriv",
        f"--reuid={PROXY_UID}",
        f"--regid={PROXY_UID}",
        "--clear-groups",
        str(WI_PROXY),
        f"--proxy-port={PROXY_PORT}",
        "--log-level=all",
        f"--imds-endpoint=http://{METADATA_IP}:80",
        env=env,
        log=proxy_log,
    )
    wait_for_line(proxy_log, proxy, '"msg":"listening"')

    # Another user asking the metadata address gets the proxy's token.
    query = "?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net"
    reply = netns.get_as(OTHER_UID, METADATA_IP, 80, TOKEN_PATH + query)
    assert reply["status"] == 200, reply
    token = json.loads(reply["body"])
    assert token["access_token"] == issued.read_text().split()[0]
    assert token["client_id"] == CLIENT_ID

    # Other metadata paths: redirected to the proxy, which forwards them as UID 1501
    # straight to the stand-in, without being redirected to itself.
    instance = netns.get_as(OTHER_UID, METADATA_IP, 80, "/metadata/instance?api-version=1")
    assert json.loads(instance["body"])["served_by"] == "stand-in:80"
    own = netns.get_as(PROXY_UID, METADATA_IP, 80, TOKEN_PATH + query)
    assert json.loads(own["body"])["served_by"] == "stand-in:80"

    # Another port of the same address is untouched.
    other_port = netns.get_as(OTHER_UID, METADATA_IP, 81, TOKEN_PATH + query)
    assert json.loads(other_port["body"])["served_by"] == "stand-in:81"

    proxy.send_signal(signal.SIGTERM)
    assert proxy.wait(10) == 0
    paths = [
        line["path"]
        for line in map(json.loads, proxy_log.read_text().splitlines())
        if line.get("msg") == "request"
    ]
    assert paths == [TOKEN_PATH, "/metadata/instance"]
    assert_no_secrets(
        proxy_log.read_text(), [token["access_token"], token_file.read_text()], "proxy log"
    )
