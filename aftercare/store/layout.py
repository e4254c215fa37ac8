"""Case folders in buckets (store layout 2), and moving a store written before them.

A case lives in `cases/<bucket>/<case-id>/` (`stamps.case_rel`). Stores written before buckets keep it
in `cases/<case-id>/`; every command reads both (`stamps.case_folders`). The first write command on a
store with any such folder, or `aftercare migrate`, first moves them into their buckets as one commit
of its own ("Move case folders into buckets (store layout 2): N cases"; `migrate`):

1. the new trees are computed from HEAD's (git plumbing: the same blobs and case-folder trees under new
   paths, nothing rewritten) and written, and the commit is made;
2. the journal (`.git/aftercare-journal/journal.json`, key "layout": old and new commit, the moves) is
   saved, then HEAD moves to the commit (compare-and-swap);
3. the folders are renamed in the work tree and git's index entries moved with them; the journal is
   dropped.

Killed before HEAD moved: the old commit with the old files (the next command drops the journal).
Killed after: the next command (`recover`, from journal.recover) finishes the renames and the index.

An old-layout folder of a case that also has its folder in the bucket (brought by a merge from an
office still on the old program) is merged into it file by file; a file present in both with other
contents is refused before anything is written, naming the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from aftercare.core.errors import AftercareError
from aftercare.core.ids import CASE_ID_RE
from aftercare.store.fsutil import atomic_write
from aftercare.store.gitops import GitError, _parse_tree, _tree_object, clean_env, clear_stale_lock, index_free
from aftercare.store.stamps import BUCKET_TAIL, CASES, JOURNAL, case_rel

MESSAGE = "Move case folders into buckets (store layout 2): {n} case{s}"
TREE = b"40000"


def old_folders(root) -> list[str]:
    """The IDs of the case folders still in the old layout (`cases/<case-id>/`) in the work tree: one
    scan of `cases/` (a bucket's name ends in "xx"; a folder of that name is also an old case folder
    when it holds case.yaml). A folder whose name is no case ID stays where it is (`check` names it)."""
    try:
        with os.scandir(os.path.join(root, CASES)) as it:
            names = [e.name for e in it if not e.name.startswith(".") and e.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(n for n in names if CASE_ID_RE.match(n) and ".." not in n
                  and (not n.endswith(BUCKET_TAIL) or os.path.isfile(os.path.join(root, CASES, n, "case.yaml"))))


def history_paths(cid: str) -> list[str]:
    """The pathspecs of a case's folder over its whole history: in its bucket, and where the old layout
    kept it (only its own files there when the old folder is also the bucket's: an ID ending in "xx")."""
    new = case_rel(cid)
    old = f"{CASES}/{cid}"
    if new.startswith(old + "/"):
        return [new, old + "/case.yaml", old + "/events"]
    return [new, old]


def settle(store) -> int:
    """Under the store lock, before a write: move any old-layout folder (`migrate`). Returns how many."""
    if not old_folders(store.root):
        return 0
    return migrate(store)


def migrate(store) -> int:
    """Move the old-layout case folders into their buckets: one commit (when any is tracked by git),
    then the work tree. The caller holds the store lock. Returns the number of cases moved."""
    root, git = store.root, store.git
    cids = old_folders(root)
    if not cids:
        return 0
    index_free(store.git_dir)
    moves = _work_moves(root, cids)
    _refuse_clashes(root, moves)
    head = git.head()
    plan = _Plan(git, head, cids) if head else None
    commit = None
    if plan is not None and plan.moved:
        tree = plan.write()
        n = len(plan.moved)
        message = MESSAGE.format(n=n, s="" if n == 1 else "s")
        commit = git.run("commit-tree", tree, "-p", head, "-m", message, what="git 提交").strip()
        jdir = store.git_dir / JOURNAL
        shutil.rmtree(jdir, ignore_errors=True)
        os.mkdir(jdir, 0o700)
        atomic_write(jdir / "journal.json", json.dumps({"layout": {"head": head, "commit": commit, "moves": moves}},
                                                       ensure_ascii=False).encode("utf-8"))
        try:
            git.run("update-ref", "-m", "aftercare: " + message, "HEAD", commit, head, what="git 更新分支")
        except GitError:
            shutil.rmtree(jdir, ignore_errors=True)
            raise
    _apply(root, moves)
    if commit is not None:
        _move_index(git, moves)
        shutil.rmtree(store.git_dir / JOURNAL, ignore_errors=True)
    from aftercare.store import hygiene

    hygiene.settled(store.git_dir)            # our own index update: no sweep needed for it
    store.forget_folders()
    return len(cids)


def recover(root: Path, git, data: dict) -> str:
    """Finish a move killed after HEAD moved to its commit (the renames, the index), or drop one killed
    before. Called with the store lock held, from journal.recover. Returns the notice."""
    lay = data["layout"]
    lock = Path(root) / ".git" / "index.lock"
    if lock.exists():
        clear_stale_lock(lock)                    # left by a git killed with the command
    head = git.head()
    done = head == lay["commit"] or (head is not None and git.ok("merge-base", "--is-ancestor", lay["commit"], head))
    if done:
        _apply(root, lay["moves"])
        _move_index(git, lay["moves"])
        return "注意：上一个命令在把个案文件夹移入分组（案卷库布局升级）时被中断，已完成移动，记录完整保留"
    return "注意：上一个命令在把个案文件夹移入分组（案卷库布局升级）之前被中断，未做任何更改；下一个写入命令会重新移动"


# ---------------------------------------------------------------- the work tree


def _work_moves(root: Path, cids: list) -> list:
    """[(from, to)] relative to the store, in order: a whole folder, or (an old folder that is also its
    own bucket) its own files one by one."""
    moves = []
    for cid in cids:
        old, new = f"{CASES}/{cid}", case_rel(cid)
        if new.startswith(old + "/"):
            for name in sorted(os.listdir(os.path.join(root, old))):
                p = os.path.join(root, old, name)
                if not name.startswith(".") and (name == "events" or not os.path.isdir(p)):
                    moves.append((f"{old}/{name}", f"{new}/{name}"))
        else:
            moves.append((old, new))
    return moves


def _refuse_clashes(root: Path, moves: list) -> None:
    """Where a moved file meets a file of the same name in the bucket's folder of that case with other
    contents: refused, before anything is written (never a line lost)."""
    for src, dst in moves:
        for a, b in _pairs(os.path.join(root, src), os.path.join(root, dst)):
            if os.path.isdir(a) != os.path.isdir(b) or (not os.path.isdir(a) and not _same_file(a, b)):
                _clash(src.split("/")[1], os.path.relpath(b, root), dst)


def _pairs(src: str, dst: str):
    """The paths under `src` whose counterpart under `dst` exists (the files that would collide)."""
    if not os.path.lexists(dst):
        return
    if not (os.path.isdir(src) and os.path.isdir(dst)):
        yield src, dst
        return
    for name in sorted(os.listdir(src)):
        yield from _pairs(os.path.join(src, name), os.path.join(dst, name))


def _same_file(a: str, b: str) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def _clash(cid: str, where: str, dst: str) -> None:
    raise AftercareError(f"个案 {cid} 有两个文件夹：旧位置 {CASES}/{cid} 与分组中的 {dst}，两处都有 {where.split('/')[-1]} 而内容不同"
                         f"（{where}），无法自动合并，未做任何更改；请核对两份，把应保留的内容并入 {dst} 后删去旧文件夹"
                         f"（git rm -r {CASES}/{cid}，git commit），再运行 aftercare migrate", code="case-twice")


def _apply(root: Path, moves: list) -> None:
    """Do the renames (each done at most once: a repeat after a kill goes on where it stopped), then
    remove the folders they emptied."""
    for src, dst in moves:
        _move(os.path.join(root, src), os.path.join(root, dst))
    for src, _dst in moves:
        folder = os.path.join(root, src)
        while os.path.isdir(folder) and folder != os.path.join(root, CASES) and not os.listdir(folder):
            os.rmdir(folder)
            folder = os.path.dirname(folder)


def _move(src: str, dst: str) -> None:
    if not os.path.lexists(src):
        return
    if not os.path.lexists(dst):
        os.makedirs(os.path.dirname(dst), mode=0o700, exist_ok=True)
        os.rename(src, dst)
    elif os.path.isdir(src) and os.path.isdir(dst):
        for name in sorted(os.listdir(src)):
            _move(os.path.join(src, name), os.path.join(dst, name))
        if not os.listdir(src):
            os.rmdir(src)
    elif not os.path.isdir(src) and not os.path.isdir(dst) and _same_file(src, dst):
        os.unlink(src)
    # else: left where it is (a hand edit since the check): `check` names the folder that remains


def _move_index(git, moves: list) -> None:
    """git's index entries of the moved files under their new paths (same blobs, same stage), then its
    file times refreshed, so that `git status` stays clean."""
    out = git.proc("ls-files", "-s", "-z", "--", CASES).stdout
    where = dict(moves)
    lines = []
    for ent in out.split(b"\0"):
        if not ent:
            continue
        meta, _tab, path = ent.partition(b"\t")
        rel = path.decode("utf-8", "surrogateescape")
        parts = rel.split("/")
        to = None
        for k in (3, 2):
            key = "/".join(parts[:k])
            if len(parts) >= k and key in where:
                to = where[key] + rel[len(key):]
                break
        if to is None:
            continue
        mode, sha, stage = meta.split()
        lines.append(b"0 " + b"0" * len(sha) + b"\t" + path)
        lines.append(mode + b" " + sha + b" " + stage + b"\t" + to.encode("utf-8", "surrogateescape"))
    if lines:
        git.run("update-index", "-z", "--index-info", input=b"\0".join(lines) + b"\0", what="git 更新索引")
        git.run("update-index", "-q", "--refresh", check=False)


# ---------------------------------------------------------------- the trees


class _Plan:
    """The trees of HEAD with the old-layout case folders in their buckets (computed here, written by
    one `mktree --batch`): `moved` the IDs moved in the commit."""

    def __init__(self, git, head: str, cids: list):
        self.git = git
        self.trees: dict = {}         # sha -> mktree input, in the order they must be written
        self.hexlen = len(head)
        self.reader = _Reader(git)
        self._plan(head, cids)

    def _plan(self, head: str, cids: list) -> None:
        self.moved = []
        top, cases = self.reader.trees([f"{head}^{{tree}}", f"{head}:{CASES}"])
        if top is None or cases is None:
            self.root = None
            return
        tracked = [(cid, cid.encode(), case_rel(cid).split("/")[1].encode()) for cid in cids
                   if cases.get(cid.encode(), (None,))[0] == TREE]
        names = sorted({bucket for _cid, _name, bucket in tracked if cases.get(bucket, (None,))[0] == TREE})
        buckets: dict = dict(zip(names, self.reader.trees([cases[n][1] for n in names])))   # name -> its entries
        for cid, name, bucket in tracked:
            buckets.setdefault(bucket, {})
            if bucket == name:                    # its own bucket: the case's own files move one level down
                own = {k: v for k, v in buckets[bucket].items() if k == b"events" or v[0] != TREE}
                if b"case.yaml" not in own:
                    continue
                for k in own:
                    del buckets[bucket][k]
                moving = self._tree(own)
            else:
                moving = cases.pop(name)[1]
            there = buckets[bucket].get(name)
            if there is not None and there[0] == TREE:
                moving = self._merged(there[1], moving, case_rel(cid), f"{CASES}/{cid}")
            elif there is not None:
                _clash(cid, case_rel(cid), case_rel(cid))
            buckets[bucket][name] = (TREE, moving)
            self.moved.append(cid)
        for bucket, entries in buckets.items():
            cases[bucket] = (TREE, self._tree(entries))
        top[b"cases"] = (TREE, self._tree(cases))
        self.root = self._tree(top)

    def _tree(self, entries: dict) -> str:
        sha, lines = _tree_object(entries, self.hexlen)
        self.trees.setdefault(sha, lines)
        return sha

    def _merged(self, ours: str, theirs: str, at: str, old: str) -> str:
        """The tree `ours` with the entries of `theirs` added (a folder merged with its namesake); a file
        of the same name with another blob: refused."""
        if ours == theirs:
            return ours
        a, b = self.reader.trees([ours, theirs])
        for name, ent in b.items():
            mine = a.get(name)
            if mine is None:
                a[name] = ent
            elif mine[1] != ent[1]:
                if mine[0] == TREE and ent[0] == TREE:
                    a[name] = (TREE, self._merged(mine[1], ent[1], f"{at}/{name.decode()}", old))
                else:
                    _clash(old.split("/")[1], f"{at}/{name.decode()}", case_rel(old.split("/")[1]))
        return self._tree(a)

    def write(self) -> str:
        """Write the new trees (children first); every id git returns must be the one computed here."""
        if not self.trees:
            return self.root
        batch = b"\0".join(self.trees.values()) + b"\0"
        out = self.git.run("mktree", "-z", "--batch", input=batch, what="git 写入树").split()
        if out != list(self.trees):
            raise GitError("git 写入树失败：树对象与预期不符", code="git-failed")
        return self.root


class _Reader:
    """Trees read from git, a batch at a time (one `git cat-file --batch` each)."""

    def __init__(self, git):
        self.git = git

    def trees(self, names: list) -> list:
        """{name: (mode, hex id)} of each tree named; None for a name that is no tree."""
        if not names:
            return []
        proc = subprocess.run(["git", "cat-file", "--batch"], cwd=self.git.cwd, env=clean_env(),
                              input="".join(n + "\n" for n in names).encode(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise GitError("git 读取树失败", code="git-failed")
        out, pos, found = proc.stdout, 0, []
        for _name in names:
            eol = out.index(b"\n", pos)
            head = out[pos:eol].split()
            pos = eol + 1
            if len(head) != 3:                    # "<name> missing"
                found.append(None)
                continue
            body = out[pos:pos + int(head[2])]
            pos += int(head[2]) + 1
            found.append(_parse_tree(body, len(head[0]) // 2) if head[1] == b"tree" else None)
        return found
