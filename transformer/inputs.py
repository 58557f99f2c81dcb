"""Every input read and parsed, with every problem collected before anything is reported."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from . import files
from .errors import InputError, InputErrors
from .manifest import Resource, Source, parse


def load(paths: Iterable[str]) -> list[Source]:
    """Parse all inputs; raise InputErrors naming every one that failed, not just the first."""
    sources: list[Source] = []
    errors: list[InputError] = []
    try:
        named = files.expand(paths)
    except InputError as e:
        raise InputErrors([e]) from e
    for name, file in named:
        try:
            sources.append(parse(name, files.read(name, file), file))
        except InputError as e:
            errors.append(e)
    if errors:
        raise InputErrors(errors)
    return sources


def resources(sources: Iterable[Source]) -> Iterator[Resource]:
    for source in sources:
        for document in source.documents:
            yield from document.resources()
