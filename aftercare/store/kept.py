"""Kept commits: a commit that a repair could not put on the branch, kept under a ref so that it is never lost.

A `sync` killed while git rebased leaves a detached HEAD; a commit made there (by a command that did
not repair the state first, or by hand) belongs to no branch. The repair (`sync.recover`) takes each
such commit onto the branch again (a cherry-pick with the YAML merge driver). Before it touches
anything it keeps every one of them under `refs/aftercare/kept/<commit>` — a ref, so `git gc` keeps
the commit and its files — and drops the ref once the commit is on the branch. A commit that cannot
be taken along (it changes the same field as a commit on the branch, to another value) stays kept:
`check` reports it until the user re-applies it (`aftercare kept apply`) or drops it (`aftercare kept
drop`, after entering what it held by hand, or deciding it is not needed).
"""

from __future__ import annotations

import json
from pathlib import Path

from aftercare.core.errors import AftercareError
from aftercare.core.model import Problem
from aftercare.store.fsutil import atomic_write, locked, remove_file
from aftercare.store.stamps import case_of_path

KEPT = "refs/aftercare/kept/"


def keep(git, commit: str) -> None:
    git.run("update-ref", KEPT + commit, commit, what="git 保存提交")


def drop_ref(git, commit: str) -> None:
    git.run("update-ref", "-d", KEPT + commit, check=False)


def kept_commits(git) -> list:
    """The kept commits, oldest first."""
    out = git.run("for-each-ref", "--sort=authordate", "--format=%(objectname)", KEPT, check=False)
    return out.split()


def is_kept(git, commit: str) -> bool:
    return git.ok("rev-parse", "-q", "--verify", KEPT + commit)


def describe(git, commit: str) -> dict:
    """What a user needs to recognise a kept commit: when, who, what, which files and cases."""
    meta = git.run("show", "-s", "--date=format:%Y-%m-%d %H:%M", "--format=%ad%x1f%an%x1f%s", commit, check=False)
    when, author, subject = (meta.strip().split("\x1f") + ["", "", ""])[:3]
    files = git.run("diff-tree", "--no-commit-id", "--name-only", "-r", "-z", commit, check=False).split("\0")
    files = [f for f in files if f]
    cases = sorted({found[0] for found in map(case_of_path, files) if found is not None})
    return {"commit": commit, "short": commit[:7], "when": when, "author": author, "subject": subject,
            "files": files, "cases": cases}


def changes(git, commit: str) -> list:
    """The lines the commit added (+) and removed (-), by file."""
    out = git.run("show", "--format=", "--no-color", "-U0", "--no-ext-diff", commit, check=False)
    lines = []
    for ln in out.splitlines():
        if ln.startswith("+++ b/"):
            lines.append(ln[6:] + ":")
        elif ln[:1] in "+-" and not ln.startswith(("+++", "---")):
            lines.append("  " + ln)
    return lines


def who(d: dict) -> str:
    cases = f"个案 {'、'.join(d['cases'])}，" if d["cases"] else ""
    return f"{d['short']}（{cases}{d['when']} {d['author']}：{d['subject']}）"


def todo(short: str) -> str:
    return (f"运行 aftercare kept list 查看其内容，核实后用 aftercare kept apply {short} 接回；"
            f"已按其内容重新录入或确认不需要时，用 aftercare kept drop {short} 放弃")


def problems(store) -> list:
    """`check`: every kept commit is a problem until it is re-applied or dropped."""
    if store.git_dir is None:
        return []
    out: list[Problem] = []
    for c in kept_commits(store.git):
        d = describe(store.git, c)
        out.append(Problem(d["files"][0] if d["files"] else KEPT + c, 1, "kept-commit",
                           f"中断的同步之后做的提交 {who(d)} 未能接回分支，保存在 {KEPT}{c}，尚未处理", todo(d["short"])))
    return out


# ---------------------------------------------------------------- taking commits onto the branch

def on_branch(git, commit: str) -> bool:
    """The commit's change is already on the branch (a commit with the same patch is in HEAD's history)."""
    out = git.run("cherry", "HEAD", commit, f"{commit}~1", check=False)
    return any(ln.startswith("- ") for ln in out.splitlines())


def reapply(root: Path, git_dir: Path, git, commits: list) -> tuple[list, list]:
    """Take kept commits onto the branch, oldest first, each with the YAML merge driver. Returns
    (taken or found already there, [(commit, conflicts)]). The caller drops the refs of those taken
    once its journal is gone: until then a kill leaves every one of them kept (a repair that starts
    over from the branch's old tip takes them all along again)."""
    from aftercare.store.sync import CONFLICTS, _git_merging, read_conflicts

    taken, failed = [], []
    for c in commits:
        if not on_branch(git, c):
            remove_file(git_dir / CONFLICTS)
            if not _git_merging(root, git_dir, ["cherry-pick", c]):
                unmerged = git.run("diff", "--name-only", "--diff-filter=U", check=False).split()
                empty = not unmerged and git.ok("diff", "--cached", "--quiet", "HEAD")
                found = read_conflicts(git_dir) + [{"path": f} for f in unmerged]
                if not git.ok("cherry-pick", "--abort"):
                    git.run("reset", "-q", "--merge", check=False)
                remove_file(git_dir / CONFLICTS)
                if not empty:                       # (empty: what it changes, the branch has already)
                    failed.append((c, found))
                    continue
        taken.append(c)
    return taken, failed


def conflict_text(git, commit: str, found: list) -> str:
    """Why a kept commit could not be taken along: the field and both values, when known."""
    fields = [f for f in found if f.get("field")]
    if not fields:
        files = "、".join(sorted({f["path"] for f in found if f.get("path")})) or "同一文件"
        return f"与分支上的改动冲突（{files}的同一处）"
    f = fields[0]
    found = case_of_path(f["path"])
    where = f"个案 {found[0]} 的 {f['field']}" if found and found[1] == "case.yaml" else f"{f['path']} 的 {f['field']}"
    more = f"，另有 {len(fields) - 1} 处" if len(fields) > 1 else ""
    return f"与分支上的改动冲突：{where}在分支上是 {f['remote']}，该提交改成了 {f['local']}{more}"


def failed_notice(git, failed: list) -> str:
    """One line per commit that could not be taken along: which, why, where it is kept, what to do."""
    lines = []
    for c, found in failed:
        d = describe(git, c)
        lines.append(f"注意：中断后另做的提交 {who(d)} {conflict_text(git, c, found)}，未能接回分支；"
                     f"它已完整保存在 {KEPT}{c}，不会丢失；{todo(d['short'])}")
    return "\n".join(lines)


# ---------------------------------------------------------------- the kept commands

def resolve(git, given: str) -> str:
    """The kept commit that a (possibly abbreviated) commit ID names."""
    given = given.strip().lower()
    hexits = given and all(ch in "0123456789abcdef" for ch in given)
    hits = [c for c in kept_commits(git) if c.startswith(given)] if hexits else []
    if not hits:
        raise AftercareError(f"没有保存的提交“{given}”（运行 aftercare kept list 查看保存的提交及其编号）", code="no-kept")
    if len(hits) > 1:
        raise AftercareError(f"“{given}”对应多个保存的提交，请写出更长的编号（aftercare kept list）", code="ambiguous-kept")
    return hits[0]


def apply(store, given: str) -> str:
    """`kept apply`: take one kept commit onto the branch (one commit), or say exactly what collides."""
    from aftercare.store import hygiene
    from aftercare.store.journal import SYNC_JOURNAL
    from aftercare.store.sync import tree_clean

    store.require_own_repo()
    git = store.git
    with locked(store.git_dir / "aftercare.lock"):
        hygiene.secure(store.root, store.git_dir, writing=True)
        c = resolve(git, given)
        branch = git.run("symbolic-ref", "--short", "-q", "HEAD", check=False).strip()
        if not branch:
            raise AftercareError("当前不在任何分支上（detached HEAD），无法接回保存的提交", code="no-branch")
        if not git.ok("diff", "--quiet", "HEAD", "--"):
            raise AftercareError("案卷库有未提交的改动（运行 aftercare check 查看），请先处理再接回保存的提交", code="uncommitted")
        d = describe(git, c)
        # a kill from here on is repaired by the next command (sync.recover), as for a killed sync
        data = {"branch": branch, "tip": git.head(), "step": None, "kept": [c], "what": "kept", "clean": tree_clean(git)}
        atomic_write(store.git_dir / SYNC_JOURNAL, json.dumps(data).encode())
        before = git.head()
        taken, failed = reapply(store.root, store.git_dir, git, [c])
        remove_file(store.git_dir / SYNC_JOURNAL)
        for t in taken:
            drop_ref(git, t)
        hygiene.settled(store.git_dir)
    if failed:
        raise AftercareError(f"保存的提交 {d['short']} {conflict_text(git, c, failed[0][1])}，未能接回，什么也没有改；"
                             f"请核实哪个值正确：用 aftercare case set 把分支上的值改成正确的值后，"
                             f"运行 aftercare kept drop {d['short']} 放弃它（或改成与该提交相同的值后再运行 aftercare kept apply {d['short']}）",
                             code="kept-conflict")
    if git.head() == before:
        return f"保存的提交 {who(d)} 的改动分支上已经有了，无需接回；已删除它的保存"
    return f"已把保存的提交 {who(d)} 接回分支"


def drop(store, given: str) -> str:
    """`kept drop`: the user has dealt with a kept commit; forget it (git may then delete it)."""
    store.require_own_repo()
    with locked(store.git_dir / "aftercare.lock"):
        c = resolve(store.git, given)
        d = describe(store.git, c)
        drop_ref(store.git, c)
    return f"已放弃保存的提交 {who(d)}：check 不再报告它，它的内容不再保留"

