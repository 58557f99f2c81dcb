"""``.ci/tools``: a tool built at its pinned version is not built again; unknown names are refused."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT
from tests.tools import tool, tools_dir


def _tools(*names: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WI_TOOLS_BIN": str(tools_dir())}
    return subprocess.run(["bash", str(ROOT / ".ci" / "tools"), *names], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_a_tool_at_its_pinned_version_is_skipped() -> None:
    tool("actionlint"), tool("azwi-webhook-oracle")
    done = _tools("actionlint", "azwi-webhook-oracle")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "tools: actionlint is github.com/rhysd/actionlint/cmd/actionlint@v1.7.12",
        "tools: azwi-webhook-oracle is current",
        f"tools: ready in {tools_dir()}",
    ]


def test_an_unknown_tool_is_refused() -> None:
    done = _tools("helm5")
    assert done.returncode == 2 and "tools: unknown tool helm5" in done.stderr
