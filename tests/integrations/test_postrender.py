"""``wi-transform post-render``: Helm's contract, stdin to stdout, nothing out on failure."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CLIENT, TENANT, Run
from tests.integrations.manifests import DEPLOYMENT, HELM_STREAM, SERVICE, documents, env_of


def test_injects_the_rendered_stream_and_keeps_the_rest(wi: Run) -> None:
    result = wi("post-render", "--tenant-id", TENANT, input=HELM_STREAM)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    untouched = HELM_STREAM[: HELM_STREAM.index("---\n# Source: web/templates/deployment.yaml")]
    assert out.startswith(untouched)  # byte for byte, `# Source:` comments included
    assert out.count("# Source: ") == 3
    deployment = documents(out)[-1]
    assert env_of(deployment) == {
        "AZURE_CLIENT_ID": CLIENT,
        "AZURE_TENANT_ID": TENANT,
        "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
        "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/",
    }
    report = result.stderr.decode().splitlines()
    assert report == ["ServiceAccount default/web: skipped", "Service default/web: skipped",
                      "Deployment default/web: injected"]


def test_second_pass_changes_nothing(wi: Run) -> None:
    once = wi("post-render", "--tenant-id", TENANT, input=HELM_STREAM).stdout
    twice = wi("post-render", "--tenant-id", TENANT, input=once)
    assert twice.returncode == 0 and twice.stdout == once


def test_failure_writes_nothing_to_stdout(wi: Run) -> None:
    result = wi("post-render", input=HELM_STREAM)  # no tenant anywhere
    assert result.returncode == 3
    assert result.stdout == b""
    assert "<stdin>:29:5: Deployment default/web: no tenant ID" in result.stderr.decode()


def test_unparseable_input_writes_nothing_to_stdout(wi: Run) -> None:
    result = wi("post-render", "--tenant-id", TENANT, input=SERVICE + "---\nkind: [unclosed\n")
    assert result.returncode == 3
    assert result.stdout == b""
    assert "<stdin>:" in result.stderr.decode()


def test_empty_chart_renders_to_nothing(wi: Run) -> None:
    result = wi("post-render", "--tenant-id", TENANT, input=b"")
    assert (result.returncode, result.stdout) == (0, b"")


def test_report_file_holds_the_report(wi: Run, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    result = wi("post-render", "--tenant-id", TENANT, "--report", report, input=HELM_STREAM)
    assert result.returncode == 0
    assert report.read_text().splitlines()[-1] == "Deployment default/web: injected"


def test_report_file_holds_the_errors_on_failure(wi: Run, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    result = wi("post-render", "--report", report, input=HELM_STREAM)
    assert result.returncode == 3 and result.stdout == b""
    assert "Deployment default/web: no tenant ID" in report.read_text()


def test_unwritable_report_file_is_a_usage_error_with_nothing_on_stdout(wi: Run,
                                                                        tmp_path: Path) -> None:
    report = tmp_path / "missing" / "report.txt"
    result = wi("post-render", "--tenant-id", TENANT, "--report", report, input=HELM_STREAM)
    assert (result.returncode, result.stdout) == (2, b"")
    message = result.stderr.decode()
    assert f"--report {report}: cannot write it" in message
    assert "internal error" not in message


def test_unwritable_report_file_keeps_the_input_errors(wi: Run, tmp_path: Path) -> None:
    report = tmp_path / "missing" / "report.txt"
    result = wi("post-render", "--report", report, input=HELM_STREAM)  # no tenant anywhere
    assert (result.returncode, result.stdout) == (3, b"")
    message = result.stderr.decode()
    assert "<stdin>:29:5: Deployment default/web: no tenant ID" in message
    assert f"warning: --report {report}: cannot write it" in message
    assert "internal error" not in message


def test_helm_namespace_is_the_default_namespace(wi: Run) -> None:
    result = wi("post-render", "--tenant-id", TENANT, input=HELM_STREAM,
                env={"HELM_NAMESPACE": "shop"})
    assert "Deployment shop/web: injected" in result.stderr.decode()
    flagged = wi("post-render", "--tenant-id", TENANT, "--namespace", "other",
                 input=HELM_STREAM, env={"HELM_NAMESPACE": "shop"})
    assert "Deployment other/web: injected" in flagged.stderr.decode()


def test_service_accounts_from_elsewhere(wi: Run, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(HELM_STREAM.split("---\n# Source: web/templates/service.yaml")[0])
    result = wi("post-render", "--tenant-id", TENANT, "--service-accounts", accounts,
                input=DEPLOYMENT)
    assert result.returncode == 0, result.stderr.decode()
    assert env_of(documents(result.stdout)[0])["AZURE_CLIENT_ID"] == CLIENT
