"""Names of federated identity credentials: ``<namespace>-<serviceaccount>``, made valid.

Azure takes ``^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$`` and compares names without regard to case.
A name that had to change carries a short hash of the subject, so that it stays the same from
run to run and two ServiceAccounts that sanitise alike still get different names.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,119}")
MAX = 120
_HASH = 8
_INVALID_RUN = re.compile(r"[^A-Za-z0-9_-]+")


def base_name(namespace: str, service_account: str) -> str:
    return f"{namespace}-{service_account}"


def hashed(raw: str, subject: str) -> str:
    """``raw`` made valid, with a hash of ``subject`` at the end."""
    digest = hashlib.sha256(subject.encode("utf-8")).hexdigest()[:_HASH]
    stem = _INVALID_RUN.sub("-", raw).lstrip("-_")[: MAX - _HASH - 1].rstrip("-_")
    return f"{stem}-{digest}" if stem else digest


def credential_name(namespace: str, service_account: str, subject: str) -> str:
    raw = base_name(namespace, service_account)
    return raw if VALID.fullmatch(raw) else hashed(raw, subject)


def unique_names(accounts: Sequence[tuple[str, str, str]]) -> list[str]:
    """Names for (namespace, service account, subject) of one identity, distinct without case.

    Subjects are distinct, so names that still clash (``a-b``/``c`` and ``a``/``b-c``) all take
    the hash of their own subject; none keeps the plain form, so the outcome is order-free.
    """
    names = [credential_name(ns, sa, subject) for ns, sa, subject in accounts]
    counts = Counter(n.lower() for n in names)
    names = [
        hashed(base_name(ns, sa), subject) if counts[n.lower()] > 1 else n
        for (ns, sa, subject), n in zip(accounts, names, strict=True)
    ]
    if len({n.lower() for n in names}) != len(names):
        raise AssertionError(f"credential names still clash after hashing: {names}")
    return names
