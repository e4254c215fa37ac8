"""Atomic writes and the store lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def ensure_dir(path: Path) -> None:
    """Create a folder (and parents) readable by the owner only."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, DIR_MODE)
        except FileExistsError:
            if not d.is_dir():
                raise
            continue            # another process made it meanwhile
        os.chmod(d, DIR_MODE)


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write a file so that a crash leaves the old or the new content, never a mix.

    `durable=False` skips the fsyncs: for the disposable cache, where a file lost in a crash is
    simply rebuilt (a torn file fails to unpickle and is ignored).
    """
    tmp = None
    try:
        ensure_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            exc.filename = str(path)        # the user's file, not the temporary one beside it
        raise
    if not durable:
        return
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def check_inside(root: Path, path: Path, what: str = "写入") -> None:
    """Refuse to write through a symlink: `path` and every folder between it and `root` must be
    a real file or folder (or not exist yet) inside `root`."""
    from aftercare.core.errors import AftercareError

    rel = Path(os.path.relpath(path, root))
    if rel.parts and rel.parts[0] == "..":
        # a programming-error guard, not an input check: every caller builds `path` under `root` from a
        # checked case ID and a fixed file name (a bundle's names are checked against the case layout)
        raise AftercareError(f"内部错误：拒绝{what}案卷库以外的文件：{path}", code="internal")
    p = Path(root)
    for part in rel.parts:
        p = p / part
        if os.path.islink(p):
            raise AftercareError(f"{rel} 的路径中有符号链接（{p.name}），出于安全拒绝{what}；请把它换成普通文件后再试",
                                 code="symlink")


def remove_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


_HELD: dict = {}


@contextlib.contextmanager
def locked(lock_path: Path):
    """An exclusive lock on the store: writers wait for each other. Re-entrant within a process
    (sync holds it while it renumbers with a transaction of its own)."""
    key = str(lock_path)
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    ensure_dir(lock_path.parent)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _HELD[key] = 1
        yield
    finally:
        _HELD.pop(key, None)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
