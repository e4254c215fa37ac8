"""Git, called with a clean environment and paths after `--`.

Commits are built with plumbing, without an index: the changed files are hashed, only the trees on
their paths are rebuilt (ls-tree + mktree, bottom-up), then commit-tree and update-ref as a
compare-and-swap. Cost grows with the depth of the paths, not with the size of the store; exactly
the paths of the action are committed, whatever else is staged.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from aftercare.core.errors import AftercareError

_STRIP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX",
          "GIT_NAMESPACE", "GIT_COMMON_DIR", "GIT_ALTERNATE_OBJECT_DIRECTORIES")


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _STRIP}
    env["LC_ALL"] = "C"
    env.update(extra)
    return env


class GitError(AftercareError):
    pass


# What git says when the disk is full (its object, tree and index writes say it differently).
DISK_FULL_WORDS = ("No space left on device", "Out of diskspace", "Disk quota exceeded")


def find_git_dir(start: Path) -> Path | None:
    p = start.resolve()
    for d in (p, *p.parents):
        g = d / ".git"
        if g.is_dir():
            return g
        if g.is_file():
            text = g.read_text().strip()
            if text.startswith("gitdir:"):
                return (d / text.split(":", 1)[1].strip()).resolve()
    return None


class Git:
    def __init__(self, cwd: Path):
        self.cwd = cwd

    def run(self, *args: str, env: dict | None = None, input: bytes | None = None, check: bool = True,
            what: str = "git") -> str:
        proc = subprocess.run(["git", *args], cwd=self.cwd, env=env or clean_env(), input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and proc.returncode != 0:
            said = _first_line(proc.stderr)
            if any(w in said for w in DISK_FULL_WORDS):
                raise GitError(f"{what}失败：磁盘空间已满（{said}）", code="git-failed")
            raise GitError(f"{what}失败：{said}", code="git-failed")
        return proc.stdout.decode("utf-8", "replace")

    def proc(self, *args: str) -> subprocess.CompletedProcess:
        """Run git and return the finished process (bytes output), whatever its exit code."""
        return subprocess.run(["git", *args], cwd=self.cwd, env=clean_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)

    def ok(self, *args: str) -> bool:
        return subprocess.run(["git", *args], cwd=self.cwd, env=clean_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    def head(self) -> str | None:
        out = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=self.cwd,
                             env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return out.stdout.decode().strip() or None

    def commit(self, paths: Sequence[str], message: str, git_dir: Path, extra_parents: Sequence[str] = ()) -> str:
        """Commit exactly `paths` (added, changed or removed) on top of HEAD. Returns the commit id."""
        lock = git_dir / "index.lock"
        if lock.exists() and not clear_stale_lock(lock):
            raise GitError("git 索引被锁定（.git/index.lock 存在），另一个 git 操作正在进行；"
                           "等它结束后再试", code="git-locked")
        head = self.head()
        tree = self.tree_with(head, paths)
        parents = ["-p", head] if head else []
        for p in extra_parents:
            parents += ["-p", p]
        commit = self.run("commit-tree", tree, *parents, "-m", message, what="git 提交").strip()
        # keep the real index in step so that `git status` stays clean
        self.run("update-index", "--add", "--remove", "--", *paths, what="git 更新索引")
        try:
            self.run("update-ref", "-m", "aftercare: " + message.splitlines()[0], "HEAD", commit,
                     head or "0" * 40, what="git 更新分支")
        except GitError:
            self.run("reset", "-q", "--", *paths, check=False)
            raise
        return commit


    def tree_with(self, head: str | None, paths: Sequence[str]) -> str:
        """The tree of HEAD with `paths` (relative to the working folder) set to the files on disk,
        or removed where the file no longer exists."""
        prefix = self.run("rev-parse", "--show-prefix", what="git").strip()
        present = [p for p in paths if os.path.isfile(os.path.join(self.cwd, p))]
        shas = self.run("hash-object", "-w", "--", *present, what="git 写入对象").split() if present else []
        changes: dict = {}
        for p in paths:
            changes[(prefix + p).replace(os.sep, "/")] = None
        for p, sha in zip(present, shas):
            changes[(prefix + p).replace(os.sep, "/")] = sha
        base = self.run("rev-parse", f"{head}^{{tree}}", what="git").strip() if head else None
        tree = self._rebuild("", base, changes)
        return tree or self.run("mktree", input=b"", what="git 写入树").strip()

    def _rebuild(self, folder: str, base: str | None, changes: dict) -> str | None:
        entries: dict = {}
        if base:
            out = self.run("ls-tree", "-z", base, what="git 读取树")
            for rec in out.split("\0"):
                if rec:
                    meta, name = rec.split("\t", 1)
                    entries[name] = meta
        here = {}
        below: dict = {}
        for path, sha in changes.items():
            rest = path[len(folder):] if folder else path
            head, sep, tail = rest.partition("/")
            if sep:
                below.setdefault(head, {})[path] = sha
            else:
                here[head] = sha
        for name, sha in here.items():
            if sha is None:
                entries.pop(name, None)
            else:
                entries[name] = f"100644 blob {sha}"     # always a regular file: never a symlink (120000)
        for name, sub in below.items():
            old = entries.get(name)
            old_tree = old.split()[2] if old and old.split()[1] == "tree" else None
            new = self._rebuild(f"{folder}{name}/", old_tree, sub)
            if new is None:
                entries.pop(name, None)
            else:
                entries[name] = f"040000 tree {new}"
        if not entries:
            return None
        data = "".join(f"{meta}\t{name}\0" for name, meta in entries.items()).encode("utf-8")
        return self.run("mktree", "-z", input=data, what="git 写入树").strip()


def clear_stale_lock(lock: Path) -> bool:
    """Remove a git lock file that no running process holds (left by a killed git). Git keeps its
    lock file open while it works, so on Linux a lock that no process has open is stale; elsewhere a
    lock untouched for 10 minutes is. The caller holds the store lock. True when it was removed."""
    import time

    try:
        target = os.path.realpath(lock)
        if os.path.isdir("/proc/self/fd"):
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    fds = os.listdir(f"/proc/{pid}/fd")
                except OSError:
                    continue
                for fd in fds:
                    try:
                        if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                            return False
                    except OSError:
                        continue
        elif time.time() - os.stat(lock).st_mtime < 600:
            return False
        os.unlink(lock)
    except FileNotFoundError:
        pass
    return True


def _first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("hint:"):
            if "Please tell me who you are" in text or "Author identity unknown" in text or "empty ident" in text:
                return "未设置 git 用户名/邮箱，请运行 git config user.name \"姓名\" 与 git config user.email \"邮箱\""
            return line
    return "（无输出）"
