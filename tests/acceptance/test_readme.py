"""Every command the README shows works as shown, and its sample outputs are what they print.

The README's ``sh``/``bash`` blocks are read in order; every command runs, in a layout like a
fresh clone (the examples, the schemas) with a user's ``k8s/``, ``base/`` and ``overlays/prod/``
beside them, unless ``NOT_RUN`` names it with the reason. A block right after an
``<!-- output … -->`` comment is the output of the command before it, compared byte for byte.
A new command in the README therefore either runs here or is listed with its reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, TENANT
from tests.corpus import MANIFESTS

README = ROOT / "README.md"
ISSUER = ("https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/"
          "0c6a1b5e-0000-4000-8000-000000000001/")

# Commands (by how they start) that cannot run on a development machine, and why.
NOT_RUN = {
    "make demo": "builds its own .venv (minutes); the fresh-clone check runs it",
    "make test": "the test suite itself",
    "pip install": "needs PyPI (network); the Action and pre-commit tests pip-install the package",
    "kustomize build": "overlays/prod stands for the user's overlay; tests/integrations/"
                       "test_kustomize.py runs the real kustomize (.ci/tools)",
    "export AKS_OIDC_ISSUER=\"$(az aks show": "needs Azure (az aks show); the issuer is set here",
    "bash trust.sh": "runs az against Azure; tests/federated runs the scripts with a fake az",
    "bash fic.sh": "runs az against Azure; tests/federated runs the scripts with a fake az",
    "az ": "talks to Azure (the walkthrough's az rest as published, az identity list, az storage)",
    "wi-transform doctor k8s/ --identities identities.json": "reads what the az commands before "
        "it list (Azure); the walkthrough's doctor example below runs on examples/doctor/",
    "wi-transform jwks --public-key sa.pub": "needs the cluster's signing keys; tests/issuer runs "
        "jwks on keys of its own",
    "helm plugin install": "needs Helm (.ci/tools); tests/integrations/test_helm.py installs the "
                           "plugin into a temporary Helm home",
    "helm install": "needs a cluster; tests/integrations/test_helm.py runs the real Helm 3 and 4 "
                    "with helm template",
    "export KUSTOMIZE_PLUGIN_HOME": "only for kubectl kustomize below",
    "kubectl kustomize": "needs kubectl; tests/integrations/test_kustomize.py runs it",
    "kpt fn eval": "needs kpt (.ci/tools); tests/integrations/test_krm.py runs it",
    "wi-transform inject --from-cluster": "needs a cluster; tests/integrations/test_from_cluster.py "
                                          "runs it against an API server of ours",
    "export AZURE_TENANT_ID=...": "placeholders for a pod's identity; the proxy needs Entra ID",
    "wi-proxy": "exchanges tokens with Entra ID (Azure); tests/sidecar runs it against a fake",
    "curl -H Metadata:true": "asks the proxy above, which needs Entra ID",
}
# What commands may exit with: 0, or 1 for "rewrote / would change / found errors" (as the
# README says of --in-place, --check and validate). Usage errors (2), bad input (3) and bugs
# (4) mean the README shows something that does not work.
DOCUMENTED_EXITS = (0, 1)
FENCE = re.compile(r"^(?P<marker><!-- output[^>]*-->\n+)?```(?P<lang>[a-z]*)\n(?P<body>.*?)^```$",
                   re.MULTILINE | re.DOTALL)


@dataclass
class Command:
    text: str  # one command, continuation lines joined
    line: int  # where it is in the README
    cwd: str = "."  # relative to the layout, after any `cd` before it in its block
    output: str | None = None  # the sample output the README prints for it
    why_not: str | None = field(default=None)


def _commands(readme: str) -> list[Command]:
    commands: list[Command] = []
    for block in FENCE.finditer(readme):
        line = readme.count("\n", 0, block.start("body")) + 1
        if block["marker"]:
            assert commands, f"README.md:{line}: an output block with no command before it"
            commands[-1].output = block["body"]
        elif block["lang"] in ("sh", "bash", "shell"):
            commands += _split(block["body"], line)
    return commands


def _split(body: str, first_line: int) -> list[Command]:
    found, cwd, pending, start = [], ".", "", first_line
    for number, raw in enumerate(body.splitlines(), start=first_line):
        if not pending:
            start = number
        pending += raw.rstrip("\\") + (" " if raw.endswith("\\") else "")
        if raw.endswith("\\"):
            continue
        text, pending = _without_comment(pending).strip(), ""
        if not text:
            continue
        if text.startswith("cd "):
            cwd = str(Path(cwd) / text[3:].strip())
            continue
        why = next((reason for prefix, reason in NOT_RUN.items() if text.startswith(prefix)), None)
        found.append(Command(text, start, cwd, why_not=why))
    return found


def _without_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (a ``#`` after a space, outside quotes)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


COMMANDS = _commands(README.read_text("utf-8"))


def _layout(root: Path) -> Path:
    """A fresh clone's examples and schemas, and a user's manifests: k8s/ (workloads to inject,
    an aad-pod-identity binding to migrate), base/ and overlays/prod/ (a ServiceAccount apart
    from its Deployment)."""
    for name in ("examples", "schemas", "helm-plugin"):
        shutil.copytree(ROOT / name, root / name)
    (root / "k8s").mkdir()
    shutil.copy(ROOT / "examples" / "quick-start.yaml", root / "k8s")
    for name in ("shop.yaml", "list.yaml", "crlf-daemonset.yaml"):
        shutil.copy(MANIFESTS / name, root / "k8s")
    for path in (ROOT / "tests" / "data" / "migrate" / "named-account" / "repo").iterdir():
        shutil.copy(path, root / "k8s")
    (root / "base").mkdir()
    (root / "overlays" / "prod").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "data" / "validate" / "_accounts" / "api.yaml", root / "base")
    shutil.copy(MANIFESTS / "anchors.yaml", root / "overlays" / "prod")
    return root


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "AKS_"))}
    env.update(HOME=str(home), AZURE_TENANT_ID=TENANT, AKS_OIDC_ISSUER=ISSUER,
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    return env


def test_the_readme_has_commands_and_every_exception_is_used() -> None:
    assert sum(c.why_not is None for c in COMMANDS) >= 15
    unused = [p for p in NOT_RUN if not any(c.text.startswith(p) for c in COMMANDS)]
    assert not unused, f"NOT_RUN lists commands the README no longer shows: {unused}"


def _failure(command: Command, root: Path, env: dict[str, str]) -> str | None:
    """What is wrong with running ``command`` as the README shows it (None: it works)."""
    done = subprocess.run(["bash", "-c", command.text], cwd=root / command.cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    where = f"README.md:{command.line}: {command.text}"
    if done.returncode not in DOCUMENTED_EXITS or "Traceback" in done.stderr:
        return f"{where}\n  exit {done.returncode}: {done.stderr.strip()[-600:]}"
    if command.output is not None and done.stdout != command.output:
        return f"{where}\n  prints:\n{done.stdout}\n  the README shows:\n{command.output}"
    return None


def test_every_command_works_as_shown(tmp_path: Path) -> None:
    root = _layout(tmp_path / "clone")
    env = _environment(tmp_path)
    failures = [_failure(c, root, env) for c in COMMANDS if not c.why_not]
    assert not any(failures), "\n".join(f for f in failures if f)


@pytest.mark.parametrize(("text", "output"), [
    ("wi-transform inject --no-such-flag k8s/", None),  # usage error: exit 2
    ("wi-transform validate k8s/missing.yaml", None),  # bad input: exit 3
    ("wi-transform validate k8s/shop.yaml", "0 errors in 1 file\n"),  # not what it prints
])
def test_a_readme_that_lies_is_caught(tmp_path: Path, text: str, output: str | None) -> None:
    root = _layout(tmp_path / "clone")
    assert _failure(Command(text, 1, output=output), root, _environment(tmp_path)) is not None


def test_samples_are_compared() -> None:
    """The README's sample outputs belong to commands that run (else nothing checks them)."""
    samples = [c for c in COMMANDS if c.output is not None]
    assert len(samples) >= 2
    assert all(c.why_not is None for c in samples), [c.text for c in samples if c.why_not]


@pytest.mark.parametrize("text", ["wi-transform validate k8s/  # a comment", "a 'b # c' d"])
def test_comments_are_cut_only_outside_quotes(text: str) -> None:
    assert _without_comment(text) in ("wi-transform validate k8s/  ", text)


def _flags(command: str) -> set[str]:
    """The long options ``wi-transform COMMAND --help`` lists (both names of a switch)."""
    done = subprocess.run([sys.executable, "-m", "transformer", command, "--help"],
                          capture_output=True, text=True, timeout=60, check=True)
    options = re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)(?: / (--[a-z-]+))?", done.stdout,
                         re.MULTILINE)
    return {name for pair in options for name in pair if name}


def test_migrate_inject_takes_what_the_readme_says() -> None:
    """README: every injection flag of inject applies to migrate --inject; --validate (-k,
    --strict) and --from-cluster (--context) do not."""
    refused = {"--validate", "--kubernetes-version", "--strict", "--no-strict", "--from-cluster",
               "--context"}
    assert _flags("inject") - _flags("migrate") == refused
    text = README.read_text("utf-8")
    bullet = text[text.index("- **`--inject`**"):].split("\n- ", 1)[0]
    assert all(f"`{flag}`" in bullet for flag in ("--validate", "--from-cluster", "--context"))


def test_inject_validate_takes_the_flags_the_readme_gives_it() -> None:
    assert {"--validate", "--kubernetes-version", "--strict", "--no-strict"} <= _flags("inject")
    assert "`inject` has no `--kubernetes-version`" not in README.read_text("utf-8")
