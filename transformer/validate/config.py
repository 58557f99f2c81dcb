"""The project file ``.wi-transform.yaml``: validate's defaults for one repository. Pure: text
in, settings out; finding the file is the command's business.

    kubernetes-version: "1.30"
    strict: true
    skip-rules:
      no-schema: our CRDs are checked by the operator's own tests
    schema-dirs: [schemas/]
    exclude: [legacy/, "*.generated.yaml"]

Paths are relative to the file's folder. A flag given on the command line wins over the file.
"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from typing import Any

from ..errors import Location, UsageError
from ..manifest.stream import parse
from .rules import RULES

NAME = ".wi-transform.yaml"
KEYS = ("kubernetes-version", "strict", "skip-rules", "schema-dirs", "exclude")


@dataclass(frozen=True)
class Config:
    path: str = ""  # the file it came from ("" for none)
    folder: str = "."
    kubernetes_version: str | None = None
    strict: bool | None = None
    skip_rules: tuple[tuple[str, str], ...] = ()  # (rule id, reason)
    schema_dirs: tuple[str, ...] = ()  # relative to the current directory
    exclude: tuple[str, ...] = ()

    def excluded(self, name: str) -> bool:
        """True when the input ``name`` (relative to the current directory) matches an exclude."""
        if not self.exclude:
            return False
        relative = posixpath.relpath(posixpath.normpath(name.replace("\\", "/")), self.folder)
        for pattern in self.exclude:
            pattern = pattern.rstrip("/")
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(relative, pattern + "/*"):
                return True
        return False


def parse_config(path: str, raw: bytes, folder: str) -> Config:
    """The settings of one project file; anything wrong in it is a usage error at its place."""
    source = parse(path, raw, path)
    documents = [d for d in source.documents if d.data is not None]
    if not documents:
        return Config(path=path, folder=folder)
    data = documents[0].data
    document = documents[0]
    if len(documents) > 1 or not isinstance(data, dict):
        raise _bad(source.location(document.node), "must be one mapping of settings")

    def where(key: str, value: bool = True) -> Location:
        return document.location((key,), key=not value)

    for key in data:
        if key not in KEYS:
            raise _bad(where(str(key), value=False),
                       f"unknown key {key!r}: the keys are {', '.join(KEYS)}")
    return Config(
        path=path,
        folder=folder,
        kubernetes_version=_string(data, "kubernetes-version", where),
        strict=_bool(data, "strict", where),
        skip_rules=_skip_rules(data.get("skip-rules"), where),
        schema_dirs=tuple(posixpath.normpath(posixpath.join(folder, d))
                          for d in _strings(data, "schema-dirs", where)),
        exclude=_strings(data, "exclude", where),
    )


def _bad(where: Location, message: str) -> UsageError:
    return UsageError(f"{where}: {message}")


def _string(data: dict[str, Any], key: str, where: Any) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(where(key), f"{key} must be a string (quote it: {key}: \"{value}\")")
    return value


def _bool(data: dict[str, Any], key: str, where: Any) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise _bad(where(key), f"{key} must be true or false")
    return value


def _strings(data: dict[str, Any], key: str, where: Any) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _bad(where(key), f"{key} must be a list of strings")
    return tuple(value)


def _skip_rules(value: Any, where: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise _bad(where("skip-rules"), "skip-rules must map each rule id to the reason it is skipped")
    out: list[tuple[str, str]] = []
    for rule, reason in value.items():
        if rule not in RULES:
            raise _bad(where("skip-rules"), f"skip-rules: {rule!r} is no rule of validate: "
                       f"the rules are {', '.join(RULES)}")
        if not isinstance(reason, str) or not reason.strip():
            raise _bad(where("skip-rules"), f"skip-rules: {rule} needs a reason (a string): "
                       "say why it does not apply to this repository")
        out.append((str(rule), reason))
    return tuple(out)
