"""The file-system edge: which files the paths name, reading them, writing them atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError, Location

STDIN = "-"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def expand(paths: Iterable[str]) -> list[tuple[str, Path | None]]:
    """(display name, file) for every input; directories give their manifests, sorted.

    No paths means standard input, as ``-`` does.
    """
    out: list[tuple[str, Path | None]] = []
    for raw in list(paths) or [STDIN]:
        if raw == STDIN:
            out.append(("<stdin>", None))
            continue
        path = Path(raw)
        if path.is_dir():
            out += [(str(f), f) for f in _walk(path)]
        elif path.exists():
            out.append((raw, path))
        else:
            raise InputError("no such file or directory: check the path", Location(raw))
    return out


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath, f) for f in sorted(filenames) if f.endswith(MANIFEST_SUFFIXES)]
    return found


def read(name: str, file: Path | None) -> bytes:
    if file is None:
        return sys.stdin.buffer.read()
    try:
        return file.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", Location(name)) from e


def write_all(changes: Iterable[tuple[Path, bytes]]) -> None:
    """Replace each file with its new bytes, keeping modes; nothing is replaced unless every
    new file could first be written in full beside its original."""
    staged: list[tuple[str, Path]] = []
    try:
        for file, data in changes:
            staged.append((_stage(file, data), file))
        for tmp, file in staged:
            os.replace(tmp, file)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def _stage(file: Path, data: bytes) -> str:
    mode = file.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp
