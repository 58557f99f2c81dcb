"""``helm-plugin/``: the Helm 4 postrenderer/v1 manifest, and its wrapper run as Helm runs it."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import CLIENT, ROOT, TENANT
from tests.integrations.manifests import HELM_STREAM, documents, env_of

PLUGIN_DIR = ROOT / "helm-plugin"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def manifest() -> dict[str, object]:
    data = yaml.safe_load((PLUGIN_DIR / "plugin.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_manifest_is_a_helm4_postrenderer(manifest: dict[str, object]) -> None:
    # The fields Helm 4's loader requires of an apiVersion v1 plugin, and the post-renderer type.
    assert manifest["apiVersion"] == "v1"
    assert manifest["type"] == "postrenderer/v1"
    assert manifest["runtime"] == "subprocess"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", str(manifest["name"]))
    assert manifest["name"] == "wi-transform"


def test_manifest_version_is_the_package_version(manifest: dict[str, object]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert manifest["version"] == project["version"]


def test_platform_command_is_the_executable_wrapper(manifest: dict[str, object]) -> None:
    commands = manifest["runtimeConfig"]["platformCommand"]  # type: ignore[index]
    assert len(commands) == 1 and set(commands[0]) == {"command"}
    command = os.path.expandvars(commands[0]["command"].replace("${HELM_PLUGIN_DIR}",
                                                                str(PLUGIN_DIR)))
    assert Path(command).is_file()
    assert os.stat(command).st_mode & stat.S_IXUSR


def _helm_runs(args: list[str], stdin: str, path: str | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the plugin command as Helm 4's subprocess runtime does: $HELM_PLUGIN_DIR expanded,
    the --post-renderer-args as arguments, Helm's environment added, no terminal."""
    command = str(PLUGIN_DIR / "wi-transform-post-render")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    environment.update({"PATH": path if path is not None else f"{BIN}:{os.environ['PATH']}",
                        "HELM_PLUGIN_NAME": "wi-transform", "HELM_PLUGIN_DIR": str(PLUGIN_DIR),
                        **(env or {})})
    return subprocess.run([command, *args], input=stdin.encode(), capture_output=True,
                          env=environment, timeout=60, start_new_session=True, check=False)


def test_wrapper_injects(tmp_path: Path) -> None:
    result = _helm_runs([f"--tenant-id={TENANT}"], HELM_STREAM, env={"HELM_NAMESPACE": "shop"})
    assert result.returncode == 0, result.stderr.decode()
    assert env_of(documents(result.stdout)[-1])["AZURE_CLIENT_ID"] == CLIENT
    assert "Deployment shop/web: injected" in result.stderr.decode()


def test_wrapper_fails_with_nothing_on_stdout() -> None:
    result = _helm_runs([], HELM_STREAM)
    assert result.returncode == 3
    assert result.stdout == b""
    assert "no tenant ID" in result.stderr.decode()


def test_wrapper_passes_the_report_flag(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    result = _helm_runs([f"--tenant-id={TENANT}", f"--report={report}"], HELM_STREAM)
    assert result.returncode == 0
    assert "Deployment default/web: injected" in report.read_text()


def test_wrapper_without_the_tool_says_how_to_get_it(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("sh", "mktemp", "cat", "rm"):
        found = shutil.which(tool)
        assert found is not None
        (bare / tool).symlink_to(found)
    result = _helm_runs([], HELM_STREAM, path=str(bare))
    assert result.returncode == 127
    assert result.stdout == b""
    assert "is not on PATH: install it" in result.stderr.decode()
