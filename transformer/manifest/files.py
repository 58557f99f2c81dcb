"""The file-system edge: which files the paths name, reading them, writing them atomically."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from typing import NamedTuple

from ..errors import InputError, Location

STDIN = "-"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


class Input(NamedTuple):
    """One input: its display name, its file (None for stdin), and whether a directory walk
    found it (``found``) or the command line named it."""

    name: str
    file: str | None
    found: bool = False


def expand(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[str, str | None]]:
    """(display name, file) for every input; directories give their manifests, sorted."""
    return [(i.name, i.file) for i in inputs_of(paths)]


def inputs_of(paths: Iterable[str | os.PathLike[str]]) -> list[Input]:
    """Every input the paths name; directories give their YAML and JSON files, sorted.

    No paths means standard input, as ``-`` does. Plain strings, not pathlib: its import
    alone is a tenth of a cold start.
    """
    out: list[Input] = []
    for raw in [os.fspath(p) for p in paths] or [STDIN]:
        if raw == STDIN:
            out.append(Input("<stdin>", None))
        elif os.path.isdir(raw):
            out += [Input(f, f, True) for f in _walk(raw)]
        elif os.path.exists(raw):
            out.append(Input(raw, raw))
        else:
            raise InputError("no such file or directory: check the path", Location(raw))
    return out


def _walk(root: str, found: list[str] | None = None) -> list[str]:
    """What os.walk would give, in its order (a folder's files, then its folders, sorted;
    hidden folders and symlinked ones not entered, unreadable ones passed over), with one
    scandir per folder and nothing else: a repository has thousands of files to skip."""
    found = [] if found is None else found
    names: list[str] = []
    folders: list[str] = []
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                if entry.is_dir():
                    if not entry.name.startswith(".") and not entry.is_symlink():
                        folders.append(entry.name)
                elif entry.name.endswith(MANIFEST_SUFFIXES):
                    names.append(entry.name)
    except OSError:
        return found
    found += [os.path.join(root, name) for name in sorted(names)]
    for name in sorted(folders):
        _walk(os.path.join(root, name), found)
    return found


def read(name: str, file: str | os.PathLike[str] | None) -> bytes:
    if file is None:
        return sys.stdin.buffer.read()
    try:
        with open(file, "rb") as f:
            return f.read()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", Location(name)) from e


def write_all(changes: Iterable[tuple[str | os.PathLike[str], bytes]]) -> None:
    """Replace each file with its new bytes, keeping modes; nothing is replaced unless every
    new file could first be written in full beside its original."""
    staged: list[tuple[str, str | os.PathLike[str]]] = []
    try:
        for file, data in changes:
            staged.append((_stage(file, data), file))
        for tmp, file in staged:
            os.replace(tmp, file)
    finally:
        for tmp, _ in staged:
            _unlink(tmp)


def _stage(file: str | os.PathLike[str], data: bytes) -> str:
    import tempfile  # only when writing: keeps it off the cold start of a read-only run

    mode = os.stat(file).st_mode & 0o7777
    directory, name = os.path.split(os.fspath(file))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
