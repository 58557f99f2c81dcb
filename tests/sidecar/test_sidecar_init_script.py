"""init-iptables.sh without a namespace: its settings are checked and it stops at the
first failed rule (upstream's carries on and exits 0). The rules themselves are tested
for real in test_sidecar_interception.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sidecar_harness import HERE

SCRIPT = HERE.parent.parent / "sidecar" / "init-iptables.sh"


def run_script(
    tmp_path: Path, fail_on: str | None = None, **env: str
) -> tuple[int, str, list[str]]:
    """Run the script with a recording stand-in for iptables that fails on `fail_on`."""
    calls = tmp_path / "calls"
    fake = tmp_path / "iptables"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {calls}\n'
        f'case "$*" in *"{fail_on or "never-matches"}"*) exit 3 ;; esac\n'
        'case "$*" in *" -L "*|*" -C "*) exit 1 ;; esac\n'
    )
    fake.chmod(0o755)
    result = subprocess.run(
        ["sh", str(SCRIPT)],
        env={"PATH": os.environ["PATH"], "IPTABLES": str(fake), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = calls.read_text().splitlines() if calls.exists() else []
    return result.returncode, result.stderr, lines


def test_script_is_executable_and_strict() -> None:
    assert os.access(SCRIPT, os.X_OK)
    assert "\nset -eu\n" in SCRIPT.read_text()


def test_default_rules(tmp_path: Path) -> None:
    code, _, calls = run_script(tmp_path)
    assert code == 0
    assert "-w -t nat -A AZWI_PROXY_REDIRECT -p tcp -j REDIRECT --to-ports 8000" in calls
    assert "-w -t nat -A AZWI_PROXY_OUTPUT -m owner --uid-owner 1501 -j ACCEPT" in calls
    assert "-w -t nat -A OUTPUT -p tcp -d 169.254.169.254 --dport 80 -j AZWI_PROXY_OUTPUT" in calls


def test_settings_are_used(tmp_path: Path) -> None:
    code, _, calls = run_script(
        tmp_path, PROXY_PORT="9000", PROXY_UID="42", METADATA_IP="10.9.8.7", METADATA_PORT="8080"
    )
    assert code == 0
    joined = "\n".join(calls)
    assert "--to-ports 9000" in joined and "--uid-owner 42" in joined
    assert "-d 10.9.8.7 --dport 8080" in joined


def test_stops_at_the_first_failed_rule(tmp_path: Path) -> None:
    code, _, calls = run_script(tmp_path, fail_on="-j REDIRECT")
    assert code == 3
    assert not any("-A OUTPUT" in call for call in calls)


@pytest.mark.parametrize(
    ("name", "value"),
    [("PROXY_PORT", "80a"), ("PROXY_UID", "15o1"), ("METADATA_PORT", "-1"), ("METADATA_IP", "a;b")],
)
def test_bad_settings_are_refused(tmp_path: Path, name: str, value: str) -> None:
    code, stderr, calls = run_script(tmp_path, **{name: value})
    assert code == 1 and name in stderr and calls == []
