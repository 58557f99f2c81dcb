"""Fixtures of the doctor tests: example folders (manifests + ``az`` JSON) and the CLI run on them."""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import DATA, run_cli

DOCTOR_DATA = DATA / "doctor"
SHARED = DOCTOR_DATA / "_shared"
_EXPECT = re.compile(r"^(\S+):(\d+):(\d+) (error|warning|info) ([a-z0-9-]+)$")

Found = tuple[str, int, int, str, str]


@dataclass(frozen=True)
class Case:
    """One example folder: the rule it is about, whether it should break it, what it expects."""

    folder: Path

    @property
    def rule(self) -> str:
        return self.folder.parent.parent.name

    @property
    def negative(self) -> bool:
        return self.folder.parent.name == "negative"

    @property
    def id(self) -> str:
        return str(self.folder.relative_to(DOCTOR_DATA))

    def _lines(self, prefix: str) -> list[str]:
        text = (self.folder / "case.args").read_text()
        return [line[len(prefix):].strip() for line in text.splitlines() if line.startswith(prefix)]

    def args(self) -> list[str]:
        shared = os.path.relpath(SHARED, self.folder)
        return [a.replace("{shared}", shared) for line in self._lines("# args:")
                for a in shlex.split(line)]

    def expected(self) -> set[Found]:
        found: set[Found] = set()
        for line in self._lines("# expect:"):
            match = _EXPECT.match(line)
            assert match, f"{self.folder}: bad expectation {line!r}: want PATH:LINE:COL SEVERITY RULE"
            found.add((match[1], int(match[2]), int(match[3]), match[4], match[5]))
        return found


def cases() -> list[Case]:
    return [Case(f) for f in sorted(DOCTOR_DATA.glob("*/*/*"))
            if f.parent.name in ("positive", "negative") and f.is_dir()]


def doctor_json(*args: str | Path, cwd: Path | None = None,
                env: dict[str, str] | None = None) -> tuple[int, list[dict[str, Any]]]:
    """``wi-transform doctor --format json ARGS``: the exit code and the findings."""
    proc = run_cli("doctor", "--format", "json", *args, cwd=cwd, env=env)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)
