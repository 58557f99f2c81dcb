"""The CLI contract of issue 2 as an outside suite would check it, where tests/cli does not
already: exit codes with nothing on stdout on failure, `path:line:col:` everywhere, several
inputs and stdin in one run, JSON and `kind: List` errors, every workload kind in one stream,
and the report on stderr (after the output, once per resource, also to --report FILE)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli

from .upstream import CLIENT_ID, INJECT_PROXY, PROXY_PORT, USE, dump, service_account

TENANT = ("--tenant-id", "tenantID")
SA = service_account("sa", {CLIENT_ID: "clientID"})


def template(annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"labels": {USE: "true"}}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "metadata": metadata,
        "spec": {"serviceAccountName": "sa", "containers": [{"name": "app", "image": "app"}]},
    }


def workload(api_version: str, kind: str, name: str, pod: dict[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": "ns1"},
    }
    if kind == "Pod":
        obj["metadata"].update(pod["metadata"])
        obj["spec"] = pod["spec"]
    elif kind == "CronJob":
        obj["spec"] = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": pod}}}
    else:
        obj["spec"] = {"template": pod}
    return obj


def template_of(obj: dict[str, Any]) -> dict[str, Any]:
    if obj["kind"] == "Pod":
        return obj
    if obj["kind"] == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"])
    return dict(obj["spec"]["template"])


# -- exit codes, and nothing on stdout when anything fails ------------------------------------


@pytest.mark.parametrize(
    "flags",
    [
        ["--check", "--in-place", "x.yaml"],
        ["--in-place"],
        ["--in-place", "-"],
        ["--no-such-flag"],
        ["--proxy-log-level", "loud"],
        ["--namespace"],
    ],
    ids=" ".join,
)
def test_usage_errors_exit_2_with_nothing_on_stdout(flags: list[str]) -> None:
    r = run_cli("inject", *TENANT, *flags, input=dump([SA]))
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.strip()


def test_bad_input_prints_no_diff_and_writes_no_report_file(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(dump([SA, workload("apps/v1", "Deployment", "web", template())]))
    broken = template({INJECT_PROXY: "true", PROXY_PORT: "http"})
    bad.write_text(dump([workload("apps/v1", "Deployment", "api", broken)]))
    report = tmp_path / "report.txt"
    r = run_cli("inject", *TENANT, "--check", "--report", report, good, bad)
    assert r.returncode == 3 and r.stdout == b""
    assert f"{bad}:" in r.stderr.decode() and str(good) not in r.stderr.decode()
    assert not report.exists()


def test_a_file_that_is_not_utf8_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"kind: ConfigMap\ndata:\n  city: M\xfcnchen\n")
    r = run_cli("inject", f)
    assert r.returncode == 3 and r.stdout == b""
    assert r.stderr.decode().startswith(f"{f}:3:10: "), r.stderr.decode()


def test_no_input_at_all_is_success_with_no_output() -> None:
    r = run_cli("inject", input=b"")
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")


# -- several inputs, stdin among them, and the report ------------------------------------------


def config_map(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "ns1"}}


def test_every_document_of_every_input_comes_out_in_order(tmp_path: Path) -> None:
    first, last = tmp_path / "first.yaml", tmp_path / "last.yaml"
    first.write_text(dump([config_map("a"), SA]).rstrip("\n"))  # no newline at the end
    last.write_text(dump([config_map("d")]))
    middle = dump([workload("apps/v1", "Deployment", "c", template())])
    r = run_cli("inject", *TENANT, first, "-", last, input=middle)
    assert r.returncode == 0, r.stderr.decode()
    docs = list(yaml.safe_load_all(r.stdout))
    assert [d["metadata"]["name"] for d in docs] == ["a", "sa", "c", "d"]
    assert "env" in template_of(docs[2])["spec"]["containers"][0]
    assert r.stderr.decode().splitlines() == [
        "ConfigMap ns1/a: skipped",
        "ServiceAccount ns1/sa: skipped",
        "Deployment ns1/c: injected",
        "ConfigMap ns1/d: skipped",
    ]


def test_the_report_follows_the_output_and_goes_to_report_file_too(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    text = dump([SA, workload("v1", "Pod", "p", template({INJECT_PROXY: "true"}))])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    both = subprocess.run(
        [sys.executable, "-m", "transformer", "inject", *TENANT, "--report", str(report)],
        input=text.encode(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=environment,
        timeout=60,
    )
    assert both.returncode == 0
    lines = ["ServiceAccount ns1/sa: skipped", "Pod ns1/p: injected (proxy)"]
    expected_report = "".join(line + "\n" for line in lines)
    assert both.stdout.decode().endswith(expected_report)
    manifest = both.stdout[: -len(expected_report)]
    assert [d["kind"] for d in yaml.safe_load_all(manifest)] == ["ServiceAccount", "Pod"]
    assert report.read_text() == expected_report


def test_check_reads_stdin_too() -> None:
    text = dump([SA, workload("v1", "Pod", "p", template())])
    r = run_cli("inject", *TENANT, "--check", input=text)
    assert r.returncode == 1
    diff = r.stdout.decode()
    assert diff.startswith("--- a/<stdin>\n+++ b/<stdin>\n")
    assert "+    - name: AZURE_CLIENT_ID\n" in diff
    assert not [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]


# -- JSON and kind: List -------------------------------------------------------------------------


def json_list(port: str) -> str:
    deployment = workload(
        "apps/v1", "Deployment", "d", template({INJECT_PROXY: "true", PROXY_PORT: port})
    )
    items = ",\n    ".join(json.dumps(o) for o in (SA, deployment))
    return '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n    ' + items + "\n  ]\n}\n"


def test_a_json_list_on_stdin_stays_json_and_each_item_is_reported() -> None:
    r = run_cli("inject", *TENANT, input=json_list("8080"))
    assert r.returncode == 0, r.stderr.decode()
    out = json.loads(r.stdout)
    spec = template_of(out["items"][1])["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["azwi-proxy-init", "azwi-proxy"]
    assert spec["initContainers"][1]["args"][0] == "--proxy-port=8080"
    assert r.stderr.decode().splitlines() == [
        "ServiceAccount ns1/sa: skipped",
        "Deployment ns1/d: injected (proxy)",
    ]


def test_an_error_inside_a_json_list_points_at_the_value(tmp_path: Path) -> None:
    f = tmp_path / "list.json"
    f.write_text(json_list("invalid"))
    r = run_cli("inject", *TENANT, f)
    assert r.returncode == 3 and r.stdout == b""
    [line_number] = [n for n, line in enumerate(f.read_text().splitlines(), 1) if "invalid" in line]
    column = f.read_text().splitlines()[line_number - 1].index('"invalid"') + 1
    err = r.stderr.decode()
    assert err.startswith(f"{f}:{line_number}:{column}: Deployment ns1/d: "), err
    assert PROXY_PORT in err and "'invalid'" in err


def test_an_error_inside_a_yaml_list_points_at_the_value(tmp_path: Path) -> None:
    pod = workload("v1", "Pod", "p", template({"azure.workload.identity/service-account-token-expiration": "60"}))
    f = tmp_path / "list.yaml"
    f.write_text(dump([{"apiVersion": "v1", "kind": "List", "items": [SA, pod]}]))
    r = run_cli("inject", *TENANT, f)
    assert r.returncode == 3 and r.stdout == b""
    lines = f.read_text().splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if "token-expiration" in line]
    column = lines[number - 1].index("'60'") + 1
    assert r.stderr.decode().startswith(f"{f}:{number}:{column}: Pod ns1/p: "), r.stderr.decode()


def test_directories_take_json_manifests_too(tmp_path: Path) -> None:
    (tmp_path / "k8s" / "json").mkdir(parents=True)
    target = tmp_path / "k8s" / "json" / "list.json"
    target.write_text(json_list("8080"))
    r = run_cli("inject", *TENANT, "--in-place", tmp_path / "k8s")
    assert r.returncode == 1 and r.stdout == b""
    spec = template_of(json.loads(target.read_text())["items"][1])["spec"]
    assert spec["initContainers"][0]["name"] == "azwi-proxy-init"


# -- every workload kind, matched on group and kind -----------------------------------------

KINDS = [
    ("v1", "Pod"),
    ("v1", "ReplicationController"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1beta2", "DaemonSet"),
    ("extensions/v1beta1", "Deployment"),
    ("extensions/v1beta1", "DaemonSet"),
    ("extensions/v1beta1", "ReplicaSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("batch/v1beta1", "CronJob"),
]
NOT_WORKLOADS = [("example.com/v1", "Deployment"), ("v1", "PodTemplate")]


def test_every_workload_kind_in_one_stream_gets_the_proxy(tmp_path: Path) -> None:
    pod = template({INJECT_PROXY: "true"})
    objects = [SA] + [
        workload(api, kind, f"w{i}", pod) for i, (api, kind) in enumerate(KINDS + NOT_WORKLOADS)
    ]
    r = run_cli("inject", *TENANT, input=dump(objects))
    assert r.returncode == 0, r.stderr.decode()
    docs = list(yaml.safe_load_all(r.stdout))
    for doc in docs[1 : 1 + len(KINDS)]:
        spec = template_of(doc)["spec"]
        names = [c["name"] for c in spec["initContainers"]]
        assert names == ["azwi-proxy-init", "azwi-proxy"], (doc["apiVersion"], doc["kind"])
        assert spec["volumes"][0]["name"] == "azure-identity-token"
    assert docs[1 + len(KINDS) :] == objects[1 + len(KINDS) :]
    assert r.stderr.decode().splitlines() == [
        "ServiceAccount ns1/sa: skipped",
        *(f"{kind} ns1/w{i}: injected (proxy)" for i, (_, kind) in enumerate(KINDS)),
        *(
            f"{kind} ns1/w{len(KINDS) + i}: skipped"
            for i, (_, kind) in enumerate(NOT_WORKLOADS)
        ),
    ]
