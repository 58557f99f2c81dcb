"""``--schema-dir``: full JSON Schema (Draft 2020-12) for user schemas, and every schema of our
own ``schemas/`` usable through it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import ROOT

from .conftest import validate_json

INJECTOR = ROOT / "examples" / "kustomize" / "krm-function" / "injector.yaml"
BAD_INJECTOR = """\
apiVersion: wi-transform.azure.workload.identity/v1alpha1
kind: WorkloadIdentityInjector
metadata:
  name: workload-identity
spec:
  tenantId: ""
  proxyLogLevel: loud
  nativeSidecars: true
"""


def _found(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(f["line"], f["column"], f["rule"], f["json_path"]) for f in findings]


def test_our_schemas_work_through_schema_dir(tmp_path: Path) -> None:
    """The injector schema names its kind with const; the others name none and load quietly."""
    assert validate_json("--schema-dir", ROOT / "schemas", INJECTOR) == (0, [])
    bad = tmp_path / "injector.yaml"
    bad.write_text(BAD_INJECTOR)
    code, findings = validate_json("--schema-dir", ROOT / "schemas", bad)
    assert code == 1
    assert _found(findings) == [
        (6, 13, "crd-schema", "spec.tenantId"),
        (7, 18, "crd-schema", "spec.proxyLogLevel"),
        (8, 3, "crd-schema", "spec.nativeSidecars"),
    ]
    assert "did you mean 'nativeSidecar'?" in str(findings[2]["message"])
    # without the schema dir it is a custom resource without a schema
    assert _found(validate_json(bad)[1]) == [(1, 13, "no-schema", "apiVersion")]


WIDGET_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "properties": {
        "apiVersion": {"const": "example.com/v1"},
        "kind": {"const": "Widget"},
        "spec": {"$ref": "defs/spec.json"},
    },
}
SPEC_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "mode": {"oneOf": [{"const": "fast"}, {"const": "safe"}]},
        "owner": {"type": "string", "format": "email"},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
}
WIDGETS = """\
apiVersion: example.com/v1
kind: Widget
metadata:
  name: good
spec:
  mode: fast
  owner: ops@example.com
  code: ABC
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: bad
spec:
  mode: quick
  owner: not an address
  code: abc
"""


def test_user_schemas_get_full_json_schema(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    (schemas / "defs").mkdir(parents=True)
    (schemas / "widget.json").write_text(json.dumps(WIDGET_SCHEMA))
    (schemas / "defs" / "spec.json").write_text(json.dumps(SPEC_SCHEMA))
    manifests = tmp_path / "widgets.yaml"
    manifests.write_text(WIDGETS)
    code, findings = validate_json("--schema-dir", schemas, manifests)
    assert code == 1
    assert _found(findings) == [
        (15, 9, "crd-schema", "spec.mode"),  # oneOf of consts, through a $ref
        (16, 10, "crd-schema", "spec.owner"),  # format: email is asserted
        (17, 9, "crd-schema", "spec.code"),  # pattern
    ]


def test_schema_dirs_add_up_first_one_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    shutil.copytree(ROOT / "schemas", first)
    second.mkdir()
    (second / "widget.json").write_text(json.dumps({**WIDGET_SCHEMA, "properties": {
        **WIDGET_SCHEMA["properties"], "spec": {"type": "object"}}}))
    manifests = tmp_path / "widgets.yaml"
    manifests.write_text(WIDGETS + "---\n" + INJECTOR.read_text())
    code, findings = validate_json("--schema-dir", first, "--schema-dir", second, manifests)
    assert (code, findings) == (0, [])
