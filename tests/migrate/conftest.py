"""The real CLI on the example repositories of tests/data/migrate, and their golden outputs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.federated.conftest import FakeAz

DATA = ROOT / "tests" / "data" / "migrate"
CASES = sorted(p.name for p in DATA.iterdir() if (p / "repo").is_dir())
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ISSUER = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/9a1f3c5e-7b2d-4e6f-8a0c-1d3e5f7a9b20/"
# UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (review the diff by hand).
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))


def wi(*args: str | os.PathLike[str], input: bytes = b"",
       cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    """``wi-transform ARGS`` in a new process, free of the caller's Azure variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AZURE_") and k != "AKS_OIDC_ISSUER"}
    return subprocess.run([sys.executable, "-m", "transformer", *map(str, args)], input=input,
                          capture_output=True, cwd=cwd, env=env, timeout=60, check=False)


def case_args(case: str) -> list[str]:
    """Extra flags a case runs with, from its ``args`` file (one a line)."""
    args = DATA / case / "args"
    return args.read_text("utf-8").split() if args.exists() else []


def repo(case: str) -> str:
    """The case's repository as a path relative to ROOT, so reports name stable paths."""
    return str((DATA / case / "repo").relative_to(ROOT))


def golden(case: str, name: str, actual: bytes) -> None:
    path = DATA / case / "golden" / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual)
    assert path.exists(), f"no golden file {path}: run with UPDATE_GOLDEN=1 and review it"
    assert actual.decode() == path.read_text("utf-8")


@pytest.fixture
def copy_repo(tmp_path: Path):  # type: ignore[no-untyped-def]
    def copy(case: str) -> Path:
        target = tmp_path / case
        shutil.copytree(DATA / case / "repo", target)
        return target

    return copy


@pytest.fixture
def az(tmp_path: Path) -> FakeAz:
    root = tmp_path / "az"
    root.mkdir()
    return FakeAz(root)
