"""Every input read and parsed, with every problem collected before anything is reported."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..errors import InputError, InputErrors
from . import files, triage
from .stream import Resource, Source, parse


def load(paths: Iterable[str], errors: list[InputError] | None = None,
         skipped: list[triage.Skipped] | None = None) -> list[Source]:
    """Parse all inputs; raise InputErrors naming every one that failed, not just the first.

    With ``errors``, problems are appended there instead and the good inputs are returned, so
    that a caller can go on to find the problems in those too before it reports. Files that a
    directory walk found and that are not manifests by name are not read (``skipped`` gets them).
    """
    sources: list[Source] = []
    found: list[InputError] = []
    try:
        named, passed = triage.select(files.inputs_of(paths))
    except InputError as e:
        named, passed = [], []
        found.append(e)
    if skipped is not None:
        skipped += passed
    for name, file, _ in named:
        try:
            sources.append(parse(name, files.read(name, file), file))
        except InputError as e:
            found.append(e)
    if errors is not None:
        errors += found
    elif found:
        raise InputErrors(found)
    return sources


def resources(sources: Iterable[Source]) -> Iterator[Resource]:
    for source in sources:
        for document in source.documents:
            yield from document.resources()
