"""Sync a store with its git remote: fetch, rebase local commits on top, push.

Each clone appends only to its own event files (`events/<year>-<origin>.yaml`), so two clones that
record events for the same person rebase without conflict. Two clones that registered different
persons under the same new case number: the local case moves to the next free number (one commit)
and the histories are joined by a merge. If git still meets a conflict, the rebase is aborted: the
local commits stay exactly as they were, and the user is told which files collided.
"""

from __future__ import annotations

from aftercare.core.errors import AftercareError
from aftercare.store import Store, hygiene
from aftercare.store.fsutil import locked
from aftercare.store.store import CASES


def sync(store: Store, remote: str = "origin") -> str:
    git = store.git
    store.require_own_repo()
    with locked(store.git_dir / "aftercare.lock"):
        hygiene.secure(store.root, store.git_dir, writing=True)
        if not git.ok("remote", "get-url", remote):
            raise AftercareError(f"没有配置远程仓库“{remote}”：先运行 git remote add {remote} <共享仓库地址>", code="no-remote")
        branch = git.run("symbolic-ref", "--short", "-q", "HEAD", check=False).strip()
        if not branch:
            raise AftercareError("当前不在任何分支上（detached HEAD），无法同步", code="no-branch")
        git.run("fetch", "-q", remote, what="从远程仓库拉取")
        remote_ref = f"refs/remotes/{remote}/{branch}"
        pulled = 0
        renumbered: list = []
        if git.ok("rev-parse", "-q", "--verify", remote_ref):
            pulled = int(git.run("rev-list", "--count", f"HEAD..{remote_ref}").strip() or 0)
            if pulled:
                renumbered = _renumber_collisions(store, remote_ref)
            merges = int(git.run("rev-list", "--merges", "--count", f"{remote_ref}..HEAD").strip() or 0) if pulled else 0
            if renumbered or merges:
                # join the histories with a merge instead of replaying the local commits: a rebase
                # would drop the local merge commits (a transfer import, an earlier renumbering) and
                # replay what they joined. (After a renumbering, the renumbering commit makes it clean.)
                why = f"renumbered {', '.join(f'{a}→{b}' for a, b in renumbered)}" if renumbered else "keeps local merges"
                if not git.ok("-c", "merge.autoStash=true", "merge", "-q", "--no-edit", "-m",
                              f"Merge {remote}/{branch} (sync; {why})", remote_ref):
                    conflicts = git.run("diff", "--name-only", "--diff-filter=U", check=False).split()
                    git.run("merge", "--abort", check=False)
                    where = "、".join(conflicts[:5]) or "未知文件"
                    raise AftercareError(f"同步时合并冲突（{where}），已放弃合并，本地记录完整保留；请联系技术人员检查这些文件",
                                         code="sync-conflict")
            elif pulled:
                proc_ok = git.ok("-c", "rebase.autoStash=true", "rebase", "-q", remote_ref)
                if not proc_ok:
                    conflicts = git.run("diff", "--name-only", "--diff-filter=U", check=False).split()
                    git.run("rebase", "--abort", check=False)
                    where = "、".join(conflicts[:5]) or "未知文件"
                    raise AftercareError(f"同步冲突（{where}），已放弃变基，本地记录完整保留；"
                                         f"常见原因是两处同时登记了相同编号的个案，请改用 --id 重新登记后再同步",
                                         code="sync-conflict")
        pushed = int(git.run("rev-list", "--count", f"{remote_ref}..HEAD", check=False).strip() or 0) \
            if git.ok("rev-parse", "-q", "--verify", remote_ref) else int(git.run("rev-list", "--count", "HEAD").strip())
        if pushed:
            proc = git.proc("push", "--porcelain", remote, f"HEAD:refs/heads/{branch}")
            if proc.returncode != 0:
                raise AftercareError(f"推送失败：{push_failure_reason(proc.stdout + proc.stderr)}；本地记录完整保留"
                                     f"（已取得的远程记录也已合并），问题解决后再运行 aftercare sync 即可完成推送",
                                     code="push-failed")
            git.run("branch", "-q", f"--set-upstream-to={remote}/{branch}", check=False)
    msg = f"已同步：从 {remote} 取得 {pulled} 条提交，推送 {pushed} 条提交"
    for a, b in renumbered:
        msg += f"\n注意：本地新登记的个案 {a} 与其他办公室同时登记的个案编号相同，已改为 {b}"
    return msg


def _case_ids(store: Store, rev: str) -> dict:
    """case ID -> blob of its case.yaml at a revision."""
    prefix = store.git.run("rev-parse", "--show-prefix", check=False).strip() + CASES + "/"
    out = store.git.run("ls-tree", "-r", rev, "--", prefix, check=False)
    ids = {}
    for line in out.splitlines():
        meta, _, path = line.partition("\t")
        parts = path[len(prefix):].split("/")
        if len(parts) == 2 and parts[1] == "case.yaml":
            ids[parts[0]] = meta.split()[2]
    return ids


def _renumber_collisions(store: Store, remote_ref: str) -> list:
    """Cases registered here and on the remote under the same new number, for different persons:
    move the local one to the next free number, in one commit. Returns [(old, new)]."""
    from aftercare.actions.common import next_case_id

    git = store.git
    base = git.run("merge-base", "HEAD", remote_ref, check=False).strip()
    if not base:
        return []
    before, ours, theirs = _case_ids(store, base), _case_ids(store, "HEAD"), _case_ids(store, remote_ref)
    clashes = sorted(c for c in ours if c not in before and c in theirs and theirs[c] != ours[c])
    if not clashes:
        return []
    taken = sorted(set(ours) | set(theirs))
    moves = []
    with store.transaction() as tx:
        for old in clashes:
            year = old.split("-")[0] if old.split("-")[0].isdigit() else "0000"
            new = next_case_id(taken, int(year)) if year.isdigit() and len(year) == 4 else old + "-b"
            taken.append(new)
            src, dst = store.cases_dir / old, store.cases_dir / new
            for f in sorted(p for p in src.rglob("*") if p.is_file()):
                tx.write(dst / f.relative_to(src), f.read_bytes())
                tx.remove(f)
            moves.append((old, new))
        tx.commit("Renumber " + ", ".join(f"case {a} to {b}" for a, b in moves) + " (the number was taken on the remote)")
    for old, _new in moves:
        for d in sorted((store.cases_dir / old).rglob("*"), reverse=True):
            if d.is_dir():
                d.rmdir()
        (store.cases_dir / old).rmdir()
    return moves


_PUSH_REASONS = (
    (("fetch first", "non-fast-forward", "stale info"), "远程仓库在此期间有了新的提交（再运行一次 aftercare sync 即可）"),
    (("hook declined", "pre-receive", "update hook"), "远程仓库的检查钩子拒绝了这次推送"),
    (("permission denied", "403", "not allowed", "authentication failed", "access denied"), "没有向远程仓库推送的权限"),
    (("no space left", "disk quota"), "远程仓库所在磁盘已满"),
    (("could not resolve host", "connection refused", "connection timed out", "network is unreachable",
      "could not read from remote", "unable to access", "does not appear to be a git repository", "not found"),
     "连接不上远程仓库（网络或地址问题）"),
    (("protected branch", "shallow update not allowed"), "远程仓库不允许这样的推送（受保护的分支）"),
)


def push_failure_reason(output: bytes) -> str:
    """Why a push failed, in Chinese, from git's output (never the remote's URL)."""
    text = output.decode("utf-8", "replace").lower()
    for needles, reason in _PUSH_REASONS:
        if any(n in text for n in needles):
            return reason
    return "远程仓库拒绝了推送（原因未知，可运行 git push 查看详情）"
