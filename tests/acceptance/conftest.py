"""Fixtures for the acceptance suite: the upstream webhook and proxy tables, run against our CLI.

The proxy fixtures are the sidecar suite's own (its fake Entra ID, stand-in IMDS and real
`wi-proxy` processes), loaded from tests/sidecar/conftest.py so both suites share one harness.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .upstream import Injected, inject, slug

SIDECAR_TESTS = Path(__file__).resolve().parents[1] / "sidecar"
sys.path.insert(0, str(SIDECAR_TESTS))

_spec = importlib.util.spec_from_file_location(
    "acceptance_sidecar_fixtures", SIDECAR_TESTS / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_sidecar = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sidecar)

pki = _sidecar.pki
servers = _sidecar.servers
entra = _sidecar.entra
imds_port = _sidecar.imds_port
token_file = _sidecar.token_file
start = _sidecar.start
proxy = _sidecar.proxy


Batch = Callable[..., Injected]


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """`inject(...)` run once per key (an upstream table), however many cases read it."""
    done: dict[str, Injected] = {}

    def run(key: str, docs: list[dict[str, Any]], *flags: str, **options: Any) -> Injected:
        if key not in done:
            done[key] = inject(tmp_path_factory.mktemp(slug(key)), docs, *flags, **options)
        return done[key]

    return run
