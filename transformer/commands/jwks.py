"""``wi-transform jwks``: PEM keys in, the issuer's two discovery documents written to a directory."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import InputError, InputErrors, Location, UsageError
from ..manifest import files
from ..options import JwksOptions


@dataclass(frozen=True)
class Written:
    """What ``jwks`` wrote: the files, and each key's id and algorithm."""

    paths: tuple[str, ...]
    keys: tuple[tuple[str, str], ...]

    def report(self) -> str:
        keys = ", ".join(f"{kid} ({alg})" for kid, alg in self.keys)
        return "".join(f"wrote {p}\n" for p in self.paths) + f"keys: {keys}\n"


def run(options: JwksOptions) -> Written:
    """Read every key, then write both documents; nothing is written when any key is bad."""
    from ..issuer import discovery

    problems = discovery.issuer_problems(options.issuer)
    if options.jwks_uri is not None:
        problems += [p.replace("--issuer", "--jwks-uri")
                     for p in discovery.issuer_problems(options.jwks_uri)]
    if problems:
        raise UsageError("; ".join(problems))
    if not options.public_keys:
        raise UsageError("no --public-key given: pass the service-account signing key's public "
                         "half (the API server's --service-account-key-file)")
    keys = _keys(options.public_keys)
    uri = options.jwks_uri or discovery.jwks_uri(options.issuer)
    config = discovery.configuration(options.issuer, uri, keys)
    documents = [(discovery.CONFIG_PATH, discovery.render(config)),
                 (discovery.JWKS_PATH, discovery.render({"keys": keys}))]
    paths = tuple(_write(options.output_dir, relative, data) for relative, data in documents)
    return Written(paths, tuple((k["kid"], k["alg"]) for k in keys))


def _keys(paths: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        from ..issuer import keys
    except ImportError as e:
        raise UsageError("wi-transform jwks needs the cryptography package: "
                         "pip install 'wi-transform[jwks]'") from e
    found: list[dict[str, str]] = []
    errors: list[InputError] = []
    for path in paths:
        try:
            text = files.read(path, path).decode("ascii")
            found += [keys.jwk(key.public) for key in keys.read_keys(path, text)]
        except UnicodeDecodeError:
            errors.append(InputError("not a PEM file (PEM is ASCII text)", Location(path)))
        except InputError as e:
            errors.append(e)
    if errors:
        raise InputErrors(errors)
    return found


def _write(directory: str, relative: str, data: bytes) -> str:
    path = os.path.join(directory, *relative.split("/"))
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        raise UsageError(f"--output-dir {directory}: cannot write {relative} ({e.strerror})") from e
    return path
