"""Sync a store with its git remote: fetch, rebase local commits on top, push.

Each clone appends only to its own event files (`events/<year>-<origin>.yaml`), so two clones that
record events for the same person rebase without conflict. If git still meets a conflict (for
example the same case ID registered on two clones before they synced), the rebase is aborted: the
local commits stay exactly as they were, and the user is told which files collided.
"""

from __future__ import annotations

from aftercare.errors import AftercareError
from aftercare.store import Store
from aftercare.store.fsutil import locked


def sync(store: Store, remote: str = "origin") -> str:
    git = store.git
    if store.git_dir is None:
        raise AftercareError("案卷库不在 git 仓库中", code="no-git")
    with locked(store.git_dir / "aftercare.lock"):
        if not git.ok("remote", "get-url", remote):
            raise AftercareError(f"没有配置远程仓库“{remote}”：先运行 git remote add {remote} <共享仓库地址>", code="no-remote")
        branch = git.run("symbolic-ref", "--short", "-q", "HEAD", check=False).strip()
        if not branch:
            raise AftercareError("当前不在任何分支上（detached HEAD），无法同步", code="no-branch")
        git.run("fetch", "-q", remote, what="从远程仓库拉取")
        remote_ref = f"refs/remotes/{remote}/{branch}"
        pulled = 0
        if git.ok("rev-parse", "-q", "--verify", remote_ref):
            pulled = int(git.run("rev-list", "--count", f"HEAD..{remote_ref}").strip() or 0)
            if pulled:
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
            git.run("push", "-q", remote, f"HEAD:refs/heads/{branch}", what="推送到远程仓库")
            git.run("branch", "-q", f"--set-upstream-to={remote}/{branch}", check=False)
    return f"已同步：从 {remote} 取得 {pulled} 条提交，推送 {pushed} 条提交"
