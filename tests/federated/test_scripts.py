"""The az-rest, az-cli and graph scripts, run for real with bash against a fake az."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from transformer.federated.credentials import Subject
from transformer.federated.plan import plan, render, renderer
from transformer.options import FederatedOptions

from .conftest import (
    CLIENT,
    HOSTILE_ISSUER,
    IDENTITY_ID,
    ISSUER,
    OTHER_CLIENT,
    QUICK_START,
    SUBSCRIPTION,
    FakeAz,
    body,
    option,
    service_accounts,
    wi,
)

ARM = "https://management.azure.com"
PUT_PATH = "/federatedIdentityCredentials/demo-workload-identity-sa?api-version=2023-01-31"
AUDIENCE = ["api://AzureADTokenExchange"]
QUICK_SUBJECT = "system:serviceaccount:demo:workload-identity-sa"
ONE_IDENTITY = ("--subscription", SUBSCRIPTION, "--resource-group", "rg-demo",
                "--identity-name", "id-demo")


def generate(*args: str | Path, issuer: str = ISSUER) -> str:
    done = wi("federated-credential", "--issuer", issuer, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_az_rest_puts_the_quick_start_credential(az: FakeAz) -> None:
    ran = az.run(generate(QUICK_START, *ONE_IDENTITY))
    assert ran.returncode == 0, ran.stderr
    assert ran.calls == [[
        "rest", "--method", "put", "--url", ARM + IDENTITY_ID + PUT_PATH,
        "--headers", "Content-Type=application/json",
        "--body", json.dumps({"properties": {"issuer": ISSUER, "subject": QUICK_SUBJECT,
                                             "audiences": AUDIENCE}}, separators=(",", ":")),
    ]]
    assert "take a few seconds to propagate" in ran.stderr


def test_az_rest_looks_the_identity_up_before_writing(az: FakeAz) -> None:
    ran = az.run(generate(QUICK_START), identities={CLIENT: [IDENTITY_ID]})
    assert ran.returncode == 0, ran.stderr
    lookup, put = ran.calls
    assert lookup == ["identity", "list", "--query", f"[?clientId=='{CLIENT}'].id", "-o", "tsv"]
    assert option(put, "--url") == [ARM + IDENTITY_ID + PUT_PATH]
    assert body(put)["properties"]["subject"] == QUICK_SUBJECT


def test_the_lookup_is_narrowed_by_subscription_and_group(az: FakeAz) -> None:
    script = generate(QUICK_START, "--subscription", SUBSCRIPTION, "--resource-group", "rg-demo")
    ran = az.run(script, identities={CLIENT: [IDENTITY_ID]})
    assert ran.calls[0] == ["identity", "list", "--subscription", SUBSCRIPTION, "--resource-group",
                            "rg-demo", "--query", f"[?clientId=='{CLIENT}'].id", "-o", "tsv"]


@pytest.mark.parametrize(("found", "says"), [([], "found none"), ([IDENTITY_ID, IDENTITY_ID], "found several")])
def test_a_failed_lookup_stops_before_any_write(az: FakeAz, tmp_path: Path, found: list[str],
                                                says: str) -> None:
    inputs = tmp_path / "sa.yaml"
    inputs.write_text(service_accounts(("demo", "a", OTHER_CLIENT), ("demo", "b", CLIENT)))
    ran = az.run(generate(inputs), identities={OTHER_CLIENT: [IDENTITY_ID], CLIENT: found})
    assert ran.returncode == 1
    assert [c[:2] for c in ran.calls] == [["identity", "list"], ["identity", "list"]]
    assert f"client id {CLIENT}, {says}\n" in ran.stderr
    assert "  select the subscription with `az account set`, or make this script again with\n" in ran.stderr
    script = generate(inputs)
    formats = [line.strip().split("'")[1] for line in script.splitlines()
               if line.lstrip().startswith("printf '")]
    assert formats and all(f.endswith("\\n") for f in formats), "a printf format broken over lines"


def test_az_cli_creates_with_the_audience_given(az: FakeAz) -> None:
    ran = az.run(generate("--format", "az-cli", QUICK_START, *ONE_IDENTITY))
    assert ran.returncode == 0, ran.stderr
    assert ran.calls == [[
        "identity", "federated-credential", "create", "--name", "demo-workload-identity-sa",
        "--identity-name", "id-demo", "--resource-group", "rg-demo", "--subscription", SUBSCRIPTION,
        "--issuer", ISSUER, "--subject", QUICK_SUBJECT, "--audiences", "api://AzureADTokenExchange",
    ]]


def test_az_cli_splits_a_looked_up_identity(az: FakeAz) -> None:
    ran = az.run(generate("--format", "az-cli", QUICK_START), identities={CLIENT: [IDENTITY_ID]})
    assert ran.returncode == 0, ran.stderr
    create = ran.calls[1]
    assert option(create, "--identity-name") == ["id-demo"]
    assert option(create, "--resource-group") == ["rg-demo"]
    assert option(create, "--subscription") == [SUBSCRIPTION]


def test_az_rest_without_subscription_lets_az_fill_it_in(az: FakeAz) -> None:
    ran = az.run(generate(QUICK_START, "--resource-group", "rg-demo", "--identity-name", "id-demo"))
    url = option(ran.calls[0], "--url")[0]
    assert url == ARM + IDENTITY_ID.replace(SUBSCRIPTION, "{subscriptionId}") + PUT_PATH


def test_graph_patches_with_create_if_missing(az: FakeAz) -> None:
    ran = az.run(generate("--format", "graph", QUICK_START))
    assert ran.returncode == 0, ran.stderr
    assert ran.calls == [[
        "rest", "--method", "patch", "--url",
        (f"https://graph.microsoft.com/v1.0/applications(appId='{CLIENT}')"
        "/federatedIdentityCredentials(name='demo-workload-identity-sa')"),
        "--headers", "Content-Type=application/json", "Prefer=create-if-missing",
        "--body", json.dumps({"name": "demo-workload-identity-sa", "issuer": ISSUER,
                              "subject": QUICK_SUBJECT, "audiences": AUDIENCE},
                             separators=(",", ":")),
    ]]
    assert "propagate" in ran.stderr


def test_target_app_with_az_rest_is_the_graph_script() -> None:
    assert generate("--target", "app", QUICK_START) == generate("--format", "graph", QUICK_START)


@pytest.mark.parametrize("flags", [("--format", "graph"), ("--format", "az-cli", "--target", "app"),
                                   ("--format", "az-cli"), ()])
def test_the_header_names_the_flags_that_make_the_script_again(flags: tuple[str, ...]) -> None:
    app = "app" in flags or "graph" in flags
    where = () if app else ONE_IDENTITY
    script = generate(*flags, QUICK_START, *where)
    named = re.fullmatch(r"# .*made by `wi-transform federated-credential (.*)`\.",
                         script.splitlines()[1])
    assert named, script.splitlines()[1]
    assert generate(*named.group(1).split(), QUICK_START, *where) == script
    assert ("--target app" in named.group(1)) == app


def test_az_cli_for_an_app_registration(az: FakeAz) -> None:
    ran = az.run(generate("--format", "az-cli", "--target", "app", QUICK_START))
    (call,) = ran.calls
    assert call[:6] == ["ad", "app", "federated-credential", "create", "--id", CLIENT]
    assert body(call) == {"name": "demo-workload-identity-sa", "issuer": ISSUER,
                          "subject": QUICK_SUBJECT, "audiences": AUDIENCE}


def test_sovereign_cloud_endpoints(az: FakeAz) -> None:
    china = az.run(generate("--cloud", "AzureChinaCloud", QUICK_START, *ONE_IDENTITY))
    assert option(china.calls[0], "--url")[0].startswith(
        "https://management.chinacloudapi.cn/subscriptions/")
    gov = az.run(generate("--cloud", "AzureUSGovernmentCloud", "--format", "graph", QUICK_START))
    assert option(gov.calls[0], "--url")[0].startswith("https://graph.microsoft.us/v1.0/")


def test_api_version_can_be_chosen(az: FakeAz) -> None:
    ran = az.run(generate("--api-version", "2024-11-30", QUICK_START, *ONE_IDENTITY))
    assert option(ran.calls[0], "--url")[0].endswith("?api-version=2024-11-30")


def test_writes_run_one_at_a_time_in_input_order(az: FakeAz, tmp_path: Path) -> None:
    inputs = tmp_path / "sa.yaml"
    accounts = [("team-a", f"sa-{n}", CLIENT) for n in range(5)]
    inputs.write_text(service_accounts(*accounts))
    ran = az.run(generate(inputs, *ONE_IDENTITY))
    assert ran.returncode == 0, ran.stderr  # the fake az fails when two run at once
    assert [body(c)["properties"]["subject"] for c in ran.calls] == [
        f"system:serviceaccount:team-a:sa-{n}" for n in range(5)]


HOSTILE_ACCOUNT = "sa'$(touch pwned3)`x`\n\"q\""


@pytest.mark.parametrize("fmt", ["az-rest", "az-cli", "graph"])
def test_hostile_issuer_and_names_reach_az_exactly(az: FakeAz, fmt: str) -> None:
    subjects = [Subject("demo", HOSTILE_ACCOUNT, CLIENT, identity_id=IDENTITY_ID),
                Subject("demo", "plain", OTHER_CLIENT)]
    script = render(subjects, FederatedOptions(issuer=HOSTILE_ISSUER, format=fmt))  # type: ignore[arg-type]
    ran = az.run(script, identities={OTHER_CLIENT: [IDENTITY_ID.replace("id-demo", "id-other")]})
    assert ran.returncode == 0, ran.stderr
    writes = [c for c in ran.calls if c[:2] != ["identity", "list"]]
    assert len(writes) == 2
    for call in writes:
        if fmt == "az-cli":
            assert option(call, "--issuer") == [HOSTILE_ISSUER]
            subject = option(call, "--subject")[0]
        else:
            sent = body(call)
            sent = sent.get("properties", sent)
            assert sent["issuer"] == HOSTILE_ISSUER
            assert sent["audiences"] == AUDIENCE
            subject = sent["subject"]
        assert subject in (f"system:serviceaccount:demo:{HOSTILE_ACCOUNT}",
                           "system:serviceaccount:demo:plain")
    assert HOSTILE_ACCOUNT in ran.stderr  # the progress lines name it, verbatim


def _expected(fmt: str, identity_id: str, name: str, subject: str) -> list[str]:
    properties = {"issuer": HOSTILE_ISSUER, "subject": subject, "audiences": AUDIENCE}
    if fmt == "az-cli":
        _, _, sub, _, group, _, _, _, identity = identity_id.split("/")
        return ["identity", "federated-credential", "create", "--name", name,
                "--identity-name", identity, "--resource-group", group, "--subscription", sub,
                "--issuer", HOSTILE_ISSUER, "--subject", subject, "--audiences", AUDIENCE[0]]
    if fmt == "graph":
        client = CLIENT if "id-demo" in identity_id else OTHER_CLIENT
        return ["rest", "--method", "patch", "--url",
                (f"https://graph.microsoft.com/v1.0/applications(appId='{client}')"
                f"/federatedIdentityCredentials(name='{name}')"),
                "--headers", "Content-Type=application/json", "Prefer=create-if-missing",
                "--body", json.dumps({"name": name, **properties}, separators=(",", ":"),
                                     ensure_ascii=False)]
    return ["rest", "--method", "put", "--url",
            f"{ARM}{identity_id}/federatedIdentityCredentials/{name}?api-version=2023-01-31",
            "--headers", "Content-Type=application/json",
            "--body", json.dumps({"properties": properties}, separators=(",", ":"),
                                 ensure_ascii=False)]


@pytest.mark.parametrize("fmt", ["az-rest", "az-cli", "graph"])
def test_hostile_issuer_argv_is_exact(az: FakeAz, fmt: str) -> None:
    other_id = IDENTITY_ID.replace("id-demo", "id-other")
    subjects = [Subject("demo", HOSTILE_ACCOUNT, CLIENT, identity_id=IDENTITY_ID),
                Subject("demo", "plain", OTHER_CLIENT)]
    the_plan = plan(subjects, FederatedOptions(issuer=HOSTILE_ISSUER, format=fmt))  # type: ignore[arg-type]
    hostile_name = the_plan.credentials[0].name
    ran = az.run(renderer(fmt)(the_plan), identities={OTHER_CLIENT: [other_id]})  # type: ignore[arg-type]
    writes = [c for c in ran.calls if c[:2] != ["identity", "list"]]
    assert writes == [
        _expected(fmt, IDENTITY_ID, hostile_name, f"system:serviceaccount:demo:{HOSTILE_ACCOUNT}"),
        _expected(fmt, other_id, "demo-plain", "system:serviceaccount:demo:plain"),
    ]


def test_hostile_issuer_through_the_cli(az: FakeAz) -> None:
    script = generate(QUICK_START, *ONE_IDENTITY, issuer=HOSTILE_ISSUER)
    ran = az.run(script)
    assert ran.returncode == 0, ran.stderr
    assert body(ran.calls[0])["properties"]["issuer"] == HOSTILE_ISSUER
