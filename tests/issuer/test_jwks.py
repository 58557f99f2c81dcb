"""``wi-transform jwks``: keys made by openssl, tokens signed by PyJWT as the API server signs them,
verified against the JWKS the CLI wrote; kids recomputed with openssl and hashlib."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import time
from pathlib import Path

import jwt
import pytest

from tests.conftest import Run

ISSUER = "https://issuer.example.com/cluster-1/"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

# algorithm -> openssl genpkey arguments
KEYS = {
    "RS256": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "ES256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "ES384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "ES512": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
}


def _openssl(*args: str | Path) -> bytes:
    return subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True).stdout


def _pair(tmp_path: Path, alg: str) -> tuple[Path, Path]:
    private, public = tmp_path / f"{alg}.key", tmp_path / f"{alg}.pub"
    _openssl("genpkey", *KEYS[alg], "-out", private)
    _openssl("pkey", "-in", private, "-pubout", "-out", public)
    return private, public


def _kid(public: Path) -> str:
    """The kid, computed apart from the CLI: openssl's DER SubjectPublicKeyInfo, SHA-256, base64url."""
    der = _openssl("pkey", "-pubin", "-in", public, "-outform", "DER")
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def _token(private: Path, alg: str, kid: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "system:serviceaccount:demo:workload-identity-sa",
              "aud": ["api://AzureADTokenExchange"], "iat": now, "nbf": now, "exp": now + 3600}
    return jwt.encode(claims, private.read_bytes(), algorithm=alg, headers={"kid": kid})


def _verify(token: str, jwks: dict[str, object]) -> dict[str, object]:
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(jwks)[kid]
    claims: dict[str, object] = jwt.decode(token, key.key, algorithms=[key.algorithm_name],
                                           audience="api://AzureADTokenExchange", issuer=ISSUER)
    return claims


def _run(wi: Run, out: Path, *keys: Path, issuer: str = ISSUER) -> tuple[dict, dict]:  # type: ignore[type-arg]
    args = [a for k in keys for a in ("--public-key", str(k))]
    result = wi("jwks", *args, "--issuer", issuer, "--output-dir", out)
    assert result.returncode == 0, result.stderr.decode()
    config = json.loads((out / ".well-known" / "openid-configuration").read_text())
    return config, json.loads((out / "openid" / "v1" / "jwks").read_text())


@pytest.mark.parametrize("alg", list(KEYS))
def test_a_token_signed_with_the_key_verifies_against_the_written_jwks(
        wi: Run, tmp_path: Path, alg: str) -> None:
    private, public = _pair(tmp_path, alg)
    config, jwks = _run(wi, tmp_path / "site", public)
    kid = _kid(public)
    assert [k["kid"] for k in jwks["keys"]] == [kid]
    assert jwks["keys"][0]["alg"] == alg and jwks["keys"][0]["use"] == "sig"
    assert _verify(_token(private, alg, kid), jwks)["sub"] == "system:serviceaccount:demo:workload-identity-sa"
    assert config == {
        "issuer": ISSUER,
        "jwks_uri": ISSUER + "openid/v1/jwks",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [alg],
    }


def test_several_keys_a_private_key_file_and_the_same_output_twice(wi: Run, tmp_path: Path) -> None:
    rsa_private, rsa_public = _pair(tmp_path, "RS256")
    ec_private, ec_public = _pair(tmp_path, "ES384")
    config, jwks = _run(wi, tmp_path / "site", rsa_public, ec_private)  # the private key: its public half
    assert [k["kid"] for k in jwks["keys"]] == [_kid(rsa_public), _kid(ec_public)]
    assert config["id_token_signing_alg_values_supported"] == ["ES384", "RS256"]
    assert list(jwks["keys"][0]) == ["use", "kty", "kid", "alg", "n", "e"]  # go-jose's order
    assert list(jwks["keys"][1]) == ["use", "kty", "kid", "crv", "alg", "x", "y"]
    for private, alg, public in ((rsa_private, "RS256", rsa_public), (ec_private, "ES384", ec_public)):
        _verify(_token(private, alg, _kid(public)), jwks)
    before = {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    _run(wi, tmp_path / "site", rsa_public, ec_private)
    assert {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()} == before


def test_a_token_signed_by_another_key_does_not_verify(wi: Run, tmp_path: Path) -> None:
    _, public = _pair(tmp_path, "RS256")
    other = tmp_path / "other"
    other.mkdir()
    other_private, _ = _pair(other, "RS256")
    _, jwks = _run(wi, tmp_path / "site", public)
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(_token(other_private, "RS256", _kid(public)), jwks)


def test_bad_keys_are_reported_and_nothing_is_written(wi: Run, tmp_path: Path) -> None:
    _, good = _pair(tmp_path, "RS256")
    empty = tmp_path / "empty.pub"
    empty.write_text("not a key\n")
    ed = tmp_path / "ed.pub"
    _openssl("genpkey", "-algorithm", "ED25519", "-out", tmp_path / "ed.key")
    _openssl("pkey", "-in", tmp_path / "ed.key", "-pubout", "-out", ed)
    result = wi("jwks", "--public-key", good, "--public-key", empty, "--public-key", ed,
                "--issuer", ISSUER, "--output-dir", tmp_path / "site")
    err = result.stderr.decode()
    assert result.returncode == 3, err
    assert f"{empty}: no PEM public key" in err
    assert f"{ed}:1:1: " in err and "RSA or EC" in err
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("issuer", ["http://issuer.example.com/", "https://issuer.example.com/?a=b"])
def test_an_issuer_entra_id_cannot_trust_is_a_usage_error(wi: Run, tmp_path: Path, issuer: str) -> None:
    _, public = _pair(tmp_path, "ES256")
    result = wi("jwks", "--public-key", public, "--issuer", issuer, "--output-dir", tmp_path / "site")
    assert result.returncode == 2, result.stderr.decode()
    assert not (tmp_path / "site").exists()
