"""The validate command's contract: exit codes, inputs, versions, strictness, inject --validate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CLIENT, ROOT, TENANT, Run

from .conftest import validate_json

CLEAN = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  a: b\n"


def test_clean_input_exits_0_with_a_summary(wi: Run, tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_bytes(CLEAN)
    proc = wi("validate", tmp_path / "ok.yaml")
    assert proc.returncode == 0
    assert proc.stdout.decode() == (
        "0 errors, 0 warnings, 0 info in 1 file (1 object, Kubernetes 1.37, strict)\n"
    )


def test_standard_input(wi: Run) -> None:
    proc = wi("validate", "-", input=CLEAN.replace(b"a: b", b"a: 1"))
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith("<stdin>:6:6: error: ConfigMap default/ok: data.a is a "
                                           'YAML integer (1), but Kubernetes expects a string: '
                                           'quote it: a: "1" [k8s-schema]\n')


def test_every_file_of_a_directory_is_read_and_bad_ones_do_not_stop_the_rest(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.yaml").write_text("kind: [\n")
    (tmp_path / "b.yml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
                                     "spec:\n  containers:\n  - image: x\n")
    (tmp_path / "c.txt").write_text("not read")
    code, findings = validate_json(tmp_path)
    assert code == 1
    assert [(Path(f["path"]).name, f["rule"]) for f in findings] == [
        ("a.yaml", "yaml-syntax"),
        ("b.yml", "k8s-schema"),  # a container needs a name
    ]


def test_errors_inside_list_items_point_into_the_item(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n"
        "  spec:\n    ports:\n    - port: http\n"
    )
    _, findings = validate_json(tmp_path / "list.yaml")
    assert [(f["line"], f["column"], f["object"], f["json_path"]) for f in findings] == [
        (10, 13, "Service/default/a", "spec.ports[0].port"),
    ]


def test_all_errors_of_every_object(tmp_path: Path) -> None:
    bad = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {n}\nspec:\n  type: 1\n  ports: {{}}\n"
    (tmp_path / "two.yaml").write_text(bad.format(n="a") + "---\n" + bad.format(n="b"))
    _, findings = validate_json(tmp_path / "two.yaml")
    assert [(f["object"], f["json_path"]) for f in findings] == [
        ("Service/default/a", "spec.type"), ("Service/default/a", "spec.ports"),
        ("Service/default/b", "spec.type"), ("Service/default/b", "spec.ports"),
    ]


def test_namespace_flag_names_objects(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n"
                                       "spec:\n  type: 1\n")
    _, findings = validate_json("-n", "shop", tmp_path / "svc.yaml")
    assert findings[0]["object"] == "Service/shop/a"
    assert findings[0]["message"].startswith("Service shop/a: ")


@pytest.mark.parametrize("version", ["1.25", "v1.30", "1.37.2"])
def test_kubernetes_version_is_chosen(wi: Run, tmp_path: Path, version: str) -> None:
    (tmp_path / "ok.yaml").write_bytes(CLEAN)
    proc = wi("validate", "--kubernetes-version", version, tmp_path / "ok.yaml")
    minor = version.lstrip("v")[:4]
    assert proc.returncode == 0
    assert f"Kubernetes {minor}, strict)" in proc.stdout.decode()


def test_a_field_newer_than_the_version_is_unknown_there(tmp_path: Path) -> None:
    # Native sidecars (restartPolicy on an init container) came with Kubernetes 1.28.
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n"
        "  - name: proxy\n    image: x\n    restartPolicy: Always\n  containers:\n"
        "  - name: app\n    image: x\n"
    )
    assert validate_json("-k", "1.28", tmp_path / "pod.yaml") == (0, [])
    code, findings = validate_json("-k", "1.27", tmp_path / "pod.yaml")
    assert code == 1
    assert [(f["line"], f["column"], f["rule"]) for f in findings] == [(9, 5, "k8s-unknown-field")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kubernetes-version", "1.24"), "the bundled schemas cover Kubernetes 1.25 to 1.37"),
        (("--kubernetes-version", "latest"), "pick one of those"),
        (("--format", "xml"), "'xml' is not one of"),
        (("--schema-dir", "/nonexistent"), "not a directory"),
    ],
)
def test_usage_errors_exit_2(wi: Run, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "ok.yaml").write_bytes(CLEAN)
    proc = wi("validate", *args, tmp_path / "ok.yaml")
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr.decode()
    assert proc.stdout == b""


def test_unreadable_inputs_exit_3_naming_each(wi: Run, tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap # caf\xe9\n")
    proc = wi("validate", tmp_path / "latin1.yaml", tmp_path / "missing.yaml")
    assert proc.returncode == 3
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert f"{tmp_path / 'missing.yaml'}: no such file or directory" in err


def test_non_utf8_input_exits_3(wi: Run, tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap # caf\xe9\n")
    proc = wi("validate", tmp_path / "latin1.yaml")
    assert proc.returncode == 3
    assert f"{tmp_path / 'latin1.yaml'}:2:22: not UTF-8" in proc.stderr.decode()


def test_a_broken_schema_dir_file_exits_3(wi: Run, tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "thing_v1.json").write_text("{not json")
    (tmp_path / "ok.yaml").write_bytes(CLEAN)
    proc = wi("validate", "--schema-dir", tmp_path / "schemas", tmp_path / "ok.yaml")
    assert proc.returncode == 3
    assert f"{tmp_path / 'schemas' / 'thing_v1.json'}: not a JSON Schema" in proc.stderr.decode()


def test_json_schema_and_heavy_imports_stay_out_of_other_commands() -> None:
    # The cold-start budget: only validate pays for jsonschema and the schema data.
    probe = (
        "import json, sys\n"
        "from transformer.cli import main\n"
        "main(['inject', '--tenant-id', sys.argv[1], sys.argv[2]])\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, TENANT, str(ROOT / "examples" / "quick-start.yaml")],
        capture_output=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stderr.decode().splitlines()[-1])
    heavy = ("jsonschema", "referencing", "kubernetes_validate")
    assert [m for m in loaded if m.split(".")[0] in heavy] == []
    assert "transformer.validate" not in loaded


# -- inject --validate ----------------------------------------------------------------------

DEPLOYMENT = f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: shop
  labels:
    azure.workload.identity/use: "true"
  annotations:
    azure.workload.identity/client-id: {CLIENT}
    azure.workload.identity/tenant-id: {TENANT}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
      annotations:
        azure.workload.identity/inject-proxy-sidecar: "true"
        azure.workload.identity/skip-containers: "{{skip}}"
    spec:
      serviceAccountName: api
      initContainers:
      - name: migrate
        image: busybox
      containers:
      - name: api
        image: nginx
"""


@pytest.mark.parametrize("sidecar", ["--native-sidecar", "--no-native-sidecar"])
def test_inject_validate_passes_valid_output_through(wi: Run, tmp_path: Path, sidecar: str) -> None:
    source = tmp_path / "app.yaml"
    source.write_text(DEPLOYMENT.replace("{skip}", "migrate"))
    plain = wi("inject", sidecar, source)
    checked = wi("inject", "--validate", sidecar, source)
    assert plain.returncode == checked.returncode == 0, checked.stderr
    assert checked.stdout == plain.stdout
    assert b"azwi-proxy" in checked.stdout
    # and what it wrote is valid, also for validate itself
    assert validate_json("-", input=checked.stdout) == (0, [])


@pytest.mark.parametrize("mode", [(), ("--in-place",), ("--check",)])
def test_inject_validate_fails_when_the_output_would_be_invalid(
    wi: Run, tmp_path: Path, mode: tuple[str, ...]
) -> None:
    source = tmp_path / "app.yaml"
    original = DEPLOYMENT.replace("{skip}", "istio-proxy")
    source.write_text(original)
    proc = wi("inject", "--validate", *mode, source)
    assert proc.returncode == 3
    assert proc.stdout == b""
    assert source.read_text() == original
    err = proc.stderr.decode().splitlines()
    assert err[0].startswith(f"{source}:27:")
    assert err[0].endswith("names container 'istio-proxy', which it does not have "
                           "(containers: azwi-proxy-init, azwi-proxy, migrate, api): fix the name or "
                           "remove it from the list [wi-skip-containers]")
    assert err[-1] == "wi-transform: 1 problem(s); nothing was written"


def test_inject_validate_reports_a_removed_api_version(wi: Run, tmp_path: Path) -> None:
    source = tmp_path / "old.yaml"
    source.write_text(DEPLOYMENT.replace("{skip}", "migrate").replace("apps/v1", "extensions/v1beta1"))
    proc = wi("inject", "--validate", source)
    assert proc.returncode == 3
    assert proc.stdout == b""
    assert (f"{source}:12:13: error: Deployment shop/api: extensions/v1beta1 Deployment was "
            "removed in Kubernetes 1.16: use apiVersion: apps/v1") in proc.stderr.decode()


def test_user_schema_keywords_of_ours_cannot_break_the_report(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "widget_v1.json").write_text(json.dumps({"properties": {"spec": {
        "properties": {"size": {"type": "integer", "x-severity": "fatal",
                                "x-message": "size {oops} is bad"}}}}}))
    (tmp_path / "w.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n"
                                     "  name: w\nspec:\n  size: big\n")
    code, findings = validate_json("--schema-dir", tmp_path / "schemas", tmp_path / "w.yaml")
    assert code == 1
    assert [(f["line"], f["column"], f["severity"], f["rule"], f["message"]) for f in findings] == [
        (6, 9, "error", "crd-schema",
         'Widget default/w: spec.size is a string ("big"), but Kubernetes expects an integer'),
    ]


def test_the_quoting_hint_is_written_in_the_syntax_of_the_file(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "labels": {"tier": 1},
                        "annotations": {"azure.workload.identity/inject-proxy-sidecar": True}},
           "spec": {"containers": [{"name": "c", "image": "x"}]}}
    (tmp_path / "pod.json").write_text(json.dumps(pod))
    _, findings = validate_json(tmp_path / "pod.json")
    hints = sorted(f["message"].rpartition("quote it: ")[2] for f in findings)
    assert hints == ['"azure.workload.identity/inject-proxy-sidecar": "true"', '"tier": "1"']
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
                                       "  labels:\n    tier: 1\n  annotations:\n"
                                       "    azure.workload.identity/inject-proxy-sidecar: true\n"
                                       "spec:\n  containers: [{name: c, image: x}]\n")
    _, findings = validate_json(tmp_path / "pod.yaml")
    hints = sorted(f["message"].rpartition("quote it: ")[2] for f in findings)
    assert hints == ['azure.workload.identity/inject-proxy-sidecar: "true"', 'tier: "1"']
