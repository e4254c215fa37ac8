"""Git, called with a clean environment and paths after `--`.

Commits are built with plumbing on a private index (read-tree, update-index, write-tree,
commit-tree, update-ref): cost does not grow with the size of the working tree, only exactly the
paths of the action are committed, and the branch moves by compare-and-swap.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from aftercare.errors import AftercareError

_STRIP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX",
          "GIT_NAMESPACE", "GIT_COMMON_DIR", "GIT_ALTERNATE_OBJECT_DIRECTORIES")


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _STRIP}
    env["LC_ALL"] = "C"
    env.update(extra)
    return env


class GitError(AftercareError):
    pass


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
            raise GitError(f"{what}失败：{_first_line(proc.stderr)}", code="git-failed")
        return proc.stdout.decode("utf-8", "replace")

    def ok(self, *args: str) -> bool:
        return subprocess.run(["git", *args], cwd=self.cwd, env=clean_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    def head(self) -> str | None:
        out = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=self.cwd,
                             env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return out.stdout.decode().strip() or None

    def commit(self, paths: Sequence[str], message: str, git_dir: Path, extra_parents: Sequence[str] = ()) -> str:
        """Commit exactly `paths` (added, changed or removed) on top of HEAD. Returns the commit id."""
        if (git_dir / "index.lock").exists():
            raise GitError("git 索引被锁定（.git/index.lock 存在），可能有另一个 git 操作正在进行；"
                           "确认没有其他 git 进程后删除该文件再试", code="git-locked")
        head = self.head()
        tmp_index = git_dir / f"aftercare-index-{os.getpid()}"
        env = clean_env(GIT_INDEX_FILE=str(tmp_index))
        try:
            if head:
                self.run("read-tree", head, env=env, what="git 读取提交树")
            self.run("update-index", "--add", "--remove", "--", *paths, env=env, what="git 暂存")
            tree = self.run("write-tree", env=env, what="git 写入树").strip()
        finally:
            try:
                os.unlink(tmp_index)
            except FileNotFoundError:
                pass
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


def _first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("hint:"):
            if "Please tell me who you are" in text or "Author identity unknown" in text or "empty ident" in text:
                return "未设置 git 用户名/邮箱，请运行 git config user.name \"姓名\" 与 git config user.email \"邮箱\""
            return line
    return "（无输出）"
