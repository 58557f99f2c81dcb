"""Fixtures of the integrations area: fake API servers, kubeconfigs, test keys."""

from __future__ import annotations

import importlib.util
import shutil
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



# -- the GitHub Action --------------------------------------------------------------------

# What `pip install "$GITHUB_ACTION_PATH"` needs from a checkout of the action, and the action.
ACTION_FILES = ("action.yml", "action", "pyproject.toml", "README.md", "transformer", "sidecar",
                "schemas")


def copy_from_repo(names: tuple[str, ...], target: Path) -> None:
    """Copy files and directories of this repository, without caches, into ``target``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in names:
        source = HERE.parents[1] / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)


@pytest.fixture(scope="session")
def action_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The action as the runner checks it out: the repository at the action's ref."""
    target = tmp_path_factory.mktemp("actions") / "wi-transform"
    target.mkdir()
    copy_from_repo(ACTION_FILES, target)
    return target


@pytest.fixture(scope="session")
def python_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stands in for actions/setup-python: a Python of the asked version first on PATH."""
    directory = tmp_path_factory.mktemp("setup-python")
    base = Path(getattr(sys, "_base_executable", sys.executable))
    for name in ("python", "python3"):
        (directory / name).symlink_to(base)
    return directory
