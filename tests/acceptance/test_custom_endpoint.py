"""The webhook's audience and custom token endpoint settings (upstream v1.6.0, PR #1720), through
the CLI: the cases of pkg/config/config_test.go and the audience cases of
pkg/webhook/webhook_test.go, the checks of NewPodMutator, and what an annotated pod gets.

Upstream's CA file is <its mount path>/ca-cert/ca.crt; in our layout that is CA_FILE.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli

from .conftest import Batch
from .test_webhook import VOLUME_CASES  # the same table, run with --audience
from .upstream import (
    AUDIENCE,
    CLIENT_ID,
    INJECT_PROXY,
    MARKER,
    MOUNT,
    MOUNT_PATH,
    SKIP,
    Obj,
    azure_env,
    container,
    dump,
    mutated,
    pod,
    proxy_init,
    proxy_sidecar,
    service_account,
    slug,
    token_volume,
)

TENANT = ("--tenant-id", "tenantID")
SUFFIX = "identity-binding"
USE_ENDPOINT = f"azure.workload.identity/use-{SUFFIX}"
ENDPOINT_AUDIENCE = "api://AKSIdentityBinding"
PROXY_URL = "https://kubernetes.default.svc"
SNI = "2183187515ff64fc2fff014fd0e749f92578a466dc345b"
CA_FILE = f"{MOUNT_PATH}/ca-cert/ca.crt"
ON = ("--custom-token-endpoint-annotation-suffix", SUFFIX,
      "--custom-token-endpoint-audience", ENDPOINT_AUDIENCE)
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
ACCOUNT = service_account("sa", {CLIENT_ID: "clientID"})


def endpoint_env(*, proxy: str = PROXY_URL, sni: str = SNI, ca_data: str = "") -> list[Obj]:
    """What addEnvironmentVariables appends for such a pod, after the usual four."""
    env = [("AZURE_KUBERNETES_TOKEN_PROXY", proxy), ("AZURE_KUBERNETES_SNI_NAME", sni),
           ("AZURE_KUBERNETES_CA_FILE", CA_FILE), ("AZURE_KUBERNETES_CA_DATA", ca_data)]
    return [{"name": n, "value": v} for n, v in env if v]


def endpoint_volume(*more: Obj, audience: str = ENDPOINT_AUDIENCE) -> Obj:
    volume = token_volume(3600)
    volume["projected"]["sources"][0]["serviceAccountToken"]["audience"] = audience
    volume["projected"]["sources"] += list(more)
    return volume


def config_map_source(name: str) -> Obj:
    return {"configMap": {"name": name, "items": [{"key": "ca.crt", "path": "ca-cert/ca.crt"}],
                          "optional": False}}


def bundle_source(signer: str, selector: Obj | None = None) -> Obj:
    bundle: Obj = {"signerName": signer}
    if selector is not None:
        bundle["labelSelector"] = selector
    return {"clusterTrustBundle": {**bundle, "optional": False, "path": "ca-cert/ca.crt"}}


def annotated(name: str, value: Any = "true", **fields: Any) -> Obj:
    annotations = {USE_ENDPOINT: value, **fields.pop("annotations", {})}
    return pod(name, annotations=annotations, **fields)


ENDPOINT_FLAGS = (*TENANT, *ON, "--kubernetes-token-proxy", PROXY_URL, "--kubernetes-sni-name", SNI)


# -- config_test.go TestParseConfig: the ClusterTrustBundle label selector ---------------------

SELECTORS: dict[str, tuple[str, Obj]] = {
    "valid matchLabels only": (
        '{"matchLabels":{"app":"nginx","tier":"frontend"}}',
        {"matchLabels": {"app": "nginx", "tier": "frontend"}},
    ),
    "valid matchExpressions only": (
        '{"matchExpressions":[{"key":"env","operator":"In","values":["prod","staging"]}]}',
        {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "staging"]}]},
    ),
    "valid both matchLabels and matchExpressions": (
        '{"matchLabels":{"role":"api"},"matchExpressions":[{"key":"env","operator":"NotIn",'
        '"values":["dev"]}]}',
        {"matchLabels": {"role": "api"},
         "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]},
    ),
    "missing values with In operator (still valid structurally)": (
        '{"matchExpressions":[{"key":"env","operator":"In"}]}',
        {"matchExpressions": [{"key": "env", "operator": "In"}]},
    ),
}


@pytest.mark.parametrize("case", list(SELECTORS))
def test_parse_config_label_selector(batch: Batch, case: str) -> None:
    text, selector = SELECTORS[case]
    flags = (*ENDPOINT_FLAGS, "--kubernetes-ca-ctb-signer", "ctb-signer",
             "--kubernetes-ca-ctb-label-selector", text)
    spec = batch(f"TestParseConfig {case}", [ACCOUNT, annotated("p")], *flags).pod_spec("p")
    assert spec["volumes"] == [endpoint_volume(bundle_source("ctb-signer", selector))]
    for c in spec["initContainers"] + spec["containers"]:
        assert c["env"] == azure_env() + endpoint_env()


# -- config_test.go's and NewPodMutator's refusals: usage errors, before anything is read -------

REFUSED: dict[str, tuple[tuple[str, ...], str]] = {
    "invalid JSON in label selector": (
        ("--kubernetes-ca-ctb-signer", "ctb-signer", "--kubernetes-ca-ctb-label-selector",
         "not-a-json"),
        "failed to decode LabelSelector: ",
    ),
    "ca data and configmap mutually exclusive": (
        ("--kubernetes-ca-data", "some-ca-data", "--kubernetes-ca-configmap", "ca-configmap"),
        "only one of AZURE_KUBERNETES_CA_DATA, AZURE_KUBERNETES_CA_CONFIGMAP_NAME or "
        "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME can be set",
    ),
    "ca data and signer name mutually exclusive": (
        ("--kubernetes-ca-data", "some-ca-data", "--kubernetes-ca-ctb-signer", "ctb-signer"),
        "only one of AZURE_KUBERNETES_CA_DATA, AZURE_KUBERNETES_CA_CONFIGMAP_NAME or "
        "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME can be set",
    ),
    "configmap name and signer name mutually exclusive": (
        ("--kubernetes-ca-configmap", "ca-configmap", "--kubernetes-ca-ctb-signer", "ctb-signer"),
        "only one of AZURE_KUBERNETES_CA_DATA, AZURE_KUBERNETES_CA_CONFIGMAP_NAME or "
        "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME can be set",
    ),
    "signer name required with label selector": (
        ("--kubernetes-ca-ctb-label-selector", '{"matchLabels":{"app":"nginx"}}'),
        "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME needs to be set when "
        "AZURE_KUBERNETES_CA_CTB_LABEL_SELECTOR is set",
    ),
    # NewPodMutator
    "annotation suffix without audience": (
        ("--custom-token-endpoint-annotation-suffix", SUFFIX),
        "custom token endpoint audience cannot be empty when annotation suffix is set",
    ),
    "audience without annotation suffix": (
        ("--custom-token-endpoint-audience", ENDPOINT_AUDIENCE),
        "custom token endpoint annotation suffix cannot be empty when audience is set",
    ),
    "audience equal to the default audience, in another case": (
        ("--custom-token-endpoint-annotation-suffix", SUFFIX,
         "--custom-token-endpoint-audience", "API://AzureADTokenExchange"),
        'custom token endpoint audience cannot be equal to default audience '
        '"api://AzureADTokenExchange"',
    ),
    "annotation key with a slash": (
        ("--custom-token-endpoint-annotation-suffix", "a/b",
         "--custom-token-endpoint-audience", ENDPOINT_AUDIENCE),
        'custom token endpoint annotation key "azure.workload.identity/use-a/b" is not valid: '
        "a qualified name must consist of alphanumeric characters",
    ),
    "annotation key too long": (
        ("--custom-token-endpoint-annotation-suffix", "x" * 60,
         "--custom-token-endpoint-audience", ENDPOINT_AUDIENCE),
        "is not valid: name part must be no more than 63 characters",
    ),
    "annotation key ending in a dot": (
        ("--custom-token-endpoint-annotation-suffix", "binding.",
         "--custom-token-endpoint-audience", ENDPOINT_AUDIENCE),
        "is not valid: name part must consist of alphanumeric characters, '-', '_' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ),
    "label selector that is no LabelSelector": (
        ("--kubernetes-ca-ctb-signer", "s", "--kubernetes-ca-ctb-label-selector",
         '{"matchLabels":{"app":1}}'),
        "failed to decode LabelSelector: matchLabels must map label names to strings",
    ),
    "CA file that cannot be read": (
        ("--kubernetes-ca-data", "@/nonexistent/ca.pem"),
        "--kubernetes-ca-data @/nonexistent/ca.pem: cannot read /nonexistent/ca.pem",
    ),
}


# krm's function config may still give what these lack: it judges them with the config
WAIT_FOR_THE_CONFIG = ("signer name required with label selector",
                       "annotation suffix without audience", "audience without annotation suffix")


@pytest.mark.parametrize(("case", "command"), [
    (case, command) for case in REFUSED
    for command in ("inject", "post-render", "krm", "migrate --inject")
    if command != "krm" or case not in WAIT_FOR_THE_CONFIG
])
def test_refused_settings_are_usage_errors(tmp_path: Path, case: str, command: str) -> None:
    flags, message = REFUSED[case]
    # The input would be bad too (it is no manifest): it must not even be read.
    (tmp_path / "bad.yaml").write_text("{not yaml\n")
    words = command.split()
    paths = [] if command in ("post-render", "krm") else [str(tmp_path / "bad.yaml")]
    run = run_cli(*words, *TENANT, *flags, *paths, input="{not yaml\n")
    assert (run.returncode, run.stdout) == (2, b""), run.stderr
    [line] = run.stderr.decode().splitlines()
    assert line.startswith("wi-transform: ") and message in line, line


# -- webhook_test.go TestAddProjectedVolume, with --audience -----------------------------------

VOLUME_DOCS = [ACCOUNT, *(pod(slug(c), volumes=v) for c, v in VOLUME_CASES.items())]


@pytest.mark.parametrize("audience", [None, "custom-audience"])
@pytest.mark.parametrize("case", list(VOLUME_CASES))
def test_add_projected_volume_audience(batch: Batch, case: str, audience: str | None) -> None:
    flags = ("--audience", audience) if audience else ()
    run = batch(f"TestAddProjectedVolume --audience {audience}", VOLUME_DOCS, *TENANT, *flags)
    assert run.pod_spec(slug(case))["volumes"] == [endpoint_volume(audience=audience or AUDIENCE)]


# -- which pods use the endpoint (isUsingCustomTokenEndpoint) ----------------------------------

USES: dict[str, tuple[dict[str, Any], bool]] = {
    "annotated true": ({USE_ENDPOINT: "true"}, True),
    "annotated True": ({USE_ENDPOINT: "True"}, True),
    "annotated TRUE": ({USE_ENDPOINT: "TRUE"}, True),
    "annotated false": ({USE_ENDPOINT: "false"}, False),
    "annotated yes": ({USE_ENDPOINT: "yes"}, False),
    "not annotated": ({}, False),
    "annotated with another suffix": ({"azure.workload.identity/use-other": "true"}, False),
    "annotated with the suffix in another case": (
        {"azure.workload.identity/use-Identity-Binding": "true"}, False),
}
USES_DOCS = [ACCOUNT, *(pod(slug(c), annotations=a or None) for c, (a, _) in USES.items())]


@pytest.mark.parametrize("case", list(USES))
def test_which_pods_use_the_endpoint(batch: Batch, case: str) -> None:
    flags = (*ENDPOINT_FLAGS, "--kubernetes-ca-configmap", "kube-root-ca.crt",
             "--audience", "my-audience")
    spec = batch("uses", USES_DOCS, *flags).pod_spec(slug(case))
    uses = USES[case][1]
    for c in spec["initContainers"] + spec["containers"]:
        assert c["env"] == azure_env() + (endpoint_env() if uses else [])
        assert c["volumeMounts"] == [MOUNT]
    expected = (endpoint_volume(config_map_source("kube-root-ca.crt")) if uses
                else endpoint_volume(audience="my-audience"))
    assert spec["volumes"] == [expected]


def test_without_the_settings_the_annotation_does_nothing(batch: Batch) -> None:
    spec = batch("off", [ACCOUNT, annotated("p")], *TENANT).pod_spec("p")
    assert spec["containers"][0]["env"] == azure_env()
    assert spec["volumes"] == [token_volume(3600)]


def test_an_annotation_that_is_no_string_is_bad_input(batch: Batch) -> None:
    text = dump([ACCOUNT, annotated("p", True)])
    run = batch("not a string", [], *ENDPOINT_FLAGS, text=text)
    [line] = run.errors_about("Pod ns1/p")
    row, column = run.position("p", USE_ENDPOINT)
    assert line.startswith(f"{run.path}:{row}:{column}: ") and '"true"' in line, line


# -- what the pod gets: the CA sources, values left empty, what the user set -----------------

def test_ca_data_inline_and_from_a_file(batch: Batch, tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text(PEM)
    docs = [ACCOUNT, annotated("p", init_containers=[])]
    inline = batch("ca inline", docs, *ENDPOINT_FLAGS, "--kubernetes-ca-data", PEM)
    from_file = batch("ca file", docs, *ENDPOINT_FLAGS, "--kubernetes-ca-data",
                      f"@{tmp_path / 'ca.pem'}")
    for run in (inline, from_file):
        spec = run.pod_spec("p")
        assert spec["containers"][0]["env"] == azure_env() + endpoint_env(ca_data=PEM)
        assert spec["volumes"] == [endpoint_volume()]  # the data needs no volume source


def test_a_cluster_trust_bundle_without_selector(batch: Batch) -> None:
    run = batch("ctb", [ACCOUNT, annotated("p")], *ENDPOINT_FLAGS, "--kubernetes-ca-ctb-signer",
                "example.com/signer")
    assert run.pod_spec("p")["volumes"] == [endpoint_volume(bundle_source("example.com/signer"))]


def test_empty_values_are_not_added(batch: Batch) -> None:
    # no proxy, no SNI name, no CA data: only the CA file (upstream adds it whatever the source)
    spec = batch("bare", [ACCOUNT, annotated("p")], *TENANT, *ON).pod_spec("p")
    assert spec["containers"][0]["env"] == azure_env() + endpoint_env(proxy="", sni="")


def test_variables_a_container_has_are_kept(batch: Batch) -> None:
    mine = [{"name": "AZURE_KUBERNETES_TOKEN_PROXY", "value": "https://mine.example"}]
    docs = [ACCOUNT, annotated("p", init_containers=[], containers=[
        container("app", "image", env=mine)])]
    [app] = batch("has proxy", docs, *ENDPOINT_FLAGS).pod_spec("p")["containers"]
    assert app["env"] == mine + azure_env() + endpoint_env()[1:]


def test_init_containers_and_skip_containers(batch: Batch) -> None:
    docs = [ACCOUNT, annotated(
        "p", annotations={SKIP: "skipped-init;skipped"},
        init_containers=[container("init", "i"), container("skipped-init", "i")],
        containers=[container("app", "a"), container("skipped", "s")])]
    spec = batch("skip", docs, *ENDPOINT_FLAGS).pod_spec("p")
    env = azure_env() + endpoint_env()
    assert spec["initContainers"] == [mutated(container("init", "i"), env),
                                      container("skipped-init", "i")]
    assert spec["containers"] == [mutated(container("app", "a"), env), container("skipped", "s")]


@pytest.mark.parametrize("native", [True, False])
def test_the_proxy_sidecar_with_the_endpoint(batch: Batch, native: bool) -> None:
    """Upstream adds the proxy containers first, then mutates every container: they get the
    endpoint's variables too."""
    docs = [ACCOUNT, annotated("p", annotations={INJECT_PROXY: "true"}, init_containers=[])]
    image, init_image = "proxy:v", "proxy-init:v"
    flags = (*ENDPOINT_FLAGS, "--proxy-image", image, "--proxy-init-image", init_image,
             "--native-sidecar" if native else "--no-native-sidecar")
    spec = batch(f"proxy native={native}", docs, *flags).pod_spec("p")
    env = azure_env() + endpoint_env()
    sidecar = mutated(proxy_sidecar(8000, image, "info", native=native), env)
    init = mutated(proxy_init(8000, init_image), env)
    app = mutated(container("container", "image"), env)
    if native:
        assert (spec["initContainers"], spec["containers"]) == ([init, sidecar], [app])
    else:
        assert (spec["initContainers"], spec["containers"]) == ([init], [sidecar, app])
    assert spec["volumes"] == [endpoint_volume()]


# -- a second run replaces what the first added ------------------------------------------------

RERUN_PEM = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"
RUNS: list[tuple[str, tuple[str, ...]]] = [
    ("ca data", (*ENDPOINT_FLAGS, "--kubernetes-ca-data", RERUN_PEM)),
    ("ca moved to a ConfigMap, another proxy", (
        *TENANT, *ON, "--kubernetes-token-proxy", "https://other.example", "--kubernetes-sni-name",
        SNI, "--kubernetes-ca-configmap", "kube-root-ca.crt")),
    ("ca from a ClusterTrustBundle, no SNI name", (
        *TENANT, *ON, "--kubernetes-token-proxy", PROXY_URL, "--kubernetes-ca-ctb-signer", "s",
        "--kubernetes-ca-ctb-label-selector", '{"matchLabels":{"a":"b"}}')),
    ("switched off", TENANT),
]


def _rerun_expected(case: str) -> tuple[list[Obj], Obj]:
    mine = {"name": "MY_VAR", "value": "x"}
    if case == "ca data":
        return [mine, *azure_env(), *endpoint_env(ca_data=RERUN_PEM)], endpoint_volume()
    if case == "ca moved to a ConfigMap, another proxy":
        return ([mine, *azure_env(), *endpoint_env(proxy="https://other.example")],
                endpoint_volume(config_map_source("kube-root-ca.crt")))
    if case == "ca from a ClusterTrustBundle, no SNI name":
        return ([mine, *azure_env(), *endpoint_env(sni="")],
                endpoint_volume(bundle_source("s", {"matchLabels": {"a": "b"}})))
    return [mine, *azure_env()], token_volume(3600)


def test_a_second_run_with_other_settings_replaces_what_the_first_added(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    docs = [ACCOUNT, annotated("p", init_containers=[], containers=[
        container("app", "image", env=[{"name": "MY_VAR", "value": "x"}])])]
    path.write_text(dump(docs))
    for case, flags in RUNS:
        first = run_cli("inject", "--in-place", *flags, path)
        assert first.returncode == 1, (case, first.stderr)
        pod_out = [d for d in yaml.safe_load_all(path.read_text()) if d["kind"] == "Pod"][0]
        env, volume = _rerun_expected(case)
        assert pod_out["spec"]["containers"][0]["env"] == env, case
        assert pod_out["spec"]["volumes"] == [volume], case
        owned = json.loads(pod_out["metadata"]["annotations"][MARKER])["containers"]["app"]
        assert sorted(owned) == sorted(e["name"] for e in env[1:]), case
        again = run_cli("inject", "--check", *flags, path)
        assert (again.returncode, again.stdout) == (0, b""), (case, again.stdout)


# -- every command that injects takes the settings --------------------------------------------

@pytest.mark.parametrize("command", ["post-render", "migrate --inject", "krm"])
def test_every_injecting_command_takes_the_settings(tmp_path: Path, command: str) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(dump([ACCOUNT, annotated("p")]))
    flags = (*ENDPOINT_FLAGS, "--kubernetes-ca-configmap", "ca", "--audience", "aud")
    expected = run_cli("inject", *flags, path)
    assert expected.returncode == 0 and b"AZURE_KUBERNETES_TOKEN_PROXY" in expected.stdout
    if command == "krm":  # a kustomize exec plugin: the config names no setting, flags do
        config = tmp_path / "injector.yaml"
        config.write_text("apiVersion: wi-transform.azure.workload.identity/v1alpha1\n"
                          "kind: WorkloadIdentityInjector\nmetadata: {name: x}\n")
        run = run_cli("krm", *flags, config, input=path.read_bytes())
    elif command == "post-render":
        run = run_cli("post-render", *flags, input=path.read_bytes())
    else:
        run = run_cli(*command.split(), *flags, path)
    assert (run.returncode, run.stdout) == (0, expected.stdout), run.stderr


def test_the_readme_example_is_what_the_command_prints() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    found = re.search(r"<!-- identity-binding -->\n```console\n\$ cd (\S+)\n\$ (.*?[^\\])\n(.*?)```",
                      readme, re.DOTALL)
    assert found, "the README's identity-binding example"
    directory, command, shown = found.groups()
    args = shlex.split(command.replace("\\\n", " "))
    assert args[:3] == ["wi-transform", "inject", "--check"]
    done = run_cli(*args[1:], cwd=Path(__file__).resolve().parents[2] / directory)
    assert done.returncode == 1, done.stderr
    assert done.stdout.decode() == shown


def test_migrate_gives_its_one_audience_to_the_token(tmp_path: Path) -> None:
    """migrate's --audience is the credentials' audience; with --inject, the token's too."""
    path = tmp_path / "app.yaml"
    path.write_text(dump([ACCOUNT, pod("p")]))
    run = run_cli("migrate", "--inject", *TENANT, "--audience", "api://mine", path)
    assert run.returncode == 0, run.stderr
    [out] = [d for d in yaml.safe_load_all(run.stdout) if d and d["kind"] == "Pod"]
    assert out["spec"]["volumes"] == [endpoint_volume(audience="api://mine")]
    two = run_cli("migrate", "--inject", *TENANT, "--audience", "a", "--audience", "b", path)
    assert (two.returncode, two.stdout) == (2, b"")
    assert "--inject takes one --audience" in two.stderr.decode()
