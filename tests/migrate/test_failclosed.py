"""migrate refuses what it would read or edit when it is not of its type: file:line:col, exit 3,
nothing written. Each case breaks one field of the named-account repository in place."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import wi

SA_HEAD = "kind: ServiceAccount\nmetadata:\n  name: orders-api\n  namespace: orders\n"
SERVICE_SPEC = ("spec:\n  selector:\n    app.kubernetes.io/name: orders-api\n  ports:\n"
                "    - port: 80\n      targetPort: 8080\n")
ID_SPEC = "  namespace: orders\nspec:\n  type: 0\n"
DEPLOYMENT_META = "  name: orders-api\n  namespace: orders\n  labels:\n    app.kubernetes.io/name: orders-api\nspec:\n  replicas"
REMOVE = ("--remove-pod-identity",)

# (case, file, text, replacement, the text that starts the line the error names, extra flags)
CASES: list[tuple[str, str, str, str, str, tuple[str, ...]]] = [
    ("account-name-int", "orders-api.yaml", "serviceAccountName: orders-api",
     "serviceAccountName: 42", "serviceAccountName: 42", ()),
    ("account-name-list", "orders-api.yaml", "serviceAccountName: orders-api",
     "serviceAccountName: [orders-api]", "serviceAccountName: [", ()),
    ("template-labels-list", "orders-api.yaml",
     "      labels:\n        app.kubernetes.io/name: orders-api\n        aadpodidbinding: orders-api\n",
     "      labels: [orders-api]\n", "labels: [orders-api]", ()),
    ("template-annotations-list", "orders-api.yaml",
     '      annotations:\n        prometheus.io/scrape: "true"\n', "      annotations: [scrape]\n",
     "annotations: [scrape]", ()),
    ("template-spec-list", "orders-api.yaml", "    spec:\n      serviceAccountName: orders-api\n",
     "    spec: [orders-api]\n    x-spec:\n      serviceAccountName: orders-api\n", "spec: [orders-api]", ()),
    ("workload-metadata-string", "orders-api.yaml", DEPLOYMENT_META, "  orders-api\nspec:\n  replicas",
     "metadata:\n  orders-api", ()),
    ("use-label-boolean", "orders-api.yaml", "        aadpodidbinding: orders-api\n",
     "        aadpodidbinding: orders-api\n        azure.workload.identity/use: yes\n",
     "azure.workload.identity/use: yes", ()),
    ("key-twice-in-workload", "orders-api.yaml", "          image: contoso.azurecr.io/orders-api:2.4.1\n",
     "          image: contoso.azurecr.io/orders-api:2.4.1\n          image: nginx\n", "image: nginx", ()),
    ("account-annotations-list", "orders-api.yaml", SA_HEAD, SA_HEAD + "  annotations: [x]\n",
     "annotations: [x]", ()),
    ("key-twice-in-account", "orders-api.yaml", SA_HEAD, SA_HEAD + "  namespace: orders\n",
     "namespace: orders\n  labels:\n    app.kubernetes.io/name: orders-api\n---", ()),
    ("identity-annotations-list", "identity.yaml", ID_SPEC, "  namespace: orders\n  annotations: [a]\nspec:\n  type: 0\n",
     "annotations: [a]", ()),
    ("identity-client-id-list", "identity.yaml", 'clientID: "3a9c5f2e-6b1d-4e8a-9c7f-2d4b6e8f0a13"',
     'clientID: ["3a9c5f2e-6b1d-4e8a-9c7f-2d4b6e8f0a13"]', 'clientID: ["', ()),
    ("identity-client-id-misspelt-int", "identity.yaml", 'clientID: "3a9c5f2e-6b1d-4e8a-9c7f-2d4b6e8f0a13"',
     "clientId: 7", "clientId: 7", ()),
    ("identity-type-list", "identity.yaml", "type: 0", "type: [0]", "type: [0]", ()),
    ("identity-spec-list", "identity.yaml", ID_SPEC, "  namespace: orders\nspec: [0]\nx-spec:\n  type: 0\n",
     "spec: [0]", ()),
    ("key-twice-in-identity", "identity.yaml", "  type: 0\n", "  type: 0\n  type: 1\n", "type: 1", ()),
    ("binding-selector-int", "identity.yaml", "selector: orders-api", "selector: 7", "selector: 7", ()),
    ("binding-identity-mapping", "identity.yaml", "azureIdentity: orders-identity",
     "azureIdentity: {name: orders-identity}", "azureIdentity: {", ()),
    ("service-selector-list", "orders-api.yaml", SERVICE_SPEC,
     SERVICE_SPEC.replace("  selector:\n    app.kubernetes.io/name: orders-api\n", "  selector: [orders-api]\n"),
     "selector: [orders-api]", REMOVE),
    ("service-spec-list", "orders-api.yaml", SERVICE_SPEC, "spec: [80]\n", "spec: [80]", REMOVE),
    ("match-labels-list", "orders-api.yaml",
     "    matchLabels:\n      app.kubernetes.io/name: orders-api\n  template:",
     "    matchLabels: [orders-api]\n  template:", "matchLabels: [orders-api]", REMOVE),
    ("match-expression-key-int", "orders-api.yaml",
     "    matchLabels:\n      app.kubernetes.io/name: orders-api\n  template:",
     "    matchExpressions: [{key: 7, operator: Exists}]\n  template:", "matchExpressions: [{key: 7", REMOVE),
]


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("file", "text", "new", "needle", "flags"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_broken_field_is_refused_where_it_is(copy_repo: Any, file: str, text: str, new: str,
                                              needle: str, flags: tuple[str, ...]) -> None:
    root = copy_repo("named-account")
    broken = root / file
    source = broken.read_text("utf-8")
    assert source.count(text) == 1, "the case must name one place"
    mutated = source.replace(text, new)
    broken.write_text(mutated, "utf-8")
    line = mutated[: mutated.rindex(needle)].count("\n") + 1
    before = files_of(root)

    done = wi("migrate", "--in-place", *flags, root)

    stderr = done.stderr.decode()
    assert done.returncode == 3, stderr
    assert re.search(rf"{re.escape(file)}:{line}:\d+: ", stderr), stderr
    assert "Traceback" not in stderr
    assert files_of(root) == before, "nothing may be written"

    # Read-only too: nothing on stdout.
    printed = wi("migrate", *flags, root)
    assert (printed.returncode, printed.stdout) == (3, b"")


def test_a_selector_is_not_read_when_the_label_stays(copy_repo: Any) -> None:
    """Without --remove-pod-identity no selector decides anything: a broken one is not ours."""
    root = copy_repo("named-account")
    app = root / "orders-api.yaml"
    app.write_text(app.read_text("utf-8").replace(SERVICE_SPEC, "spec: [80]\n"), "utf-8")
    done = wi("migrate", "--in-place", root)
    assert done.returncode == 1, done.stderr.decode()
    assert "spec: [80]\n" in app.read_text("utf-8")
