"""kustomize for real: the legacy exec plugin under ``kubectl kustomize --enable-alpha-plugins``
and the standalone ``kustomize build`` (built by .ci/tools), and the KRM exec function under
``kustomize build --enable-alpha-plugins --enable-exec`` (kubectl cannot run exec functions)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CLIENT, ROOT, TENANT
from tests.integrations.manifests import documents, env_of
from tests.tools import tool

EXAMPLE = ROOT / "examples" / "kustomize"
PLUGIN = Path("wi-transform.azure.workload.identity", "v1alpha1", "workloadidentityinjector",
              "WorkloadIdentityInjector")
ID = "kustomize.config.k8s.io/id"
WANTED_ENV = {
    "AZURE_CLIENT_ID": CLIENT,
    "AZURE_TENANT_ID": TENANT,
    "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
    "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/",
}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The example laid out as the docs say: a plugin home, a base, an overlay using the plugin."""
    copy = tmp_path / "kustomize"
    shutil.copytree(EXAMPLE, copy, symlinks=True)
    return copy


@pytest.fixture(params=["kubectl", "kustomize"])
def kustomize(request: pytest.FixtureRequest) -> list[str]:
    """``kubectl kustomize`` (when installed) and the real ``kustomize build``."""
    if request.param == "kubectl":
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            pytest.skip("kubectl is not installed")
        return [kubectl, "kustomize"]
    return [str(tool("kustomize")), "build"]


def build(example: Path, command: list[str], overlay: str = "legacy-plugin",
          *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AZURE_")},
           "KUSTOMIZE_PLUGIN_HOME": str(example / "plugins"),
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "HOME": str(example)}
    return subprocess.run([*command, "--enable-alpha-plugins", *flags, str(example / overlay)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_plugin_layout_is_group_version_lowercase_kind_kind() -> None:
    plugin = EXAMPLE / "plugins" / PLUGIN
    assert os.access(plugin, os.X_OK)
    config = yaml.safe_load((EXAMPLE / "legacy-plugin" / "injector.yaml").read_text())
    group, version = config["apiVersion"].split("/")
    assert PLUGIN.parts == (group, version, config["kind"].lower(), config["kind"])


def test_kustomize_runs_the_plugin(example: Path, kustomize: list[str]) -> None:
    result = build(example, kustomize)
    assert result.returncode == 0, result.stderr
    _, deployment = documents(result.stdout)
    assert deployment["metadata"]["namespace"] == "web"  # the overlay's namespace came first
    assert env_of(deployment) == WANTED_ENV
    assert deployment["spec"]["template"]["spec"]["volumes"][0]["name"] == "azure-identity-token"
    assert ID not in str(result.stdout)  # kustomize took its ids back off


def _tee(plugin: Path, directory: Path) -> None:
    """Wrap the plugin so the test sees exactly what kustomize sent it and what it answered."""
    real = plugin.with_name("real-plugin")
    plugin.rename(real)
    plugin.write_text(
        f'#!/bin/sh\ntee {directory}/in.yaml | "{real}" "$@" | tee {directory}/out.yaml\n')
    plugin.chmod(0o755)


def _ids(stream: str) -> dict[tuple[str, str], Any]:
    return {(d["kind"], d["metadata"]["name"]): d["metadata"]["annotations"].get(ID)
            for d in documents(stream)}


def test_plugin_keeps_kustomize_ids_and_annotations(
    example: Path, tmp_path: Path, kustomize: list[str]
) -> None:
    _tee(example / "plugins" / PLUGIN, tmp_path)
    result = build(example, kustomize)
    assert result.returncode == 0, result.stderr
    sent = (tmp_path / "in.yaml").read_text()
    answered = (tmp_path / "out.yaml").read_text()
    assert ID in sent
    assert _ids(answered) == _ids(sent)
    for before, after in zip(documents(sent), documents(answered), strict=True):
        assert after["metadata"] == before["metadata"]
    # Only additions: every line kustomize sent comes back, in order.
    sent_lines = iter(answered.splitlines())
    assert all(any(line == got for got in sent_lines) for line in sent.splitlines())


def test_args_one_liner_flags_are_defaults(example: Path, kustomize: list[str]) -> None:
    config = example / "legacy-plugin" / "injector.yaml"
    config.write_text(config.read_text() + "argsOneLiner: --cloud AzureUSGovernmentCloud\n")
    result = build(example, kustomize)
    assert result.returncode == 0, result.stderr
    deployment = documents(result.stdout)[1]
    assert env_of(deployment)["AZURE_AUTHORITY_HOST"] == "https://login.microsoftonline.us/"


def test_plugin_failure_fails_the_build_with_our_message(example: Path, kustomize: list[str]) -> None:
    config = example / "legacy-plugin" / "injector.yaml"
    config.write_text(config.read_text().replace("tenantId:", "tenantID:"))
    result = build(example, kustomize)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "WorkloadIdentityInjector has no field 'tenantID'" in result.stderr


# -- the KRM exec function, which only the standalone binary runs --------------------------------


def krm_build(example: Path) -> subprocess.CompletedProcess[str]:
    return build(example, [str(tool("kustomize")), "build"], "krm-function", "--enable-exec")


def test_kustomize_build_runs_the_krm_function(example: Path) -> None:
    result = krm_build(example)
    assert result.returncode == 0, result.stderr
    account, deployment = documents(result.stdout)
    assert account["kind"] == "ServiceAccount" and account["metadata"]["namespace"] == "web"
    assert deployment["metadata"]["namespace"] == "web"
    assert env_of(deployment) == WANTED_ENV
    volume = deployment["spec"]["template"]["spec"]["volumes"][0]
    assert volume["name"] == "azure-identity-token"
    assert volume["projected"]["sources"][0]["serviceAccountToken"]["audience"] == "api://AzureADTokenExchange"
    # kustomize took its own annotations back off; ours, the marker, stays.
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert list(annotations) == ["wi-transform.azure.workload.identity/injected"]
    assert "config.kubernetes.io/" not in result.stdout and ID not in result.stdout


def test_kustomize_build_twice_gives_the_same_output(example: Path) -> None:
    assert krm_build(example).stdout == krm_build(example).stdout


@pytest.mark.parametrize(("change", "message"), [
    (("tenantId:", "tenantID:"), "WorkloadIdentityInjector has no field 'tenantID'"),
    (('  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47"\n', ""),
     "Deployment web/web: no tenant ID: annotate the ServiceAccount"),
])
def test_an_error_in_the_function_fails_the_build_with_our_message(
    example: Path, change: tuple[str, str], message: str
) -> None:
    config = example / "krm-function" / "injector.yaml"
    text = config.read_text()
    assert change[0] in text
    config.write_text(text.replace(*change))
    result = krm_build(example)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert any(line.startswith("error: ") and message in line for line in lines), result.stderr
    assert lines[-1].strip() == "Error: couldn't execute function: exit status 1"
