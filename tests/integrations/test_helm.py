"""Real Helm 3 and Helm 4 (built by .ci/tools): `helm template` of tests/data/helm/web through
our post-renderer (Helm 3: the executable) and our plugin (Helm 4: `helm plugin install`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CLIENT, DATA, ROOT, TENANT
from tests.tools import tool

CHART = DATA / "helm" / "web"
WRAPPER = ROOT / "helm-plugin" / "wi-transform-post-render"
WI = Path(sys.executable).parent / "wi-transform"


def _env(home: Path) -> dict[str, str]:
    """A Helm user with nothing configured, and no cluster: everything under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HELM_"))}
    env.update(HOME=str(home), KUBECONFIG=str(home / "no-kubeconfig"), WI_TRANSFORM=str(WI),
               HELM_CONFIG_HOME=str(home / "config"), HELM_CACHE_HOME=str(home / "cache"),
               HELM_DATA_HOME=str(home / "data"),
               # Helm 4.3's `plugin install` of a directory links it under $HELM_DATA_HOME/plugins
               # whatever HELM_PLUGINS says (LocalInstaller.Path): keep the two the same.
               HELM_PLUGINS=str(home / "data" / "plugins"))
    return env


def _run(args: list[str | Path], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(a) for a in args], capture_output=True, env=env, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)


def _docs(out: bytes) -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in yaml.safe_load_all(out) if d}


def _pod(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else spec["template"]
    return dict(template["spec"])


def _env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


def _check_injected(out: bytes) -> None:
    text = out.decode()
    for comment in ("# Source: web/templates/deployment.yaml", "# Source: web/templates/cronjob.yaml",
                    "# The ServiceAccount both workloads run as; the client id comes from the values.",
                    '# the webhook\'s selector; wi-transform\'s too', "# stands in for the real job"):
        assert comment in text  # Helm's comments and the chart's survive
    docs = _docs(out)
    assert set(docs) == {"ServiceAccount", "Deployment", "CronJob"}
    assert docs["ServiceAccount"]["metadata"]["annotations"] == {"azure.workload.identity/client-id": CLIENT}
    web, report = _pod(docs["Deployment"]), _pod(docs["CronJob"])
    for pod in (web, report):
        assert pod["volumes"][0]["name"] == "azure-identity-token"
        assert _env_of(pod["containers"][-1]) == {
            "AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT,
            "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
            "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/"}
    assert "initContainers" not in web  # values.yaml asks for the proxy on the job only
    assert [c["name"] for c in report["initContainers"]] == ["azwi-proxy-init", "azwi-proxy"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def test_helm3_template_through_the_post_renderer(home: Path) -> None:
    helm = tool("helm3")
    report = home / "report.txt"
    done = _run([helm, "template", "shop", CHART, "--namespace", "shop", "--post-renderer", WRAPPER,
                 f"--post-renderer-args=--tenant-id={TENANT}", "--post-renderer-args=--namespace=shop",
                 f"--post-renderer-args=--report={report}"], _env(home))
    assert done.returncode == 0, done.stderr.decode()
    _check_injected(done.stdout)
    assert report.read_text().splitlines() == [
        "ServiceAccount shop/shop: skipped", "Deployment shop/shop: injected",
        "CronJob shop/shop-report: injected (proxy)"]


def test_helm3_fails_with_our_message_and_renders_nothing(home: Path) -> None:
    helm = tool("helm3")
    done = _run([helm, "template", "shop", CHART, "--post-renderer", WRAPPER], _env(home))
    assert done.returncode == 1 and done.stdout == b""
    err = done.stderr.decode()
    assert "error while running post render" in err  # Helm's words, then ours
    assert "Deployment default/shop: no tenant ID: annotate the ServiceAccount" in err
    assert "wi-transform: 2 problem(s); nothing was written" in err


def _helm4_with_plugin(home: Path) -> tuple[Path, dict[str, str]]:
    helm, env = tool("helm4"), _env(home)
    installed = _run([helm, "plugin", "install", ROOT / "helm-plugin"], env)
    assert installed.returncode == 0, installed.stderr.decode()
    listed = _run([helm, "plugin", "list"], env)
    assert listed.stdout.decode().split("\n")[1].split()[:4] == ["wi-transform", "0.1.0", "postrenderer/v1", "v1"]
    return helm, env


def test_helm4_template_through_the_installed_plugin(home: Path) -> None:
    helm, env = _helm4_with_plugin(home)
    report = home / "report.txt"
    done = _run([helm, "template", "shop", CHART, "--namespace", "shop", "--post-renderer", "wi-transform",
                 f"--post-renderer-args=--tenant-id={TENANT}", "--post-renderer-args=--namespace=shop",
                 f"--post-renderer-args=--report={report}"], env)
    assert done.returncode == 0, done.stderr.decode()
    _check_injected(done.stdout)
    assert sorted(report.read_text().splitlines()) == [
        "CronJob shop/shop-report: injected (proxy)", "Deployment shop/shop: injected",
        "ServiceAccount shop/shop: skipped"]


def test_helm4_does_not_pass_its_namespace_to_post_renderer_plugins(home: Path) -> None:
    # As the README says: Helm 4.3 runs a post-renderer plugin without HELM_NAMESPACE, so
    # --namespace must be passed on with --post-renderer-args.
    helm, env = _helm4_with_plugin(home)
    report = home / "report.txt"
    done = _run([helm, "template", "shop", CHART, "--namespace", "shop", "--post-renderer", "wi-transform",
                 f"--post-renderer-args=--tenant-id={TENANT}", f"--post-renderer-args=--report={report}"], env)
    assert done.returncode == 0, done.stderr.decode()
    assert "Deployment default/shop: injected" in report.read_text().splitlines()


def test_helm4_fails_renders_nothing_and_our_message_reaches_the_terminal(home: Path) -> None:
    helm, env = _helm4_with_plugin(home)
    script = shutil.which("script")
    if script is None:
        pytest.skip("util-linux `script` (a terminal for Helm) is not installed")
    out, err, report = home / "out.yaml", home / "err.txt", home / "report.txt"
    # Helm 4 swallows a plugin's stderr (even with --debug): the wrapper copies our messages to
    # the terminal, and --report keeps them in a file. `script` gives Helm a terminal.
    command = (f"{helm} template shop {CHART} --post-renderer wi-transform "
               f"--post-renderer-args=--report={report} > {out} 2> {err}")
    done = subprocess.run([script, "-q", "-e", "-c", command, "/dev/null"], capture_output=True,
                          env=env, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 1
    assert out.read_bytes() == b""
    assert 'plugin "wi-transform" exited with error' in err.read_text()
    terminal = done.stdout.decode()
    assert "Deployment default/shop: no tenant ID" in terminal
    assert "Deployment default/shop: no tenant ID" in report.read_text()
