"""Inject fidelity and rule cases an audit found failing (all fixed since): anchored and tagged
lists, keep-chomped scalars, files without a final line break, tab-indented JSON, and every
problem of a pod reported at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.conftest import CLIENT, TENANT, Run

P = "azure.workload.identity/"
SA = f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
  namespace: default
  labels:
    {P}use: "true"
  annotations:
    {P}client-id: {CLIENT}
    {P}tenant-id: {TENANT}
"""


def inject(wi: Run, text: str | bytes) -> bytes:
    r = wi("inject", input=text if isinstance(text, bytes) else (SA + "---\n" + text))
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def last_doc(out: bytes) -> Any:
    return list(yaml.safe_load_all(out))[-1]


def pod(body: str, annotations: str = "") -> str:
    """A labelled Pod on ServiceAccount ``sa``; ``body`` is the YAML after ``containers:``."""
    head = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    {P}use: \"true\"\n"
    return head + annotations + "spec:\n  serviceAccountName: sa\n  containers:\n" + body


def test_keep_chomped_block_scalar_keeps_its_value(wi: Run) -> None:
    text = pod("""  - name: app
    image: nginx
    args:
    - |+
      keep trailing

  - name: b
    image: nginx
""")
    out = inject(wi, text)
    assert last_doc(out)["spec"]["containers"][0]["args"] == ["keep trailing\n\n"]


def test_no_final_newline_adds_no_blank_lines(wi: Run) -> None:
    text = pod("""  - name: app
    image: nginx""")
    out = inject(wi, text).decode()
    assert "\n\n" not in out, out


def test_user_mount_at_token_dir_with_trailing_slash_is_an_error(wi: Run) -> None:
    text = pod("""  - name: app
    image: nginx
    volumeMounts:
    - name: mine
      mountPath: /var/run/secrets/azure/tokens/
  volumes:
  - name: mine
    emptyDir: {}
""")
    r = wi("inject", input=SA + "---\n" + text)
    assert r.returncode == 3, r.stdout.decode()
    assert "mine" in r.stderr.decode()


def test_tab_indented_json_gets_tab_indented_insertions(wi: Run) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "labels": {f"{P}use": "true"}},
           "spec": {"serviceAccountName": "sa", "containers": [{"name": "app", "image": "nginx"}]}}
    sa = yaml.safe_load(SA)
    # the ServiceAccount comes in a separate JSON List item so the input stays one JSON file
    listing = {"apiVersion": "v1", "kind": "List", "items": [sa, pod]}
    text = json.dumps(listing, indent="\t") + "\n"
    out = inject(wi, text.encode()).decode()
    assert json.loads(out)["items"][1]["spec"]["volumes"][0]["name"] == "azure-identity-token"
    indents = {line[: len(line) - len(line.lstrip())] for line in out.splitlines()}
    assert all(set(indent) <= {"\t"} for indent in indents), sorted(indents, key=len)


def test_every_problem_of_a_pod_is_reported(wi: Run) -> None:
    text = pod("""  - name: app
    image: nginx
    volumeMounts: [{name: mine, mountPath: /var/run/secrets/azure/tokens}]
  volumes: [{name: mine, emptyDir: {}}]
""", annotations=f'  annotations:\n    {P}service-account-token-expiration: "86401"\n')
    r = wi("inject", input=SA + "---\n" + text)
    assert r.returncode == 3
    err = r.stderr.decode()
    assert "service-account-token-expiration" in err and "mine" in err, err


def _pod_with_env(env_line: str) -> str:
    return pod(f"""  - name: app
    image: nginx
    {env_line}
    - name: A
      value: "1"
  - name: b
    image: nginx
""")


@pytest.mark.parametrize("env_line", ["env: &env", "env: !!seq", "env: &env !!seq"])
def test_anchored_or_tagged_env_list_is_appended_to(wi: Run, env_line: str) -> None:
    out = inject(wi, _pod_with_env(env_line))
    [app, b] = last_doc(out)["spec"]["containers"]
    assert [e["name"] for e in app["env"]] == [
        "A", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_AUTHORITY_HOST"]


def test_anchored_env_shared_with_a_skipped_container_is_a_clean_error(wi: Run) -> None:
    text = _pod_with_env("env: &env").replace(
        "  - name: b\n    image: nginx\n", "  - name: b\n    image: nginx\n    env: *env\n"
    ).replace("spec:\n", f"  annotations:\n    {P}skip-containers: b\nspec:\n", 1)
    r = wi("inject", input=SA + "---\n" + text)
    assert r.returncode == 3, r.stderr.decode()
    assert "alias" in r.stderr.decode()


def test_scalar_alias_in_a_container_does_not_block_injection(wi: Run) -> None:
    text = pod("""  - name: app
    image: &img nginx
  - name: b
    image: *img
""")
    out = inject(wi, text)
    for container in last_doc(out)["spec"]["containers"]:
        assert container["image"] == "nginx"
        assert any(e["name"] == "AZURE_CLIENT_ID" for e in container["env"])
