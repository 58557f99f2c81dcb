"""A network namespace of our own for upstream's proxy (and ours beside it), where nothing
can leave the machine: it has only `lo`. Upstream hard-codes two things we must answer on
loopback: the metadata address 169.254.169.254:80, which forwarded requests go to, and
Entra's host name, which its Go MSAL needs to skip instance discovery (a request to the
real login.microsoftonline.com for any other authority host).

- 169.254.169.254/32 is routed to `lo`, and an iptables REDIRECT in the namespace's own nat
  table rewrites every connection to port 80 there to a stand-in on 127.0.0.1 before any
  packet is sent; without the rule a packet to that address would still die on `lo`.
- `ip netns exec` mounts /etc/netns/NAME/hosts over /etc/hosts: login.microsoftonline.com
  is 127.0.0.1 there, and resolv.conf names no reachable server.

Threads of this process enter the namespace with `enter()` (setns applies per thread);
processes are started with `prefix` (`ip netns exec NAME`).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

METADATA_IP = "169.254.169.254"
ENTRA_HOST = "login.microsoftonline.com"
_CLONE_NEWNET = 0x40000000


class NetnsUnavailable(Exception):
    """Why no namespace can be made here (not root, no iproute2 or iptables)."""


class Netns:
    def __init__(self, name: str) -> None:
        self.name = name
        self.prefix = ["ip", "netns", "exec", name]

    def run(self, *command: str) -> str:
        result = subprocess.run(
            [*self.prefix, *command], capture_output=True, text=True, timeout=30, check=False
        )
        if result.returncode != 0:
            raise NetnsUnavailable(f"{' '.join(command)}: {result.stderr.strip()}")
        return result.stdout

    def enter(self) -> None:
        """Move the calling thread into the namespace (its new sockets are made there)."""
        _setns(f"/run/netns/{self.name}")

    @contextmanager
    def inside(self) -> Iterator[None]:
        """The calling thread inside the namespace, then back where it was."""
        back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            self.enter()
            yield
        finally:
            try:
                _setns_fd(back)
            finally:
                os.close(back)


def _setns(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        _setns_fd(fd)
    finally:
        os.close(fd)


def _setns_fd(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, _CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns failed")


def problem() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (.ci/run installs it)"
    return None


@contextmanager
def namespace(imds_port: int) -> Iterator[Netns]:
    """A namespace whose metadata address 169.254.169.254:80 is 127.0.0.1:`imds_port`."""
    why = problem()
    if why is not None:
        raise NetnsUnavailable(why)
    name = f"wi-up-{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        raise NetnsUnavailable(f"cannot create a network namespace: {made.stderr.strip()}")
    etc = Path("/etc/netns") / name
    try:
        etc.mkdir(parents=True)
        (etc / "hosts").write_text(f"127.0.0.1 localhost {ENTRA_HOST}\n::1 localhost\n")
        (etc / "resolv.conf").write_text("nameserver 127.0.0.1\n")
        ns = Netns(name)
        ns.run("ip", "link", "set", "lo", "up")
        ns.run("ip", "route", "add", f"{METADATA_IP}/32", "dev", "lo", "src", "127.0.0.1")
        ns.run(
            "iptables", "-t", "nat", "-A", "OUTPUT", "-d", f"{METADATA_IP}/32", "-p", "tcp",
            "--dport", "80", "-j", "REDIRECT", "--to-ports", str(imds_port),
        )  # fmt: skip
        assert f"--to-ports {imds_port}" in ns.run("iptables", "-t", "nat", "-S", "OUTPUT")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
        shutil.rmtree(etc, ignore_errors=True)
