"""Inject edits only what it has checked (issue 11): each mistake of the issue is refused at its
line, with exit 3 and nothing written; valid values of the right type are injected; no input
makes it crash; an empty flow collection loses only its token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.cli.test_inject import SA
from tests.cli.test_inject_corpus import only_added_lines
from tests.conftest import TENANT, Run

P = "azure.workload.identity/"

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  template:
    metadata:
      labels:
        app: web
      annotations:
        team: a
    spec:
      serviceAccountName: app-sa
      containers:
      - name: app
        image: nginx
        env:
        - name: DB_HOST
          value: localhost
        volumeMounts:
        - name: cache
          mountPath: /cache
      volumes:
      - name: cache
        emptyDir: {}
"""
CRONJOB = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: apps
spec:
  schedule: "0 1 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: app-sa
          containers:
          - name: job
            image: busybox
"""
POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
spec:
  serviceAccountName: app-sa
  containers:
  - name: app
    image: nginx
"""
T = "spec.template."
WANTS = "but Kubernetes wants"

# (name, workload, text replaced, replacement, the text on the line named, the message)
REFUSED = [
    ("env-as-a-mapping", DEPLOYMENT, "        env:\n        - name: DB_HOST\n          value: localhost\n",
     "        env: {DB_HOST: localhost}\n", "env: {DB_HOST",
     f"{T}spec.containers[0].env: a mapping, {WANTS} a list of {{name, value}}"),
    ("volume-mounts-as-a-string", DEPLOYMENT,
     "        volumeMounts:\n        - name: cache\n          mountPath: /cache\n",
     '        volumeMounts: "cache"\n', "volumeMounts:",
     f'{T}spec.containers[0].volumeMounts: a string ("cache"), {WANTS} a list of {{name, mountPath}}'),
    ("template-metadata-as-a-number", DEPLOYMENT,
     "    metadata:\n      labels:\n        app: web\n      annotations:\n        team: a\n",
     "    metadata: 42\n", "metadata: 42", f"{T}metadata: a YAML integer (42), {WANTS} a mapping"),
    ("containers-as-a-mapping", DEPLOYMENT, "      containers:\n      - name: app\n        image: nginx\n",
     "      containers: {name: web, image: nginx}\n      x:\n      - name: app\n        image: nginx\n",
     "containers: {", f"{T}spec.containers: a mapping, {WANTS} a list of {{name, ...}}"),
    ("containers-as-false", DEPLOYMENT, "      containers:\n      - name: app\n        image: nginx\n",
     "      containers: false\n      x:\n      - name: app\n        image: nginx\n",
     "containers: false", f"{T}spec.containers: a YAML boolean (false), {WANTS} a list"),
    ("spec-as-a-list", DEPLOYMENT, "spec:\n  template:\n", "spec: []\nx:\n  template:\n",
     "spec: []", f"spec: a list, {WANTS} a mapping (the workload's spec)"),
    ("template-as-a-list", DEPLOYMENT, "  template:\n    metadata:", "  template: []\n  x:\n    metadata:",
     "template: []", f"spec.template: a list, {WANTS} a mapping (the pod template)"),
    ("template-as-null", DEPLOYMENT, "  template:\n    metadata:", "  template: null\n  x:\n    metadata:",
     "template: null", f"spec.template: null, {WANTS} a mapping (the pod template)"),
    ("job-template-as-null", CRONJOB, "  jobTemplate:\n    spec:", "  jobTemplate: null\n  x:\n    spec:",
     "jobTemplate: null", f"spec.jobTemplate: null, {WANTS} a mapping (the job template)"),
    ("container-name-as-a-number", DEPLOYMENT, "      - name: app\n", "      - name: 5\n",
     "- name: 5", f"{T}spec.containers[0].name: a YAML integer (5), {WANTS} a string"),
    ("mount-path-as-a-number", DEPLOYMENT, "mountPath: /cache", "mountPath: 5",
     "mountPath: 5", f"{T}spec.containers[0].volumeMounts[0].mountPath: a YAML integer (5), {WANTS} a string"),
    ("volume-name-as-a-boolean", DEPLOYMENT, "      - name: cache\n        emptyDir",
     "      - name: true\n        emptyDir", "- name: true",
     f"{T}spec.volumes[0].name: a YAML boolean (true), {WANTS} a string"),
    ("env-name-as-a-list", DEPLOYMENT, "        - name: DB_HOST\n", "        - name: [DB_HOST]\n",
     "- name: [DB_HOST]", f"{T}spec.containers[0].env[0].name: a list, {WANTS} a string"),
    ("annotations-as-a-list", DEPLOYMENT, "      annotations:\n        team: a\n", "      annotations: []\n",
     "annotations: []", f"{T}metadata.annotations: a list, {WANTS} a mapping of strings"),
    ("metadata-as-a-list", DEPLOYMENT,
     "    metadata:\n      labels:\n        app: web\n      annotations:\n        team: a\n",
     "    metadata: []\n", "metadata: []", f"{T}metadata: a list, {WANTS} a mapping"),
    ("host-network-as-a-string", DEPLOYMENT, "      serviceAccountName: app-sa\n",
     '      serviceAccountName: app-sa\n      hostNetwork: "yes"\n', "hostNetwork:",
     f'{T}spec.hostNetwork: a string ("yes"), {WANTS} true or false'),
    ("account-name-as-a-list", DEPLOYMENT, "serviceAccountName: app-sa", "serviceAccountName: [app-sa]",
     "serviceAccountName:", f"{T}spec.serviceAccountName: a list, {WANTS} a string"),
    ("a-container-without-a-name", DEPLOYMENT, "      - name: app\n        image: nginx\n",
     "      - image: nginx\n", "- image: nginx", f"{T}spec.containers[0].name: missing, {WANTS} a string"),
    # the workload's namespace is the pod's, where its ServiceAccount is looked up
    ("namespace-as-a-number", DEPLOYMENT, "  namespace: apps\n", "  namespace: 2024\n",
     "namespace: 2024", f"metadata.namespace: a YAML integer (2024), {WANTS} a string: quote it"),
    ("a-pods-namespace-as-a-list", POD, "  namespace: apps\n", "  namespace: [apps]\n",
     "namespace: [apps]", f"metadata.namespace: a list, {WANTS} a string"),
    ("a-hand-edited-marker", DEPLOYMENT, "        team: a\n",
     f"        team: a\n        wi-transform.{P}injected: '{{\"containers\": 5}}'\n",
     "wi-transform.", f"annotation wi-transform.{P}injected is not the record wi-transform writes"),
]


def _case(workload: str, old: str, new: str) -> str:
    assert old in workload
    return SA + "---\n" + workload.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("workload", "old", "new", "at", "message"),
                         [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_mistyped_field_is_refused_at_its_line(
    wi: Run, tmp_path: Path, workload: str, old: str, new: str, at: str, message: str
) -> None:
    text = _case(workload, old, new)
    f = tmp_path / "in.yaml"
    f.write_text(text)
    r = wi("inject", "--tenant-id", TENANT, f)
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert r.stdout == b""
    assert re.search(rf"^{re.escape(str(f))}:{_line_of(text, at)}:\d+: .*{re.escape(message)}", err, re.M), err


def test_a_key_written_twice_names_both_lines(wi: Run) -> None:
    text = _case(DEPLOYMENT, "        image: nginx\n", "        image: nginx\n        image: nginx:latest\n")
    r = wi("inject", "--tenant-id", TENANT, "-", input=text)
    assert r.returncode == 3 and r.stdout == b""
    first, second = _line_of(text, "image: nginx"), _line_of(text, "image: nginx:latest")
    assert f"<stdin>:{second}:9: key 'image' appears twice in this mapping (first at line {first})" in r.stderr.decode()


def test_a_workload_that_is_not_triggered_passes_through_untouched(wi: Run) -> None:
    broken = DEPLOYMENT.replace("serviceAccountName: app-sa", "serviceAccountName: other").replace(
        "        env:\n        - name: DB_HOST\n          value: localhost\n", "        env: {DB_HOST: localhost}\n")
    r = wi("inject", "--tenant-id", TENANT, "-", input=SA + "---\n" + broken)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == SA + "---\n" + broken
    assert "Deployment apps/web: skipped" in r.stderr.decode()


def test_in_place_over_a_good_and_a_bad_file_writes_neither(wi: Run, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(SA + "---\n" + DEPLOYMENT)
    bad.write_text(_case(DEPLOYMENT, "        - name: DB_HOST\n", "        - name: [DB_HOST]\n"))
    before = {p: p.read_bytes() for p in (good, bad)}
    r = wi("inject", "--tenant-id", TENANT, "--in-place", good, bad)
    assert r.returncode == 3
    assert {p: p.read_bytes() for p in (good, bad)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "good.yaml"]  # no temp file
    assert f"{bad}:" in r.stderr.decode() and f"{good}:" not in r.stderr.decode()


# -- valid values of the right type: injected, not refused ----------------------------------------

ENV = "        env:\n        - name: DB_HOST\n          value: localhost\n"
VALID = [
    ("env-empty-flow", ENV, "        env: []\n"),
    ("env-null", ENV, "        env: null\n"),
    ("mounts-empty-flow", "        volumeMounts:\n        - name: cache\n          mountPath: /cache\n",
     "        volumeMounts: [ ]  # none yet\n"),
    ("volumes-empty-flow", "      volumes:\n      - name: cache\n        emptyDir: {}\n", "      volumes: []\n"),
    ("labels-null", "      labels:\n        app: web\n", "      labels: null\n"),
    ("annotations-empty-flow", "      annotations:\n        team: a\n", "      annotations: {}\n"),
    ("annotations-null", "      annotations:\n        team: a\n", "      annotations:\n"),
]


@pytest.mark.parametrize(("old", "new"), [c[1:] for c in VALID], ids=[c[0] for c in VALID])
def test_a_valid_value_of_the_right_type_is_injected(wi: Run, old: str, new: str) -> None:
    text = _case(DEPLOYMENT, old, new)
    r = wi("inject", "--tenant-id", TENANT, "-", input=text)
    assert r.returncode == 0, r.stderr.decode()
    assert "Deployment apps/web: injected" in r.stderr.decode()
    out = r.stdout.decode()
    assert only_added_lines(text, out)
    spec = list(yaml.safe_load_all(out))[1]["spec"]["template"]["spec"]
    [container] = spec["containers"]
    assert {e["name"] for e in container["env"]} >= {"AZURE_CLIENT_ID", "AZURE_TENANT_ID"}
    assert "azure-identity-token" in [m["name"] for m in container["volumeMounts"]]
    assert "azure-identity-token" in [v["name"] for v in spec["volumes"]]
    again = wi("inject", "--tenant-id", TENANT, "-", input=r.stdout)
    assert again.returncode == 0 and again.stdout == r.stdout


def test_the_issues_flow_pod_keeps_every_byte_but_the_token(wi: Run) -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: apps\nspec:\n" \
          "  serviceAccountName: app-sa\n  containers:\n  - {name: a, image: x, env: []}\n"
    r = wi("inject", "--tenant-id", TENANT, "-", input=SA + "---\n" + pod)
    assert r.returncode == 0, r.stderr.decode()
    line = next(x for x in r.stdout.decode().splitlines() if x.startswith("  - {name: a"))
    assert line.startswith("  - {name: a, image: x, env: [{name: AZURE_CLIENT_ID, value: ")
    assert line.endswith("}]}")


# -- every command that edits pod templates ------------------------------------------------------

BROKEN = _case(DEPLOYMENT, ENV, "        env: {DB_HOST: localhost}\n")
WHERE = f"{_line_of(BROKEN, 'env: {DB_HOST')}:9: Deployment apps/web: {T}spec.containers[0].env: a mapping"


def test_post_render_refuses_it_too(wi: Run) -> None:
    r = wi("post-render", "--tenant-id", TENANT, input=BROKEN)
    assert r.returncode == 3 and r.stdout == b""
    assert f"<stdin>:{WHERE}" in r.stderr.decode()


def test_krm_refuses_it_with_the_list_unchanged(wi: Run) -> None:
    items = "".join("- " + doc.replace("\n", "\n  ").rstrip() + "\n" for doc in BROKEN.split("---\n"))
    text = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items
    r = wi("krm", "--tenant-id", TENANT, input=text)
    assert r.returncode == 1
    out = yaml.safe_load(r.stdout)
    assert out["items"] == yaml.safe_load(text)["items"]
    [result] = [x for x in out["results"] if x["severity"] == "error"]
    assert "spec.template.spec.containers[0].env: a mapping, but Kubernetes wants a list of {name, value}" in result["message"]


def test_migrate_inject_refuses_it_too(wi: Run, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1] / "data" / "migrate" / "named-account" / "repo"
    for f in repo.iterdir():
        (tmp_path / f.name).write_text(f.read_text())
    orders = tmp_path / "orders-api.yaml"
    orders.write_text(orders.read_text().replace(
        "          env:\n            - name: KEYVAULT_URL\n              value: https://orders-kv.vault.azure.net/\n",
        "          env: {KEYVAULT_URL: https://orders-kv.vault.azure.net/}\n"))
    r = wi("migrate", "--inject", "--tenant-id", TENANT, tmp_path)
    assert r.returncode == 3 and r.stdout == b"", r.stderr.decode()
    # The line the user wrote, not that of the migrated text inject reads (lines further down).
    line = orders.read_text().splitlines().index("          env: {KEYVAULT_URL: https://orders-kv.vault.azure.net/}") + 1
    assert re.search(rf"^{re.escape(str(orders))}:{line}:11: Deployment orders/orders-api: "
                     r"spec\.template\.spec\.containers\[0\]\.env: a mapping", r.stderr.decode(), re.M)


def test_migrate_inject_names_the_users_lines_below_what_migrate_added(wi: Run, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1] / "data" / "migrate" / "named-account" / "repo"
    for f in repo.iterdir():
        (tmp_path / f.name).write_text(f.read_text())
    orders = tmp_path / "orders-api.yaml"
    orders.write_text(orders.read_text() + (
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: tool\n  namespace: orders\n"
        "  labels:\n    azure.workload.identity/use: \"true\"\nspec:\n  serviceAccountName: orders-api\n"
        "  containers:\n    - name: tool\n      image: busybox\n      image: busybox:1.36\n"))
    lines = orders.read_text().splitlines()
    first, second = lines.index("      image: busybox") + 1, lines.index("      image: busybox:1.36") + 1
    r = wi("migrate", "--inject", "--tenant-id", TENANT, tmp_path)
    assert r.returncode == 3 and r.stdout == b"", r.stderr.decode()
    assert f"{orders}:{second}:7: key 'image' appears twice in this mapping (first at line {first})" \
        in r.stderr.decode()


def test_a_service_account_named_by_a_number_is_refused_not_matched_as_text(
        wi: Run, tmp_path: Path) -> None:
    """``name: 123`` is no name the API server takes; read as "123" it would match the pod's."""
    text = (SA.replace("name: app-sa", "name: 123") + "---\n"
            + DEPLOYMENT.replace("serviceAccountName: app-sa", 'serviceAccountName: "123"'))
    f = tmp_path / "in.yaml"
    f.write_text(text)
    r = wi("inject", "--tenant-id", TENANT, f)
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert f"{f}:4:3: ServiceAccount apps/123: metadata.name: a YAML integer (123), {WANTS} a " \
           'string: quote it: "123"' in err, err
    assert r.stdout == b""
