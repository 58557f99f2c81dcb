"""``wi-transform inject`` through the real CLI: one test per rule of issue 2."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CLIENT, TENANT, Run

P = "azure.workload.identity/"
SA = f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: app-sa
  namespace: apps
  labels:
    {P}use: "true"
  annotations:
    {P}client-id: {CLIENT}
"""


def deployment(annotations: str = "", labels: str = f'{P}use: "true"', spec_extra: str = "",
               containers: str = "      - name: app\n        image: nginx\n") -> str:
    ann = f"      annotations:\n{annotations}" if annotations else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  template:
    metadata:
      labels:
        {labels}
{ann}    spec:
      serviceAccountName: app-sa
{spec_extra}      containers:
{containers}"""


def stream(*docs: str) -> str:
    return "---\n".join(docs)


def pod_spec(out: bytes, index: int = 1) -> dict[str, Any]:
    doc = list(yaml.safe_load_all(out))[index]
    return doc["spec"]["template"]["spec"] if doc["kind"] != "Pod" else doc["spec"]


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def ok(result: Any) -> Any:
    assert result.returncode == 0, result.stderr.decode()
    return result


def test_injects_env_volume_and_mount_like_the_webhook(wi: Run) -> None:
    r = ok(wi("inject", "--tenant-id", TENANT, input=stream(SA, deployment())))
    spec = pod_spec(r.stdout)
    [app] = spec["containers"]
    assert env_of(app) == {
        "AZURE_CLIENT_ID": CLIENT,
        "AZURE_TENANT_ID": TENANT,
        "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
        "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/",
    }
    assert app["volumeMounts"] == [
        {"name": "azure-identity-token", "mountPath": "/var/run/secrets/azure/tokens", "readOnly": True}
    ]
    assert spec["volumes"] == [{"name": "azure-identity-token", "projected": {"sources": [
        {"serviceAccountToken": {"path": "azure-identity-token", "expirationSeconds": 3600,
                                 "audience": "api://AzureADTokenExchange"}}]}}]
    assert r.stderr.decode().splitlines() == [
        "ServiceAccount apps/app-sa: skipped",
        "Deployment apps/web: injected",
    ]


def test_not_triggered_passes_through_byte_for_byte(wi: Run) -> None:
    text = stream(SA.replace('"true"', '"false"'), deployment(labels="app: web"))
    r = ok(wi("inject", "--tenant-id", TENANT, input=text))
    assert r.stdout == text.encode()
    assert "Deployment apps/web: skipped" in r.stderr.decode()


def test_service_account_label_alone_triggers(wi: Run) -> None:
    r = ok(wi("inject", "--tenant-id", TENANT, input=stream(SA, deployment(labels="app: web"))))
    assert "AZURE_CLIENT_ID" in env_of(pod_spec(r.stdout)["containers"][0])


def test_default_service_account_when_none_is_named(wi: Run) -> None:
    sa = SA.replace("name: app-sa", "name: default")
    text = stream(sa, deployment().replace("      serviceAccountName: app-sa\n", ""))
    r = ok(wi("inject", "--tenant-id", TENANT, input=text))
    assert env_of(pod_spec(r.stdout)["containers"][0])["AZURE_CLIENT_ID"] == CLIENT


def test_missing_service_account_is_an_error_naming_it_and_the_fix(wi: Run, tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(deployment())
    r = wi("inject", "--tenant-id", TENANT, f)
    assert r.returncode == 3 and r.stdout == b""
    err = r.stderr.decode()
    assert f"{f}:12:27: Deployment apps/web uses ServiceAccount apps/app-sa" in err
    assert "--service-accounts" in err


def test_service_accounts_flag_reads_a_directory_and_never_writes_it(wi: Run, tmp_path: Path) -> None:
    accounts = tmp_path / "k8s"
    (accounts / "nested").mkdir(parents=True)
    (accounts / "nested" / "sa.yml").write_text(SA)
    before = (accounts / "nested" / "sa.yml").stat().st_mtime_ns
    r = ok(wi("inject", "--tenant-id", TENANT, "--service-accounts", accounts, input=deployment()))
    assert env_of(pod_spec(r.stdout, 0)["containers"][0])["AZURE_CLIENT_ID"] == CLIENT
    assert (accounts / "nested" / "sa.yml").stat().st_mtime_ns == before
    assert b"ServiceAccount" not in r.stdout


def test_namespace_flag_places_objects_without_one(wi: Run) -> None:
    text = stream(SA.replace("  namespace: apps\n", ""), deployment().replace("  namespace: apps\n", ""))
    r = wi("inject", "--tenant-id", TENANT, "--namespace", "apps", input=text)
    ok(r)
    assert "Deployment apps/web: injected" in r.stderr.decode()


@pytest.mark.parametrize(
    ("annotation", "flag", "env", "expected"),
    [
        ("tenant-from-sa", None, None, "tenant-from-sa"),
        (None, "tenant-from-flag", None, "tenant-from-flag"),
        (None, None, "tenant-from-env", "tenant-from-env"),
        ("", "tenant-from-flag", None, "tenant-from-flag"),  # empty annotation counts as absent
    ],
)
def test_tenant_comes_from_the_sa_then_the_flag_then_the_environment(
    wi: Run, annotation: str | None, flag: str | None, env: str | None, expected: str
) -> None:
    sa = SA if annotation is None else SA + f'    {P}tenant-id: "{annotation}"\n'
    args = ["inject"] + (["--tenant-id", flag] if flag else [])
    r = ok(wi(*args, input=stream(sa, deployment()), env={"AZURE_TENANT_ID": env} if env else None))
    assert env_of(pod_spec(r.stdout)["containers"][0])["AZURE_TENANT_ID"] == expected


def test_no_tenant_at_all_is_an_error(wi: Run) -> None:
    r = wi("inject", input=stream(SA, deployment()))
    assert r.returncode == 3 and r.stdout == b""
    assert "no tenant ID" in r.stderr.decode() and "--tenant-id" in r.stderr.decode()


@pytest.mark.parametrize(
    ("cloud", "host"),
    [
        ("AzurePublicCloud", "https://login.microsoftonline.com/"),
        ("azurechinacloud", "https://login.chinacloudapi.cn/"),
        ("AzureUSGovernmentCloud", "https://login.microsoftonline.us/"),
        ("AzureUSGovernment", "https://login.microsoftonline.us/"),
        ("AzureCloud", "https://login.microsoftonline.com/"),
    ],
)
def test_cloud_sets_the_authority_host(wi: Run, cloud: str, host: str) -> None:
    r = ok(wi("inject", "--tenant-id", TENANT, "--cloud", cloud, input=stream(SA, deployment())))
    assert env_of(pod_spec(r.stdout)["containers"][0])["AZURE_AUTHORITY_HOST"] == host


def test_unknown_cloud_is_a_usage_error(wi: Run) -> None:
    r = wi("inject", "--tenant-id", TENANT, "--cloud", "Mars", input=stream(SA, deployment()))
    assert r.returncode == 2 and r.stdout == b""
    assert "unknown cloud" in r.stderr.decode()


def test_present_env_is_left_alone_and_empty_values_are_not_added(wi: Run) -> None:
    containers = ("      - name: app\n        image: nginx\n        env:\n"
                  "        - name: AZURE_TENANT_ID\n          value: mine\n")
    sa = SA.replace(f"    {P}client-id: {CLIENT}\n", "    team: blue\n")
    r = ok(wi("inject", "--tenant-id", TENANT, input=stream(sa, deployment(containers=containers))))
    env = env_of(pod_spec(r.stdout)["containers"][0])
    assert env["AZURE_TENANT_ID"] == "mine"
    assert "AZURE_CLIENT_ID" not in env
    assert "has no azure.workload.identity/client-id" in r.stderr.decode()


@pytest.mark.parametrize(
    ("pod", "sa", "expected"),
    [(None, None, 3600), (None, "7200", 7200), ("4000", "7200", 4000), ("86400", None, 86400)],
)
def test_token_expiration_from_pod_then_sa_then_default(
    wi: Run, pod: str | None, sa: str | None, expected: int
) -> None:
    account = SA + (f'    {P}service-account-token-expiration: "{sa}"\n' if sa else "")
    ann = f'        {P}service-account-token-expiration: "{pod}"\n' if pod else ""
    r = ok(wi("inject", "--tenant-id", TENANT, input=stream(account, deployment(annotations=ann))))
    source = pod_spec(r.stdout)["volumes"][0]["projected"]["sources"][0]
    assert source["serviceAccountToken"]["expirationSeconds"] == expected


@pytest.mark.parametrize("value", ["3599", "86401", "3600s", "1h"])
def test_token_expiration_out_of_range_is_an_error_naming_the_annotation(wi: Run, value: str) -> None:
    ann = f'        {P}service-account-token-expiration: "{value}"\n'
    r = wi("inject", "--tenant-id", TENANT, input=stream(SA, deployment(annotations=ann)))
    assert r.returncode == 3 and r.stdout == b""
    err = r.stderr.decode()
    assert "service-account-token-expiration" in err and value in err and "<stdin>:22:" in err


def test_volume_and_mount_of_that_name_are_replaced(wi: Run) -> None:
    containers = ("      - name: app\n        image: nginx\n        volumeMounts:\n"
                  "        - name: azure-identity-token\n          mountPath: /old\n")
    extra = "      volumes:\n      - name: azure-identity-token\n        emptyDir: {}\n"
    r = ok(wi("inject", "--tenant-id", TENANT,
              input=stream(SA, deployment(containers=containers, spec_extra=extra))))
    spec = pod_spec(r.stdout)
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": "azure-identity-token", "mountPath": "/var/run/secrets/azure/tokens", "readOnly": True}]
    assert len(spec["volumes"]) == 1 and "projected" in spec["volumes"][0]


def test_another_mount_at_the_token_path_is_an_error(wi: Run) -> None:
    containers = ("      - name: app\n        image: nginx\n        volumeMounts:\n"
                  "        - name: mine\n          mountPath: /var/run/secrets/azure/tokens\n")
    r = wi("inject", "--tenant-id", TENANT, input=stream(SA, deployment(containers=containers)))
    assert r.returncode == 3 and r.stdout == b""
    assert "'mine'" in r.stderr.decode() and "<stdin>:28:22:" in r.stderr.decode()


def test_skip_containers_are_left_without_env_or_mount(wi: Run) -> None:
    containers = ("      - name: app\n        image: nginx\n"
                  "      - name: istio\n        image: envoy\n"
                  "      - name: logs\n        image: fluent\n")
    ann = f'        {P}skip-containers: "istio ;logs"\n'
    r = ok(wi("inject", "--tenant-id", TENANT,
              input=stream(SA, deployment(annotations=ann, containers=containers))))
    app, istio, logs = pod_spec(r.stdout)["containers"]
    assert "env" in app and "env" not in istio and "env" not in logs
    assert "volumeMounts" not in istio and "volumeMounts" not in logs


def proxy(value: str = "true", port: str | None = None) -> str:
    ann = f'        {P}inject-proxy-sidecar: "{value}"\n'
    return ann + (f'        {P}proxy-sidecar-port: "{port}"\n' if port else "")


def test_proxy_as_native_sidecar_before_user_init_containers(wi: Run) -> None:
    extra = "      initContainers:\n      - name: migrate\n        image: tool\n"
    r = ok(wi("inject", "--tenant-id", TENANT,
              input=stream(SA, deployment(annotations=proxy(port="8080"), spec_extra=extra))))
    spec = pod_spec(r.stdout)
    names = [c["name"] for c in spec["initContainers"]]
    assert names == ["azwi-proxy-init", "azwi-proxy", "migrate"]
    init, sidecar = spec["initContainers"][:2]
    assert init["image"] == "mcr.microsoft.com/oss/azure/workload-identity/proxy-init:v1.6.0"
    assert init["imagePullPolicy"] == "IfNotPresent"
    assert init["env"][0] == {"name": "PROXY_PORT", "value": "8080"}
    assert init["securityContext"] == {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
                                       "privileged": True, "runAsNonRoot": False, "runAsUser": 0}
    assert sidecar["restartPolicy"] == "Always"
    assert sidecar["args"] == ["--proxy-port=8080", "--log-level=info"]
    assert sidecar["ports"] == [{"containerPort": 8080}]
    assert sidecar["lifecycle"]["postStart"]["exec"]["command"][:3] == ["/proxy", "--proxy-port=8080", "--probe"]
    assert sidecar["securityContext"] == {
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False,
        "readOnlyRootFilesystem": True, "runAsNonRoot": True, "runAsUser": 1501}
    for c in (init, sidecar):  # the proxy containers get the env and mount too
        assert env_of(c)["AZURE_CLIENT_ID"] == CLIENT
        assert c["volumeMounts"][0]["name"] == "azure-identity-token"
    assert "Deployment apps/web: injected (proxy)" in r.stderr.decode()


def test_proxy_without_native_sidecar_goes_first_in_containers(wi: Run) -> None:
    extra = "      initContainers:\n      - name: migrate\n        image: tool\n"
    r = ok(wi("inject", "--tenant-id", TENANT, "--no-native-sidecar", "--proxy-image", "me/proxy:1",
              "--proxy-init-image", "me/init:1",
              input=stream(SA, deployment(annotations=proxy(), spec_extra=extra))))
    spec = pod_spec(r.stdout)
    assert [c["name"] for c in spec["initContainers"]] == ["migrate", "azwi-proxy-init"]
    assert [c["name"] for c in spec["containers"]] == ["azwi-proxy", "app"]
    assert "restartPolicy" not in spec["containers"][0]
    assert spec["containers"][0]["image"] == "me/proxy:1"
    assert spec["initContainers"][1]["image"] == "me/init:1"
    assert spec["containers"][0]["args"][0] == "--proxy-port=8000"


@pytest.mark.parametrize("value", ["false", "FALSE", "False"])
def test_inject_proxy_false_means_no_proxy(wi: Run, value: str) -> None:
    r = ok(wi("inject", "--tenant-id", TENANT, input=stream(SA, deployment(annotations=proxy(value)))))
    spec = pod_spec(r.stdout)
    assert "initContainers" not in spec and [c["name"] for c in spec["containers"]] == ["app"]


@pytest.mark.parametrize("port", ["0", "65536", "http", "80a"])
def test_bad_proxy_port_is_an_error(wi: Run, port: str) -> None:
    r = wi("inject", "--tenant-id", TENANT, input=stream(SA, deployment(annotations=proxy(port=port))))
    assert r.returncode == 3 and r.stdout == b""
    assert "proxy-sidecar-port" in r.stderr.decode() and "<stdin>:" in r.stderr.decode()


def test_host_network_with_proxy_is_an_error(wi: Run) -> None:
    r = wi("inject", "--tenant-id", TENANT,
           input=stream(SA, deployment(annotations=proxy(), spec_extra="      hostNetwork: true\n")))
    assert r.returncode == 3 and r.stdout == b""
    assert "hostNetwork" in r.stderr.decode()


@pytest.mark.parametrize(
    ("line", "raw", "what"),
    [
        (f"        {P}inject-proxy-sidecar: true\n", "true", "YAML boolean"),
        (f"        {P}inject-proxy-sidecar: yes\n", "yes", "YAML boolean"),
        (f"        {P}proxy-sidecar-port: 8080\n", "8080", "YAML integer"),
        (f"        {P}service-account-token-expiration: 0644\n", "0644", "YAML integer"),
    ],
)
def test_unquoted_values_are_errors_with_position_and_the_fix(
    wi: Run, tmp_path: Path, line: str, raw: str, what: str
) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(stream(SA, deployment(annotations=line)))
    r = wi("inject", "--tenant-id", TENANT, f)
    assert r.returncode == 3 and r.stdout == b""
    key = line.strip().split(":")[0]
    column = line.index(raw) + 1
    assert f"{f}:22:{column}: annotation {key} of Deployment apps/web is a {what} ({raw})" in r.stderr.decode()
    assert f'quote it: {key}: "{raw}"' in r.stderr.decode()


def test_unquoted_use_label_on_the_service_account_is_an_error(wi: Run) -> None:
    r = wi("inject", "--tenant-id", TENANT, input=stream(SA.replace('"true"', "true"), deployment()))
    assert r.returncode == 3
    assert "<stdin>:7:" in r.stderr.decode() and "label azure.workload.identity/use" in r.stderr.decode()


def test_second_run_changes_nothing_and_rerun_with_new_options_replaces(wi: Run, tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(stream(SA, deployment(annotations=proxy())))
    assert wi("inject", "--tenant-id", TENANT, "-i", f).returncode == 1
    once = f.read_bytes()
    r = wi("inject", "--tenant-id", TENANT, "-i", f)
    assert r.returncode == 0 and f.read_bytes() == once
    assert "Deployment apps/web: unchanged (proxy)" in r.stderr.decode()
    assert wi("inject", "--tenant-id", TENANT, "-i", "--proxy-image", "new/proxy:2", f).returncode == 1
    spec = pod_spec(f.read_bytes())
    images = [c["image"] for c in spec["initContainers"]]
    assert images == ["mcr.microsoft.com/oss/azure/workload-identity/proxy-init:v1.6.0", "new/proxy:2"]
    assert len(env_of(spec["containers"][0])) == 4


def test_a_user_container_with_the_proxy_name_is_left_as_it_is(wi: Run) -> None:
    containers = "      - name: azwi-proxy\n        image: mine\n"
    r = ok(wi("inject", "--tenant-id", TENANT, "--no-native-sidecar",
              input=stream(SA, deployment(annotations=proxy(), containers=containers))))
    spec = pod_spec(r.stdout)
    assert [c["name"] for c in spec["initContainers"]] == ["azwi-proxy-init"]
    assert [c["image"] for c in spec["containers"]] == ["mine"]


@pytest.mark.parametrize(("flag", "name", "where"), [
    ("--native-sidecar", "azwi-proxy", "containers"),      # upstream adds its own to initContainers
    ("--native-sidecar", "azwi-proxy-init", "containers"),
    ("--no-native-sidecar", "azwi-proxy", "initContainers"),  # upstream adds its own to containers
])
def test_a_proxy_name_in_the_list_upstream_does_not_look_in_is_an_error(
    wi: Run, flag: str, name: str, where: str
) -> None:
    spec_extra = f"      initContainers:\n      - name: {name}\n        image: mine\n" if where == "initContainers" else ""
    containers = f"      - name: {name}\n        image: mine\n" if where == "containers" else \
        "      - name: app\n        image: nginx\n"
    r = wi("inject", "--tenant-id", TENANT, flag, input=stream(
        SA, deployment(annotations=proxy(), spec_extra=spec_extra, containers=containers)))
    assert r.returncode == 3 and r.stdout == b""
    assert f"a container named {name} is in {where}" in r.stderr.decode()
    assert "refuses two containers of one name; rename yours" in r.stderr.decode()


KINDS = {
    "Pod": ("v1", ""),
    "ReplicationController": ("v1", "template"),
    "Deployment": ("apps/v1", "template"),
    "StatefulSet": ("apps/v1", "template"),
    "DaemonSet": ("apps/v1", "template"),
    "ReplicaSet": ("apps/v1", "template"),
    "Job": ("batch/v1", "template"),
    "CronJob": ("batch/v1", "jobTemplate"),
    "CronJob-v1beta1": ("batch/v1beta1", "jobTemplate"),
    "Deployment-extensions": ("extensions/v1beta1", "template"),
}


def workload(kind: str) -> str:
    api, where = KINDS[kind]
    kind = kind.split("-")[0]
    pod = (f"  labels:\n    {P}use: \"true\"\nspec:\n  serviceAccountName: app-sa\n"
           "  containers:\n  - name: c\n    image: i\n")
    if where == "":
        return f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: w\n  namespace: apps\n{pod}"
    indented = "\n".join(("    " + line if line else line) for line in ("metadata:\n" + pod).splitlines())
    body = f"  template:\n{indented}\n"
    if where == "jobTemplate":
        body = "  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n" + "\n".join(
            "    " + line for line in body.splitlines()) + "\n"
    return f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: w\n  namespace: apps\nspec:\n{body}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_workload_kind_is_injected(wi: Run, kind: str) -> None:
    r = ok(wi("inject", "--tenant-id", TENANT, input=stream(SA, workload(kind))))
    doc = list(yaml.safe_load_all(r.stdout))[1]
    spec = doc["spec"] if kind == "Pod" else (
        doc["spec"]["jobTemplate"]["spec"]["template"]["spec"] if "CronJob" in kind
        else doc["spec"]["template"]["spec"])
    assert env_of(spec["containers"][0])["AZURE_CLIENT_ID"] == CLIENT
    assert f"{kind.split('-')[0]} apps/w: injected" in r.stderr.decode()


def test_list_items_are_each_injected(wi: Run) -> None:
    items = "\n".join("  " + line for line in ("- " + workload("Pod").replace("\n", "\n  ")).splitlines())
    text = stream(SA, f"apiVersion: v1\nkind: List\nitems:\n{items}\n")
    r = ok(wi("inject", "--tenant-id", TENANT, input=text))
    pod = list(yaml.safe_load_all(r.stdout))[1]["items"][0]
    assert env_of(pod["spec"]["containers"][0])["AZURE_CLIENT_ID"] == CLIENT


def test_other_kinds_are_listed_as_skipped(wi: Run) -> None:
    svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  ports:\n  - port: 80\n"
    r = ok(wi("inject", "--tenant-id", TENANT, input=stream(SA, svc)))
    assert "Service apps/web: skipped" in r.stderr.decode()


def test_json_stays_json(wi: Run, tmp_path: Path) -> None:
    import json

    doc = yaml.safe_load(workload("Deployment"))
    f = tmp_path / "w.json"
    f.write_text(json.dumps(doc, indent=4) + "\n")
    sa = tmp_path / "sa.yaml"
    sa.write_text(SA)
    r = ok(wi("inject", "--tenant-id", TENANT, "--service-accounts", sa, f))
    out = json.loads(r.stdout)
    assert env_of(out["spec"]["template"]["spec"]["containers"][0])["AZURE_CLIENT_ID"] == CLIENT
    assert r.stdout.startswith(b'{\n    "apiVersion"')


FIDELITY = """\ufeff# leading comment\r
---\r
apiVersion: v1\r
kind: ConfigMap   # trailing\r
metadata: {name: flow, namespace: apps}\r
data:\r
  k: &anchor 'single'\r
  j: *anchor\r
...\r
---\r
---\r
"""


def test_untouched_documents_keep_every_byte(wi: Run, tmp_path: Path) -> None:
    f = tmp_path / "f.yaml"
    f.write_bytes(FIDELITY.encode())
    r = ok(wi("inject", "--tenant-id", TENANT, f))
    assert r.stdout == FIDELITY.encode()


def test_changed_documents_keep_bom_crlf_comments_and_only_add_lines(wi: Run, tmp_path: Path) -> None:
    original = ("\ufeff" + stream(SA, deployment()).replace("image: nginx", "image: nginx  # pinned")
                .replace("\n", "\r\n"))
    f = tmp_path / "f.yaml"
    f.write_bytes(original.encode())
    assert wi("inject", "--tenant-id", TENANT, "-i", f).returncode == 1
    out = f.read_bytes()
    assert out.startswith(b"\xef\xbb\xbf") and b"\n" not in out.replace(b"\r\n", b"")
    new_lines = iter(out.decode("utf-8-sig").split("\r\n"))
    assert all(line in new_lines for line in original.lstrip("\ufeff").split("\r\n"))


def test_check_prints_a_diff_writes_nothing_and_exits_1(wi: Run, tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(stream(SA, deployment()))
    before = f.read_bytes()
    r = wi("inject", "--tenant-id", TENANT, "--check", f)
    assert r.returncode == 1 and f.read_bytes() == before
    diff = r.stdout.decode()
    assert diff.startswith(f"--- a/{f}\n+++ b/{f}\n")
    assert "+        - name: AZURE_CLIENT_ID\n" in diff
    assert not [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert wi("inject", "--tenant-id", TENANT, "-i", f).returncode == 1
    r = wi("inject", "--tenant-id", TENANT, "--check", f)
    assert r.returncode == 0 and r.stdout == b""


def test_in_place_keeps_the_mode_and_reports_1_then_0(wi: Run, tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(stream(SA, deployment()))
    f.chmod(0o640)
    r = wi("inject", "--tenant-id", TENANT, "--in-place", f)
    assert r.returncode == 1 and r.stdout == b""
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["w.yaml"]  # no temporary file left behind
    assert wi("inject", "--tenant-id", TENANT, "--in-place", f).returncode == 0


def test_a_failing_second_file_leaves_the_first_unwritten(wi: Run, tmp_path: Path) -> None:
    good, bad = tmp_path / "a.yaml", tmp_path / "b.yaml"
    good.write_text(stream(SA, deployment()))
    bad.write_text("kind: Pod\nmetadata: {name: [unclosed\n")
    before = good.read_bytes()
    r = wi("inject", "--tenant-id", TENANT, "--in-place", good, bad)
    assert r.returncode == 3
    assert good.read_bytes() == before
    assert f"{bad}:3:1: invalid YAML" in r.stderr.decode()


def test_every_problem_of_every_file_is_reported(wi: Run, tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(deployment())
    b.write_text("a: [\n")
    r = wi("inject", "--tenant-id", TENANT, a, b)
    err = r.stderr.decode()
    assert r.returncode == 3 and r.stdout == b""
    assert str(a) in err and str(b) in err and "2 problem(s)" in err


def test_directories_are_read_recursively_for_manifests(wi: Run, tmp_path: Path) -> None:
    (tmp_path / "k8s" / "apps").mkdir(parents=True)
    (tmp_path / "k8s" / "sa.yaml").write_text(SA)
    (tmp_path / "k8s" / "apps" / "web.yml").write_text(deployment())
    (tmp_path / "k8s" / "notes.txt").write_text("not: a manifest\n")
    r = wi("inject", "--tenant-id", TENANT, "-i", tmp_path / "k8s")
    assert r.returncode == 1
    assert b"AZURE_CLIENT_ID" in (tmp_path / "k8s" / "apps" / "web.yml").read_bytes()


def test_stdin_by_dash(wi: Run) -> None:
    r = ok(wi("inject", "--tenant-id", TENANT, "-", input=stream(SA, deployment())))
    assert b"AZURE_CLIENT_ID" in r.stdout


def test_helm_templates_get_a_hint(wi: Run) -> None:
    r = wi("inject", input="kind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {{ toYaml . }}\n")
    assert r.returncode == 3 and "post-render" in r.stderr.decode()


def test_usage_errors_exit_2(wi: Run) -> None:
    assert wi("inject", "--check", "--in-place", "x.yaml").returncode == 2
    assert wi("inject", "--in-place").returncode == 2
    assert wi("inject", "--no-such-flag").returncode == 2


def test_missing_file_is_bad_input(wi: Run, tmp_path: Path) -> None:
    r = wi("inject", tmp_path / "nope.yaml")
    assert r.returncode == 3 and "no such file" in r.stderr.decode()


def test_quoted_go_templates_do_not_hide_a_real_syntax_error(wi: Run) -> None:
    text = "kind: ConfigMap\ndata:\n  rule: 'summary: {{ $labels.x }}'\n  bad: [unclosed\n"
    r = wi("inject", input=text)
    assert r.returncode == 3
    assert "invalid YAML" in r.stderr.decode() and "Helm" not in r.stderr.decode()


def test_cluster_scoped_objects_are_named_without_a_namespace(wi: Run) -> None:
    r = ok(wi("inject", input="apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n"))
    assert r.stderr.decode() == "Namespace apps: skipped\n"


@pytest.mark.parametrize(("level", "written"), [("info", "info"), ("trace", "trace"), ("all", "all"),
                                                ("warning", "")])
def test_proxy_log_level_takes_the_values_upstreams_proxy_accepts(wi: Run, level: str, written: str) -> None:
    r = ok(wi("inject", "--tenant-id", TENANT, "--proxy-log-level", level,
              input=stream(SA, deployment(annotations=proxy()))))
    sidecar = pod_spec(r.stdout)["initContainers"][1]
    assert sidecar["args"][1] == f"--log-level={written}"
    assert sidecar["lifecycle"]["postStart"]["exec"]["command"][-1] == f"--log-level={written}"


def test_a_log_level_upstreams_proxy_rejects_is_a_usage_error(wi: Run) -> None:
    assert wi("inject", "--proxy-log-level", "error", input=SA).returncode == 2


def test_validate_takes_the_strictness_and_version_it_suggests(wi: Run, tmp_path: Path) -> None:
    f = tmp_path / "pod.yaml"
    f.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  bogus: 1\n"
                 "  containers:\n  - name: c\n    image: i\n")
    strict = wi("inject", "--validate", f)
    assert strict.returncode == 3 and "(or pass --no-strict)" in strict.stderr.decode()
    assert wi("inject", "--validate", "--no-strict", f).returncode == 0
    assert wi("inject", "--validate", "--no-strict", "-k", "1.29", f).returncode == 0


def test_an_unwritable_report_is_a_usage_error_before_any_file_is_written(wi: Run, tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(stream(SA, deployment()))
    before = f.read_bytes()
    r = wi("inject", "--tenant-id", TENANT, "-i", "--report", tmp_path / "no" / "such" / "r.txt", f)
    assert r.returncode == 2 and "--report" in r.stderr.decode()
    assert f.read_bytes() == before
