"""``inject --from-cluster``: the real ``kubernetes`` client against our API server on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import CLIENT, ROOT, TENANT, Run
from tests.integrations.fake_apiserver import (
    Objects,
    config_map,
    service_account,
    write_kubeconfig,
)

CLUSTER_TENANT = "11111111-2222-3333-4444-555555555555"
USE = {"azure.workload.identity/use": "true"}

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  template:
    metadata:
      labels:
        azure.workload.identity/use: "true"
    spec:
      serviceAccountName: web-sa
      containers:
      - name: web
        image: nginx
"""


def _env(kube_env: dict[str, str], url: str, **extra: Any) -> dict[str, str]:
    """A kubeconfig whose one context, kind-test, points at ``url``."""
    write_kubeconfig(Path(kube_env["KUBECONFIG"]), {"kind-test": {"server": url, **extra}},
                     "kind-test")
    return kube_env


def _manifest(tmp_path: Path, text: str = DEPLOYMENT) -> Path:
    path = tmp_path / "deploy.yaml"
    path.write_text(text)
    return path


def _env_of(out: bytes) -> dict[str, str]:
    docs = [d for d in yaml.safe_load_all(out) if d]
    container = docs[-1]["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def test_account_and_tenant_come_from_the_cluster(wi: Run, tmp_path: Path, objects: Objects,
                                                  apiserver: str, kube_env: dict[str, str]) -> None:
    objects.service_accounts[("apps", "web-sa")] = service_account(
        "apps", "web-sa", labels=USE, annotations={"azure.workload.identity/client-id": CLIENT})
    objects.config_maps[("azure-workload-identity-system", "azure-wi-webhook-config")] = (
        config_map("azure-workload-identity-system", "azure-wi-webhook-config",
                   {"AZURE_TENANT_ID": CLUSTER_TENANT, "AZURE_ENVIRONMENT": "AzurePublicCloud"}))
    env = _env(kube_env, apiserver)
    result = wi("inject", "--from-cluster", _manifest(tmp_path), env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert _env_of(result.stdout)["AZURE_CLIENT_ID"] == CLIENT
    assert _env_of(result.stdout)["AZURE_TENANT_ID"] == CLUSTER_TENANT
    assert [p for p, _ in objects.requests] == [
        "/api/v1/namespaces/apps/serviceaccounts/web-sa",
        "/api/v1/namespaces/azure-workload-identity-system/configmaps/azure-wi-webhook-config",
    ]


def test_tenant_flag_wins_and_the_configmap_is_not_read(wi: Run, tmp_path: Path, objects: Objects,
                                                        apiserver: str,
                                                        kube_env: dict[str, str]) -> None:
    objects.service_accounts[("apps", "web-sa")] = service_account(
        "apps", "web-sa", annotations={"azure.workload.identity/client-id": CLIENT})
    env = _env(kube_env, apiserver)
    result = wi("inject", "--from-cluster", "--tenant-id", TENANT, _manifest(tmp_path), env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert _env_of(result.stdout)["AZURE_TENANT_ID"] == TENANT
    assert [p for p, _ in objects.requests] == ["/api/v1/namespaces/apps/serviceaccounts/web-sa"]


def test_account_in_the_inputs_is_not_fetched(wi: Run, tmp_path: Path,
                                              kube_env: dict[str, str]) -> None:
    # No API server at all: with everything in the inputs, the cluster is never asked.
    write_kubeconfig(Path(kube_env["KUBECONFIG"]),
                     {"gone": {"server": f"http://127.0.0.1:{_closed_port()}"}}, "gone")
    account = ("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web-sa\n"
               "  namespace: apps\n  annotations:\n"
               f"    azure.workload.identity/client-id: {CLIENT}\n"
               "---\n")
    result = wi("inject", "--from-cluster", "--tenant-id", TENANT,
                _manifest(tmp_path, account + DEPLOYMENT), env=kube_env)
    assert result.returncode == 0, result.stderr.decode()
    assert _env_of(result.stdout)["AZURE_CLIENT_ID"] == CLIENT


def test_account_missing_from_the_cluster_names_it_and_the_context(
    wi: Run, tmp_path: Path, apiserver: str, kube_env: dict[str, str]
) -> None:
    env = _env(kube_env, apiserver)
    manifest = _manifest(tmp_path)
    result = wi("inject", "--from-cluster", "--tenant-id", TENANT, manifest, env=env)
    assert result.returncode == 3
    assert result.stdout == b""
    message = result.stderr.decode()
    assert f"{manifest}:12:27: Deployment apps/web uses ServiceAccount apps/web-sa" in message
    assert "cluster of context 'kind-test'" in message


def test_unlabelled_template_tolerates_a_missing_account(wi: Run, tmp_path: Path, apiserver: str,
                                                         kube_env: dict[str, str]) -> None:
    env = _env(kube_env, apiserver)
    text = DEPLOYMENT.replace('      labels:\n        azure.workload.identity/use: "true"\n',
                              "      labels: {app: web}\n")
    result = wi("inject", "--from-cluster", _manifest(tmp_path, text), env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == text


def test_forbidden_names_the_context_and_the_object(wi: Run, tmp_path: Path, objects: Objects,
                                                    apiserver: str,
                                                    kube_env: dict[str, str]) -> None:
    objects.forbidden_namespaces.add("apps")
    env = _env(kube_env, apiserver)
    result = wi("inject", "--from-cluster", "--tenant-id", TENANT, _manifest(tmp_path), env=env)
    assert result.returncode == 3
    assert result.stdout == b""
    message = result.stderr.decode()
    assert "context 'kind-test' may not read ServiceAccount apps/web-sa (403 Forbidden)" in message
    assert "or pass the manifests with --service-accounts instead" in message


def test_forbidden_webhook_config_asks_for_the_tenant_flag(wi: Run, tmp_path: Path,
                                                          objects: Objects, apiserver: str,
                                                          kube_env: dict[str, str]) -> None:
    """The ConfigMap only gives the tenant: the way around a 403 there is --tenant-id."""
    objects.service_accounts[("apps", "web-sa")] = service_account(
        "apps", "web-sa", annotations={"azure.workload.identity/client-id": CLIENT})
    objects.forbidden_namespaces.add("azure-workload-identity-system")
    result = wi("inject", "--from-cluster", _manifest(tmp_path), env=_env(kube_env, apiserver))
    assert result.returncode == 3
    assert result.stdout == b""
    message = result.stderr.decode()
    assert ("may not read ConfigMap azure-workload-identity-system/azure-wi-webhook-config "
            "(403 Forbidden)") in message
    assert "or pass --tenant-id instead" in message
    assert "--service-accounts" not in message


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_fails_fast_naming_the_context(wi: Run, tmp_path: Path,
                                                          kube_env: dict[str, str]) -> None:
    url = f"https://127.0.0.1:{_closed_port()}"
    write_kubeconfig(Path(kube_env["KUBECONFIG"]), {"prod": {"server": url}}, "prod")
    started = time.monotonic()
    result = wi("inject", "--from-cluster", "--tenant-id", TENANT, _manifest(tmp_path),
                env=kube_env)
    assert time.monotonic() - started < 20
    assert result.returncode == 3
    assert result.stdout == b""
    message = result.stderr.decode()
    assert f"cannot reach the API server {url} of context 'prod'" in message
    assert "Traceback" not in message


def test_unknown_context_is_named(wi: Run, tmp_path: Path, apiserver: str,
                                  kube_env: dict[str, str]) -> None:
    env = _env(kube_env, apiserver)
    result = wi("inject", "--from-cluster", "--context", "staging", "--tenant-id", TENANT,
                _manifest(tmp_path), env=env)
    assert result.returncode == 3
    assert "context 'staging'" in result.stderr.decode()


def test_context_flag_picks_the_cluster(wi: Run, tmp_path: Path, objects: Objects, apiserver: str,
                                        kube_env: dict[str, str]) -> None:
    objects.service_accounts[("apps", "web-sa")] = service_account(
        "apps", "web-sa", annotations={"azure.workload.identity/client-id": CLIENT})
    write_kubeconfig(Path(kube_env["KUBECONFIG"]), {
        "broken": {"server": f"http://127.0.0.1:{_closed_port()}"},
        "good": {"server": apiserver},
    }, "broken")
    result = wi("inject", "--from-cluster", "--context", "good", "--tenant-id", TENANT,
                _manifest(tmp_path), env=kube_env)
    assert result.returncode == 0, result.stderr.decode()
    assert _env_of(result.stdout)["AZURE_CLIENT_ID"] == CLIENT


TOKEN = "s3cr3t-bearer-token-of-the-test-user"


def test_tls_and_bearer_token(wi: Run, tmp_path: Path, objects: Objects, tls_apiserver: str,
                              kube_env: dict[str, str], pki: Any) -> None:
    objects.token = TOKEN
    objects.service_accounts[("apps", "web-sa")] = service_account(
        "apps", "web-sa", annotations={"azure.workload.identity/client-id": CLIENT,
                                       "azure.workload.identity/tenant-id": TENANT})
    env = _env(kube_env, tls_apiserver, ca=pki.ca_file, token=TOKEN)
    result = wi("inject", "--from-cluster", _manifest(tmp_path), env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert _env_of(result.stdout)["AZURE_CLIENT_ID"] == CLIENT
    assert objects.requests == [("/api/v1/namespaces/apps/serviceaccounts/web-sa",
                                 f"Bearer {TOKEN}")]
    assert TOKEN.encode() not in result.stdout + result.stderr


def test_rejected_token_is_explained_and_never_printed(wi: Run, tmp_path: Path, objects: Objects,
                                                       tls_apiserver: str, kube_env: dict[str, str],
                                                       pki: Any) -> None:
    objects.token = "the-right-one"
    env = _env(kube_env, tls_apiserver, ca=pki.ca_file, token=TOKEN)
    result = wi("inject", "--from-cluster", "--tenant-id", TENANT, _manifest(tmp_path),
                env=env)
    assert result.returncode == 3
    message = result.stderr.decode()
    assert "401 Unauthorized" in message and "'kind-test'" in message
    assert TOKEN not in message


def test_untrusted_certificate_is_an_unreachable_server(wi: Run, tmp_path: Path, tls_apiserver: str,
                                                        kube_env: dict[str, str]) -> None:
    env = _env(kube_env, tls_apiserver)  # no CA: the server's certificate is not trusted
    result = wi("inject", "--from-cluster", "--tenant-id", TENANT, _manifest(tmp_path),
                env=env)
    assert result.returncode == 3
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr.decode()


def test_kubernetes_is_imported_only_for_from_cluster(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    code = ("import sys; from transformer.cli import main; "
            f"main(['inject', '--tenant-id', '{TENANT}', '--service-accounts', '{manifest}', "
            f"'{manifest}']); print('kubernetes' in sys.modules, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60,
                            check=False)
    assert result.stderr.decode().strip().endswith("False")


# -- the custom token endpoint's settings come from the webhook's ConfigMap too ----------------

WEBHOOK = ("azure-workload-identity-system", "azure-wi-webhook-config")
ENDPOINT = ("--custom-token-endpoint-annotation-suffix", "identity-binding",
            "--custom-token-endpoint-audience", "api://AKSIdentityBinding")
ANNOTATED = DEPLOYMENT.replace(
    "      labels:\n", "      annotations:\n        azure.workload.identity/use-identity-binding: "
    "\"true\"\n      labels:\n")
ENDPOINT_CONFIG = {
    "AZURE_TENANT_ID": CLUSTER_TENANT,
    "AZURE_KUBERNETES_TOKEN_PROXY": "https://kubernetes.default.svc",
    "AZURE_KUBERNETES_SNI_NAME": "sni.example",
    "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME": "example.com/signer",
    "AZURE_KUBERNETES_CA_CTB_LABEL_SELECTOR": '{"matchLabels":{"app":"ca"}}',
}


def _endpoint_cluster(objects: Objects, config: dict[str, str]) -> None:
    objects.service_accounts[("apps", "web-sa")] = service_account(
        "apps", "web-sa", annotations={"azure.workload.identity/client-id": CLIENT})
    objects.config_maps[WEBHOOK] = config_map(*WEBHOOK, config)


def _sources(out: bytes) -> list[Any]:
    docs = [d for d in yaml.safe_load_all(out) if d]
    [volume] = docs[-1]["spec"]["template"]["spec"]["volumes"]
    return list(volume["projected"]["sources"])


def test_endpoint_settings_come_from_the_webhook_config(
        wi: Run, tmp_path: Path, objects: Objects, apiserver: str,
        kube_env: dict[str, str]) -> None:
    _endpoint_cluster(objects, ENDPOINT_CONFIG)
    result = wi("inject", "--from-cluster", *ENDPOINT, "--tenant-id", TENANT,
                _manifest(tmp_path, ANNOTATED), env=_env(kube_env, apiserver))
    assert result.returncode == 0, result.stderr.decode()
    env = _env_of(result.stdout)
    assert env["AZURE_TENANT_ID"] == TENANT  # the flag, not the ConfigMap
    assert env["AZURE_KUBERNETES_TOKEN_PROXY"] == "https://kubernetes.default.svc"
    assert env["AZURE_KUBERNETES_SNI_NAME"] == "sni.example"
    assert env["AZURE_KUBERNETES_CA_FILE"] == "/var/run/secrets/azure/tokens/ca-cert/ca.crt"
    assert "AZURE_KUBERNETES_CA_DATA" not in env
    assert _sources(result.stdout)[1] == {"clusterTrustBundle": {
        "signerName": "example.com/signer", "labelSelector": {"matchLabels": {"app": "ca"}},
        "optional": False, "path": "ca-cert/ca.crt"}}
    assert (f"/api/v1/namespaces/{WEBHOOK[0]}/configmaps/{WEBHOOK[1]}"
            in [p for p, _ in objects.requests])


def test_endpoint_flags_win_over_the_webhook_config(
        wi: Run, tmp_path: Path, objects: Objects, apiserver: str,
        kube_env: dict[str, str]) -> None:
    _endpoint_cluster(objects, ENDPOINT_CONFIG)
    result = wi("inject", "--from-cluster", *ENDPOINT, "--kubernetes-token-proxy",
                "https://mine.example", "--kubernetes-ca-ctb-signer", "", "--kubernetes-ca-data",
                "PEM", _manifest(tmp_path, ANNOTATED), env=_env(kube_env, apiserver))
    assert result.returncode == 2, result.stderr.decode()  # the ConfigMap's selector needs a signer
    assert "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME needs to be set" in result.stderr.decode()
    result = wi("inject", "--from-cluster", *ENDPOINT, "--kubernetes-token-proxy",
                "https://mine.example", "--kubernetes-ca-ctb-signer", "",
                "--kubernetes-ca-ctb-label-selector", "", "--kubernetes-ca-data", "PEM",
                _manifest(tmp_path, ANNOTATED), env=_env(kube_env, apiserver))
    assert result.returncode == 0, result.stderr.decode()
    env = _env_of(result.stdout)
    assert env["AZURE_TENANT_ID"] == CLUSTER_TENANT
    assert env["AZURE_KUBERNETES_TOKEN_PROXY"] == "https://mine.example"
    assert env["AZURE_KUBERNETES_CA_DATA"] == "PEM"
    assert len(_sources(result.stdout)) == 1


def test_flags_and_config_are_checked_together(
        wi: Run, tmp_path: Path, objects: Objects, apiserver: str,
        kube_env: dict[str, str]) -> None:
    """A label selector by flag, its signer from the ConfigMap: fine; a second CA source from
    the ConfigMap: the webhook's refusal, naming the ConfigMap."""
    _endpoint_cluster(objects, {"AZURE_KUBERNETES_CA_CTB_SIGNER_NAME": "example.com/signer",
                                "AZURE_KUBERNETES_CA_CONFIGMAP_NAME": "ca"})
    result = wi("inject", "--from-cluster", *ENDPOINT, "--tenant-id", TENANT,
                "--kubernetes-ca-ctb-label-selector", '{"matchLabels":{"a":"b"}}',
                _manifest(tmp_path, ANNOTATED), env=_env(kube_env, apiserver))
    assert (result.returncode, result.stdout) == (2, b"")
    message = result.stderr.decode()
    assert f"with ConfigMap {WEBHOOK[0]}/{WEBHOOK[1]} of context 'kind-test'" in message
    assert ("only one of AZURE_KUBERNETES_CA_DATA, AZURE_KUBERNETES_CA_CONFIGMAP_NAME or "
            "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME can be set") in message
    objects.config_maps[WEBHOOK] = config_map(
        *WEBHOOK, {"AZURE_KUBERNETES_CA_CTB_SIGNER_NAME": "example.com/signer"})
    result = wi("inject", "--from-cluster", *ENDPOINT, "--tenant-id", TENANT,
                "--kubernetes-ca-ctb-label-selector", '{"matchLabels":{"a":"b"}}',
                _manifest(tmp_path, ANNOTATED), env=_env(kube_env, apiserver))
    assert result.returncode == 0, result.stderr.decode()
    assert _sources(result.stdout)[1]["clusterTrustBundle"]["labelSelector"] == {
        "matchLabels": {"a": "b"}}


def test_webhook_config_is_not_read_when_no_template_asks_for_the_endpoint(
        wi: Run, tmp_path: Path, objects: Objects, apiserver: str,
        kube_env: dict[str, str]) -> None:
    _endpoint_cluster(objects, ENDPOINT_CONFIG)
    result = wi("inject", "--from-cluster", *ENDPOINT, "--tenant-id", TENANT,
                _manifest(tmp_path), env=_env(kube_env, apiserver))
    assert result.returncode == 0, result.stderr.decode()
    assert "AZURE_KUBERNETES_TOKEN_PROXY" not in _env_of(result.stdout)
    assert [p for p, _ in objects.requests] == ["/api/v1/namespaces/apps/serviceaccounts/web-sa"]


# Stands in for an install without the [cluster] extra: kubernetes (and urllib3, which comes
# with it) cannot be imported in the process this is loaded into.
WITHOUT_CLIENT = '''\
import sys


class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("kubernetes", "urllib3"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled())
'''


def test_without_the_extra_it_is_a_usage_error_with_the_fix(wi: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "site"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(WITHOUT_CLIENT)
    env = {"PYTHONPATH": str(blocker)}
    # The blocker works: the library is not importable in such a process.
    probe = subprocess.run([sys.executable, "-c", "import kubernetes"], capture_output=True,
                           env={**os.environ, **env}, timeout=60, check=False)
    assert probe.returncode == 1 and b"No module named 'kubernetes'" in probe.stderr
    result = wi("inject", "--from-cluster", _manifest(tmp_path), env=env)
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode().strip().endswith(
        "--from-cluster needs the kubernetes client: pip install 'wi-transform[cluster]'")
    assert b"Traceback" not in result.stderr and b"internal error" not in result.stderr
    # Without --from-cluster nothing needs it.
    plain = wi("inject", "--tenant-id", TENANT, ROOT / "examples" / "quick-start.yaml", env=env)
    assert plain.returncode == 0, plain.stderr.decode()
