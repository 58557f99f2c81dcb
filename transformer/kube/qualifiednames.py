"""Qualified names (label and annotation keys), judged as Kubernetes judges them.

apimachinery pkg/util/validation IsQualifiedName: an optional DNS-1123 subdomain prefix and
'/', then a name of at most 63 characters; the messages are Kubernetes' own.
"""

from __future__ import annotations

import re

_NAME_FORMAT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_NAME_MESSAGE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_SUBDOMAIN_FORMAT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)
NAME_MAX = 63
SUBDOMAIN_MAX = 253


def _regex_error(message: str, pattern: str, *examples: str) -> str:
    shown = "".join(f"'{e}', " if i == 0 else f" or '{e}', " for i, e in enumerate(examples))
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


def errors(value: str) -> list[str]:
    """Why ``value`` is not a qualified name; empty when it is one."""
    found: list[str] = []
    parts = value.split("/")
    if len(parts) > 2:
        return [
            "a qualified name "
            + _regex_error(_NAME_MESSAGE, _NAME_FORMAT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        found += ["prefix part " + e for e in _subdomain_errors(parts[0])]
    if not name:
        found.append("name part must be non-empty")
    elif len(name) > NAME_MAX:
        found.append(f"name part must be no more than {NAME_MAX} characters")
    if not re.fullmatch(_NAME_FORMAT, name):
        found.append(
            "name part " + _regex_error(_NAME_MESSAGE, _NAME_FORMAT, "MyName", "my.name", "123-abc")
        )
    return found


def _subdomain_errors(prefix: str) -> list[str]:
    if not prefix:
        return ["must be non-empty"]
    found = []
    if len(prefix) > SUBDOMAIN_MAX:
        found.append(f"must be no more than {SUBDOMAIN_MAX} characters")
    if not re.fullmatch(_SUBDOMAIN_FORMAT, prefix):
        found.append(_regex_error(_SUBDOMAIN_MESSAGE, _SUBDOMAIN_FORMAT, "example.com"))
    return found
