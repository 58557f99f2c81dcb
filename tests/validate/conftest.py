"""Fixtures of the validate tests: example cases and the CLI run on them."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import DATA, run_cli

VALIDATE_DATA = DATA / "validate"
_EXPECT = re.compile(r"^(\d+):(\d+) (error|warning|info) ([a-z0-9-]+)$")

Found = tuple[int, int, str, str]


@dataclass(frozen=True)
class Case:
    """One example file: the rule it is about, whether it should break it, what it expects."""

    file: Path

    @property
    def rule(self) -> str:
        return self.file.parent.parent.name

    @property
    def negative(self) -> bool:
        return self.file.parent.name == "negative"

    @property
    def id(self) -> str:
        return str(self.file.relative_to(VALIDATE_DATA))

    def _comments(self, prefix: str) -> list[str]:
        sidecar = self.file.with_name(self.file.name + ".expect")
        text = sidecar.read_text() if sidecar.exists() else self.file.read_text()
        return [line.strip()[len(prefix):].strip() for line in text.splitlines()
                if line.strip().startswith(prefix)]

    def args(self) -> list[str]:
        args: list[str] = []
        for line in self._comments("# args:"):
            args += [a.replace("{data}", str(VALIDATE_DATA)) for a in shlex.split(line)]
        return args

    def expected(self) -> set[Found]:
        found: set[Found] = set()
        for line in self._comments("# expect:"):
            match = _EXPECT.match(line)
            assert match, f"{self.file}: bad expectation {line!r}: want LINE:COL SEVERITY RULE"
            found.add((int(match[1]), int(match[2]), match[3], match[4]))
        return found


def cases() -> list[Case]:
    return [Case(f) for f in sorted(VALIDATE_DATA.glob("*/*/*"))
            if f.parent.name in ("positive", "negative") and not f.name.endswith(".expect")]


def validate_json(*args: str | Path, input: bytes | None = None,
                  cwd: Path | None = None) -> tuple[int, list[dict[str, Any]]]:
    """``wi-transform validate --format json ARGS``: the exit code and the findings."""
    proc = run_cli("validate", "--format", "json", *args, input=input, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)
