"""``helm-plugin/`` on its own: the manifest's version, and the wrapper without the tool.
Helm itself runs the plugin in tests/integrations/test_helm.py (real Helm 3 and Helm 4)."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.integrations.manifests import HELM_STREAM

PLUGIN_DIR = ROOT / "helm-plugin"


def test_manifest_version_is_the_package_version() -> None:
    manifest = yaml.safe_load((PLUGIN_DIR / "plugin.yaml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert manifest["version"] == project["version"]


def test_wrapper_without_the_tool_says_how_to_get_it(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("sh", "mktemp", "cat", "rm"):
        found = shutil.which(tool)
        assert found is not None
        (bare / tool).symlink_to(found)
    result = subprocess.run([str(PLUGIN_DIR / "wi-transform-post-render")], input=HELM_STREAM.encode(),
                            capture_output=True, env={"PATH": str(bare)}, timeout=60,
                            start_new_session=True, check=False)
    assert result.returncode == 127
    assert result.stdout == b""
    assert "is not on PATH: install it" in result.stderr.decode()
