"""What `check` says about the store's files themselves (not their content): anything uncommitted in
`cases/`, symlinks, and files or folders readable by other local users; and the one-time tightening
of permissions of a store that arrived by a plain `git clone`.

The data is confidential (戒毒条例 7, 43): files are 0600, folders 0700. aftercare creates them so
(and sets the process umask to 077, so that git's own checkouts during `sync` are private too).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from aftercare.core.model import Problem

FILE_MODE, DIR_MODE = 0o600, 0o700
SECURED = "aftercare-private"          # marker in .git: this clone's files were made private once
_SKIP = {".git", "out", ".aftercare-cache"}


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


def secure(root: Path, git_dir: Path) -> None:
    """Once per clone: make every file 0600 and folder 0700 (a `git clone` made them readable by all)."""
    marker = git_dir / SECURED
    if marker.exists():
        return
    try:
        os.chmod(root, DIR_MODE)
        for rel, is_dir, st in _walk(root):
            if stat.S_ISLNK(st.st_mode):
                continue
            want = DIR_MODE if is_dir else FILE_MODE
            if stat.S_IMODE(st.st_mode) != want:
                os.chmod(root / rel, want)
        for dirpath, dirnames, filenames in os.walk(git_dir):
            for name in dirnames:
                os.chmod(os.path.join(dirpath, name), DIR_MODE)
            for name in filenames:
                p = os.path.join(dirpath, name)
                os.chmod(p, stat.S_IMODE(os.lstat(p).st_mode) & 0o700)
        os.chmod(git_dir, DIR_MODE)
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT, FILE_MODE)
        os.close(fd)
    except PermissionError:
        pass                            # not our files: `check` reports them


def problems(store) -> list:
    out: list[Problem] = []
    root = store.root
    if stat.S_IMODE(os.stat(root).st_mode) & 0o077:
        out.append(Problem(".", 0, "permissions", f"案卷库目录可被其他用户访问（权限 {stat.S_IMODE(os.stat(root).st_mode):o}）",
                           f"运行 chmod 700 {root}"))
    for rel, is_dir, st in _walk(root):
        if stat.S_ISLNK(st.st_mode):
            out.append(Problem(rel, 0, "symlink", "案卷库中不允许符号链接（可能指向库外的文件）", "删除该链接，换成普通文件"))
            continue
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            want = "700" if is_dir else "600"
            out.append(Problem(rel, 0, "permissions", f"{'目录' if is_dir else '文件'}可被其他用户读取（权限 {mode:o}，应为 {want}）",
                               f"运行 chmod {want} {rel}（或 chmod -R go-rwx 案卷库目录）"))
    if store.git_dir is not None and (root / ".git").exists():
        status = store.git.run("status", "--porcelain", "-z", "--untracked-files=all", "--", "cases", "aftercare.yaml",
                               check=False)
        for ent in status.split("\0"):
            if len(ent) > 3 and not ent.startswith("R"):
                out.append(Problem(ent[3:], 1, "uncommitted", "有未提交的改动（git status）：不在审计轨迹中",
                                   "手工修改请用 git diff 查看后提交（写明原因）或用 git checkout 恢复"))
    return out
