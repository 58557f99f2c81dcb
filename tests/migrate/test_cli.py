"""``wi-transform migrate`` through the real CLI on the example repositories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.federated.conftest import FakeAz, body, option

from .conftest import CASES, DATA, ISSUER, TENANT, case_args, golden, repo, wi

LABEL = "aadpodidbinding"
GROUP = "aadpodidentity.k8s.io"


def ok(done: Any, code: int = 0) -> Any:
    assert done.returncode == code, done.stderr.decode()
    return done


def docs_of(text: bytes) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- golden outputs ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_output_and_json_report(case: str) -> None:
    done = ok(wi("migrate", "--format", "json", *case_args(case), repo(case)))
    golden(case, "migrated.yaml", done.stdout)
    golden(case, "report.json", done.stderr)


@pytest.mark.parametrize("case", CASES)
def test_output_and_text_report_with_remove_pod_identity(case: str) -> None:
    done = ok(wi("migrate", "--remove-pod-identity", *case_args(case), repo(case)))
    golden(case, "removed.yaml", done.stdout)
    golden(case, "removed.txt", done.stderr)


# -- what the report says ------------------------------------------------------------------------


def report(case: str, *args: str) -> dict[str, Any]:
    done = ok(wi("migrate", "--format", "json", *args, repo(case)))
    return json.loads(done.stderr)  # type: ignore[no-any-return]


def test_report_two_bindings_lists_the_other_identity_with_the_note() -> None:
    [search] = report("two-bindings")["workloads"]
    assert search["status"] == "migrated"
    assert search["clientId"] == "7d3f1b5a-2c4e-4f6a-8b0d-1e3c5a7f9b24"
    assert search["serviceAccount"] == {"namespace": "search", "name": "search", "state": "new"}
    assert search["otherIdentities"] == [{"identity": "search/search-keyvault",
                                          "clientId": "9e5b7d1f-3a6c-4e8b-b2d4-6f8a0c2e4b35",
                                          "binding": "search/search-keyvault"}]
    assert "must ask for the others by client id" in search["note"]


def test_report_service_principal_and_dangling_bindings() -> None:
    [billing] = report("service-principal")["workloads"]
    assert billing["status"] == "not migrated" and "type 1" in billing["reason"]
    dangling = report("dangling-binding")
    assert [(w["resource"], w["status"]) for w in dangling["workloads"]] == [
        ("Deployment media/thumbnailer", "not migrated"), ("Deployment media/uploader", "not migrated")]
    assert "no AzureIdentityBinding" in dangling["workloads"][1]["reason"]
    messages = {(f["resource"], f["message"]) for f in dangling["findings"]}
    assert ("AzureIdentityBinding media/transcoder-binding",
            'selector "transcoder" matches no workload in the inputs') in messages


def test_untouched_workloads_come_out_byte_for_byte() -> None:
    for case in ("service-principal", "dangling-binding"):
        done = ok(wi("migrate", "--check", repo(case)))
        assert done.stdout == b""


@pytest.mark.parametrize("case", ["named-account", "helm-rendered"])
def test_the_diff_only_adds_lines(case: str) -> None:
    diff = ok(wi("migrate", "--check", repo(case)), 1).stdout.decode()
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed and all(line.startswith("+") for line in changed)


# -- modes, idempotence and failing closed -------------------------------------------------------

VARIANTS = [(), ("--remove-pod-identity",), ("--inject", "--tenant-id", TENANT), ("--no-proxy",)]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("variant", VARIANTS, ids=["plain", "remove", "inject", "no-proxy"])
def test_a_second_run_changes_nothing(case: str, variant: tuple[str, ...], copy_repo: Any) -> None:
    root = copy_repo(case)
    first = wi("migrate", "--in-place", *case_args(case), *variant, root)
    assert first.returncode in (0, 1), first.stderr.decode()
    after = files_of(root)
    second = ok(wi("migrate", "--check", *case_args(case), *variant, root))
    assert second.stdout == b""
    assert files_of(root) == after


def test_check_prints_a_diff_and_writes_nothing(copy_repo: Any) -> None:
    root = copy_repo("named-account")
    before = files_of(root)
    done = ok(wi("migrate", "--check", root), 1)
    assert b"+    azure.workload.identity/client-id: 3a9c5f2e-6b1d-4e8a-9c7f-2d4b6e8f0a13" in done.stdout
    assert files_of(root) == before


def test_in_place_rewrites_and_exits_1(copy_repo: Any) -> None:
    root = copy_repo("cronjob-default")
    ok(wi("migrate", "--in-place", root), 1)
    [sa] = [d for d in docs_of((root / "reports.yaml").read_bytes()) if d["kind"] == "ServiceAccount"]
    assert sa["metadata"]["name"] == "nightly-report"


def test_a_bad_input_means_nothing_is_written(copy_repo: Any, tmp_path: Path) -> None:
    root = copy_repo("named-account")
    (root / "zz-broken.yaml").write_text("kind: Deployment\nmetadata: [unclosed\n")
    before = files_of(root)
    fic = tmp_path / "fic.sh"
    done = wi("migrate", "--in-place", "--federated-credentials", fic, "--issuer", ISSUER, root)
    assert done.returncode == 3
    assert b"zz-broken.yaml:3:1" in done.stderr and b"nothing was written" in done.stderr
    assert files_of(root) == before and not fic.exists()
    assert ok(wi("migrate", root / "orders-api.yaml", root / "zz-broken.yaml"), 3).stdout == b""


def test_an_account_that_cannot_be_written_is_an_error(copy_repo: Any) -> None:
    root = copy_repo("named-account")
    (root / "orders-api.yaml").rename(root.parent / "accounts.yaml")
    deployment = (root.parent / "accounts.yaml").read_text().split("---\n")[1]
    (root / "deploy.yaml").write_text(deployment)
    done = ok(wi("migrate", "--service-accounts", root.parent / "accounts.yaml", root), 3)
    assert b"deploy.yaml:" in done.stderr
    assert b"only in --service-accounts, which migrate never writes" in done.stderr
    assert done.stdout == b""


def test_usage_errors() -> None:
    assert ok(wi("migrate", "--in-place", "--check", repo("named-account")), 2)
    assert ok(wi("migrate", "--in-place", "-"), 2)
    assert b"Invalid value" in ok(wi("migrate", "--credentials-format", "graph",
                                     repo("named-account")), 2).stderr


def test_standard_input_is_read_like_a_file() -> None:
    rendered = DATA / "helm-rendered" / "repo" / "rendered.yaml"
    piped = ok(wi("migrate", "-", input=rendered.read_bytes()))
    assert piped.stdout == ok(wi("migrate", rendered)).stdout
    assert piped.stderr.replace(b"<stdin>", str(rendered).encode()) == ok(wi("migrate", rendered)).stderr


def test_bom_and_crlf_are_kept_including_in_the_new_account(tmp_path: Path) -> None:
    text = (DATA / "cronjob-default" / "repo" / "reports.yaml").read_text()
    crlf = tmp_path / "crlf.yaml"
    crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    out = ok(wi("migrate", crlf)).stdout
    assert out.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in out.replace(b"\r\n", b"")
    assert b"kind: ServiceAccount\r\n" in out


# -- --remove-pod-identity leaves nothing dangling -----------------------------------------------


def references(docs: list[dict[str, Any]], namespace: str = "default") -> dict[str, Any]:
    def ns(d: dict[str, Any]) -> str:
        return str(d["metadata"].get("namespace") or namespace)

    identities = {(ns(d), d["metadata"]["name"]) for d in docs
                  if d["apiVersion"].startswith(GROUP) and d["kind"] == "AzureIdentity"}
    bindings = [(ns(d), {k.lower(): v for k, v in d["spec"].items()}) for d in docs
                if d["apiVersion"].startswith(GROUP) and d["kind"] == "AzureIdentityBinding"]
    labels = set()
    for d in docs:
        template = d.get("spec", {}).get("jobTemplate", {}).get("spec", d.get("spec", {}))
        pod_labels = template.get("template", {}).get("metadata", {}).get("labels") or {}
        if LABEL in pod_labels:
            labels.add((ns(d), pod_labels[LABEL]))
    return {"identities": identities, "bindings": bindings, "labels": labels}


@pytest.mark.parametrize("case", [*CASES, "all"])
def test_remove_pod_identity_leaves_no_dangling_references(case: str) -> None:
    paths = [repo(c) for c in CASES] if case == "all" else [repo(case)]
    before = references([d for p in paths for f in sorted(Path(p).rglob("*.yaml"))
                         for d in docs_of(f.read_bytes())])
    after = references(docs_of(ok(wi("migrate", "--remove-pod-identity", *paths)).stdout))
    # Every binding left names an identity that is still there, unless it never did.
    for namespace, spec in after["bindings"]:
        named = (namespace, spec["azureidentity"])
        assert named in after["identities"] or named not in before["identities"]
        # ...and some workload still carries its selector.
        assert any(selector == spec["selector"] for _, selector in after["labels"])
    # Every identity left is named by a binding left.
    for identity in after["identities"]:
        assert any((n, s["azureidentity"]) == identity for n, s in after["bindings"])
    # Every label left still finds the binding it found before.
    for namespace, selector in after["labels"]:
        # a binding selects the pods of its own namespace
        had = any((n, s["selector"]) == (namespace, selector) for n, s in before["bindings"])
        assert had <= any((n, s["selector"]) == (namespace, selector) for n, s in after["bindings"])


# -- --inject and --no-proxy ---------------------------------------------------------------------


def test_inject_in_the_same_pass_gives_deployable_manifests() -> None:
    done = ok(wi("migrate", "--inject", "--tenant-id", TENANT, repo("named-account")))
    [deployment] = [d for d in docs_of(done.stdout) if d["kind"] == "Deployment"]
    spec = deployment["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["initContainers"]][:2] == ["azwi-proxy-init", "azwi-proxy"]
    env = {e["name"]: e["value"] for e in spec["containers"][0]["env"]}
    assert env["AZURE_CLIENT_ID"] == "3a9c5f2e-6b1d-4e8a-9c7f-2d4b6e8f0a13"
    assert env["AZURE_TENANT_ID"] == TENANT
    assert b"Deployment orders/orders-api: injected (proxy)" in done.stderr


def test_inject_without_a_tenant_fails_closed() -> None:
    done = ok(wi("migrate", "--inject", repo("named-account")), 3)
    assert b"no tenant ID" in done.stderr and done.stdout == b""


def test_no_proxy_only_labels() -> None:
    out = ok(wi("migrate", "--no-proxy", repo("cronjob-default"))).stdout
    assert b"inject-proxy-sidecar" not in out and b'azure.workload.identity/use: "true"' in out


# -- the federated credentials, run against a fake az --------------------------------------------

ARM = "https://management.azure.com"


def test_federated_credentials_for_every_migrated_account_and_identity(az: FakeAz,
                                                                       tmp_path: Path) -> None:
    fic = tmp_path / "fic.sh"
    paths = [repo(c) for c in CASES]
    done = ok(wi("migrate", "--federated-credentials", fic, "--issuer", ISSUER, *paths))
    assert b"federated credentials for 5 ServiceAccount/identity pair(s)" in done.stderr
    ran = az.run(fic.read_text())
    assert ran.returncode == 0, ran.stderr
    puts = {(option(c, "--url")[0].split("/federatedIdentityCredentials/")[0].rsplit("/", 1)[1],
             body(c)["properties"]["subject"]) for c in ran.calls}
    assert puts == {
        ("orders-identity", "system:serviceaccount:orders:orders-api"),
        ("storage-reader", "system:serviceaccount:default:nightly-report"),
        ("search-index-writer", "system:serviceaccount:search:search"),
        ("search-keyvault", "system:serviceaccount:search:search"),
        ("inventory", "system:serviceaccount:default:inventory"),
    }
    assert all(body(c)["properties"]["issuer"] == ISSUER for c in ran.calls)
    assert all(option(c, "--url")[0].startswith(ARM + "/subscriptions/5b0d6fd4-") for c in ran.calls)
    # The same run again: the script is current, so the diff (of the manifests) leaves it out.
    again = ok(wi("migrate", "--check", "--federated-credentials", fic, "--issuer", ISSUER, *paths), 1)
    assert b"fic.sh" not in again.stdout


def test_federated_credentials_in_another_format(tmp_path: Path) -> None:
    out = tmp_path / "fic.json"
    ok(wi("migrate", "--federated-credentials", out, "--credentials-format", "json",
          "--issuer", ISSUER, repo("two-bindings")))
    requests = json.loads(out.read_text())
    assert [r["url"].split("userAssignedIdentities/")[1].split("/")[0] for r in requests] == [
        "search-index-writer", "search-keyvault"]


def test_federated_credentials_need_an_issuer(tmp_path: Path) -> None:
    done = ok(wi("migrate", "--federated-credentials", tmp_path / "f.sh", repo("two-bindings")), 3)
    assert b"no issuer" in done.stderr and done.stdout == b""
    assert not (tmp_path / "f.sh").exists()


def test_check_shows_the_credentials_file_it_would_write(tmp_path: Path, copy_repo: Any) -> None:
    root = copy_repo("cronjob-default")
    ok(wi("migrate", "--in-place", root), 1)
    fic = tmp_path / "fic.sh"
    done = ok(wi("migrate", "--check", "--federated-credentials", fic, "--issuer", ISSUER, root), 1)
    assert f"+++ b/{fic}".encode() in done.stdout and b"-apiVersion" not in done.stdout
    assert not fic.exists()
    ok(wi("migrate", "--in-place", "--federated-credentials", fic, "--issuer", ISSUER, root), 1)
    assert fic.stat().st_mode & 0o777 == 0o755
    assert b"system:serviceaccount:default:nightly-report" in fic.read_bytes()
    ok(wi("migrate", "--check", "--federated-credentials", fic, "--issuer", ISSUER, root))
