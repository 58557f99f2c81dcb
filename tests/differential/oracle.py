"""Where the oracle binary is, if it was built (tests use tests/tools.py `tool()` instead)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.tools import tools_dir


def oracle_path() -> Path | None:
    path = tools_dir() / "azwi-webhook-oracle"
    return path if path.is_file() and os.access(path, os.X_OK) else None
