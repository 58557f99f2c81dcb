"""``wi-transform federated-credential`` as a user runs it: exit codes, messages, nothing printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CLIENT, DATA, ISSUER, QUICK_START, SUBSCRIPTION, service_accounts, wi

MIXED = DATA / "mixed.yaml"


def test_issuer_from_the_environment() -> None:
    done = wi("federated-credential", "--format", "az-cli", QUICK_START,
              env={"AKS_OIDC_ISSUER": ISSUER})
    assert done.returncode == 0, done.stderr
    assert f"--issuer {ISSUER}" in done.stdout


def test_standard_input() -> None:
    done = wi("federated-credential", "--issuer", ISSUER, "-n", "apps",
              input=service_accounts(("", "sa", CLIENT)).replace("  namespace: \n", ""))
    assert done.returncode == 0, done.stderr
    assert "system:serviceaccount:apps:sa" in done.stdout


@pytest.mark.parametrize(("args", "says"), [
    ((), "no issuer: pass --issuer URL or set AKS_OIDC_ISSUER"),
    (("--issuer", "http://oidc.example/"), "is not an https URL"),
    (("--issuer", ISSUER, "--cloud", "AzureMarsCloud"), "unknown cloud 'AzureMarsCloud'"),
    (("--issuer", ISSUER, "--audience", "a", "--audience", "b"), "exactly one audience"),
    (("--issuer", ISSUER, "--subscription", "my-sub", "--resource-group", "rg",
      "--identity-name", "id-x"), "subscription 'my-sub' is not a subscription id"),
])
def test_bad_input_exits_3_and_prints_nothing(args: tuple[str, ...], says: str) -> None:
    done = wi("federated-credential", *args, QUICK_START)
    assert done.returncode == 3
    assert done.stdout == ""
    assert says in done.stderr
    assert "nothing was written" in done.stderr


def test_a_client_id_that_is_not_a_guid_is_pointed_at(tmp_path: Path) -> None:
    bad = tmp_path / "sa.yaml"
    bad.write_text(service_accounts(("demo", "ok", CLIENT), ("demo", "bad", "${USER_ASSIGNED_CLIENT_ID}"),
                                    ("demo", "num", "12345")))
    done = wi("federated-credential", "--issuer", ISSUER, bad)
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == (f"{bad}:16:40: ServiceAccount demo/bad: azure.workload.identity/client-id: "
                        "client id '${USER_ASSIGNED_CLIENT_ID}' is not a GUID: use the clientId of "
                        "the identity (az identity show -n NAME -g GROUP --query clientId -o tsv)")
    assert lines[1].startswith(f"{bad}:24:40: annotation azure.workload.identity/client-id of "
                               "ServiceAccount demo/num is a YAML integer")


def test_no_annotated_service_account_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "none.yaml"
    empty.write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: plain\n")
    done = wi("federated-credential", "--issuer", ISSUER, empty)
    assert done.returncode == 3
    assert "no ServiceAccount in the inputs has the azure.workload.identity/client-id" in done.stderr


@pytest.mark.parametrize(("metadata", "says"), [
    ('  annotations: "azure.workload.identity/client-id"\n',
     "5:3: ServiceAccount default/plain: metadata.annotations: a string"),
    ("  labels: [azure.workload.identity/use]\n",
     "5:3: ServiceAccount default/plain: metadata.labels: a list"),
])
def test_annotations_of_the_wrong_type_are_not_read_as_none(tmp_path: Path, metadata: str,
                                                            says: str) -> None:
    """Not "no ServiceAccount has the annotation": the field is there, of the wrong type."""
    bad = tmp_path / "sa.yaml"
    bad.write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: plain\n" + metadata
                   + service_accounts(("demo", "ok", CLIENT)))
    done = wi("federated-credential", "--issuer", ISSUER, bad)
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.splitlines()[0].startswith(f"{bad}:{says}"), done.stderr
    assert "no ServiceAccount in the inputs" not in done.stderr


def test_usage_errors_exit_2() -> None:
    done = wi("federated-credential", "--issuer", ISSUER, "--identity-name", "id", QUICK_START)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "--identity-name needs --resource-group" in done.stderr


def test_warning_goes_to_stderr_and_output_still_comes() -> None:
    done = wi("federated-credential", "--issuer", ISSUER.rstrip("/"), QUICK_START)
    assert done.returncode == 0
    assert "warning: issuer" in done.stderr and "does not end with '/'" in done.stderr
    assert done.stdout.startswith("#!/usr/bin/env bash\n")


@pytest.mark.parametrize("identities", ["identities.json", "az-identity-list.json"])
def test_identities_file_in_either_shape(identities: str) -> None:
    done = wi("federated-credential", "--format", "json", "--issuer", ISSUER, MIXED,
              "--identities", DATA / identities, "--resource-group", "rg-demo",
              "--identity-name", "id-team-b", "--subscription", SUBSCRIPTION)
    assert done.returncode == 0, done.stderr
    urls = [p["url"] for p in json.loads(done.stdout)]
    assert [u.split("/userAssignedIdentities/")[1].split("/")[0] for u in urls] == [
        "id-team-a", "id-team-a", "id-team-b"]


def test_bad_identities_file_is_pointed_at() -> None:
    bad = DATA / "bad-identities.yaml"
    done = wi("federated-credential", "--issuer", ISSUER, "--identities", bad, MIXED)
    assert done.returncode == 3
    assert done.stdout == ""
    assert f"{bad}:1:39: " in done.stderr and "subscription 'not-a-guid'" in done.stderr
    assert f"{bad}:2:1: client id 'not-a-client-id' is not a GUID" in done.stderr


def test_identities_file_of_the_wrong_shape(tmp_path: Path) -> None:
    odd = tmp_path / "ids.yaml"
    odd.write_text("just a string\n")
    done = wi("federated-credential", "--issuer", ISSUER, "--identities", odd, QUICK_START)
    assert done.returncode == 3
    assert "expected a mapping of client id to identity resource id" in done.stderr


def test_help_lists_every_format() -> None:
    done = wi("federated-credential", "--help")
    assert done.returncode == 0
    for fmt in ("az-rest", "az-cli", "graph", "json", "bicep", "terraform", "arm"):
        assert fmt in done.stdout
