"""The rollback of a transaction, prepared on disk before anything is written.

Before a transaction touches a file, the journal (`.git/aftercare-journal/`) records the file and
keeps its old version as a hard link (no copy, so restoring needs no free space: a rename). The
journal is saved (fsync) before the write. After the commit has moved HEAD, the journal is deleted.

So whatever kills a command — SIGKILL, power loss, a full disk — the next command finds either no
journal (nothing was written, or everything was committed) or a journal, and then, under the store
lock: if HEAD moved to the transaction's own commit, the commit is complete (the journal is simply
dropped); otherwise every file is put back as it was, new files and folders and temporary `.part`
files are removed, and the index entries are reset — the old state, explicitly.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

from aftercare.store.fsutil import atomic_write, locked, remove_file

from aftercare.store.stamps import JOURNAL, SYNC_JOURNAL  # noqa: F401 (the callers' names)


class Journal:
    def __init__(self, root: Path, git_dir: Path, git):
        self.root = root
        self.dir = git_dir / JOURNAL
        self.git = git
        self.entries: list[dict] = []
        self.head: str | None = None
        self.message: str | None = None

    # ---------------------------------------------------------------- before writing

    def before_change(self, path: Path) -> None:
        """Record `path` (its old version kept) before the transaction first changes it."""
        rel = os.path.relpath(path, self.root)
        if any(e["path"] == rel for e in self.entries):
            return
        if not self.entries:
            shutil.rmtree(self.dir, ignore_errors=True)
            os.mkdir(self.dir, 0o700)
            self.head = self.git.head()
        dirs = []
        p = path.parent
        while not p.exists() and p != self.root:
            dirs.append(os.path.relpath(p, self.root))
            p = p.parent
        backup = None
        if os.path.lexists(path):
            backup = f"b{len(self.entries)}"
            try:
                os.link(path, self.dir / backup, follow_symlinks=False)
            except OSError:
                atomic_write(self.dir / backup, path.read_bytes())
        self.entries.append({"path": rel, "backup": backup, "dirs": dirs})
        self._save()

    def before_commit(self, message: str) -> None:
        self.message = message
        self._save()

    def _save(self) -> None:
        data = {"head": self.head, "message": self.message, "entries": self.entries}
        atomic_write(self.dir / "journal.json", json.dumps(data, ensure_ascii=False).encode("utf-8"))

    # ---------------------------------------------------------------- after

    def done(self) -> None:
        """The commit moved HEAD: the old versions are no longer needed."""
        self.entries = []
        shutil.rmtree(self.dir, ignore_errors=True)

    def rollback(self) -> int:
        """Put every file back as it was; returns how many files were touched."""
        n = 0
        for e in reversed(self.entries):
            path = self.root / e["path"]
            if e["backup"]:
                backup = self.dir / e["backup"]
                if os.path.lexists(backup):
                    os.replace(backup, path)
            else:
                remove_file(path)
            n += 1
            _remove_parts(path.parent)
            for d in e["dirs"]:                     # deepest first
                with contextlib.suppress(OSError):
                    _remove_parts(self.root / d)
                    os.rmdir(self.root / d)
        paths = [e["path"] for e in self.entries]
        if paths and self.head:
            self.git.run("reset", "-q", "--", *paths, check=False)
        elif paths:
            self.git.run("rm", "-q", "--cached", "--ignore-unmatch", "--", *paths, check=False)
        self.done()
        return n


def prune_emptied(root: Path, paths: list) -> None:
    """The folders that a commit's removed files left empty (a renumbered case's old folder), up to
    the store's top: git keeps no folders, and an empty case folder would read as a broken case."""
    for rel in paths:
        folder = (root / rel).parent
        if (root / rel).exists():
            continue
        while folder != root and root in folder.parents:
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = folder.parent


def _remove_parts(folder: Path) -> None:
    """Temporary files of an interrupted atomic write."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(".tmp-") and name.endswith(".part"):
            remove_file(folder / name)


def recover(root: Path, git_dir: Path, git) -> str | None:
    """Finish what an interrupted command left: roll it back, or drop the journal of a commit that
    was made. Returns a Chinese notice for the user, or None when there was nothing to do."""
    jdir = git_dir / JOURNAL
    if not jdir.exists():
        return None
    with locked(git_dir / "aftercare.lock"):
        if not jdir.exists():
            return None                             # another command recovered meanwhile
        try:
            data = json.loads((jdir / "journal.json").read_bytes())
        except (OSError, ValueError):
            shutil.rmtree(jdir, ignore_errors=True)  # killed before its first record: nothing was written
            return None
        if "layout" in data:                        # case folders being moved into buckets (store/layout.py)
            from aftercare.store import layout

            notice = layout.recover(root, git, data)
            shutil.rmtree(jdir, ignore_errors=True)
            return notice
        j = Journal(root, git_dir, git)
        j.entries, j.head, j.message = data["entries"], data["head"], data["message"]
        head = git.head()
        if head != j.head:
            made = git.run("log", "-1", "--format=%B", check=False).strip() if head else ""
            if j.message and made == j.message.strip():
                for e in j.entries:
                    _remove_parts((root / e["path"]).parent)
                git.run("reset", "-q", "--", *[e["path"] for e in j.entries], check=False)
                prune_emptied(root, [e["path"] for e in j.entries])
                j.done()
                return "注意：上一个命令在提交之后被中断，其提交已完整保存"
            j.done()
            return "注意：上一个命令被中断，其后案卷库已有新的提交；请运行 aftercare check 检查"
        n = j.rollback()
        return f"注意：上一个命令被中断，已撤销它未提交的写入（{n} 个文件），案卷库恢复原状"
