"""Real tools built from their Go modules by `.ci/tools` (Helm 3 and 4, kustomize, actionlint,
upstream's webhook oracle and proxy): where a test finds them, and what it does without one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def tools_dir() -> Path:
    """``$WI_TOOLS_BIN`` when set (a shared build for several clones), else ``.tools/bin``."""
    return Path(os.environ.get("WI_TOOLS_BIN") or ROOT / ".tools" / "bin")


def tool(name: str) -> Path:
    """The built tool ``name``; skips the test when it is absent, fails when WI_REQUIRE_TOOLS=1."""
    path = tools_dir() / name
    if path.is_file() and os.access(path, os.X_OK):
        return path
    reason = f"{name} not built at {path}: run `bash .ci/tools` (needs Go and its module proxy)"
    if os.environ.get("WI_REQUIRE_TOOLS") == "1":
        pytest.fail(f"WI_REQUIRE_TOOLS=1 but {reason}")
    pytest.skip(reason)
