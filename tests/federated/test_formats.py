"""json and arm against our schemas; bicep and terraform against golden files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .conftest import CLIENT, DATA, HOSTILE_ISSUER, ISSUER, QUICK_START, SCHEMAS, SUBSCRIPTION, wi

MIXED = DATA / "mixed.yaml"
ONE_IDENTITY = ("--subscription", SUBSCRIPTION, "--resource-group", "rg-demo",
                "--identity-name", "id-demo")
# name -> (issuer, arguments); every case is rendered in each declarative format.
CASES: dict[str, tuple[str, tuple[str | Path, ...]]] = {
    "quick-start": (ISSUER, (QUICK_START, *ONE_IDENTITY)),
    "mixed": (HOSTILE_ISSUER, (MIXED, "--identities", DATA / "identities.json",
                               "--resource-group", "rg-demo", "--identity-name", "id-team-b")),
    "lookup": (ISSUER, (MIXED,)),
}


def generate(fmt: str, issuer: str, *args: str | Path) -> str:
    done = wi("federated-credential", "--format", fmt, "--issuer", issuer, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def schema(name: str) -> Any:
    return json.loads((SCHEMAS / name).read_text("utf-8"))


def valid(instance: Any, name: str) -> bool:
    checker = jsonschema.Draft202012Validator(schema(name))
    return not list(checker.iter_errors(instance))


@pytest.mark.parametrize("args", [
    (QUICK_START, *ONE_IDENTITY),
    (MIXED, "--identities", DATA / "az-identity-list.json"),
    (QUICK_START, "--target", "app"),
    (MIXED, "--target", "app", "--cloud", "AzureChinaCloud"),
])
def test_json_matches_its_schema(args: tuple[str | Path, ...]) -> None:
    payloads = json.loads(generate("json", HOSTILE_ISSUER, *args))
    assert payloads
    assert valid(payloads, "federated-credential-payloads.json")
    assert all(p["body"].get("properties", p["body"])["issuer"] == HOSTILE_ISSUER for p in payloads)


def test_json_is_the_quick_start_request() -> None:
    (payload,) = json.loads(generate("json", ISSUER, QUICK_START, *ONE_IDENTITY))
    assert payload == {
        "method": "PUT",
        "url": f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-demo"
               "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-demo"
               "/federatedIdentityCredentials/demo-workload-identity-sa?api-version=2023-01-31",
        "headers": {"Content-Type": "application/json"},
        "body": {"properties": {"issuer": ISSUER,
                                "subject": "system:serviceaccount:demo:workload-identity-sa",
                                "audiences": ["api://AzureADTokenExchange"]}},
    }


def test_the_payload_schema_can_fail() -> None:
    (payload,) = json.loads(generate("json", ISSUER, QUICK_START, *ONE_IDENTITY))
    payload["body"]["properties"]["audiences"].append("api://other")
    assert not valid([payload], "federated-credential-payloads.json")
    payload["body"]["properties"]["audiences"].pop()
    payload["url"] = payload["url"].replace("2023-01-31", "2023-01-31&x=1")
    assert not valid([payload], "federated-credential-payloads.json")


@pytest.mark.parametrize("case", ["quick-start", "mixed", "lookup"])
def test_arm_matches_its_schema_and_is_serial(case: str) -> None:
    issuer, args = CASES[case]
    template = json.loads(generate("arm", issuer, *args))
    assert valid(template, "federated-credential-arm.json")
    (resource,) = template["resources"]
    assert resource["copy"]["mode"] == "serial"
    assert resource["copy"]["batchSize"] == 1
    assert template["variables"]["issuer"] == issuer
    serial = json.loads(json.dumps(template))
    serial["resources"][0]["copy"]["mode"] = "parallel"
    assert not valid(serial, "federated-credential-arm.json")


def test_arm_parameters_for_identities_found_by_client_id() -> None:
    template = json.loads(generate("arm", ISSUER, MIXED))
    assert sorted(template["parameters"]) == ["identity1Name", "identity2Name"]
    assert CLIENT in template["parameters"]["identity1Name"]["metadata"]["description"]
    assert {c["identity"] for c in template["variables"]["credentials"]} == {
        "[parameters('identity1Name')]", "[parameters('identity2Name')]"}


@pytest.mark.parametrize("fmt", ["bicep", "arm"])
def test_templates_refuse_identities_in_several_resource_groups(fmt: str, tmp_path: Path) -> None:
    identities = tmp_path / "identities.json"
    identities.write_text(json.dumps({
        CLIENT: f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-one/providers/"
                "Microsoft.ManagedIdentity/userAssignedIdentities/id-a"}))
    done = wi("federated-credential", "--format", fmt, "--issuer", ISSUER, MIXED,
              "--identities", identities, "--resource-group", "rg-two", "--identity-name", "id-b")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "one resource group" in done.stderr and "rg-one" in done.stderr


GOLDEN = [(case, fmt) for case in CASES for fmt in ("bicep", "tf")]


@pytest.mark.parametrize(("case", "suffix"), GOLDEN)
def test_golden(case: str, suffix: str) -> None:
    issuer, args = CASES[case]
    text = generate("bicep" if suffix == "bicep" else "terraform", issuer, *args)
    golden = DATA / f"{case}.{suffix}"
    if os.environ.get("WI_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text("utf-8")


@pytest.mark.parametrize("case", list(CASES))
def test_terraform_is_formatted_as_terraform_fmt_would(case: str) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    text = (DATA / f"{case}.tf").read_text("utf-8")
    done = subprocess.run([terraform, "fmt", "-"], input=text, capture_output=True, text=True,
                          timeout=60, check=False,
                          env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull})
    assert done.returncode == 0, done.stderr
    assert done.stdout == text
