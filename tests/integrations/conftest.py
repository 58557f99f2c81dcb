"""Fixtures of the integrations area: fake API servers, kubeconfigs, test keys."""

from __future__ import annotations

import importlib.util
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.integrations.fake_apiserver import Objects, serve

HERE = Path(__file__).resolve().parent


def _sidecar_pki() -> ModuleType:
    # The sidecar area already makes a CA and a 127.0.0.1 certificate; one copy of that is enough.
    path = HERE.parent / "sidecar" / "sidecar_pki.py"
    spec = importlib.util.spec_from_file_location("integrations_sidecar_pki", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _sidecar_pki().make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def objects() -> Objects:
    return Objects()


@pytest.fixture
def apiserver(objects: Objects) -> Iterator[str]:
    with serve(objects) as url:
        yield url


@pytest.fixture
def tls_apiserver(objects: Objects, pki: Any) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    with serve(objects, tls=context) as url:
        yield url


@pytest.fixture
def kube_env(tmp_path: Path) -> dict[str, str]:
    """HOME and KUBECONFIG of a user with no cluster yet; tests write the kubeconfig."""
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "KUBECONFIG": str(tmp_path / "kubeconfig")}

