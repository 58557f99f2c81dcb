"""Fixtures shared by every test area: the real CLI in a subprocess, the corpus, temp copies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.corpus import need_corpus

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "6e7b3bd1-1d4c-4f1e-8c7e-0a1b2c3d4e5f"

Run = Callable[..., subprocess.CompletedProcess[bytes]]


def run_cli(
    *args: str | os.PathLike[str],
    input: bytes | str | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``wi-transform ARGS`` as a user runs it: a new process, bytes in and out."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    environment.update(env or {})
    data = input.encode() if isinstance(input, str) else input
    return subprocess.run(
        [sys.executable, "-m", "transformer", *map(str, args)],
        input=data if data is not None else b"",
        capture_output=True,
        cwd=cwd,
        env=environment,
        timeout=60,
    )


@pytest.fixture
def wi() -> Run:
    return run_cli


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture: one place skips (or fails) every test that needs the corpus.
    if item.get_closest_marker("corpus") or "corpus" in getattr(item, "fixturenames", ()):
        need_corpus()


@pytest.fixture(scope="session")
def corpus() -> Path:
    return need_corpus()


@pytest.fixture
def copy_to(tmp_path: Path) -> Callable[..., Path]:
    """Copy files (read-only sources) into the test's temp dir; returns the copy's path."""

    def copy(source: Path, name: str | None = None) -> Path:
        target = tmp_path / (name or source.name)
        shutil.copyfile(source, target)
        target.chmod(0o644)
        return target

    return copy
