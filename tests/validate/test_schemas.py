"""The data behind validate: our rule schemas, the bundled Kubernetes schemas, removed APIs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from transformer.kube import apiversions
from transformer.kube import schemas as kubeschemas
from transformer.validate.schemas import (
    POD_TEMPLATE_RULES,
    SERVICE_ACCOUNT_RULES,
    UserSchemas,
    schemas_dir,
)

ANNOTATIONS = ("properties", "metadata", "properties", "annotations", "properties")


def _pattern(file: str, key: str) -> re.Pattern[str]:
    schema = json.loads((schemas_dir() / file).read_text())
    for step in ANNOTATIONS:
        schema = schema[step]
    return re.compile(schema[f"azure.workload.identity/{key}"]["pattern"])


def _go_int_in(text: str, low: int, high: int) -> bool:
    """What the webhook accepts: strconv.ParseInt (optional sign, leading zeros), then the range."""
    return re.fullmatch(r"[+-]?[0-9]+", text) is not None and low <= int(text) <= high


def _spellings(n: int) -> list[str]:
    return [str(n), f"+{n}", f"0{n}", f"-{n}", f"{n}x", f" {n}"]


@pytest.mark.parametrize("file", [POD_TEMPLATE_RULES, SERVICE_ACCOUNT_RULES])
def test_token_expiration_pattern_is_exactly_3600_to_86400(file: str) -> None:
    pattern = _pattern(file, "service-account-token-expiration")
    for n in [*range(0, 100_000, 7), 3599, 3600, 86400, 86401]:
        for text in _spellings(n):
            assert bool(pattern.search(text)) == _go_int_in(text, 3600, 86400), text
    assert pattern.search("")  # empty counts as absent, as inject has it


def test_proxy_port_pattern_is_exactly_1_to_65535() -> None:
    pattern = _pattern(POD_TEMPLATE_RULES, "proxy-sidecar-port")
    for n in [*range(70_000), 99_999, 100_000]:
        for text in _spellings(n) if n % 97 == 0 or n in (0, 1, 65535, 65536) else [str(n)]:
            assert bool(pattern.search(text)) == _go_int_in(text, 1, 65535), text


def test_guid_patterns() -> None:
    client = _pattern(SERVICE_ACCOUNT_RULES, "client-id")
    tenant = _pattern(SERVICE_ACCOUNT_RULES, "tenant-id")
    good = "6e7b3bd1-1d4c-4f1e-8c7e-0a1b2c3d4e5f"
    for text in (good, good.upper()):
        assert client.search(text) and tenant.search(text)
    for text in (good[:-1], good + "0", "{" + good + "}", good.replace("-", ""), "contoso.com"):
        assert not client.search(text) and not tenant.search(text)
    assert tenant.search("") and not client.search("")  # an empty tenant-id falls back to --tenant-id


def test_bundled_versions_and_version_choice() -> None:
    versions = kubeschemas.versions()
    assert versions[0] == "1.25" and versions[-1] == "1.37"
    assert kubeschemas.pick_version(None) == "1.37"
    assert kubeschemas.pick_version("v1.30.2") == "1.30"


def test_definitions_are_parsed_once_and_inlined_without_refs() -> None:
    definitions = kubeschemas.definitions("1.37", True)
    assert kubeschemas.definitions("1.37", True) is definitions
    schema = definitions.schema("apps", "v1", "Deployment")
    assert schema is not None
    assert definitions.schema("apps", "v1", "Deployment") is schema
    seen: set[int] = set()

    def walk(node: Any) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, dict):
            assert "$ref" not in node and "description" not in node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    strategy = schema["properties"]["spec"]["properties"]["strategy"]
    surge = strategy["properties"]["rollingUpdate"]["properties"]["maxSurge"]
    assert surge == {"type": ["string", "null", "integer"]}  # IntOrString, null allowed once


def test_served_versions_most_preferred_first() -> None:
    definitions = kubeschemas.definitions("1.31", False)
    assert definitions.served("flowcontrol.apiserver.k8s.io", "FlowSchema") == ["v1", "v1beta3"]
    assert definitions.served("", "Pod") == ["v1"]
    assert definitions.served("example.com", "Widget") == []


@pytest.mark.parametrize(("api_version", "kind"), sorted(apiversions.REMOVED))
def test_removed_api_versions_agree_with_the_bundled_schemas(api_version: str, kind: str) -> None:
    removal = apiversions.REMOVED[(api_version, kind)]
    group, _, version = api_version.rpartition("/")
    for bundled in kubeschemas.versions():
        has = kubeschemas.definitions(bundled, True).has(group, version, kind)
        if apiversions.removal(api_version, kind, bundled) is not None:
            assert not has, f"Kubernetes {bundled} still serves {api_version} {kind}"
    major, minor = apiversions.minor(removal.removed_in)
    before = f"{major}.{minor - 1}"
    if before in kubeschemas.versions():
        assert kubeschemas.definitions(before, True).has(group, version, kind), before
    if removal.group is not None:
        newest = kubeschemas.definitions(kubeschemas.versions()[-1], True)
        assert newest.served(removal.group, kind), f"no replacement for {api_version} {kind}"


def test_user_schemas_are_found_by_any_layout(tmp_path: Path) -> None:
    def write(relative: str, schema: dict[str, Any]) -> None:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(json.dumps(schema))

    write("cert-manager.io/certificate_v1.json", {"title": "catalog"})
    write("issuer-cert-manager-v1.json", {"title": "openapi2jsonschema"})
    write("gadget_v2.json", {"title": "any group"})
    write("tagged.json", {"title": "tagged", "x-kubernetes-group-version-kind": [
        {"group": "example.com", "version": "v1", "kind": "Thing"}]})
    write("enums.json", {"title": "enums", "properties": {
        "apiVersion": {"enum": ["example.com/v2"]}, "kind": {"enum": ["Thing"]}}})
    schemas = UserSchemas(tmp_path)

    def title(group: str, version: str, kind: str) -> str | None:
        validator = schemas.validator(group, version, kind)
        if validator is None:
            return None
        resolved = validator._resolver.lookup(validator.schema["$ref"]).contents
        return str(resolved["title"])

    assert title("cert-manager.io", "v1", "Certificate") == "catalog"
    assert title("cert-manager.io", "v1", "Issuer") == "openapi2jsonschema"
    assert title("example.org", "v2", "Gadget") == "any group"
    assert title("example.com", "v1", "Thing") == "tagged"
    assert title("example.com", "v2", "Thing") == "enums"
    assert title("cert-manager.io", "v2", "Certificate") is None
