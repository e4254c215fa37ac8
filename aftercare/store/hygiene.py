"""What `check` says about the store's files themselves (not their content): anything uncommitted in
`cases/`, symlinks, and files or folders readable by other local users; and the one-time tightening
of permissions of a store that arrived by a plain `git clone`.

The data is confidential (戒毒条例 7, 43): files are 0600, folders 0700. aftercare creates them so
(and sets the process umask to 077, so that git's own checkouts during `sync` are private too).
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from aftercare.core.model import Problem
from aftercare.store.fsutil import atomic_write
from aftercare.store.stamps import PENDING as _PENDING, SECURED, TREE_SKIP as _SKIP, index_stamp as _index_stamp

FILE_MODE, DIR_MODE = 0o600, 0o700


def _walk(root: Path):
    """(relative path, is_dir, lstat) of every entry of the store's work tree, .git and out/ excepted."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in _SKIP]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            yield rel, stat.S_ISDIR(st.st_mode), st


def _private_work_tree(root: Path) -> None:
    os.chmod(root, DIR_MODE)
    for rel, is_dir, st in _walk(root):
        if stat.S_ISLNK(st.st_mode):
            continue
        want = DIR_MODE if is_dir else FILE_MODE
        if stat.S_IMODE(st.st_mode) != want:
            os.chmod(root / rel, want)


def secure(root: Path, git_dir: Path, writing: bool = False) -> None:
    """Make every file 0600 and folder 0700: the whole clone once (a `git clone` made it readable by
    all), then the work tree again whenever git's index changed since (files that git wrote under the
    user's umask, e.g. one restored with `git checkout`), and on a write command after `check` found
    a file readable by others (a hand `chmod`). aftercare's own commits note the index they leave
    (`settled`), so that only someone else's git command costs a sweep."""
    marker = git_dir / SECURED
    try:
        seen = marker.read_text()
    except OSError:
        seen = None
    stamp = _index_stamp(git_dir)
    pending = seen is not None and seen.startswith(_PENDING)
    if seen is not None and seen.removeprefix(_PENDING) == stamp and not (pending and writing):
        return
    try:
        _private_work_tree(root)
        if seen is None:
            for dirpath, dirnames, filenames in os.walk(git_dir):
                for name in dirnames:
                    os.chmod(os.path.join(dirpath, name), DIR_MODE)
                for name in filenames:
                    p = os.path.join(dirpath, name)
                    os.chmod(p, stat.S_IMODE(os.lstat(p).st_mode) & 0o700)
            os.chmod(git_dir, DIR_MODE)
        settled(git_dir, stamp)
    except PermissionError:
        pass                            # not our files: `check` reports them


def settled(git_dir: Path, stamp: str | None = None) -> None:
    """Note that the work tree is private as of the index's present state."""
    with contextlib.suppress(OSError):
        atomic_write(git_dir / SECURED, (stamp or _index_stamp(git_dir)).encode(), durable=False)


def unsettle(git_dir: Path) -> None:
    """Have the next write command sweep the work tree again (`check` found a file readable by others)."""
    with contextlib.suppress(OSError):
        atomic_write(git_dir / SECURED, (_PENDING + _index_stamp(git_dir)).encode(), durable=False)


@dataclass(frozen=True)
class WholeFileProblem(Problem):
    """A problem of a file as a whole (its mode), not of a line: `path: message` (check adds the hint)."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def problems(store) -> list:
    out: list[Problem] = []
    root = store.root
    own = store.git_dir is not None and (root / ".git").exists()
    if own:       # first: `git status` rewrites the index, which the sweep's stamp below must see
        status = store.git.run("status", "--porcelain", "-z", "--untracked-files=all", "--", "cases", "aftercare.yaml",
                               check=False)
        for ent in status.split("\0"):
            if len(ent) > 3 and not ent.startswith("R"):
                out.append(Problem(ent[3:], 1, "uncommitted", "有未提交的改动（git status）：不在审计轨迹中",
                                   "手工修改请用 git diff 查看后提交（写明原因）或用 git checkout 恢复"))
    fix = (f"任一写入命令（如 aftercare record、aftercare sync）都会自动改为仅本人可读写（文件 600、目录 700），"
           f"或运行 chmod -R go-rwx {root}")
    found = []
    if stat.S_IMODE(os.stat(root).st_mode) & 0o077:
        found.append(WholeFileProblem(".", 0, "permissions", f"案卷库目录可被其他用户访问（权限 {stat.S_IMODE(os.stat(root).st_mode):o}，应为 700）",
                                      fix))
    for rel, is_dir, st in _walk(root):
        if stat.S_ISLNK(st.st_mode):
            found.append(Problem(rel, 0, "symlink", "案卷库中不允许符号链接（可能指向库外的文件）", "删除该链接，换成普通文件"))
            continue
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            want = "700" if is_dir else "600"
            found.append(WholeFileProblem(rel, 0, "permissions",
                                          f"{'目录' if is_dir else '文件'}可被其他用户读取（权限 {mode:o}，应为 {want}）", fix))
    if own:
        if any(p.code == "permissions" for p in found):
            unsettle(store.git_dir)
        else:
            settled(store.git_dir)        # just seen private, as of the index `git status` left
    return found + out
