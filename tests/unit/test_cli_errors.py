"""The one place that turns exceptions into exit codes (in-process: a bug cannot be provoked
through valid CLI input, so the command is replaced by one that fails)."""

from __future__ import annotations

import pytest

from transformer import cli
from transformer.commands import inject as command
from transformer.errors import InputError, InputErrors, Location


def _raise(exc: BaseException) -> object:
    def run(*_: object, **__: object) -> object:
        raise exc

    return run


def test_a_bug_is_a_short_message_and_exit_4(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(command, "run", _raise(RuntimeError("boom")))
    assert cli.main(["inject", "x.yaml"]) == 4
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "run", _raise(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        cli.main(["--debug", "inject", "x.yaml"])


def test_input_errors_are_listed_one_a_line_and_exit_3(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    errors = [InputError("bad one", Location("a.yaml", 3, 5)), InputError("bad two", Location("b.yaml"))]
    monkeypatch.setattr(command, "run", _raise(InputErrors(errors)))
    assert cli.main(["inject", "a.yaml"]) == 3
    lines = capsys.readouterr().err.splitlines()
    assert lines[:2] == ["a.yaml:3:5: bad one", "b.yaml: bad two"]


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "run", _raise(KeyboardInterrupt()))
    assert cli.main(["inject", "a.yaml"]) == 130
