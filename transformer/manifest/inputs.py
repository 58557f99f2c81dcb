"""Every input read and parsed, with every problem collected before anything is reported."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..errors import InputError, InputErrors
from . import files
from .stream import Resource, Source, parse


def load(paths: Iterable[str], errors: list[InputError] | None = None) -> list[Source]:
    """Parse all inputs; raise InputErrors naming every one that failed, not just the first.

    With ``errors``, problems are appended there instead and the good inputs are returned, so
    that a caller can go on to find the problems in those too before it reports.
    """
    sources: list[Source] = []
    found: list[InputError] = []
    try:
        named = files.expand(paths)
    except InputError as e:
        named = []
        found.append(e)
    for name, file in named:
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
