"""The migration rules on small streams: the pure plan, and the text it rewrites to."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from transformer.commands.migrate import rewrite
from transformer.kube.accounts import Accounts
from transformer.manifest import inputs
from transformer.manifest.stream import parse
from transformer.migrate import plan as migrate
from transformer.options import MigrateOptions

USE = "azure.workload.identity/use"
PROXY = "azure.workload.identity/inject-proxy-sidecar"
CLIENT_ID = "azure.workload.identity/client-id"
TENANT_ID = "azure.workload.identity/tenant-id"
ID_A = "11111111-2222-4333-8444-555555555555"
ID_B = "66666666-7777-4888-9999-aaaaaaaaaaaa"
RID = "/subscriptions/5b0d6fd4-8d4c-4a5a-9f3e-0c4f4d6b8a21/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"


def identity(name: str = "id-a", client: str = ID_A, *, ns: str = "apps", spec: str = "",
             annotations: str = "") -> str:
    meta = f"  annotations:\n    {annotations}\n" if annotations else ""
    spec = spec or f"  type: 0\n  resourceID: {RID}{name}\n  clientID: {client}\n"
    return (f"apiVersion: aadpodidentity.k8s.io/v1\nkind: AzureIdentity\nmetadata:\n  name: {name}\n"
            f"  namespace: {ns}\n{meta}spec:\n{spec}")


def binding(name: str = "b-a", identity_name: str = "id-a", selector: str = "web", *,
            ns: str = "apps") -> str:
    return (f"apiVersion: aadpodidentity.k8s.io/v1\nkind: AzureIdentityBinding\nmetadata:\n"
            f"  name: {name}\n  namespace: {ns}\nspec:\n  azureIdentity: {identity_name}\n"
            f"  selector: {selector}\n")


def deployment(name: str = "web", *, ns: str = "apps", selector: str = "web", spec: str = "",
               labels: str = "") -> str:
    """A Deployment; ``spec`` lines go into the pod spec (6 spaces), ``labels`` after the
    template's labels (10 spaces, e.g. an annotations block)."""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
        f"spec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n"
        f"      labels:\n        app: {name}\n        aadpodidbinding: {selector}\n"
        + labels.replace("          ", "      ")
        + "    spec:\n" + spec.replace("      ", "      ")
        + "      containers:\n        - name: app\n          image: app:1\n"
    )


def account(name: str, *, ns: str = "apps", annotations: str = "") -> str:
    meta = f"  annotations:\n{annotations}" if annotations else ""
    return f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n{meta}"


def run(*docs: str, read_only: str = "", **options: Any) -> tuple[migrate.Plan, list[Any]]:
    """The plan for a stream of ``docs``, and the documents the rewritten stream holds."""
    source = parse("s.yaml", "---\n".join(docs).encode())
    settings = MigrateOptions(**options)
    extra = Accounts(settings.namespace)
    if read_only:
        extra.add_from(inputs.resources([parse("ro.yaml", read_only.encode())]))
    the_plan = migrate.plan(list(inputs.resources([source])), settings, extra)
    text = rewrite(source, the_plan) if not the_plan.errors else source.text
    return the_plan, [d for d in yaml.safe_load_all(text) if d is not None]


def only(the_plan: migrate.Plan) -> migrate.Migration:
    assert len(the_plan.migrations) == 1
    return the_plan.migrations[0]


def kinds(docs: list[Any], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d.get("kind") == kind]


def template(docs: list[Any], name: str = "web") -> dict[str, Any]:
    found = [d for d in docs if d["metadata"]["name"] == name and d["kind"] != "ServiceAccount"]
    return found[0]["spec"]["template"]  # type: ignore[no-any-return]


# -- identity types and field spelling -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["  type: 0\n", '  type: "0"\n', "", "  type: '0'\n"])
def test_user_assigned_identities_migrate(kind: str) -> None:
    spec = f"{kind}  clientID: {ID_A}\n"
    the_plan, docs = run(identity(spec=spec), binding(), deployment())
    assert only(the_plan).status == "migrated"
    assert only(the_plan).client_id == ID_A
    assert kinds(docs, "ServiceAccount")[0]["metadata"]["annotations"] == {CLIENT_ID: ID_A}


@pytest.mark.parametrize(("kind", "says"), [
    ("1", "service principal (type 1)"), ('"1"', "service principal (type 1)"),
    ("2", "certificate (type 2)"), ("user", "unknown type"),
])
def test_other_identity_types_leave_the_workload_untouched(kind: str, says: str) -> None:
    docs_in = [identity(spec=f"  type: {kind}\n  clientID: {ID_A}\n"), binding(), deployment()]
    the_plan, docs = run(*docs_in)
    assert only(the_plan).status == "not migrated"
    assert says in str(only(the_plan).reason)
    assert not the_plan.edits and not the_plan.accounts and not the_plan.trusts
    assert docs == list(yaml.safe_load_all("---\n".join(docs_in)))


def test_field_names_are_read_in_any_letter_case_and_reported() -> None:
    spec = f"  Type: 0\n  ResourceID: {RID}id-a\n  ClientID: {ID_A}\n"
    bind = binding().replace("azureIdentity:", "AzureIdentity:").replace("selector:", "Selector:")
    the_plan, _ = run(identity(spec=spec), bind, deployment())
    assert only(the_plan).status == "migrated"
    assert the_plan.trusts[0].identity_id == f"{RID}id-a"
    found = {f.title: f.message for f in the_plan.findings}
    assert "spec.ClientID (the CRD: spec.clientID)" in found["AzureIdentity apps/id-a"]
    assert "spec.Selector" in found["AzureIdentityBinding apps/b-a"]


def test_an_identity_without_a_client_id_cannot_migrate() -> None:
    the_plan, _ = run(identity(spec=f"  type: 0\n  resourceID: {RID}id-a\n"), binding(), deployment())
    assert "spec.clientID" in str(only(the_plan).reason)


def test_a_bad_resource_id_is_reported_and_left_to_a_lookup() -> None:
    spec = f"  type: 0\n  resourceID: /not/an/identity\n  clientID: {ID_A}\n"
    the_plan, _ = run(identity(spec=spec), binding(), deployment())
    assert only(the_plan).status == "migrated"
    assert the_plan.trusts[0].identity_id is None
    assert any("spec.resourceID" in f.message for f in the_plan.findings)


# -- bindings ------------------------------------------------------------------------------------


def test_several_bindings_the_first_gives_the_client_id_the_others_are_listed() -> None:
    the_plan, docs = run(identity(), identity("id-b", ID_B), binding("b-a"),
                         binding("b-b", "id-b"), deployment())
    m = only(the_plan)
    assert (m.identity, m.client_id) == ("apps/id-a", ID_A)
    assert m.others == [migrate.Other("apps/id-b", ID_B, "apps/b-b")]
    assert kinds(docs, "ServiceAccount")[0]["metadata"]["annotations"][CLIENT_ID] == ID_A
    # Both identities must trust the ServiceAccount: the application asks for either.
    assert {(t.client_id, t.service_account) for t in the_plan.trusts} == {(ID_A, "web"), (ID_B, "web")}


def test_a_binding_to_a_missing_identity_leaves_the_workload_untouched() -> None:
    the_plan, _ = run(identity(), binding("b-a"), binding("b-x", "id-x"), deployment())
    assert only(the_plan).status == "not migrated"
    assert "AzureIdentity apps/id-x, which is in none of the inputs" in str(only(the_plan).reason)
    assert not the_plan.edits


def test_unmatched_selectors_and_unbound_workloads_are_reported() -> None:
    the_plan, _ = run(identity(), binding(selector="gone"), deployment())
    assert "no AzureIdentityBinding" in str(only(the_plan).reason)
    assert [f.message for f in the_plan.findings] == ['selector "gone" matches no workload in the inputs']


def test_bindings_match_across_namespaces_as_aad_pod_identity_does() -> None:
    docs = (identity(ns="shared"), binding(ns="shared"), deployment(ns="apps"))
    the_plan, _ = run(*docs)
    assert only(the_plan).status == "migrated" and only(the_plan).identity == "shared/id-a"
    assert only(run(*docs, force_namespaced=True)[0]).status == "not migrated"
    namespaced = identity(ns="shared", annotations="aadpodidentity.k8s.io/Behavior: namespaced")
    the_plan, _ = run(namespaced, binding(ns="shared"), deployment(ns="apps"))
    assert "namespaced bindings elsewhere: shared/b-a" in str(only(the_plan).reason)


# -- ServiceAccounts -----------------------------------------------------------------------------


def test_a_named_account_in_the_inputs_is_annotated_in_place() -> None:
    the_plan, docs = run(identity(), binding(), account("api"),
                         deployment(spec="      serviceAccountName: api\n"), tenant_id=ID_B)
    m = only(the_plan)
    assert (m.service_account, m.account) == ("apps/api", "existing")
    assert not the_plan.accounts
    assert kinds(docs, "ServiceAccount")[0]["metadata"]["annotations"] == {CLIENT_ID: ID_A, TENANT_ID: ID_B}
    assert template(docs)["spec"]["serviceAccountName"] == "api"


def test_default_is_never_annotated_a_new_account_is_named_after_the_workload() -> None:
    the_plan, docs = run(identity(), binding(), account("default"),
                         deployment(spec="      serviceAccountName: default\n"))
    assert (only(the_plan).service_account, only(the_plan).account) == ("apps/web", "new")
    default, new = kinds(docs, "ServiceAccount")
    assert "annotations" not in default["metadata"]
    assert new["metadata"] == {"name": "web", "namespace": "apps", "annotations": {CLIENT_ID: ID_A}}
    assert template(docs)["spec"]["serviceAccountName"] == "web"


def test_a_named_account_missing_from_the_inputs_is_added() -> None:
    the_plan, docs = run(identity(), binding(), deployment(spec="      serviceAccountName: api\n"))
    assert (only(the_plan).service_account, only(the_plan).account) == ("apps/api", "new")
    assert kinds(docs, "ServiceAccount")[0]["metadata"]["name"] == "api"


def test_the_deprecated_service_account_field_is_followed_and_kept_in_step() -> None:
    _, docs = run(identity(), binding(), deployment(spec="      serviceAccount: default\n"))
    spec = template(docs)["spec"]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "web"


def test_an_account_only_in_service_accounts_is_an_error() -> None:
    the_plan, _ = run(identity(), binding(), deployment(spec="      serviceAccountName: api\n"),
                      read_only=account("api"))
    assert [str(e) for e in the_plan.errors] == [(
        "s.yaml:35:27: Deployment apps/web needs ServiceAccount apps/api annotated, but it is only "
        "in --service-accounts, which migrate never writes: pass its file as an input")]


def test_an_account_annotated_for_another_identity_is_not_touched() -> None:
    other = f"    {CLIENT_ID}: {ID_B}\n"
    the_plan, _ = run(identity(), binding(), account("api", annotations=other),
                      deployment(spec="      serviceAccountName: api\n"))
    assert f"already has {CLIENT_ID} {ID_B}" in str(only(the_plan).reason)
    assert not the_plan.edits


def test_workloads_bound_to_different_identities_cannot_share_an_account() -> None:
    sa = "      serviceAccountName: shared\n"
    the_plan, _ = run(identity(), identity("id-b", ID_B), binding(), binding("b-b", "id-b", "api"),
                      account("shared"), deployment(spec=sa), deployment("api", selector="api", spec=sa))
    assert [m.status for m in the_plan.migrations] == ["not migrated", "not migrated"]
    assert "different identities" in str(the_plan.migrations[0].reason)


def test_workloads_with_one_identity_share_one_account_annotated_once() -> None:
    sa = "      serviceAccountName: shared\n"
    the_plan, docs = run(identity(), binding(), account("shared"), deployment(spec=sa),
                         deployment("api", spec=sa))
    assert [m.status for m in the_plan.migrations] == ["migrated", "migrated"]
    assert kinds(docs, "ServiceAccount")[0]["metadata"]["annotations"] == {CLIENT_ID: ID_A}
    assert len(the_plan.trusts) == 1


def test_an_existing_tenant_is_kept_with_a_warning() -> None:
    sa = account("api", annotations=f"    {TENANT_ID}: {ID_B}\n")
    the_plan, docs = run(identity(), binding(), sa, deployment(spec="      serviceAccountName: api\n"),
                         tenant_id=ID_A)
    assert kinds(docs, "ServiceAccount")[0]["metadata"]["annotations"][TENANT_ID] == ID_B
    assert "keeps its" in only(the_plan).warnings[0]


def test_a_workload_without_a_name_on_default_cannot_get_an_account() -> None:
    nameless = deployment().replace("  name: web\n", "  generateName: web-\n", 1)
    the_plan, _ = run(identity(), binding(), nameless)
    assert "no metadata.name" in str(only(the_plan).reason)


# -- the pod template ----------------------------------------------------------------------------


def test_the_template_is_labelled_and_asks_for_the_proxy() -> None:
    _, docs = run(identity(), binding(), deployment())
    meta = template(docs)["metadata"]
    assert meta["labels"] == {"app": "web", "aadpodidbinding": "web", USE: "true"}
    assert meta["annotations"] == {PROXY: "true"}


def test_no_proxy_leaves_the_annotation_out() -> None:
    _, docs = run(identity(), binding(), deployment(), proxy=False)
    assert "annotations" not in template(docs)["metadata"]


def test_values_that_are_not_strings_are_refused_where_they_are() -> None:
    labels = f"          annotations:\n            {PROXY}: true\n"
    the_plan, _ = run(identity(), binding(), deployment(labels=labels).replace(
        "aadpodidbinding: web\n", f"aadpodidbinding: web\n        {USE}: yes\n"))
    assert [str(e).split(" is ")[0] for e in the_plan.errors] == [
        f"s.yaml:34:38: label {USE} of Deployment apps/web",
        f"s.yaml:36:55: annotation {PROXY} of Deployment apps/web"]
    assert not the_plan.edits


def test_a_proxy_explicitly_refused_is_respected_with_a_warning() -> None:
    labels = f'          annotations:\n            {PROXY}: "false"\n'
    the_plan, docs = run(identity(), binding(), deployment(labels=labels))
    assert template(docs)["metadata"]["annotations"][PROXY] == "false"
    assert "gets no proxy" in only(the_plan).warnings[0]


def test_a_label_that_is_not_a_string_is_an_error() -> None:
    the_plan, _ = run(identity(), binding(), deployment(selector="yes"))
    assert [str(e) for e in the_plan.errors] == [
        's.yaml:33:26: label aadpodidbinding of Deployment apps/web is a YAML boolean (yes), but '
        'Kubernetes only accepts strings there: quote it: aadpodidbinding: "yes"']
    assert the_plan.migrations == []


def test_an_empty_label_is_the_empty_selector() -> None:
    the_plan, _ = run(identity(), binding(), deployment(selector=""))
    assert 'no AzureIdentityBinding in the inputs has selector ""' in str(only(the_plan).reason)


# -- --remove-pod-identity -----------------------------------------------------------------------


def test_remove_drops_the_label_and_the_unused_resources() -> None:
    the_plan, docs = run(identity(), binding(), deployment(), remove_pod_identity=True)
    assert "aadpodidbinding" not in template(docs)["metadata"]["labels"]
    assert [d["kind"] for d in docs] == ["Deployment", "ServiceAccount"]
    assert {r.kind for r in the_plan.removed} == {"AzureIdentity", "AzureIdentityBinding"}


def test_remove_keeps_what_a_workload_left_untouched_still_uses() -> None:
    sp = identity("sp", spec=f"  type: 1\n  clientID: {ID_B}\n")
    the_plan, docs = run(identity(), binding(), sp, binding("b-sp", "sp", "legacy"), deployment(),
                         deployment("legacy", selector="legacy"), remove_pod_identity=True)
    assert [m.status for m in the_plan.migrations] == ["migrated", "not migrated"]
    assert {(d["kind"], d["metadata"]["name"]) for d in docs if "aadpodidentity" in d["apiVersion"]} \
        == {("AzureIdentity", "sp"), ("AzureIdentityBinding", "b-sp")}
    assert template(docs, "legacy")["metadata"]["labels"]["aadpodidbinding"] == "legacy"


def test_remove_keeps_a_label_that_a_selector_picks_pods_by() -> None:
    service = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\nspec:\n"
               "  selector:\n    aadpodidbinding: web\n")
    the_plan, docs = run(identity(), binding(), deployment(), service, remove_pod_identity=True)
    assert template(docs)["metadata"]["labels"]["aadpodidbinding"] == "web"
    assert "Service apps/web selects pods by it" in only(the_plan).warnings[0]
    # The binding is still what gives these pods their identity under aad-pod-identity.
    assert {d["kind"] for d in docs} >= {"AzureIdentity", "AzureIdentityBinding"}


def test_a_selector_that_does_not_pick_these_pods_does_not_keep_the_label() -> None:
    other = deployment("other", selector="other").replace(
        "      app: other\n", "      app: other\n      aadpodidbinding: web\n", 1)
    _, docs = run(identity(), binding(), deployment(), other, remove_pod_identity=True)
    assert "aadpodidbinding" not in template(docs)["metadata"]["labels"]
    assert "aadpodidbinding" in template(docs, "other")["metadata"]["labels"]


def test_remove_with_a_flow_mapping_holding_only_the_label() -> None:
    flow = deployment().replace("      labels:\n        app: web\n        aadpodidbinding: web\n",
                                "      labels: {aadpodidbinding: web}\n")
    _, docs = run(identity(), binding(), flow, remove_pod_identity=True)
    assert template(docs)["metadata"]["labels"] == {USE: "true"}


# -- where new ServiceAccounts go ----------------------------------------------------------------


def test_in_a_list_the_account_is_the_next_item_and_removed_items_go() -> None:
    items = [yaml.safe_load(d) for d in (identity(), binding(), deployment())]
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=False)
    source = parse("l.yaml", text.encode())
    settings = MigrateOptions(remove_pod_identity=True)
    the_plan = migrate.plan(list(inputs.resources([source])), settings, None)
    out = yaml.safe_load(rewrite(source, the_plan))
    assert [i["kind"] for i in out["items"]] == ["Deployment", "ServiceAccount"]


def test_a_single_json_object_cannot_take_a_new_account() -> None:
    source = parse("d.json", yaml.safe_dump(yaml.safe_load(deployment()), default_flow_style=True)
                   .encode())
    others = parse("i.yaml", f"{identity()}---\n{binding()}".encode())
    the_plan = migrate.plan(list(inputs.resources([source, others])), MigrateOptions(), None)
    assert "a JSON file holds one object" in str(only(the_plan).reason)
