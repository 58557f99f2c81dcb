"""``wi-transform inject``: read every input, inject each triggered pod template, then write."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InputError
from ..inject.streams import InjectResult, inject_sources
from ..manifest import files, inputs
from ..manifest.stream import Resource
from ..manifest.triage import Skipped
from ..options import InjectOptions


def run(options: InjectOptions, extra_accounts: Iterable[Resource] = ()) -> InjectResult:
    """Inject every input; InputErrors with every problem when any input fails."""
    errors: list[InputError] = []
    skipped: list[Skipped] = []
    sources = inputs.load(options.paths, errors, skipped)
    if options.from_cluster:
        from ..integrations import cluster  # imports kubernetes: only on this path

        found, options = cluster.lookup(sources, options)
        extra_accounts = [*extra_accounts, *found]
    result = inject_sources(sources, options, extra_accounts, errors)
    result.skipped = sorted(skipped + result.skipped)
    return result


def write(result: InjectResult) -> None:
    files.write_all(
        (out.source.file, out.source.encode(out.text))
        for out in result.changed
        if out.source.file is not None
    )


