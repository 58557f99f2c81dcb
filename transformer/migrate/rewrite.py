"""A migration plan applied to one source's text: edits, removed documents, new ServiceAccounts."""

from __future__ import annotations

from collections import defaultdict

from ..errors import InputError
from ..manifest import documents, snippets, textpatch
from ..manifest import edits as ed
from ..manifest.stream import Document, Resource, Source, parse
from .outcome import Plan


def rewrite(source: Source, plan: Plan) -> str:
    """The source's text with the plan's edits, removals and new ServiceAccounts applied."""
    by_document: dict[int, list[ed.Edit]] = defaultdict(list)
    for document, edits in plan.edits.items():
        if document.source is source:
            by_document[document.index] += edits
    whole = _removals(source, plan.removed, by_document)
    added = [a for a in plan.accounts if a.after.document.source is source]
    text = textpatch.apply(source, dict(by_document)) if by_document else source.text
    if not whole and not added:
        return text
    # Edits never add or drop documents, so the indices still hold in the edited text.
    edited = reparse(source, text)
    style = textpatch.detect_style(source)
    patches = documents.removal(edited, whole)
    for n, account in enumerate(added):
        body = "\n".join(snippets.block_mapping(account.data, 0, style)) + "\n"
        patches.append(documents.addition(edited, account.after.document.index, body, n))
    return textpatch.splice(edited.text, patches, source.newline)


def reparse(source: Source, text: str) -> Source:
    """``text`` read as a new version of ``source`` (``source`` itself when unchanged)."""
    if text == source.text:
        return source
    # What we wrote must read back; if it ever does not, that is our bug, not the input's.
    try:
        return parse(source.name, source.encode(text), source.file)
    except InputError as e:
        raise AssertionError(f"migrated {source.name} no longer parses: {e}") from e


def _removals(
    source: Source, removed: list[Resource], by_document: dict[int, list[ed.Edit]]
) -> list[int]:
    """Indices of documents to cut whole; items of a List that keeps others become edits."""
    gone: dict[int, list[Resource]] = defaultdict(list)
    for resource in removed:
        if resource.document.source is source:
            gone[resource.document.index].append(resource)
    whole: list[int] = []
    for index, resources in gone.items():
        document: Document = source.documents[index]
        if {r.prefix for r in resources} >= {r.prefix for r in document.resources()}:
            whole.append(index)
            by_document.pop(index, None)
        else:
            by_document[index] += [ed.Delete(r.prefix) for r in resources]
    return whole
