"""Every case of upstream pkg/webhook/webhook_test.go (v1.6.0) that our CLI can show, asserting
what upstream asserts, in our token layout; ▲ marks where issue 2 deliberately deviates.

Each upstream table runs as one manifest stream (one pod per case, named after the case); a
test reads its own pod back. Failing cases of every table share one run: inject fails closed
and reports every problem at once, so each test looks for its own `path:line:col:` line.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Batch
from .upstream import (
    CLIENT_ID,
    EXPIRATION,
    INJECT_PROXY,
    MOUNT,
    PROXY_PORT,
    PUBLIC,
    SKIP,
    TENANT_ID,
    TOKEN_FILE,
    TOKEN_VOLUME,
    USE,
    Injected,
    Obj,
    azure_env,
    container,
    contains,
    mutated,
    pod,
    proxy_init,
    proxy_sidecar,
    service_account,
    slug,
    token_volume,
)

TENANT = ("--tenant-id", "tenantID")


def case_pods(table: str, cases: dict[str, dict[str, Any]]) -> list[Obj]:
    return [pod(slug(f"{table} {case}"), **fields) for case, fields in cases.items()]


def spec_of(
    batch: Batch, table: str, case: str, docs: list[Obj], *flags: str, key: str = "", **kw: Any
) -> Obj:
    """The spec of the case's pod, from the run of ``key`` (the table, unless told)."""
    return batch(key or table, docs, *flags, **kw).pod_spec(slug(f"{table} {case}"))


# -- TestGetServiceAccountTokenExpiration ----------------------------------------------------

EXPIRATION_OK = {
    "valid token expiry defined in service account": {"service_account_name": "sa-4800"},
    "token expiry in pod preferred over service account token expiry": {
        "service_account_name": "sa-4800",
        "annotations": {EXPIRATION: "4000"},
    },
}
EXPIRATION_DOCS = [
    service_account("sa-4800", {CLIENT_ID: "clientID", EXPIRATION: "4800"}),
    *case_pods("TestGetServiceAccountTokenExpiration", EXPIRATION_OK),
]


@pytest.mark.parametrize(
    ("case", "seconds"),
    [(c, s) for c, s in zip(EXPIRATION_OK, (4800, 4000), strict=True)],
    ids=list(EXPIRATION_OK),
)
def test_get_service_account_token_expiration(batch: Batch, case: str, seconds: int) -> None:
    spec = spec_of(batch, "TestGetServiceAccountTokenExpiration", case, EXPIRATION_DOCS, *TENANT)
    assert spec["volumes"] == [token_volume(seconds)]


# -- TestGetClientID ---------------------------------------------------------------------------

CLIENT_CASES = {
    "client id not present": {"service_account_name": "sa-without-client-id"},
    "client id present": {"service_account_name": "sa-with-client-id"},
}
CLIENT_DOCS = [
    service_account("sa-without-client-id"),
    service_account("sa-with-client-id", {CLIENT_ID: "client-id"}),
    *case_pods("TestGetClientID", CLIENT_CASES),
]


@pytest.mark.parametrize("case", list(CLIENT_CASES))
def test_get_client_id(batch: Batch, case: str) -> None:
    run = batch("TestGetClientID", CLIENT_DOCS, *TENANT)
    spec = run.pod_spec(slug(f"TestGetClientID {case}"))
    expected = "client-id" if case == "client id present" else None
    for c in spec["initContainers"] + spec["containers"]:
        values = {e["name"]: e["value"] for e in c["env"]}
        assert values.get("AZURE_CLIENT_ID") == expected, c["name"]
    assert run.report_block(f"Pod ns1/{slug(f'TestGetClientID {case}')}")[0].endswith(": injected")


# -- TestGetTenantID ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "annotations", "env"),
    [
        ("tenant ID annotation defined", {TENANT_ID: "tenant-id"}, None),
        ("tenant ID annotation not defined, use default", {}, {"AZURE_TENANT_ID": "tenant-id"}),
    ],
    ids=["tenant ID annotation defined", "tenant ID annotation not defined, use default"],
)
def test_get_tenant_id(
    batch: Batch, case: str, annotations: dict[str, str], env: dict[str, str] | None
) -> None:
    # Upstream's default is the webhook's AZURE_TENANT_ID; ours is --tenant-id, or that variable.
    docs = [
        service_account("sa", {CLIENT_ID: "clientID", **annotations}),
        pod(slug(f"TestGetTenantID {case}")),
    ]
    spec = spec_of(batch, "TestGetTenantID", case, docs, key=f"TestGetTenantID {case}", env=env)
    for c in spec["initContainers"] + spec["containers"]:
        assert {"name": "AZURE_TENANT_ID", "value": "tenant-id"} in c["env"]


# -- TestGetSkipContainers ---------------------------------------------------------------------

SKIP_CASES = {
    "no skip containers defined": None,
    "one skip container defined": "container1",
    "multiple skip containers defined delimited by ;": "container1;container2",
    "multiple skip containers defined with extra space": "container1; container2",
}
THREE = [container(f"container{i}", f"image{i}") for i in (1, 2, 3)]
SKIP_DOCS = [
    service_account("sa", {CLIENT_ID: "clientID"}),
    *case_pods(
        "TestGetSkipContainers",
        {
            case: {"annotations": {SKIP: value} if value else None, "init_containers": [],
                   "containers": THREE}
            for case, value in SKIP_CASES.items()
        },
    ),
]


@pytest.mark.parametrize("case", list(SKIP_CASES))
def test_get_skip_containers(batch: Batch, case: str) -> None:
    spec = spec_of(batch, "TestGetSkipContainers", case, SKIP_DOCS, *TENANT)
    value = SKIP_CASES[case]
    skipped = {name.strip() for name in value.split(";")} if value else set()
    assert spec["containers"] == [c if c["name"] in skipped else mutated(c) for c in THREE]


# -- TestAddProjectedVolume --------------------------------------------------------------------

OTHER_TOKEN = {"path": "my-projected-volume", "expirationSeconds": 3600, "audience": "aud"}
VOLUME_CASES: dict[str, list[Obj] | None] = {
    "no volumes in the pod": None,
    "azure-identity-token projected volume already exists": [token_volume(3600)],
    "existing projected service account token volume overridden with desired audience": [
        {"name": TOKEN_VOLUME, "projected": {"sources": [{"serviceAccountToken": OTHER_TOKEN}]}}
    ],
}
VOLUME_DOCS = [
    service_account("sa", {CLIENT_ID: "clientID"}),
    *case_pods("TestAddProjectedVolume", {c: {"volumes": v} for c, v in VOLUME_CASES.items()}),
]


@pytest.mark.parametrize("case", list(VOLUME_CASES))
def test_add_projected_volume(batch: Batch, case: str) -> None:
    spec = spec_of(batch, "TestAddProjectedVolume", case, VOLUME_DOCS, *TENANT)
    assert spec["volumes"] == [token_volume(3600)]


# -- TestAddEnvironmentVariables ---------------------------------------------------------------

MINE = [
    {"name": "AZURE_CLIENT_ID", "value": "myClientID"},
    {"name": "AZURE_TENANT_ID", "value": "myTenantID"},
    {"name": "AZURE_FEDERATED_TOKEN_FILE", "value": TOKEN_FILE},
    {"name": "AZURE_AUTHORITY_HOST", "value": PUBLIC},
]
ENV_CASES: dict[str, tuple[str, list[Obj] | None, list[Obj]]] = {
    "environment variables added to container": ("sa", None, azure_env()),
    "existing environment variables not replaced": ("sa", MINE, MINE),
    "environment variables added to existing list": (
        "sa",
        [{"name": "MY_ENV_VAR", "value": "test"}],
        [{"name": "MY_ENV_VAR", "value": "test"}, *azure_env()],
    ),
    # Upstream passes empty client id, tenant and authority host and gets the token file only.
    # ▲ Here the tenant cannot be empty (no tenant is an error) and the host always comes from
    # a cloud, so the observable part is the client id: without one, no AZURE_CLIENT_ID.
    "environment variables are not added when empty": ("sa-empty", None, azure_env(None)),
}


def _cont1(env: list[Obj] | None) -> Obj:
    return container("cont1", "image", **({"env": env} if env else {}))


ENV_DOCS = [
    service_account("sa", {CLIENT_ID: "clientID"}),
    service_account("sa-empty"),
    *case_pods(
        "TestAddEnvironmentVariables",
        {
            case: {"service_account_name": sa, "init_containers": [], "containers": [_cont1(env)]}
            for case, (sa, env, _) in ENV_CASES.items()
        },
    ),
]


@pytest.mark.parametrize("case", list(ENV_CASES))
def test_add_environment_variables(batch: Batch, case: str) -> None:
    spec = spec_of(batch, "TestAddEnvironmentVariables", case, ENV_DOCS, *TENANT)
    [cont1] = spec["containers"]
    assert cont1["env"] == ENV_CASES[case][2]


# -- TestAddProjectServiceAccountTokenVolumeMount --------------------------------------------

MINE_MOUNT = {"name": "my-volume-mount", "mountPath": "/var/run/pods"}
MOUNT_CASES: dict[str, tuple[list[Obj] | None, list[Obj]]] = {
    "volume mount added to container": (None, [MOUNT]),
    "volume mount added to existing volume mounts for container": ([MINE_MOUNT], [MINE_MOUNT, MOUNT]),
}
MOUNT_DOCS = [
    service_account("sa", {CLIENT_ID: "clientID"}),
    *case_pods(
        "TestAddProjectServiceAccountTokenVolumeMount",
        {
            case: {
                "init_containers": [],
                "containers": [container("cont1", "image", **({"volumeMounts": m} if m else {}))],
            }
            for case, (m, _) in MOUNT_CASES.items()
        },
    ),
]


@pytest.mark.parametrize("case", list(MOUNT_CASES))
def test_add_project_service_account_token_volume_mount(batch: Batch, case: str) -> None:
    table = "TestAddProjectServiceAccountTokenVolumeMount"
    [cont1] = spec_of(batch, table, case, MOUNT_DOCS, *TENANT)["containers"]
    assert cont1["volumeMounts"] == MOUNT_CASES[case][1]


# -- TestHandle --------------------------------------------------------------------------------

# Upstream's service accounts "default" and "sa" in ns1. Upstream's Handle is only reached by
# pods with the use label (the webhook's objectSelector); its table's pods without labels stand
# for pods that reached it. Ours decides by itself: the ServiceAccount's label triggers them.
HANDLE_ACCOUNTS = [
    service_account(name, {CLIENT_ID: "clientID", EXPIRATION: "4800"}, use=True)
    for name in ("default", "sa")
]
HANDLE_CASES: dict[str, tuple[str, Obj]] = {
    "service account in cache": ("inputs", pod("", use=False)),
    "service account not in cache": ("--service-accounts", pod("", use=False)),
    "default service account in cache": ("inputs", pod("", service_account_name="", use=False)),
    "default service account not in cache": (
        "--service-accounts",
        pod("", service_account_name="", use=False),
    ),
    "pod has the required label, no warnings": ("inputs", pod("")),
}
for _case, (_, _pod) in HANDLE_CASES.items():
    _pod["metadata"]["name"] = slug(f"TestHandle {_case}")
RESTART_CASE = "pod has the required label, restart policy in init container"
# Upstream's raw JSON pod (with apiVersion and kind, which its admission request carries apart).
RESTART_POD = (
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME","namespace":"ns1",'
    '"creationTimestamp":null,"labels":{"azure.workload.identity/use":"true"}},'
    '"spec":{"initContainers":[{"name":"init-container","image":"init-container-image",'
    '"restartPolicy":"Always"}],"containers":[{"name":"container","image":"image",'
    '"resources":{}}]}}\n'
).replace("NAME", slug(f"TestHandle {RESTART_CASE}"))


def _handle(batch: Batch, where: str) -> Any:
    pods = [p for w, p in HANDLE_CASES.values() if w == where]
    if where == "inputs":
        return batch("TestHandle in inputs", HANDLE_ACCOUNTS + pods, *TENANT,
                     more={"restart-policy.json": RESTART_POD})
    return batch("TestHandle from --service-accounts", pods, *TENANT, accounts=HANDLE_ACCOUNTS)


@pytest.mark.parametrize("case", [*HANDLE_CASES, RESTART_CASE])
def test_handle(batch: Batch, case: str) -> None:
    where, original = HANDLE_CASES.get(case, ("inputs", json.loads(RESTART_POD)))
    run = _handle(batch, where)
    name = original["metadata"]["name"]
    out = run.objects()[("Pod", name)]
    # allowed, and no remove patches: everything the pod had is still there
    assert run.report_block(f"Pod ns1/{name}") == [f"Pod ns1/{name}: injected"]
    assert contains(original, out)
    spec = out["spec"]
    for c in spec["initContainers"] + spec["containers"]:
        assert c["env"] == azure_env() and c["volumeMounts"] == [MOUNT]
    assert spec["volumes"] == [token_volume(4800)]


# -- TestGetAzureAuthorityHost -----------------------------------------------------------------

CLOUDS = {
    "default azure environment": (None, PUBLIC),
    "public cloud": ("AzurePublicCloud", PUBLIC),
    "us government cloud": ("AzureUSGovernmentCloud", "https://login.microsoftonline.us/"),
    "china cloud": ("AzureChinaCloud", "https://login.chinacloudapi.cn/"),
    "german cloud": ("AzureGermanCloud", "https://login.microsoftonline.de/"),
}
CLOUD_DOCS = [service_account("sa", {CLIENT_ID: "clientID"}), pod("p")]


@pytest.mark.parametrize("case", list(CLOUDS))
def test_get_azure_authority_host(batch: Batch, case: str) -> None:
    name, host = CLOUDS[case]
    flags = [*TENANT, *(["--cloud", name] if name else [])]
    spec = batch(f"TestGetAzureAuthorityHost {case}", CLOUD_DOCS, *flags).pod_spec("p")
    for c in spec["initContainers"] + spec["containers"]:
        assert c["env"][-1] == {"name": "AZURE_AUTHORITY_HOST", "value": host}


def test_get_azure_authority_host_invalid_cloud_name(batch: Batch) -> None:
    run = batch("TestGetAzureAuthorityHost invalid", CLOUD_DOCS, *TENANT, "--cloud", "InvalidCloud")
    assert run.code == 2 and run.stdout == b""
    assert "InvalidCloud" in run.stderr


# -- TestMutateContainers ----------------------------------------------------------------------

MINE_C = container("my-container", "my-image")
SKIP_C = container("skip-container", "skip-image")
MUTATE_CASES: dict[str, tuple[dict[str, Any], list[Obj]]] = {
    "no containers": ({"containers": []}, []),
    "one container": ({"containers": [MINE_C]}, [mutated(MINE_C, azure_env("client-id", "tenant-id"))]),
    "one container and one skip container": (
        {"containers": [MINE_C, SKIP_C], "annotations": {SKIP: "skip-container"}},
        [mutated(MINE_C, azure_env("client-id", "tenant-id")), SKIP_C],
    ),
}
MUTATE_DOCS = [
    service_account("sa", {CLIENT_ID: "client-id"}),
    *case_pods(
        "TestMutateContainers",
        {case: {"init_containers": [], **fields} for case, (fields, _) in MUTATE_CASES.items()},
    ),
]


@pytest.mark.parametrize("case", list(MUTATE_CASES))
def test_mutate_containers(batch: Batch, case: str) -> None:
    spec = spec_of(batch, "TestMutateContainers", case, MUTATE_DOCS, "--tenant-id", "tenant-id")
    assert spec["containers"] == MUTATE_CASES[case][1]
    assert "initContainers" not in spec


# -- the proxy: TestInjectProxyInitContainer, TestInjectProxySidecarContainer,
#    TestShouldInjectProxySidecar, TestGetProxyPort -----------------------------------------

INIT_IMAGE = "my.proxy-image-registry.io/azwi/proxy-init:v1.0.0"
PROXY_IMAGE = "my.proxy-image-registry.io/azwi/proxy:v1.0.0"
PROXY_FLAGS = (*TENANT, "--proxy-image", PROXY_IMAGE, "--proxy-init-image", INIT_IMAGE,
               "--proxy-log-level", "debug")


def with_proxy(port: int | None, **fields: Any) -> dict[str, Any]:
    annotations = {INJECT_PROXY: "true", **({PROXY_PORT: str(port)} if port else {})}
    return {"annotations": {**annotations, **fields.pop("annotations", {})}, **fields}


INIT_8080 = proxy_init(8080, INIT_IMAGE)
SIDECAR_8081 = proxy_sidecar(8081, PROXY_IMAGE, "debug", native=False)
USER_SIDECAR = proxy_sidecar(8081, PROXY_IMAGE, "debug", native=False, ours=False)
PROXY_INIT_TABLE = "TestInjectProxyInitContainer"
PROXY_INIT_CASES: dict[str, tuple[dict[str, Any], list[Obj]]] = {  # port 8080
    "no init containers": (with_proxy(8080, init_containers=[]), [mutated(INIT_8080)]),
    "proxy init container manually injected": (
        with_proxy(8080, init_containers=[INIT_8080]),
        [mutated(INIT_8080)],
    ),
    "inject proxy init container to existing init containers": (
        with_proxy(8080, init_containers=[MINE_C]),
        [mutated(MINE_C), mutated(INIT_8080)],
    ),
}
SIDECAR_TABLE = "TestInjectProxySidecarContainer"
SIDECAR_CASES: dict[str, tuple[dict[str, Any], list[Obj]]] = {  # port 8081
    "no containers": (
        with_proxy(8081, init_containers=[], containers=[]),
        [mutated(SIDECAR_8081)],
    ),
    # left as the user wrote it (no runAsUser added); it gets the env and mount like any other
    "proxy sidecar container manually injected": (
        with_proxy(8081, init_containers=[], containers=[USER_SIDECAR]),
        [mutated(USER_SIDECAR)],
    ),
    "inject proxy sidecar container to existing containers": (
        with_proxy(8081, init_containers=[], containers=[MINE_C]),
        [mutated(SIDECAR_8081), mutated(MINE_C)],
    ),
}
SHOULD_TABLE = "TestShouldInjectProxySidecar"
SHOULD_CASES: dict[str, tuple[dict[str, Any], bool]] = {
    "pod not annotated": ({}, False),
    "pod is annotated with azure.workload.identity/inject-proxy-sidecar=true": (
        with_proxy(None),
        True,
    ),
}
PORT_TABLE = "TestGetProxyPort"
PORT_CASES: dict[str, tuple[dict[str, Any], int]] = {
    # getProxyPort runs only for a pod that gets the proxy: these have the annotation
    "pod not annotated": (with_proxy(None), 8000),
    "pod has no azure.workload.identity/proxy-sidecar-port annotation": (
        with_proxy(None, annotations={"test": "test"}),
        8000,
    ),
    "pod is annotated with azure.workload.identity/proxy-sidecar-port=8080": (with_proxy(8080), 8080),
}
PROXY_DOCS = [
    service_account("sa", {CLIENT_ID: "clientID"}),
    *(
        pod(slug(f"{table} {case}"), **fields)
        for table, cases in (
            (PROXY_INIT_TABLE, PROXY_INIT_CASES),
            (SIDECAR_TABLE, SIDECAR_CASES),
            (SHOULD_TABLE, SHOULD_CASES),
            (PORT_TABLE, PORT_CASES),
        )
        for case, (fields, _) in cases.items()
    ),
]
NATIVE_CASE = "inject proxy native sidecar container to existing containers when restartPolicy is set"
NATIVE_DOCS = [
    service_account("sa", {CLIENT_ID: "clientID"}),
    pod(slug(f"{SIDECAR_TABLE} {NATIVE_CASE}"), **with_proxy(8081, init_containers=[MINE_C])),
]


def proxy_run(batch: Batch) -> Injected:
    # --no-native-sidecar: placement as upstream's (▲ the native order differs, tested below)
    return batch("proxy", PROXY_DOCS, *PROXY_FLAGS, "--no-native-sidecar")


def proxy_spec(batch: Batch, table: str, case: str) -> Obj:
    return proxy_run(batch).pod_spec(slug(f"{table} {case}"))


@pytest.mark.parametrize("case", list(PROXY_INIT_CASES))
def test_inject_proxy_init_container(batch: Batch, case: str) -> None:
    spec = proxy_spec(batch, PROXY_INIT_TABLE, case)
    assert spec["initContainers"] == PROXY_INIT_CASES[case][1]


@pytest.mark.parametrize("case", [*SIDECAR_CASES, NATIVE_CASE])
def test_inject_proxy_sidecar_container(batch: Batch, case: str) -> None:
    if case in SIDECAR_CASES:
        assert proxy_spec(batch, SIDECAR_TABLE, case)["containers"] == SIDECAR_CASES[case][1]
        return
    spec = spec_of(batch, SIDECAR_TABLE, case, NATIVE_DOCS, *PROXY_FLAGS, key="native")
    native = proxy_sidecar(8081, PROXY_IMAGE, "debug", native=True)
    # ▲ [azwi-proxy-init, azwi-proxy, user init...]; upstream: [azwi-proxy, user init..., init]
    assert spec["initContainers"] == [
        mutated(proxy_init(8081, INIT_IMAGE)),
        mutated(native),
        mutated(MINE_C),
    ]
    assert spec["containers"] == [mutated(container("container", "image"))]


@pytest.mark.parametrize("case", list(SHOULD_CASES))
def test_should_inject_proxy_sidecar(batch: Batch, case: str) -> None:
    name = slug(f"{SHOULD_TABLE} {case}")
    spec = proxy_run(batch).pod_spec(name)
    names = [c["name"] for c in spec.get("initContainers", []) + spec["containers"]]
    wanted = SHOULD_CASES[case][1]
    assert ("azwi-proxy" in names, "azwi-proxy-init" in names) == (wanted, wanted), names
    title = f"Pod ns1/{name}"
    assert proxy_run(batch).report_block(title)[0] == (
        f"{title}: injected" + (" (proxy)" if wanted else "")
    )


@pytest.mark.parametrize("case", list(PORT_CASES))
def test_get_proxy_port(batch: Batch, case: str) -> None:
    spec = proxy_spec(batch, PORT_TABLE, case)
    port = PORT_CASES[case][1]
    [sidecar] = [c for c in spec["containers"] if c["name"] == "azwi-proxy"]
    [init] = [c for c in spec["initContainers"] if c["name"] == "azwi-proxy-init"]
    assert sidecar["args"][0] == f"--proxy-port={port}"
    assert sidecar["ports"] == [{"containerPort": port}]
    assert sidecar["lifecycle"]["postStart"]["exec"]["command"][1] == f"--proxy-port={port}"
    assert init["env"][0] == {"name": "PROXY_PORT", "value": str(port)}


# -- every failing case: TestGetServiceAccountTokenExpiration, TestGetProxyPort, TestHandleError

ERROR_CASES: dict[str, tuple[dict[str, Any], tuple[str, str], tuple[str, ...]]] = {
    # case: (pod fields, (object, key) the error points at, words the message must have)
    "pod token expiry annotation invalid": (
        {"service_account_name": "sa-plain", "annotations": {EXPIRATION: "3600s"}},
        ("", EXPIRATION),
        (EXPIRATION, "3600s"),
    ),
    "service account token expiry annotation invalid": (
        {"service_account_name": "sa-expiry-3600s"},
        ("sa-expiry-3600s", EXPIRATION),
        (EXPIRATION, "3600s", "ServiceAccount"),
    ),
    "invalid token expiry < 3600": (
        {"service_account_name": "sa-plain", "annotations": {EXPIRATION: "3599"}},
        ("", EXPIRATION),
        (EXPIRATION, "3599", "3600", "86400"),
    ),
    "invalid token expiry > 86400": (
        {"service_account_name": "sa-plain", "annotations": {EXPIRATION: "86401"}},
        ("", EXPIRATION),
        (EXPIRATION, "86401", "3600", "86400"),
    ),
    "pod is annotated with azure.workload.identity/proxy-sidecar-port=invalid": (
        {"annotations": {INJECT_PROXY: "true", PROXY_PORT: "invalid"}},
        ("", PROXY_PORT),
        (PROXY_PORT, "invalid"),
    ),
    "service account not found": (
        {"service_account_name": "missing-sa", "host_network": True},
        ("", "serviceAccountName"),
        ("ns1/missing-sa", "--service-accounts"),
    ),
    "pod has host network": (
        {"annotations": {INJECT_PROXY: "true"}, "host_network": True},
        ("", "hostNetwork"),
        ("hostNetwork", INJECT_PROXY),
    ),
    "invalid proxy port": (
        {"annotations": {INJECT_PROXY: "true", PROXY_PORT: "invalid"}},
        ("", PROXY_PORT),
        (PROXY_PORT, "invalid"),
    ),
    "invalid sa token expiry": (
        {"annotations": {EXPIRATION: "invalid"}},
        ("", EXPIRATION),
        (EXPIRATION, "invalid"),
    ),
}
ERROR_DOCS = [
    service_account("sa", {CLIENT_ID: "clientID", EXPIRATION: "4800"}),
    service_account("sa-plain", {CLIENT_ID: "clientID"}),
    service_account("sa-expiry-3600s", {CLIENT_ID: "clientID", EXPIRATION: "3600s"}),
    *case_pods("errors", {case: fields for case, (fields, _, _) in ERROR_CASES.items()}),
]


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_name_the_object_the_key_and_the_value(batch: Batch, case: str) -> None:
    """TestGetServiceAccountTokenExpiration's and TestGetProxyPort's error cases and
    TestHandleError: upstream denies the pod; we fail closed with `path:line:col: message`."""
    run = batch("errors", ERROR_DOCS, *TENANT)
    name = slug(f"errors {case}")
    _, (where, key), words = ERROR_CASES[case]
    [line] = run.errors_about(f"Pod ns1/{name}")
    row, column = run.position(where or name, key)
    assert line.startswith(f"{run.path}:{row}:{column}: "), line
    for word in words:
        assert word in line, (word, line)


def test_handle_error_failed_to_decode_pod(batch: Batch) -> None:
    run = batch("TestHandleError decode", [], *TENANT, text="invalid\n")
    assert run.code == 3 and run.stdout == b""
    assert run.stderr.startswith(f"{run.path}:1:1: "), run.stderr


# -- the log level the injected proxy is given ----------------------------------------------

# The default images are upstream's; its proxy (monis.app/mlog) accepts only these levels and
# exits at start ("invalid --log-level set") on any other, postStart probe included.
UPSTREAM_LOG_LEVELS = ("", "info", "debug", "trace", "all")


@pytest.mark.parametrize(
    "level",
    ["debug", "info", "warning", "error", "trace", "all"],
)
def test_proxy_log_level_is_one_the_upstream_proxy_accepts(batch: Batch, level: str) -> None:
    docs = [service_account("sa", {CLIENT_ID: "clientID"}), pod("p", annotations={INJECT_PROXY: "true"})]
    run = batch(f"log level {level}", docs, *TENANT, "--proxy-log-level", level)
    if run.code == 2:  # refusing the level is as good as mapping it
        assert run.stdout == b""
        return
    [sidecar] = [c for c in run.pod_spec("p")["initContainers"] if c["name"] == "azwi-proxy"]
    given = {a.split("=", 1)[1] for a in sidecar["args"] if a.startswith("--log-level=")}
    given |= {
        a.split("=", 1)[1]
        for a in sidecar["lifecycle"]["postStart"]["exec"]["command"]
        if a.startswith("--log-level=")
    }
    assert given and given <= set(UPSTREAM_LOG_LEVELS), given


# -- what the API server hands the webhook ----------------------------------------------------


def test_the_deprecated_service_account_field_names_the_account(batch: Batch) -> None:
    # Kubernetes' v1 conversion: `if in.ServiceAccountName == "" { out.ServiceAccountName =
    # in.DeprecatedServiceAccount }`, so upstream's Handle sees the account the pod names.
    old = pod("p", service_account_name="")
    old["spec"]["serviceAccount"] = "app-sa"
    docs = [service_account("app-sa", {CLIENT_ID: "clientID"}), old]
    run = batch("deprecated serviceAccount", docs, *TENANT)
    assert run.code == 0, run.stderr
    assert run.pod_spec("p")["containers"][0]["env"] == azure_env()


NOT_TRUE = ["True", "TRUE", "yes", "1", ""]
SELECTOR_DOCS = [
    service_account("sa", {CLIENT_ID: "clientID"}),
    *(pod(f"p{i}", use=False, labels={USE: v}) for i, v in enumerate(NOT_TRUE)),
]


@pytest.mark.parametrize("index", range(len(NOT_TRUE)), ids=[repr(v) for v in NOT_TRUE])
def test_the_object_selector_matches_true_exactly(batch: Batch, index: int) -> None:
    """The webhook's objectSelector is `azure.workload.identity/use: "true"`: labels match
    exactly, so other spellings of yes leave the pod alone."""
    run = batch("object selector", SELECTOR_DOCS, *TENANT)
    name = f"p{index}"
    assert run.objects()[("Pod", name)] == SELECTOR_DOCS[1 + index]
    assert run.report_block(f"Pod ns1/{name}") == [f"Pod ns1/{name}: skipped (not labelled {USE})"]
