"""Service-account signing keys read from PEM files, as JSON Web Keys the way the API server
publishes them (kubernetes pkg/serviceaccount/openidmetadata.go, go-jose's field order).

The only module that imports ``cryptography`` (extra ``jwks``); it is imported only by ``jwks``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any, NamedTuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..errors import InputError, Location

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
_PUBLIC = ("PUBLIC KEY", "RSA PUBLIC KEY")
_PRIVATE = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")
# The curves the API server signs with, and the JOSE names it gives them.
_CURVES = {"secp256r1": ("P-256", "ES256", 32), "secp384r1": ("P-384", "ES384", 48),
           "secp521r1": ("P-521", "ES512", 66)}

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class Key(NamedTuple):
    """One public key, with where it was read."""

    public: PublicKey
    where: Location


def read_keys(name: str, text: str) -> list[Key]:
    """Every key in a PEM file (public keys, or private keys whose public half is taken, as
    ``azwi jwks`` reads them); InputError for a file with none or a key we cannot publish."""
    keys: list[Key] = []
    for block in _PEM.finditer(text):
        where = Location(name, text.count("\n", 0, block.start()) + 1, 1)
        label = block.group(1)
        if label not in _PUBLIC + _PRIVATE:
            continue
        keys.append(Key(_load(label, block.group(0).encode(), where), where))
    if not keys:
        raise InputError("no PEM public key (BEGIN PUBLIC KEY or RSA PUBLIC KEY) or private key "
                         "in this file: pass the service-account signing key's public half "
                         "(openssl pkey -in sa.key -pubout -out sa.pub)", Location(name))
    return keys


def _load(label: str, pem: bytes, where: Location) -> PublicKey:
    try:
        if label in _PUBLIC:
            loaded: Any = serialization.load_pem_public_key(pem)
        else:
            loaded = serialization.load_pem_private_key(pem, password=None).public_key()
    except (ValueError, TypeError) as e:
        raise InputError(f"cannot read this {label}: {e}", where) from e
    if isinstance(loaded, rsa.RSAPublicKey):
        return loaded
    if isinstance(loaded, ec.EllipticCurvePublicKey) and loaded.curve.name in _CURVES:
        return loaded
    raise InputError(f"a {type(loaded).__name__.removeprefix('_')} key: the API server signs "
                     "service-account tokens with RSA or EC (P-256, P-384, P-521) keys only",
                     where)


def key_id(key: PublicKey) -> str:
    """The API server's ``kid``: base64url, unpadded, of SHA-256 over the DER SubjectPublicKeyInfo."""
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return _b64(hashlib.sha256(der).digest())


def algorithm(key: PublicKey) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    return _CURVES[key.curve.name][1]


def jwk(key: PublicKey) -> dict[str, str]:
    """The key as the API server's JWKS lists it: go-jose's fields, in go-jose's order."""
    head = {"use": "sig"}
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {**head, "kty": "RSA", "kid": key_id(key), "alg": "RS256",
                "n": _b64(_unsigned(numbers.n)), "e": _b64(_unsigned(numbers.e))}
    crv, alg, size = _CURVES[key.curve.name]
    point = key.public_numbers()
    return {**head, "kty": "EC", "kid": key_id(key), "crv": crv, "alg": alg,
            "x": _b64(point.x.to_bytes(size, "big")), "y": _b64(point.y.to_bytes(size, "big"))}


def _unsigned(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
