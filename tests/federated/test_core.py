"""The pure core: names, checks, identities, limits (``render`` and ``plan`` called directly)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transformer.errors import InputErrors, UsageError
from transformer.federated.arm import literal
from transformer.federated.bicep import string as bicep_string
from transformer.federated.credentials import Subject
from transformer.federated.names import VALID, credential_name, unique_names
from transformer.federated.plan import plan, render
from transformer.federated.shell import Var, quote, word
from transformer.federated.terraform import string as hcl_string
from transformer.options import FederatedOptions

from .conftest import CLIENT, IDENTITY_ID, ISSUER, OTHER_CLIENT, SUBSCRIPTION

QUICK = Subject("demo", "workload-identity-sa", CLIENT)
ONE = {"subscription": SUBSCRIPTION, "resource_group": "rg-demo", "identity_name": "id-demo"}


def options(**given: Any) -> FederatedOptions:
    return FederatedOptions(**{"issuer": ISSUER, **given})


def problems(subjects: list[Subject], **given: Any) -> list[str]:
    with pytest.raises(InputErrors) as caught:
        plan(subjects, options(**given))
    return [str(e) for e in caught.value.errors]


def subject(n: int, namespace: str = "ns", client_id: str = CLIENT) -> Subject:
    return Subject(namespace, f"sa-{n}", client_id)


# Names

def test_a_valid_name_is_kept() -> None:
    assert credential_name("demo", "workload-identity-sa", "s") == "demo-workload-identity-sa"


@pytest.mark.parametrize(("namespace", "account"), [
    ("team-a", "worker.v2"), ("ns", "a" * 253), ("x", "y"), ("-", "."), ("Ünï", "cödé"),
    ("demo", "sa'$(x)`y`\n"),
])
def test_changed_names_are_valid_stable_and_hashed(namespace: str, account: str) -> None:
    claim = f"system:serviceaccount:{namespace}:{account}"
    name = credential_name(namespace, account, claim)
    assert VALID.fullmatch(name), name
    assert len(name) <= 120
    assert name == credential_name(namespace, account, claim)
    if not VALID.fullmatch(f"{namespace}-{account}"):
        assert re.search(r"[0-9a-f]{8}$", name)


def test_names_that_sanitise_alike_stay_distinct() -> None:
    names = unique_names([("a", "b.c", "system:serviceaccount:a:b.c"),
                          ("a", "b-c", "system:serviceaccount:a:b-c"),
                          ("a-b", "c", "system:serviceaccount:a-b:c")])
    assert len({n.lower() for n in names}) == 3
    assert all(VALID.fullmatch(n) for n in names)
    # "a-b-c" is shared by a/b-c and a-b/c: both take their own hash, whatever the order.
    assert names[1] != "a-b-c" and names[2] != "a-b-c"
    swapped = unique_names([("a-b", "c", "system:serviceaccount:a-b:c"),
                            ("a", "b-c", "system:serviceaccount:a:b-c")])
    assert swapped == [names[2], names[1]]


def test_names_are_unique_per_identity_without_case() -> None:
    text = render([Subject("ns", "Api", CLIENT), Subject("NS", "api", CLIENT)],
                  options(format="json", **ONE))
    names = [p["url"].split("/federatedIdentityCredentials/")[1].split("?")[0]
             for p in json.loads(text)]
    assert len({n.lower() for n in names}) == 2


# Issuer and audience

@pytest.mark.parametrize(("issuer", "says"), [
    (None, "no issuer: pass --issuer URL or set AKS_OIDC_ISSUER"),
    ("", "no issuer"),
    ("http://oidc.example/", "is not an https URL"),
    ("oidc.example/", "is not an https URL"),
    ("https:///path", "is not an https URL"),
    ("https://oidc.example/?x=1", "has a query or fragment"),
    ("https://oidc.example/#frag", "has a query or fragment"),
    ("https://oidc.example/" + "a" * 600, "characters long"),
])
def test_bad_issuers(issuer: str | None, says: str) -> None:
    assert any(says in p for p in problems([QUICK], issuer=issuer))


def test_aks_issuer_without_trailing_slash_warns() -> None:
    warned: list[str] = []
    render([QUICK], options(issuer=ISSUER.rstrip("/")), warn=warned.append)
    assert len(warned) == 1 and "does not end with '/'" in warned[0]
    warned.clear()
    render([QUICK], options(issuer=ISSUER), warn=warned.append)
    render([QUICK], options(issuer="https://issuer.example.com/no-slash"), warn=warned.append)
    assert warned == []


def test_exactly_one_audience() -> None:
    assert any("exactly one audience" in p
               for p in problems([QUICK], audiences=("api://a", "api://b")))
    assert any("exactly one audience" in p for p in problems([QUICK], audiences=()))
    text = render([QUICK], options(format="json", audiences=("api://custom",), **ONE))
    assert json.loads(text)[0]["body"]["properties"]["audiences"] == ["api://custom"]


# Client ids, clouds, API versions

def test_client_id_must_be_a_guid() -> None:
    found = problems([Subject("demo", "sa", "not-a-guid"), Subject("demo", "ok", CLIENT)])
    assert found == [("ServiceAccount demo/sa: client id 'not-a-guid' is not a GUID: use the "
                     "clientId of the identity (az identity show -n NAME -g GROUP --query "
                     "clientId -o tsv)")]


def test_every_problem_is_reported_at_once() -> None:
    found = problems([Subject("demo", "sa", "nope")], issuer="http://x/", cloud="Mars",
                     api_version="latest")
    assert len(found) == 4
    assert any("unknown cloud 'Mars'" in p for p in found)


def test_unknown_cloud_is_bad_input() -> None:
    with pytest.raises(InputErrors) as caught:
        render([QUICK], options(cloud="AzureMarsCloud"))
    assert caught.value.exit_code == 3


def test_api_version_default_and_override() -> None:
    assert "?api-version=2023-01-31" in json.loads(render([QUICK], options(format="json", **ONE)))[0]["url"]
    text = render([QUICK], options(format="json", api_version="2024-11-30", **ONE))
    assert json.loads(text)[0]["url"].endswith("?api-version=2024-11-30")


# Identities

def test_identity_id_wins_over_identities_and_flags() -> None:
    other = IDENTITY_ID.replace("id-demo", "id-from-file")
    text = render([Subject("demo", "sa", CLIENT, identity_id=IDENTITY_ID)],
                  options(format="json", identities=((CLIENT, other),),
                          subscription=SUBSCRIPTION, resource_group="rg-x", identity_name="id-x"))
    assert IDENTITY_ID + "/federatedIdentityCredentials/" in json.loads(text)[0]["url"]


def test_identities_win_over_flags() -> None:
    other = IDENTITY_ID.replace("id-demo", "id-from-file")
    text = render([Subject("demo", "sa", CLIENT.upper())],
                  options(format="json", identities=((CLIENT, other),), **ONE))
    assert "/userAssignedIdentities/id-from-file/" in json.loads(text)[0]["url"]


def test_identity_id_must_name_a_user_assigned_identity() -> None:
    found = problems([Subject("demo", "sa", CLIENT, identity_id="/subscriptions/x/whatever")])
    assert "is not a user-assigned identity id" in found[0]


def test_one_identity_name_for_two_client_ids_is_an_error() -> None:
    found = problems([subject(1), subject(2, client_id=OTHER_CLIENT)], **ONE)
    assert "--identity-name id-demo names one identity" in found[0]
    assert "ns/sa-1" in found[0] and "ns/sa-2" in found[0]


def test_identity_name_needs_a_resource_group() -> None:
    with pytest.raises(UsageError):
        plan([QUICK], options(identity_name="id-demo"))


def test_json_needs_known_identities() -> None:
    with pytest.raises(UsageError, match="--format json"):
        render([QUICK], options(format="json"))


@pytest.mark.parametrize("fmt", ["bicep", "terraform", "arm"])
def test_app_target_only_with_request_formats(fmt: str) -> None:
    with pytest.raises(UsageError, match="--target app works with"):
        render([QUICK], options(format=fmt, target="app"))


def test_app_target_refuses_identity_flags() -> None:
    with pytest.raises(UsageError, match="drop them"):
        render([QUICK], options(format="graph", **ONE))


# Limits and duplicates

def test_twenty_per_identity_is_fine_twenty_one_is_not() -> None:
    assert len(plan([subject(n) for n in range(20)], options(**ONE)).credentials) == 20
    found = problems([subject(n) for n in range(21)], **ONE)
    assert len(found) == 1
    assert "id-demo would get 21 federated identity credentials" in found[0]
    assert all(f"ns/sa-{n}" in found[0] for n in range(21))


def test_the_limit_counts_per_identity() -> None:
    subjects = [subject(n) for n in range(20)] + [subject(n, client_id=OTHER_CLIENT) for n in range(20)]
    assert len(plan(subjects, options()).credentials) == 40


def test_duplicates_are_emitted_once() -> None:
    subjects = [QUICK, QUICK, Subject("demo", "workload-identity-sa", CLIENT.upper())]
    assert len(plan(subjects, options(**ONE)).credentials) == 1
    # The same ServiceAccount trusted by two identities is two credentials.
    both = [QUICK, Subject("demo", "workload-identity-sa", OTHER_CLIENT)]
    assert len(plan(both, options()).credentials) == 2


# Quoting

@pytest.mark.parametrize("text", ["plain", "", "a'b", "a\"b$(c)`d`", "line\nbreak\t\x01", "${X}"])
def test_shell_words(text: str) -> None:
    import subprocess

    done = subprocess.run(["bash", "-c", f"printf %s {quote(text)}"], capture_output=True,
                          text=True, check=True)
    assert done.stdout == text
    done = subprocess.run(["bash", "-c", f'v=/mid; printf %s {word(text, Var("v"), text)}'],
                          capture_output=True, text=True, check=True)
    assert done.stdout == f"{text}/mid{text}"


def test_bicep_hcl_and_arm_literals() -> None:
    assert bicep_string("a'b${c}\\\n") == "'a\\'b\\${c}\\\\\\n'"
    assert hcl_string('a"b${c}%{d}\\\n') == '"a\\"b$${c}%%{d}\\\\\\n"'
    assert literal("[concat('a')]") == "[[concat('a')]"
    assert literal("[only-start") == "[only-start"


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
               max_size=30),
       st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
               max_size=10))
def test_any_text_survives_bash(text: str, other: str) -> None:
    import subprocess

    script = f'v={quote(other)}; printf "%s|" {quote(text)} {word(text, Var("v"), text)}'
    done = subprocess.run(["bash", "-c", script], capture_output=True, check=True,
                          env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    assert done.stdout.decode("utf-8") == f"{text}|{text}{other}{text}|"
