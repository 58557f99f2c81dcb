"""``wi-transform krm`` as a KRM function: ResourceLists piped in, ResourceLists out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import CLIENT, ROOT, TENANT, Run
from tests.integrations.manifests import documents, env_of

SCHEMA = json.loads((ROOT / "schemas" / "workload-identity-injector.json").read_text())
KPT = shutil.which("kpt") or "/usr/lib/google-cloud-sdk/bin/kpt"

ANNOTATIONS = """\
      config.kubernetes.io/index: '{i}'
      config.kubernetes.io/path: 'app/{name}.yaml'
      internal.config.kubernetes.io/index: '{i}'
      internal.config.kubernetes.io/path: 'app/{name}.yaml'
      internal.config.kubernetes.io/seqindent: 'compact'
      internal.config.kubernetes.io/id: '{id}'
      config.k8s.io/id: '{id}'
"""


def resource_list(spec: str = f"tenantId: {TENANT}", *, config: str | None = None,
                  account_annotations: str = f"azure.workload.identity/client-id: {CLIENT}",
                  extra: str = "") -> str:
    """A ResourceList as kpt and kustomize send it: items with their orchestrator annotations."""
    function_config = config if config is not None else (
        "functionConfig:\n"
        "  apiVersion: wi-transform.azure.workload.identity/v1alpha1\n"
        "  kind: WorkloadIdentityInjector\n"
        "  metadata:\n    name: inject\n"
        + ("  spec:\n" + "".join(f"    {line}\n" for line in spec.splitlines()) if spec else "")
    )
    return f"""\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: web
    namespace: shop
    labels:
      azure.workload.identity/use: "true"
    annotations:
      {account_annotations}
{ANNOTATIONS.format(i=0, name="sa", id=1)}\
- # Source: web/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
    annotations:
{ANNOTATIONS.format(i=1, name="deployment", id=2)}\
  spec:
    template:
      spec:
        serviceAccountName: web
        containers:
        - name: web
          image: nginx
{function_config}{extra}"""


def krm(wi: Run, text: str, *args: str) -> tuple[int, dict[str, Any], str, str]:
    result = wi("krm", *args, input=text)
    out = result.stdout.decode()
    return result.returncode, (yaml.safe_load(out) if out else {}), out, result.stderr.decode()


def _annotations(item: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in item["metadata"]["annotations"].items() if "config.k" in k}


def test_items_are_injected_and_keep_every_orchestrator_annotation(wi: Run) -> None:
    text = resource_list()
    code, out, raw, _ = krm(wi, text)
    assert code == 0
    before = yaml.safe_load(text)
    assert [_annotations(i) for i in out["items"]] == [_annotations(i) for i in before["items"]]
    for line in ANNOTATIONS.format(i=1, name="deployment", id=2).splitlines():
        assert line in raw.splitlines()  # byte for byte, quoting included
    assert "- # Source: web/templates/deployment.yaml" in raw
    assert env_of(out["items"][1])["AZURE_CLIENT_ID"] == CLIENT
    assert out["items"][0] == before["items"][0]
    assert out["functionConfig"] == before["functionConfig"]
    assert out["results"] == [{
        "message": "Deployment shop/web: injected", "severity": "info",
        "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                        "namespace": "shop"},
        "file": {"path": "app/deployment.yaml", "index": 1},
    }]


def test_a_second_run_changes_nothing(wi: Run) -> None:
    _, _, once, _ = krm(wi, resource_list())
    code, _, twice, _ = krm(wi, once)
    assert code == 0 and twice == once


def test_results_the_list_already_had_are_kept(wi: Run) -> None:
    prior = "results:\n- message: from an earlier function\n  severity: warning\n"
    _, out, _, _ = krm(wi, resource_list(extra=prior))
    assert out["results"][0] == {"message": "from an earlier function", "severity": "warning"}
    assert len(out["results"]) == 2


def test_warnings_become_warning_results(wi: Run) -> None:
    code, out, _, _ = krm(wi, resource_list(account_annotations="example.com/team: web"))
    assert code == 0
    warnings = [r for r in out["results"] if r["severity"] == "warning"]
    assert len(warnings) == 1 and "client-id" in warnings[0]["message"]
    assert warnings[0]["resourceRef"]["kind"] == "Deployment"


def test_failure_returns_the_list_unchanged_with_error_results(wi: Run) -> None:
    text = resource_list(spec="")
    code, out, raw, stderr = krm(wi, text)
    assert code == 1
    assert raw.startswith(text)  # the items exactly as they came
    assert out["results"] == [{
        "message": "Deployment shop/web: no tenant ID: annotate the ServiceAccount with "
                   "azure.workload.identity/tenant-id, or pass --tenant-id (or set "
                   "AZURE_TENANT_ID)",
        "severity": "error",
        "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                        "namespace": "shop"},
        "file": {"path": "app/deployment.yaml", "index": 1},
    }]
    assert "error: Deployment shop/web: no tenant ID" in stderr


def test_flags_are_defaults_the_spec_overrides(wi: Run) -> None:
    other = "00000000-0000-0000-0000-000000000001"
    _, out, _, _ = krm(wi, resource_list(spec=""), "--tenant-id", other)
    assert env_of(out["items"][1])["AZURE_TENANT_ID"] == other
    _, out, _, _ = krm(wi, resource_list(), "--tenant-id", other)
    assert env_of(out["items"][1])["AZURE_TENANT_ID"] == TENANT


@pytest.mark.parametrize(("spec", "check"), [
    ("cloud: azurechinacloud",
     lambda item: env_of(item)["AZURE_AUTHORITY_HOST"] == "https://login.chinacloudapi.cn/"),
    ("namespace: ignored-when-the-object-has-one",
     lambda item: item["metadata"]["namespace"] == "shop"),
    ("proxyImage: example.com/proxy:1\nproxyInitImage: example.com/init:1",
     lambda item: [c["image"] for c in item["spec"]["template"]["spec"]["initContainers"]]
     == ["example.com/init:1", "example.com/proxy:1"]),
    ("nativeSidecar: false",
     lambda item: item["spec"]["template"]["spec"]["containers"][0]["name"] == "azwi-proxy"),
    ("proxyLogLevel: debug",
     lambda item: "--log-level=debug" in str(item["spec"]["template"]["spec"])),
])
def test_each_spec_field_takes_effect(wi: Run, spec: str, check: Any) -> None:
    text = resource_list(f"tenantId: {TENANT}\n{spec}").replace(
        "  spec:\n    template:\n",
        "  spec:\n    template:\n      metadata:\n        annotations:\n"
        "          azure.workload.identity/inject-proxy-sidecar: \"true\"\n")
    code, out, _, stderr = krm(wi, text)
    assert code == 0, stderr
    assert check(out["items"][1])


def test_service_accounts_field_reads_files(wi: Run, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    other = "11111111-1111-1111-1111-111111111111"
    accounts.write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n"
                        f"  namespace: shop\n  annotations:\n    "
                        f"azure.workload.identity/client-id: {other}\n")
    text = resource_list(f"tenantId: {TENANT}\nserviceAccounts: [{accounts}]").replace(
        "serviceAccountName: web", "serviceAccountName: api").replace(
        "  spec:\n    template:\n",
        "  spec:\n    template:\n      metadata:\n        labels:\n"
        "          azure.workload.identity/use: \"true\"\n")
    code, out, _, stderr = krm(wi, text)
    assert code == 0, stderr
    assert env_of(out["items"][1])["AZURE_CLIENT_ID"] == other


def test_config_map_function_config(wi: Run) -> None:
    config = (f"functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n"
              f"    name: inject\n  data:\n    tenantId: {TENANT}\n    nativeSidecar: 'false'\n")
    code, out, _, stderr = krm(wi, resource_list(config=config))
    assert code == 0, stderr
    assert env_of(out["items"][1])["AZURE_TENANT_ID"] == TENANT


@pytest.mark.parametrize(("spec", "message"), [
    ("tenantID: x", "<stdin>:47:5: WorkloadIdentityInjector has no field 'tenantID'"),
    ("cloud: Mars", "<stdin>:47:12: unknown cloud 'Mars'"),
    ("nativeSidecar: 'yes'", "<stdin>:47:20: nativeSidecar is 'yes': it must be true or false"),
    ("proxyLogLevel: loud", "<stdin>:47:20: proxyLogLevel is 'loud': it must be warning or info or debug or trace or all"),
    ("serviceAccounts: k8s/", "<stdin>:47:22: serviceAccounts is 'k8s/': it must be a list"),
])
def test_bad_config_is_an_error_result_at_its_line(wi: Run, spec: str, message: str) -> None:
    code, out, _, stderr = krm(wi, resource_list(spec))
    assert code == 1
    assert [r["severity"] for r in out["results"]] == ["error"]
    assert out["results"][0]["message"].startswith(message)
    assert message in stderr
    if not spec.startswith("cloud"):  # cloud names are case-insensitive: no schema enum
        schema_sees = jsonschema.Draft202012Validator(SCHEMA).is_valid(out["functionConfig"])
        assert not schema_sees  # the schema rejects what the function rejects


ENDPOINT_SPEC = (f"tenantId: {TENANT}\naudience: my-audience\n"
                 "customTokenEndpointAnnotationSuffix: identity-binding\n"
                 "customTokenEndpointAudience: api://AKSIdentityBinding\n"
                 "kubernetesTokenProxy: https://kubernetes.default.svc\n"
                 "kubernetesCaCtbSigner: example.com/signer\n")
ANNOTATED = "  spec:\n    template:\n      metadata:\n        annotations:\n" \
    "          azure.workload.identity/use-identity-binding: 'true'\n"


def _volume_sources(item: dict[str, Any]) -> list[Any]:
    [volume] = item["spec"]["template"]["spec"]["volumes"]
    return list(volume["projected"]["sources"])


@pytest.mark.parametrize("selector", [
    "kubernetesCaCtbLabelSelector: {matchLabels: {app: ca}}",
    "kubernetesCaCtbLabelSelector: '{\"matchLabels\":{\"app\":\"ca\"}}'",
])
def test_custom_token_endpoint_fields(wi: Run, selector: str) -> None:
    text = resource_list(ENDPOINT_SPEC + selector).replace("  spec:\n    template:\n", ANNOTATED)
    code, out, _, stderr = krm(wi, text)
    assert code == 0, stderr
    env = env_of(out["items"][1])
    assert env["AZURE_KUBERNETES_TOKEN_PROXY"] == "https://kubernetes.default.svc"
    assert env["AZURE_KUBERNETES_CA_FILE"] == "/var/run/secrets/azure/tokens/ca-cert/ca.crt"
    token, bundle = _volume_sources(out["items"][1])
    assert token["serviceAccountToken"]["audience"] == "api://AKSIdentityBinding"
    assert bundle == {"clusterTrustBundle": {"signerName": "example.com/signer",
                                             "labelSelector": {"matchLabels": {"app": "ca"}},
                                             "optional": False, "path": "ca-cert/ca.crt"}}
    jsonschema.validate(out["functionConfig"], SCHEMA)


def test_the_config_completes_the_flags(wi: Run) -> None:
    """A flag gives the suffix, the config its audience: judged together."""
    spec = f"tenantId: {TENANT}\ncustomTokenEndpointAudience: api://AKSIdentityBinding"
    text = resource_list(spec).replace("  spec:\n    template:\n", ANNOTATED)
    code, out, _, stderr = krm(wi, text, "--custom-token-endpoint-annotation-suffix",
                               "identity-binding")
    assert code == 0, stderr
    assert _volume_sources(out["items"][1])[0]["serviceAccountToken"]["audience"] == (
        "api://AKSIdentityBinding")


@pytest.mark.parametrize(("spec", "message"), [
    ("customTokenEndpointAnnotationSuffix: x",
     "custom token endpoint audience cannot be empty when annotation suffix is set"),
    ("customTokenEndpointAudience: api://AKSIdentityBinding",
     "custom token endpoint annotation suffix cannot be empty when audience is set"),
    ("kubernetesCaCtbLabelSelector: {matchLabels: {app: ca}}",
     "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME needs to be set when "
     "AZURE_KUBERNETES_CA_CTB_LABEL_SELECTOR is set"),
    ("kubernetesCaData: pem\nkubernetesCaConfigMap: ca",
     "only one of AZURE_KUBERNETES_CA_DATA, AZURE_KUBERNETES_CA_CONFIGMAP_NAME or "
     "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME can be set"),
])
def test_custom_token_endpoint_refusals_are_error_results(wi: Run, spec: str, message: str) -> None:
    code, out, _, _ = krm(wi, resource_list(f"tenantId: {TENANT}\n{spec}"))
    assert code == 1
    [result] = out["results"]
    assert result["severity"] == "error" and message in result["message"], result
    if "kubernetesCaData" in spec:  # the schema sees a conflict within the config alone
        assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(out["functionConfig"])


def test_function_config_of_another_kind_is_an_error(wi: Run) -> None:
    config = "functionConfig:\n  apiVersion: v1\n  kind: Secret\n  metadata: {name: x}\n"
    code, out, _, _ = krm(wi, resource_list(config=config))
    assert code == 1
    assert "the function config is a Secret" in out["results"][0]["message"]


def test_not_a_resource_list_is_a_usage_error(wi: Run) -> None:
    result = wi("krm", input="apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\n")
    assert result.returncode == 3
    assert result.stdout == b""
    assert "expected one ResourceList" in result.stderr.decode()


def test_schema_describes_exactly_the_fields_the_function_reads() -> None:
    from transformer.integrations import krm as module

    assert set(SCHEMA["properties"]["spec"]["properties"]) == set(module.SPEC_FIELDS)


@pytest.mark.parametrize("config", sorted((ROOT / "examples" / "kustomize").rglob("injector.yaml")))
def test_example_configs_follow_the_schema(config: Path) -> None:
    jsonschema.validate(yaml.safe_load(config.read_text()), SCHEMA)


@pytest.mark.skipif(not os.access(KPT, os.X_OK), reason="kpt is not installed")
def test_kpt_runs_it_as_an_exec_function(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    shutil.copy(ROOT / "examples" / "kustomize" / "base" / "workload.yaml", package)
    config = ROOT / "examples" / "kustomize" / "krm-function" / "injector.yaml"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "HOME": str(tmp_path)}
    result = subprocess.run([KPT, "fn", "eval", str(package), "--exec", "wi-transform krm",
                             "--fn-config", str(config)],
                            capture_output=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert "[info] apps/v1/Deployment/web: Deployment default/web: injected" in (
        result.stderr.decode())
    deployment = documents((package / "workload.yaml").read_text())[1]
    assert env_of(deployment)["AZURE_TENANT_ID"] == TENANT


@pytest.mark.skipif(not os.access(KPT, os.X_OK), reason="kpt is not installed")
def test_kpt_key_value_arguments_become_a_config_map(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    shutil.copy(ROOT / "examples" / "kustomize" / "base" / "workload.yaml", package)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "HOME": str(tmp_path)}
    result = subprocess.run([KPT, "fn", "eval", str(package), "--exec", "wi-transform krm", "--",
                             f"tenantId={TENANT}", "cloud=AzureChinaCloud"],
                            capture_output=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode()
    deployment = documents((package / "workload.yaml").read_text())[1]
    assert env_of(deployment)["AZURE_AUTHORITY_HOST"] == "https://login.chinacloudapi.cn/"
