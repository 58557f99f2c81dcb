"""KRM functions: a ResourceList in, the same list with its items injected and ``results`` out.

The list is edited as text like any other manifest, so every annotation the orchestrator put
on an item (``config.kubernetes.io/*``, ``internal.config.kubernetes.io/*``, kustomize's ids)
comes back as it went in. Options come from ``functionConfig``: a ``WorkloadIdentityInjector``
(its ``spec``, see schemas/workload-identity-injector.json) or a ``ConfigMap`` (its ``data``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, InputErrors, Location, UsageError
from ..identity import endpoint
from ..identity.clouds import cloud
from ..identity.names import PROXY_LOG_LEVELS
from ..inject.streams import InjectResult, inject_sources
from ..manifest import edits as ed
from ..manifest import textpatch
from ..manifest.stream import Document, Path, Resource, Source, parse
from ..options import InjectOptions

LIST_KIND = "ResourceList"
LIST_API_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1alpha1")
CONFIG_KIND = "WorkloadIdentityInjector"
CONFIG_API_VERSION = "wi-transform.azure.workload.identity/v1alpha1"
# Fields kustomize reads from a legacy exec plugin's config for itself.
KUSTOMIZE_FIELDS = ("argsOneLiner", "argsFromFile")
PATH_ANNOTATIONS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
INDEX_ANNOTATIONS = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")

# spec field -> (the Python type it must have, a description for errors)
SPEC_FIELDS: dict[str, tuple[type, str]] = {
    "tenantId": (str, "a tenant ID (GUID)"),
    "cloud": (str, "AzurePublicCloud, AzureChinaCloud or AzureUSGovernmentCloud"),
    "namespace": (str, "a namespace name"),
    "serviceAccounts": (list, "a list of files or directories"),
    "proxyImage": (str, "an image reference"),
    "proxyInitImage": (str, "an image reference"),
    "nativeSidecar": (bool, "true or false"),
    "proxyLogLevel": (str, " or ".join(PROXY_LOG_LEVELS)),
    "audience": (str, "the audience of the service account token"),
    "customTokenEndpointAnnotationSuffix": (str, "the suffix S of azure.workload.identity/use-S"),
    "customTokenEndpointAudience": (str, "the audience of the custom token endpoint's token"),
    "kubernetesTokenProxy": (str, "a URL"),
    "kubernetesSniName": (str, "a server name"),
    "kubernetesCaData": (str, "the CA, PEM"),
    "kubernetesCaConfigMap": (str, "a ConfigMap name"),
    "kubernetesCaCtbSigner": (str, "a signer name"),
    "kubernetesCaCtbLabelSelector": (str, "a LabelSelector (a mapping, or its JSON)"),
}
# spec field -> the TokenEndpoint field it sets
ENDPOINT_FIELDS = {
    "customTokenEndpointAnnotationSuffix": "annotation_suffix",
    "customTokenEndpointAudience": "audience",
    "kubernetesTokenProxy": "token_proxy",
    "kubernetesSniName": "sni_name",
    "kubernetesCaData": "ca_data",
    "kubernetesCaConfigMap": "ca_configmap",
    "kubernetesCaCtbSigner": "ctb_signer",
    "kubernetesCaCtbLabelSelector": "ctb_label_selector",
}


@dataclass
class Output:
    """What the function answers: the list's new text, its results, and whether it failed."""

    text: str
    results: list[dict[str, Any]] = field(default_factory=list)
    failed: bool = False


def resource_list(source: Source) -> Document:
    """The one document of ``source``, checked to be a ResourceList with an ``items`` list."""
    documents = [d for d in source.documents if d.node is not None]
    data = documents[0].data if len(documents) == 1 else None
    where = documents[0].location(()) if documents else Location(source.name)
    if not isinstance(data, dict) or data.get("kind") != LIST_KIND:
        raise InputErrors([InputError(
            f"expected one {LIST_KIND} (apiVersion {LIST_API_VERSIONS[0]}) on standard input: "
            "run this as a KRM function, or give the plugin config file as the argument to "
            "run it as a kustomize exec plugin", where)])
    problems = []
    if data.get("apiVersion") not in LIST_API_VERSIONS:
        problems.append(InputError(
            f"{LIST_KIND} apiVersion is {data.get('apiVersion')!r}: expected "
            f"{LIST_API_VERSIONS[0]}", documents[0].location(("apiVersion",))))
    if not isinstance(data.get("items", []), list):
        problems.append(InputError(f"{LIST_KIND} items must be a list",
                                   documents[0].location(("items",))))
    if problems:
        raise InputErrors(problems)
    return documents[0]


def config_fields(config: Any, document: Document | None, at: Path) -> dict[str, Any]:
    """The option fields of a function config object (None: no config, all defaults)."""
    if config is None:
        return {}
    kind = config.get("kind") if isinstance(config, dict) else None
    if kind == "ConfigMap":
        return _from_config_map(config.get("data") or {}, document, at + ("data",))
    if kind != CONFIG_KIND:
        raise InputErrors([InputError(
            f"the function config is a {kind or 'object without kind'}: give a {CONFIG_KIND} "
            f"(apiVersion {CONFIG_API_VERSION}) or a ConfigMap", _where(document, at))])
    spec = config.get("spec")
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise InputErrors([InputError(f"{CONFIG_KIND} spec must be a mapping",
                                      _where(document, at + ("spec",)))])
    return {key: (value, at + ("spec", key)) for key, value in spec.items()}


def options_from(fields: dict[str, Any], base: InjectOptions, document: Document | None
                 ) -> InjectOptions:
    """``base`` with every field of the config applied; InputErrors naming each bad field."""
    errors: list[InputError] = []
    values: dict[str, Any] = {}
    for key, (value, path) in fields.items():
        if key == "kubernetesCaCtbLabelSelector" and isinstance(value, dict):
            value = json.dumps(value)
        expected = SPEC_FIELDS.get(key)
        if expected is None:
            errors.append(InputError(
                f"{CONFIG_KIND} has no field {key!r}: the fields are {', '.join(SPEC_FIELDS)}",
                _where(document, path, key=True)))
        elif not _has_type(value, expected[0]) or (key == "proxyLogLevel"
                                                      and value not in PROXY_LOG_LEVELS):
            errors.append(InputError(f"{key} is {value!r}: it must be {expected[1]}",
                                     _where(document, path)))
        else:
            values[key] = value
    settings = base.settings
    if "cloud" in values:
        try:
            authority = cloud(values["cloud"]).authority_host
        except UsageError as e:
            errors.append(InputError(str(e), _where(document, fields["cloud"][1])))
        else:
            settings = settings._replace(authority_host=authority)
    if errors:
        raise InputErrors(errors)
    token_endpoint = settings.endpoint._replace(
        **{ENDPOINT_FIELDS[k]: v for k, v in values.items() if k in ENDPOINT_FIELDS}
    )
    where = next((fields[k][1] for k in fields if k in ENDPOINT_FIELDS), None)
    errors += [InputError(f"{CONFIG_KIND}: {problem}", _where(document, where or ()))
               for problem in endpoint.problems(token_endpoint)]
    if errors:
        raise InputErrors(errors)
    settings = settings._replace(
        audience=values.get("audience", settings.audience),
        endpoint=token_endpoint,
        tenant_id=values.get("tenantId", settings.tenant_id),
        proxy_image=values.get("proxyImage", settings.proxy_image),
        proxy_init_image=values.get("proxyInitImage", settings.proxy_init_image),
        native_sidecar=values.get("nativeSidecar", settings.native_sidecar),
        log_level=PROXY_LOG_LEVELS.get(values.get("proxyLogLevel", ""), settings.log_level),
    )
    return base._replace(
        namespace=values.get("namespace", base.namespace),
        service_accounts=tuple(values.get("serviceAccounts", base.service_accounts)),
        settings=settings,
    )


def process(source: Source, options: InjectOptions, extra_accounts: Iterable[Resource] = ()
            ) -> Output:
    """Inject the items of the ResourceList ``source``; problems become error results.

    ``options.service_accounts`` must already be read into ``extra_accounts``: this does no I/O.
    """
    document = resource_list(source)
    items = _items(document)
    try:
        result = inject_sources([source], options._replace(service_accounts=()),
                                extra_accounts)
    except InputErrors as e:
        results = [_error_result(error, document, items) for error in e.errors]
        return Output(with_results(source, source.text, results), results, failed=True)
    results = _entry_results(result, items)
    return Output(with_results(source, result.outputs[0].text, results), results)


def with_results(source: Source, text: str, results: list[dict[str, Any]]) -> str:
    """``text`` (the list, maybe already edited) with ``results`` added to any it had."""
    if not results:
        return text
    edited = parse(source.name, source.encode(text)) if text != source.text else source
    document = resource_list(edited)
    prior = document.data.get("results")
    edit: ed.Edit = (
        ed.Replace(("results",), [*prior, *results]) if isinstance(prior, list)
        else ed.AddKey((), "results", results)
    )
    return textpatch.apply(edited, {document.index: [edit]})


def _items(document: Document) -> list[tuple[int, int, dict[str, Any]]]:
    """(first line, last line, item) of each item, to tell which item a problem is in."""
    node = document.node_at(("items",))
    found = []
    for i, item in enumerate(document.data.get("items") or []):
        item_node = document.node_at(("items", i))
        if node is None or item_node is None or not isinstance(item, dict):
            continue
        found.append((item_node.start_mark.line + 1, item_node.end_mark.line + 1, item))
    return found


def _error_result(error: InputError, document: Document,
                  items: list[tuple[int, int, dict[str, Any]]]) -> dict[str, Any]:
    result: dict[str, Any] = {"message": error.message, "severity": "error"}
    line = error.location.line if error.location is not None else None
    for first, last, item in items:
        if line is not None and first <= line <= last:
            result.update(_about(item))
            break
    else:
        if error.location is not None and error.location.path != document.source.name:
            result["file"] = {"path": error.location.path}
    return result


def _entry_results(result: InjectResult, items: list[tuple[int, int, dict[str, Any]]]
                   ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    # inject reports one entry per item, in order: the list's own document holds nothing else.
    for entry, (_, _, item) in zip(result.entries, items, strict=False):
        if entry.status == "injected":
            detail = f" ({entry.detail})" if entry.detail else ""
            out.append({"message": f"{entry.title}: injected{detail}", "severity": "info",
                        **_about(item)})
        out += [{"message": f"{entry.title}: {w}", "severity": "warning", **_about(item)}
                for w in entry.warnings]
    return out


def _about(item: dict[str, Any]) -> dict[str, Any]:
    metadata = _mapping(item.get("metadata"))
    ref = {"apiVersion": item.get("apiVersion"), "kind": item.get("kind"),
           "name": metadata.get("name"), "namespace": metadata.get("namespace")}
    about: dict[str, Any] = {"resourceRef": {k: v for k, v in ref.items() if isinstance(v, str)}}
    annotations = _mapping(metadata.get("annotations"))
    path = next((v for v in map(annotations.get, PATH_ANNOTATIONS) if isinstance(v, str)), None)
    if path is not None:
        file: dict[str, Any] = {"path": path}
        index = next((annotations[a] for a in INDEX_ANNOTATIONS if a in annotations), None)
        if isinstance(index, str) and index.isdigit():
            file["index"] = int(index)
        about["file"] = file
    return about


def _from_config_map(data: Any, document: Document | None, at: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputErrors([InputError("ConfigMap data must be a mapping", _where(document, at))])
    fields: dict[str, Any] = {}
    for key, value in data.items():
        expected = SPEC_FIELDS.get(key, (str, ""))[0]
        if expected is bool and isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        elif expected is list and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        fields[key] = (value, at + (key,))
    return fields


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _has_type(value: Any, expected: type) -> bool:
    if expected is list:
        return isinstance(value, list) and all(isinstance(v, str) and v for v in value)
    if expected is str:
        return isinstance(value, str) and value != ""
    return isinstance(value, expected)


def _where(document: Document | None, path: Path, *, key: bool = False) -> Location | None:
    return document.location(path, key=key) if document is not None else None
