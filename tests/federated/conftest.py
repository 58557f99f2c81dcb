"""A fake ``az`` first on PATH, the real CLI in a subprocess, and bash to run what it prints."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "federated"
SCHEMAS = ROOT / "schemas"
QUICK_START = ROOT / "examples" / "quick-start.yaml"
CLIENT = "6e7b3bd1-1d4c-4f1e-8c7e-0a1b2c3d4e5f"
OTHER_CLIENT = "0f1e2d3c-4b5a-4987-8654-3210fedcba98"
SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
IDENTITY_ID = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-demo/providers/"
               "Microsoft.ManagedIdentity/userAssignedIdentities/id-demo")
ISSUER = "https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0c6a1b5e-0000-4000-8000-000000000001/"
HOSTILE_ISSUER = "https://evil.example/a'b\"c$(touch pwned)`touch pwned2`${HOME}\nnext line\\ \t%s/"

# Records argv (one JSON list a line) and refuses to run beside another az: the scripts must
# write one credential at a time. Answers `az identity list --query "[?clientId=='X'].id"`.
FAKE_AZ = '''\
#!{python}
import json, os, re, sys, time
log = os.environ["FAKE_AZ_LOG"]
lock = log + ".lock"
try:
    fd = os.open(lock, os.O_CREAT | os.O_EXCL)
except FileExistsError:
    sys.exit("fake az: another az is running at the same time")
try:
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps(sys.argv[1:]) + "\\n")
    if sys.argv[1:3] == ["identity", "list"]:
        query = sys.argv[sys.argv.index("--query") + 1]
        client_id = re.fullmatch(r"\\[\\?clientId=='([^']*)'\\]\\.id", query).group(1)
        table = json.loads(os.environ.get("FAKE_AZ_IDENTITIES", "{{}}"))
        for found in table.get(client_id, []):
            print(found)
    time.sleep(0.02)
finally:
    os.close(fd)
    os.unlink(lock)
'''


@dataclass
class ScriptRun:
    returncode: int
    stdout: str
    stderr: str
    calls: list[list[str]]


class FakeAz:
    """``az`` on PATH for the scripts we print; ``calls`` is every argv it was given."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.bin.mkdir()
        self.log = root / "az.log"
        self.workdir = root / "work"
        self.workdir.mkdir()
        az = self.bin / "az"
        az.write_text(FAKE_AZ.format(python=sys.executable), encoding="utf-8")
        az.chmod(0o755)

    def run(self, script: str, identities: dict[str, list[str]] | None = None) -> ScriptRun:
        path = self.workdir / "script.sh"
        path.write_text(script, encoding="utf-8")
        self.log.unlink(missing_ok=True)
        env = {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.workdir),
               "FAKE_AZ_LOG": str(self.log), "FAKE_AZ_IDENTITIES": json.dumps(identities or {})}
        done = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env, check=False,
                              cwd=self.workdir, timeout=60)
        calls = [json.loads(line) for line in self.log.read_text("utf-8").splitlines()] \
            if self.log.exists() else []
        # Nothing the issuer or names held may have run as a command.
        assert sorted(p.name for p in self.workdir.iterdir()) == ["script.sh"]
        return ScriptRun(done.returncode, done.stdout, done.stderr, calls)


@pytest.fixture
def az(tmp_path: Path) -> FakeAz:
    return FakeAz(tmp_path)


def wi(*args: str | os.PathLike[str], env: dict[str, str] | None = None,
       input: str = "") -> subprocess.CompletedProcess[str]:
    """``wi-transform ARGS`` in a new process, without any AKS_OIDC_ISSUER of ours."""
    environment = {k: v for k, v in os.environ.items()
                   if k != "AKS_OIDC_ISSUER" and not k.startswith("AZURE_")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "transformer", *map(str, args)], input=input,
                          check=False,
                          capture_output=True, text=True, env=environment, timeout=60)


def option(call: list[str], name: str) -> list[str]:
    """The values after option ``name`` in an argv, up to the next option."""
    start = call.index(name) + 1
    end = next((i for i in range(start, len(call)) if call[i].startswith("--")), len(call))
    return call[start:end]


def body(call: list[str]) -> Any:
    return json.loads(option(call, "--body" if "--body" in call else "--parameters")[0])


def service_accounts(*accounts: tuple[str, str, str]) -> str:
    """A manifest stream of ServiceAccounts (namespace, name, client id)."""
    return "".join(textwrap.dedent(f"""\
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: {name}
          namespace: {namespace}
          annotations:
            azure.workload.identity/client-id: {client_id}
        """) for namespace, name, client_id in accounts)


def lines_matching(pattern: str, text: str) -> list[str]:
    return [line for line in text.splitlines() if re.search(pattern, line)]
