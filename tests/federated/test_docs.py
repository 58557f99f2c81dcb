"""The README shows what the command really prints for the walkthrough's quick-start."""

from __future__ import annotations

import re
import shlex

from .conftest import QUICK_START, ROOT, wi

DOC = ROOT / "README.md"
ISSUER = ("https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/"
          "0c6a1b5e-0000-4000-8000-000000000001/")


def test_the_quick_start_example_is_what_the_command_prints() -> None:
    text = DOC.read_text("utf-8")
    command = re.search(r"```bash\ncd examples\n(wi-transform federated-credential quick-start\.yaml .*)\n```",
                        text)
    shown = re.search(r"<!-- output: federated-quick-start -->\n```bash\n(.*?)```", text, re.DOTALL)
    assert command and shown
    args = shlex.split(command.group(1))[2:]
    done = wi("federated-credential", *[QUICK_START if a == "quick-start.yaml" else a for a in args],
              env={"AKS_OIDC_ISSUER": ISSUER})
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown.group(1)
