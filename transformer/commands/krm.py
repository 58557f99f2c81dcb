"""``wi-transform krm``: kustomize and kpt, as a KRM function or a legacy exec plugin.

As a KRM function it reads a ResourceList on stdin and writes it back with results; as a legacy
exec plugin kustomize runs it with the plugin's config file as the first argument and the
resources as a plain stream on stdin, and takes the stream back from stdout.
"""

from __future__ import annotations

from ..errors import InputError, InputErrors
from ..inject.streams import InjectResult
from ..integrations import krm
from ..manifest import files, inputs
from ..manifest.stream import Resource, Source, parse
from ..options import InjectOptions
from . import postrender

NAME = "<stdin>"


def run_list(raw: bytes, base: InjectOptions) -> krm.Output:
    """The ResourceList ``raw`` injected, with results; a bad config fails it with results too."""
    source = _parse(NAME, raw)
    document = krm.resource_list(source)
    try:
        config = document.data.get("functionConfig")
        fields = krm.config_fields(config, document, ("functionConfig",))
        options = krm.options_from(fields, base, document)
        extra = _accounts(options.service_accounts)
    except InputErrors as e:
        results = [{"message": str(error), "severity": "error"} for error in e.errors]
        return krm.Output(krm.with_results(source, source.text, results), results, failed=True)
    return krm.process(source, options._replace(service_accounts=()), extra)


def run_plugin(config_path: str, raw: bytes, base: InjectOptions) -> InjectResult:
    """The stream ``raw`` injected with the options of the plugin config at ``config_path``."""
    from pathlib import Path

    config = _parse(config_path, files.read(config_path, Path(config_path)))
    documents = [d for d in config.documents if d.node is not None]
    if len(documents) != 1:
        raise InputErrors([InputError(f"expected one {krm.CONFIG_KIND} in the plugin config",
                                      config.location(None))])
    fields = krm.config_fields(documents[0].data, documents[0], ())
    return postrender.run(raw, krm.options_from(fields, base, documents[0]))


def _parse(name: str, raw: bytes) -> Source:
    try:
        return parse(name, raw)
    except InputError as e:
        raise InputErrors([e]) from e


def _accounts(paths: tuple[str, ...]) -> list[Resource]:
    return list(inputs.resources(inputs.load(paths))) if paths else []
