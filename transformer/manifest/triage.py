"""Which inputs are Kubernetes manifests: the one decision inject, validate and doctor share.

A file is skipped (counted and listed, never an error) when it is not a manifest:

- by name, when a directory walk found it: the files other tools own, even when they say
  ``kind:`` (a kustomization, a Helm chart's ``Chart.yaml``, values and templates, GitHub
  workflows, the pre-commit config, Compose files). Named on the command line, they are read as
  manifests, unless the caller asks otherwise (a hook, which is handed every YAML file);
- by shape, whatever its name: no document in it has ``apiVersion`` or ``kind``.

A document with one of the two keys only, or with neither in a file whose other documents are
manifests, is a broken manifest: the commands report it. Pure: names and texts in, reasons out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

from .files import Input
from .stream import Source, lacks_top_keys

NOT_MANIFESTS = "not Kubernetes manifests"
NO_KEYS = "no document has apiVersion or kind"
_KEYS = ("apiVersion", "kind")

_BY_BASENAME = {
    "kustomization.yaml": "a kustomization",
    "kustomization.yml": "a kustomization",
    "Kustomization": "a kustomization",
    "Chart.yaml": "a Helm chart's Chart.yaml",
    "Chart.lock": "a Helm chart's Chart.lock",
    "requirements.yaml": "a Helm chart's requirements.yaml",
    "plugin.yaml": "a Helm plugin's plugin.yaml",
    ".wi-transform.yaml": "wi-transform's project file",
    ".pre-commit-config.yaml": "a pre-commit configuration",
    ".pre-commit-hooks.yaml": "pre-commit hook definitions",
    "action.yml": "a GitHub Action's metadata",
    "action.yaml": "a GitHub Action's metadata",
    ".gitlab-ci.yml": "a GitLab CI configuration",
    "azure-pipelines.yml": "an Azure Pipelines definition",
    "skaffold.yaml": "a Skaffold configuration",
    "helmfile.yaml": "a helmfile",
}
_PATTERNS = ((re.compile(r"^(?:docker-)?compose(?:[-_.].*)?\.ya?ml$"), "a Compose file"),)
_VALUES = re.compile(r"^(?:.*[-_.])?values(?:[-_.].*)?\.ya?ml$")
VALUES = "Helm values"
# kustomize's own objects say kind: Kustomization (or Component) under this group.
_TOOL_GROUPS = ("kustomize.config.k8s.io/",)
_CONTENT = re.compile(r"(?m)^[ \t]*(?!#|---|\.\.\.|$)\S")
_SEPARATOR = re.compile(r"(?m)^(?:---|\.\.\.)(?:[ \t]|$)")
# How a block mapping, a block list or a flow collection starts (not a quoted, tagged,
# anchored or block scalar: those the parser reads).
_COLLECTION = re.compile(r"[ \t]*(?:-(?:[ \t]|$)|[\[{]|[^\s#\"'|>!&*%@`?\-\[{][^\n]*?:(?:[ \t]|$))", re.M)


class Skipped(NamedTuple):
    """A file that is not a Kubernetes manifest, and why."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: skipped: {self.reason}"


def by_name(name: str, charts: Collection[str] = ()) -> str | None:
    """Why a file of this name is not a manifest, or None; ``charts`` are the folders known to
    hold a ``Chart.yaml`` (their ``templates/`` are Helm templates)."""
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    if base in _BY_BASENAME:
        return _BY_BASENAME[base]
    if ".github" in parts[:-1]:
        return "a GitHub workflow" if "workflows" in parts[:-1] else "GitHub configuration"
    for pattern, reason in _PATTERNS:
        if pattern.match(base):
            return reason
    for i, part in enumerate(parts[:-1]):
        if part == "templates" and "/".join(parts[:i]) in charts:
            return "a Helm chart template"
    if _VALUES.match(base) and any("/".join(parts[:i]) in charts for i in range(len(parts))):
        return VALUES  # inside a chart; elsewhere its shape decides (by_shape)
    return None


def select(inputs: Sequence[Input], *, skip_named: bool = False) -> tuple[list[Input], list[Skipped]]:
    """The inputs to read, and those skipped by name (found ones; named ones too with
    ``skip_named``)."""
    charts = set()
    for item in inputs:
        folder, _, base = item.name.replace("\\", "/").rpartition("/")
        if base == "Chart.yaml":
            charts.add(folder)
    kept: list[Input] = []
    skipped: list[Skipped] = []
    for item in inputs:
        reason = by_name(item.name, charts) if item.found or skip_named else None
        if reason is not None and item.file is not None:
            skipped.append(Skipped(item.name, reason))
        else:
            kept.append(item)
    return kept, skipped


def cannot_hold_keys(text: str) -> bool:
    """True when ``text`` is one document, a mapping or a list, in which neither key can be:
    answered before parsing (most files of a repository are). A backslash could escape a
    key's letters; several documents or a lone scalar (an error) need the parser."""
    if "apiVersion" in text or "kind" in text or "\\" in text:
        return False
    first = _CONTENT.search(text)
    if first is None or _SEPARATOR.search(text, first.start()):
        return False
    return _COLLECTION.match(text, first.start()) is not None


def holds_no_keys(text: str) -> bool:
    """True when ``text`` reads as YAML and no document's top-level mapping has either key,
    decided without building the documents: for the files that say ``kind`` deeper in
    (``kind: fifo`` under ``queues:``), what cannot_hold_keys leaves to the parser."""
    return lacks_top_keys(text, _KEYS)


def has_no_keys(source: Source) -> bool:
    """True when no document of ``source`` has ``apiVersion`` or ``kind``, one has content, and
    none is a lone scalar (which the API server cannot decode: an error, not a skip)."""
    content = False
    for document in source.documents:
        if document.node is None or document.data is None:
            continue
        if document.scalar is not None:
            return False
        if isinstance(document.data, dict) and ("apiVersion" in document.data or "kind" in document.data):
            return False
        content = True
    return content


def by_shape(source: Source, *, found: bool) -> str | None:
    """Why a parsed file is not a manifest, or None: no document has either key; or, found in
    a directory, it holds kustomize's own objects, or it is named like Helm values and no
    document has both keys (values may say ``kind: Deployment``)."""
    if has_no_keys(source):
        return NO_KEYS
    if not found:
        return None
    objects = [d.data for d in source.documents if isinstance(d.data, dict)]
    versions = [o.get("apiVersion") for o in objects]
    if versions and all(isinstance(v, str) and v.startswith(_TOOL_GROUPS) for v in versions):
        return "a kustomize configuration"
    base = source.name.replace("\\", "/").rpartition("/")[2]
    if _VALUES.match(base) and not any("apiVersion" in o and "kind" in o for o in objects):
        return VALUES
    return None


def summary(skipped: Sequence[Skipped]) -> str:
    """``3 files skipped: not Kubernetes manifests``, or "" for none."""
    if not skipped:
        return ""
    return f"{len(skipped)} {'file' if len(skipped) == 1 else 'files'} skipped: {NOT_MANIFESTS}"
