"""Git, called with a clean environment and paths after `--`.

Commits are built with plumbing, without an index: the changed files are hashed, only the trees on
their paths are rebuilt (read by one `cat-file --batch` while the files are hashed, written by one
`mktree --batch`, bottom-up), then commit-tree and update-ref as a compare-and-swap. Cost grows with
the depth of the paths, not with the size of the store; exactly the paths of the action are
committed, whatever else is staged. A commit is six git processes (update-index beside cat-file with
hash-object, then mktree, commit-tree, update-ref): HEAD is read from the repository's files where
that is unambiguous (`head`); the real index is updated while the trees are made, HEAD moved last.
The case folders are in buckets of at most 100 (`stamps.case_rel`), so the trees a record rewrites
stay small (a county's `cases/` holds a few hundred buckets); a tree larger than SPLICE_BYTES all the
same is not listed entry by entry: the changed sub-folder's entry is replaced in its bytes and the
tree written by a `hash-object -t tree` beside mktree.
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
            raise _failed(what, proc.stderr, self.cwd)
        return proc.stdout.decode("utf-8", "replace")

    def proc(self, *args: str) -> subprocess.CompletedProcess:
        """Run git and return the finished process (bytes output), whatever its exit code."""
        return subprocess.run(["git", *args], cwd=self.cwd, env=clean_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)

    def ok(self, *args: str) -> bool:
        return subprocess.run(["git", *args], cwd=self.cwd, env=clean_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    def head(self) -> str | None:
        """The commit HEAD points to (None on a branch without commits)."""
        found = read_head(os.path.join(self.cwd, ".git"))
        if found is not _UNKNOWN:
            return found
        out = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=self.cwd,
                             env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return out.stdout.decode().strip() or None

    def prefix(self) -> str:
        """The working folder relative to the top of the work tree ("" at the top, where a store is)."""
        if os.path.isdir(os.path.join(self.cwd, ".git")) and not _has_core_worktree(os.path.join(self.cwd, ".git")):
            return ""
        return self.run("rev-parse", "--show-prefix", what="git").strip()

    def commit(self, paths: Sequence[str], message: str, git_dir: Path, extra_parents: Sequence[str] = (),
               meanwhile=None) -> str:
        """Commit exactly `paths` (added, changed or removed) on top of HEAD. Returns the commit id.
        `meanwhile()` is called once the commit object is written, while git may still be updating its
        index (in a large store the longest step), before HEAD moves."""
        index_free(git_dir)
        head = self.head()
        # keep the real index in step so that `git status` stays clean: it needs only the files, so it
        # runs while the trees are read, computed and written (in a large store git's rewrite of its
        # index is the longest step); HEAD moves only once both are done
        split = ["--split-index"] if split_wanted(git_dir) else []
        indexing = subprocess.Popen(["git", "update-index", *split, "--add", "--remove", "--", *paths], cwd=self.cwd,
                                    env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            try:
                tree = self.tree_with(head, paths)
                parents = ["-p", head] if head else []
                for p in extra_parents:
                    parents += ["-p", p]
                commit = self.run("commit-tree", tree, *parents, "-m", message, what="git 提交").strip()
                if meanwhile is not None:
                    meanwhile()
            finally:
                said = indexing.communicate()[1]        # waited for, whatever happened: the index is git's again
            if indexing.returncode != 0:
                raise _failed("git 更新索引", said, self.cwd)
            self.run("update-ref", "-m", "aftercare: " + message.splitlines()[0], "HEAD", commit,
                     head or "0" * 40, what="git 更新分支")
        except BaseException:
            self.run("reset", "-q", "--", *paths, check=False)      # the index as it was
            raise
        return commit

    def tree_with(self, head: str | None, paths: Sequence[str]) -> str:
        """The tree of HEAD with `paths` (relative to the working folder) set to the files on disk,
        or removed where the file no longer exists."""
        prefix = self.prefix()
        keys = {p: (prefix + p).replace(os.sep, "/").encode("utf-8") for p in paths}
        # the folders on the paths: b"" the top, then b"cases/", b"cases/2026-00xx/", b"cases/2026-00xx/2026-0001/" ...
        folders = sorted({b""} | {k[:i + 1] for k in keys.values() for i in range(len(k)) if k[i:i + 1] == b"/"})
        if any(b"\n" in f for f in folders):
            raise GitError("git 提交失败：路径中不能有换行符", code="git-failed")
        reading = self._read_trees(head, folders) if head else None      # runs while the files are hashed
        try:
            present = [p for p in paths if os.path.isfile(os.path.join(self.cwd, p))]
            shas = self.run("hash-object", "-w", "--", *present, what="git 写入对象").split() if present else []
        except BaseException:
            if reading is not None:
                reading(cancel=True)
            raise
        changes: dict = {keys[p]: None for p in paths}
        for p, sha in zip(present, shas):
            changes[keys[p]] = sha
        base = reading() if reading is not None else {}
        hexlen = len(shas[0]) if shas else len(head or "0" * 40)
        new: dict = {}           # folder -> (sha, mktree input or None, raw body or None), computed deepest first
        for folder in sorted(folders, key=lambda f: -f.count(b"/")):
            files = {path[len(folder):]: sha for path, sha in changes.items()
                     if path.startswith(folder) and b"/" not in path[len(folder):]}
            subs = {sub[len(folder):-1]: sub for sub in folders
                    if sub != folder and sub.startswith(folder) and b"/" not in sub[len(folder):-1]}
            old = base.get(folder)
            body = _spliced(old[1], subs, base, new) if old and len(old[1]) > SPLICE_BYTES and not files else None
            if body is not None:
                new[folder] = (_object_id(b"tree", body, hexlen), None, body)
                continue
            entries = _parse_tree(old[1], len(old[0]) // 2) if old else {}
            for name, sha in files.items():
                if sha is None:
                    entries.pop(name, None)
                else:
                    entries[name] = (b"100644", sha)      # always a regular file: never a symlink (120000)
            for name, sub in subs.items():
                if sub in new:
                    entries[name] = (b"40000", new[sub][0])
                else:
                    entries.pop(name, None)               # left empty: git keeps no empty folder
            if entries:
                new[folder] = (*_tree_object(entries, hexlen), None)
        if b"" not in new:
            return self.run("mktree", input=b"", what="git 写入树").strip()
        return self._write_trees(new)

    def _write_trees(self, new: dict) -> str:
        """Write the trees computed by `tree_with`: the large ones spliced from HEAD's as they are (one
        `hash-object -t tree` each, which checks their form), the others by one `mktree --batch`, side by
        side; every id git returns must be the one computed here. Returns the top tree's id."""
        order = sorted(new, key=lambda f: -f.count(b"/"))
        raw = [f for f in order if new[f][2] is not None]
        listed = [f for f in order if new[f][2] is None]
        writers = [(f, subprocess.Popen(["git", "hash-object", "-w", "-t", "tree", "--stdin"], cwd=self.cwd,
                                        env=clean_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)) for f in raw]
        written = {}
        try:
            if listed:
                # beside a spliced tree that mktree would not yet find, the children are checked by id below
                batch = b"\0".join(new[f][1] for f in listed) + b"\0"
                out = self.run("mktree", "-z", "--batch", *(["--missing"] if raw else []), input=batch,
                               what="git 写入树").split()
                written.update(zip(listed, out))
        finally:
            for f, proc in writers:
                out, err = proc.communicate(new[f][2])
                if proc.returncode != 0:
                    raise _failed("git 写入树", err, self.cwd)
                written[f] = out.decode().strip()
        if written != {f: new[f][0] for f in order}:      # git disagrees with the trees computed here: write nothing
            raise GitError("git 写入树失败：树对象与预期不符", code="git-failed")
        return new[b""][0]

    def _read_trees(self, head: str, folders: list):
        """Start reading HEAD's trees at `folders` (b"" the top, b"a/b/" below it) with one `git cat-file
        --batch`; the returned function gives {folder: (tree id, tree object body)} (a folder that is not a
        tree in HEAD is left out), or with cancel=True stops the reader."""
        names = [f"{head}^{{tree}}".encode() if f == b"" else head.encode() + b":" + f[:-1] for f in folders]
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.cwd, env=clean_env(), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        def finish(cancel: bool = False) -> dict:
            if cancel:
                proc.kill()
                proc.communicate()
                return {}
            out, err = proc.communicate(b"".join(n + b"\n" for n in names))
            if proc.returncode != 0:
                raise GitError(f"git 读取树失败：{_first_line(err)}", code="git-failed")
            pos, trees = 0, {}
            for f in folders:
                eol = out.index(b"\n", pos)
                line = out[pos:eol]
                pos = eol + 1
                if line.endswith((b" missing", b" ambiguous")):      # no such folder in HEAD
                    continue
                oid, kind, size = line.split()
                body = out[pos:pos + int(size)]
                pos += int(size) + 1
                if kind == b"tree":
                    trees[f] = (oid.decode(), body)
            return trees

        return finish


def _parse_tree(body: bytes, rawlen: int) -> dict:
    """A tree object's entries: {name: (mode, hex sha)}."""
    entries, i = {}, 0
    while i < len(body):
        sp = body.index(b" ", i)
        nul = body.index(b"\0", sp)
        entries[body[sp + 1:nul]] = (body[i:sp], body[nul + 1:nul + 1 + rawlen].hex())
        i = nul + 1 + rawlen
    return entries


SPLICE_BYTES = 16 * 1024      # a tree larger than this (`cases/` with ~450 buckets) is changed in place, not listed


def _spliced(body: bytes, subs: dict, base: dict, new: dict) -> bytes | None:
    """A large tree with only sub-folder entries changed, each replaced in place in its bytes (the order
    stays git's): found by mode, name and its id in HEAD together, which occurs once or not at all. None
    when that does not fit (a file of this folder changed, a sub-folder new or emptied): then listed."""
    for name, sub in subs.items():
        if sub not in base or sub not in new:
            return None
        old = b"40000 " + name + b"\0" + bytes.fromhex(base[sub][0])
        at = body.find(old)
        if at < 0 or body.find(old, at + 1) >= 0:
            return None
        body = body[:at] + b"40000 " + name + b"\0" + bytes.fromhex(new[sub][0]) + body[at + len(old):]
    return body


def _object_id(kind: bytes, body: bytes, hexlen: int) -> str:
    import hashlib

    h = hashlib.sha256() if hexlen == 64 else hashlib.sha1()
    h.update(kind + b" %d\0" % len(body) + body)
    return h.hexdigest()


def _tree_object(entries: dict, hexlen: int) -> tuple:
    """(sha, input of `git mktree -z`) of the tree holding `entries` {name: (mode, hex sha)}; the sha is
    computed here, in git's order (a folder sorts as "name/"), so that one mktree writes every tree."""
    names = sorted(entries, key=lambda n: n + b"/" if entries[n][0] == b"40000" else n)
    body = b"".join(entries[n][0] + b" " + n + b"\0" + bytes.fromhex(entries[n][1]) for n in names)
    kinds = {b"40000": b"tree", b"160000": b"commit"}
    lines = b"".join(entries[n][0] + b" " + kinds.get(entries[n][0], b"blob") + b" " + entries[n][1].encode()
                     + b"\t" + n + b"\0" for n in names)
    return _object_id(b"tree", body, hexlen), lines


_UNKNOWN = object()


def read_head(git_dir: str):
    """HEAD's commit read from the files of a repository folder `.git` (a loose or packed branch ref,
    or a detached HEAD): the id, None for a branch without commits, or _UNKNOWN where only git can
    tell (no such folder, a reftable, a symbolic ref within a ref, anything unexpected)."""
    try:
        if not os.path.isdir(git_dir) or os.path.exists(os.path.join(git_dir, "reftable")):
            return _UNKNOWN
        with open(os.path.join(git_dir, "HEAD"), "rb") as fh:
            text = fh.read().decode("ascii").strip()
        if _is_oid(text):
            return text
        if not text.startswith("ref: refs/heads/"):
            return _UNKNOWN
        ref = text[5:]
        if ".." in ref or "\\" in ref:
            return _UNKNOWN
        try:
            with open(os.path.join(git_dir, *ref.split("/")), "rb") as fh:
                value = fh.read().decode("ascii").strip()
            return value if _is_oid(value) else _UNKNOWN
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            pass
        try:
            with open(os.path.join(git_dir, "packed-refs"), "rb") as fh:
                packed = fh.read().decode("utf-8")
        except FileNotFoundError:
            return None                        # no commit on the branch yet
        for line in packed.splitlines():
            oid, _sp, name = line.partition(" ")
            if name == ref and _is_oid(oid):
                return oid
        return None
    except (OSError, UnicodeDecodeError):
        return _UNKNOWN


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


SPLIT_BYTES = 4 * 1024 * 1024      # an index this large (~8,000 persons) is split


def split_wanted(git_dir) -> bool:
    """Whether this commit's index update should (re)write git's index in split mode: git rewrites its
    whole index on every update (11 MB at 20,000 persons, ~55 ms); split, it writes only its own part
    (the entries changed since the shared part `.git/sharedindex.*`, the tree and untracked caches) and
    reads both (~30 ms). Git adds to its own part the entries it updated in place (a refresh of their
    times after many files were rewritten), and writes a new shared part only for new paths: an own
    part half the size of the shared one is folded into a new shared part the same way. Only an index
    of SPLIT_BYTES or more is split; never when the repository's or the user's configuration says
    anything of core.splitIndex (git's own setting then decides), nor over a shared part left by
    `git update-index --no-split-index`."""
    try:
        size = os.stat(os.path.join(git_dir, "index")).st_size
        if _names_split_index(git_dir):
            return False
        shared = [os.path.join(git_dir, n) for n in os.listdir(git_dir) if n.startswith("sharedindex.")]
        if not shared:
            return size >= SPLIT_BYTES        # not split yet
        if size * 2 < min(os.stat(p).st_size for p in shared):
            return False                      # split, its own part small
        linked = _shared_part(git_dir)        # None: split undone by hand, its shared parts left behind
        return linked is not None and size * 2 >= os.stat(linked).st_size
    except OSError:
        return False


def _names_split_index(git_dir) -> bool:
    """Whether the repository's or the user's git configuration says anything of core.splitIndex (a user
    who keeps index files readable by libgit2 tools says it once, globally)."""
    from aftercare.store.stamps import user_git_files

    for path in (os.path.join(git_dir, "config"), *user_git_files()[:2]):
        try:
            with open(path, "rb") as fh:
                if b"splitindex" in fh.read().lower():
                    return True
        except FileNotFoundError:
            pass
    return False


def _shared_part(git_dir) -> str | None:
    """The shared part that git's index links to (its `link` extension names it), or None."""
    with open(os.path.join(git_dir, "index"), "rb") as fh:
        data = fh.read()
    at = data.find(b"link")
    while at >= 0:
        for n in (20, 32):                     # SHA-1 or SHA-256 repositories
            path = os.path.join(git_dir, f"sharedindex.{data[at + 8:at + 8 + n].hex()}")
            if int.from_bytes(data[at + 4:at + 8], "big") >= n and os.path.isfile(path):
                return path
        at = data.find(b"link", at + 1)
    return None


def _has_core_worktree(git_dir: str) -> bool:
    """Whether the repository's config names another work tree (then only git knows the prefix)."""
    try:
        with open(os.path.join(git_dir, "config"), "rb") as fh:
            return b"worktree" in fh.read().lower()
    except OSError:
        return True


def index_free(git_dir: Path) -> None:
    """Refused while another git holds the index lock; one left by a killed git is removed."""
    lock = Path(git_dir) / "index.lock"
    if lock.exists() and not clear_stale_lock(lock):
        raise GitError("git 索引被锁定（.git/index.lock 存在），另一个 git 操作正在进行；"
                       "等它结束后再试", code="git-locked")


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


FULL_BYTES = 1024 * 1024        # less free space than this where git writes: a failed write was for want of it


def _failed(what: str, stderr: bytes, where) -> GitError:
    """The error of a git step that failed, in its words; a full disk said as such, also where git's
    words do not say why (a ref it could not write: `couldn't write '….lock'`) but the disk is full."""
    said = _first_line(stderr)
    if any(w in said for w in DISK_FULL_WORDS) or _disk_full(where):
        return GitError(f"{what}失败：磁盘空间已满（{said}）", code="git-failed")
    return GitError(f"{what}失败：{said}", code="git-failed")


def _disk_full(where) -> bool:
    """Whether the filesystem of `where` has (almost) no room left for this user: bytes or inodes."""
    try:
        st = os.statvfs(where)
    except (OSError, AttributeError):
        return False
    root = hasattr(os, "geteuid") and os.geteuid() == 0       # root may use the blocks kept for it
    free = (st.f_bfree if root else st.f_bavail) * st.f_frsize
    return free < FULL_BYTES or (st.f_files > 0 and (st.f_ffree if root else st.f_favail) == 0)


def _first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("hint:"):
            if "Please tell me who you are" in text or "Author identity unknown" in text or "empty ident" in text:
                return "未设置 git 用户名/邮箱，请运行 git config user.name \"姓名\" 与 git config user.email \"邮箱\""
            return line
    return "（无输出）"
