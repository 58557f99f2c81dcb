"""The README shows what ``doctor`` really prints for the walkthrough's quick-start with a
credential in the wrong namespace."""

from __future__ import annotations

import re
import shlex

from tests.conftest import ROOT, run_cli

DOC = ROOT / "README.md"
ISSUER = ("https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/"
          "0c6a1b5e-0000-4000-8000-000000000001/")


def test_the_quick_start_walkthrough_is_what_doctor_prints() -> None:
    text = DOC.read_text("utf-8")
    command = re.search(r"```bash\ncd examples\n(wi-transform doctor quick-start\.yaml .*)\n```", text)
    shown = re.search(r"<!-- output: doctor-quick-start -->\n```text\n(.*?)```", text, re.DOTALL)
    assert command and shown
    done = run_cli(*shlex.split(command.group(1))[1:], cwd=ROOT / "examples",
                   env={"AKS_OIDC_ISSUER": ISSUER})
    assert done.returncode == 1, done.stderr.decode()
    assert done.stdout.decode() == shown.group(1)
    assert "namespace 'default' instead of 'demo'" in shown.group(1)
    assert "AADSTS700213" in shown.group(1)
