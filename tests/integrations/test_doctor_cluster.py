"""``doctor --from-cluster``: the issuer from the API server's discovery document, read with the
real ``kubernetes`` client from our API server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, Run
from tests.integrations.fake_apiserver import Objects, write_kubeconfig

ISSUER = "https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0c6a1b5e-0000-4000-8000-000000000001/"
SHARED = DATA / "doctor" / "_shared"
MANIFEST = DATA / "doctor" / "issuer-mismatch" / "positive" / "exact" / "k8s.yaml"
ARGS = (MANIFEST, "--from-cluster", "--identities", SHARED / "identities.json",
        "--credentials", SHARED / "credentials.json", "--format", "json")


def _env(kube_env: dict[str, str], url: str, **extra: Any) -> dict[str, str]:
    write_kubeconfig(Path(kube_env["KUBECONFIG"]), {"kind-test": {"server": url, **extra}},
                     "kind-test")
    return kube_env


def _discovery(issuer: str) -> dict[str, Any]:
    return {"issuer": issuer, "jwks_uri": "https://10.0.0.1:443/openid/v1/jwks",
            "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"]}


@pytest.mark.parametrize(("issuer", "rules"), [(ISSUER, []),
                                                (ISSUER.rstrip("/"), ["issuer-mismatch"])])
def test_the_issuer_comes_from_the_cluster(wi: Run, objects: Objects, apiserver: str,
                                           kube_env: dict[str, str], issuer: str,
                                           rules: list[str]) -> None:
    objects.openid_configuration = _discovery(issuer)
    objects.token = "t0ken"
    # the environment's issuer is the one --from-cluster replaces
    env = {**_env(kube_env, apiserver, token="t0ken"), "AKS_OIDC_ISSUER": "https://elsewhere/"}
    result = wi("doctor", *ARGS, env=env)
    assert result.returncode == (1 if rules else 0), result.stderr.decode()
    assert [f["rule"] for f in json.loads(result.stdout)] == rules
    assert objects.requests == [("/.well-known/openid-configuration", "Bearer t0ken")]


@pytest.mark.parametrize(("setup", "says"), [
    ({"forbidden_namespaces": {""}}, "system:service-account-issuer-discovery"),
    ({}, "serves no issuer"),
])
def test_a_cluster_that_does_not_tell_is_an_error(wi: Run, objects: Objects, apiserver: str,
                                                  kube_env: dict[str, str],
                                                  setup: dict[str, Any], says: str) -> None:
    for key, value in setup.items():
        setattr(objects, key, value)
    result = wi("doctor", *ARGS, env=_env(kube_env, apiserver))
    assert result.returncode == 3
    assert says in result.stderr.decode() and "kind-test" in result.stderr.decode()
    assert result.stdout == b""
