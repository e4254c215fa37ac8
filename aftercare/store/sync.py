"""Sync a store with its git remote: fetch, rebase local commits on top, push.

Each clone appends only to its own event files (`events/<year>-<origin>.yaml`), so two clones that
record events for the same person rebase without conflict. Two clones that registered different
persons under the same new case number: the local case moves to the next free number (one commit)
and the histories are joined by a merge. Two clones that changed the same YAML file (a staff member
added on each side, two fields of one case.yaml) are merged key by key and item by item
(`merge3`, git's merge driver for `*.yaml` during sync). If git still meets a conflict — the same
field changed to different values — the rebase is aborted: the local commits stay exactly as they
were, and the user is told which field of which file, both values, and what to do.

A sync records the branch and its tip in `.git/aftercare-sync.json` before git starts rewriting;
killed meanwhile (a rebase or merge half done, a detached HEAD), the next command's start-up
(`recover`) puts the branch back as it was, redoes the step, and takes along any commit made on the
detached HEAD since — first kept under `refs/aftercare/kept/` (`kept`), so that one that cannot be
taken along (a conflict) or a kill during the repair never loses it.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

from aftercare.core.errors import AftercareError
from aftercare.store import Store, hygiene
from aftercare.store.fsutil import atomic_write, locked, remove_file
from aftercare.store.gitops import clean_env, clear_stale_lock
from aftercare.store.journal import SYNC_JOURNAL
from aftercare.store.stamps import CASES, case_of_path, case_rel

CONFLICTS = "aftercare-sync-conflicts"
ATTRIBUTES = "aftercare-merge.attributes"


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
        store.settle_layout()           # this clone's old-layout case folders into buckets first (a commit)
        git.run("fetch", "-q", remote, what="从远程仓库拉取")
        remote_ref = f"refs/remotes/{remote}/{branch}"
        pulled = 0
        renumbered: list = []
        if git.ok("rev-parse", "-q", "--verify", remote_ref):
            pulled = int(git.run("rev-list", "--count", f"HEAD..{remote_ref}").strip() or 0)
            if pulled:
                renumbered = _renumber_collisions(store, remote_ref)
            merges = int(git.run("rev-list", "--merges", "--count", f"{remote_ref}..HEAD").strip() or 0) if pulled else 0
            tip, stash = git.head(), _stash_top(git)
            if renumbered or merges:
                # join the histories with a merge instead of replaying the local commits: a rebase
                # would drop the local merge commits (a transfer import, an earlier renumbering) and
                # replay what they joined. (After a renumbering, the renumbering commit makes it clean.)
                why = f"renumbered {', '.join(f'{a}→{b}' for a, b in renumbered)}" if renumbered else "keeps local merges"
                step = _join_step("merge", remote_ref, f"Merge {remote}/{branch} (sync; {why})")
                _begin(store, branch, step)
                if not _git_merging(store.root, store.git_dir, step):
                    _give_up(store, "merge")
            elif pulled:
                step = _join_step("rebase", remote_ref)
                _begin(store, branch, step)
                if not _git_merging(store.root, store.git_dir, step):
                    # replaying commit by commit met a change that the end states agree on (a field
                    # changed on both sides, then set alike here): join the end states by a merge
                    git.run("rebase", "--abort", check=False)
                    step = _join_step("merge", remote_ref, f"Merge {remote}/{branch} (sync; the same file changed on both sides)")
                    _begin(store, branch, step)
                    if not _git_merging(store.root, store.git_dir, step):
                        _give_up(store, "merge")
            if _stash_top(git) != stash:
                _put_back_uncommitted(store, tip)
            _end(store)
            store.forget_folders()
            store.settle_layout()       # old-layout folders the remote brought (an office on the old program)
        pushed = int(git.run("rev-list", "--count", f"{remote_ref}..HEAD", check=False).strip() or 0) \
            if git.ok("rev-parse", "-q", "--verify", remote_ref) else int(git.run("rev-list", "--count", "HEAD").strip())
        if pushed:
            proc = git.proc("push", "--porcelain", remote, f"HEAD:refs/heads/{branch}")
            if proc.returncode != 0:
                raise AftercareError(f"推送失败：{push_failure_reason(proc.stdout + proc.stderr)}；本地记录完整保留"
                                     f"（已取得的远程记录也已合并），问题解决后再运行 aftercare sync 即可完成推送",
                                     code="push-failed")
            git.run("branch", "-q", f"--set-upstream-to={remote}/{branch}", check=False)
        hygiene.settled(store.git_dir)          # what git wrote here was written under umask 077
    msg = f"已同步：从 {remote} 取得 {pulled} 条提交，推送 {pushed} 条提交"
    for a, b in renumbered:
        msg += f"\n注意：本地新登记的个案 {a} 与其他办公室同时登记的个案编号相同，已改为 {b}"
    return msg


def _join_step(how: str, remote_ref: str, message: str = "") -> list:
    """The git command that joins the remote's commits (a rebase, or a merge that keeps local merges)."""
    if how == "merge":
        return ["-c", "merge.autoStash=true", "merge", "-q", "--no-edit", "-m", message, remote_ref]
    return ["-c", "rebase.autoStash=true", "rebase", "-q", remote_ref]


def _begin(store: Store, branch: str, step: list) -> None:
    """Before git rewrites anything: the branch, its tip and the step, for the recovery of a killed sync."""
    remove_file(store.git_dir / CONFLICTS)
    data = {"branch": branch, "tip": store.git.head(), "step": step, "pid": os.getpid(), "clean": tree_clean(store.git)}
    atomic_write(store.git_dir / SYNC_JOURNAL, json.dumps(data, ensure_ascii=False).encode())


def tree_clean(git) -> bool:
    """No change to a tracked file, nothing untracked in cases/ (what `sync` notes before git starts:
    then whatever a killed git left in the index and the files is git's own, half done)."""
    return not (git.run("status", "--porcelain", "-z", "--untracked-files=no", check=False).strip("\0")
                or git.run("status", "--porcelain", "-z", "--untracked-files=all", "--", CASES, check=False).strip("\0"))


def _end(store: Store) -> None:
    remove_file(store.git_dir / SYNC_JOURNAL)
    remove_file(store.git_dir / CONFLICTS)


def _git_merging(root: Path, git_dir: Path, step: list) -> bool:
    """Run a sync's merge or rebase with the store's YAML merge driver (`merge3`; told which side is
    this office's: "ours" in a merge, "theirs" in a rebase, which replays the local commits)."""
    import subprocess

    import aftercare

    local = "ours" if "merge" in step else "theirs"
    attrs = git_dir / ATTRIBUTES
    if not attrs.exists():
        atomic_write(attrs, b"*.yaml merge=aftercare\n", durable=False)
    report = git_dir / CONFLICTS
    driver = (f"{shlex.quote(sys.executable)} -m aftercare.store.merge3 %O %A %B %P "
              f"{shlex.quote(str(report))} {local}")
    package_parent = str(Path(aftercare.__file__).resolve().parents[1])
    env = clean_env(PYTHONPATH=os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p))
    # renames followed, and into renamed folders: a record made in `cases/<id>/` by an office on the old
    # layout lands in `cases/<bucket>/<id>/` where this clone moved the folder (store/layout.py)
    return subprocess.run(["git", "-c", f"core.attributesFile={attrs}", "-c", f"merge.aftercare.driver={driver}",
                           "-c", "merge.aftercare.name=aftercare YAML", "-c", "merge.renames=true",
                           "-c", "merge.directoryRenames=true", *step], cwd=root, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def _stash_top(git) -> str:
    return git.run("rev-parse", "-q", "--verify", "refs/stash", check=False).strip()


def _put_back_uncommitted(store: Store, tip: str) -> None:
    """git joined the histories, but the uncommitted changes it had set aside (autostash) did not go
    back on top (a field both changed; a comment the YAML merge could not place): git left them in
    `git stash` and the file half merged. Undo the join and put the changes back as they were."""
    git = store.git
    files = git.run("diff", "--name-only", "--diff-filter=U", check=False).split()
    found = [f for f in read_conflicts(store.git_dir) if f.get("comment")]
    git.run("reset", "-q", "--hard", tip)
    kept = "" if git.ok("stash", "pop", "-q") else "（未提交的改动保存在 git stash 中，用 git stash pop 取回）"
    _end(store)
    where = "、".join(files[:5]) or "案卷库文件"
    why = f"（新加的注释“{found[0]['comment']}”在合并结果里找不到确定的位置）" if found else ""
    raise AftercareError(f"同步冲突：本处对 {where} 有未提交的改动，与远程取得的改动无法自动合并{why}；"
                         f"已放弃这次同步，未提交的改动原样保留{kept}。请先提交（git commit）或撤销这些改动，"
                         f"再运行 aftercare sync", code="sync-conflict")


def _give_up(store: Store, what: str) -> None:
    """A merge or rebase stopped on a conflict: undo it, and say exactly what collided."""
    git = store.git
    files = git.run("diff", "--name-only", "--diff-filter=U", check=False).split()
    found = read_conflicts(store.git_dir)
    git.run(what, "--abort", check=False)
    _end(store)
    fields = [f for f in found if f.get("field")]
    if fields:
        f = fields[0]
        cid = _case_of(f["path"])
        where = f"个案 {cid} 的 {f['field']}" if cid else f"{f['path']} 的 {f['field']}"
        todo = (f"在本处运行 aftercare case set {cid} 把它改成双方商定的值" if cid else f"在本处编辑 {f['path']} 的该项并提交（git commit）")
        more = f"（另有 {len(fields) - 1} 处同类冲突）" if len(fields) > 1 else ""
        raise AftercareError(
            f"同步冲突：{where}在本处与其他办公室被改成了不同的值（本处：{f['local']}；远程：{f['remote']}）{more}，"
            f"无法自动取舍；已放弃这次同步，本地记录完整保留。请核实哪个值正确，{todo}"
            f"（改成与远程相同的值即可同步），再运行 aftercare sync", code="sync-conflict")
    lost = [f for f in found if f.get("comment")]
    if lost:
        raise AftercareError(
            f"同步冲突：{lost[0]['path']} 中新加的注释“{lost[0]['comment']}”在合并结果里找不到确定的位置"
            f"（它所在或相邻的那一行另一方也改动了）；已放弃这次同步，本地记录完整保留。请把这条注释单独写成一行，"
            f"放在它说明的那一项的上一行，提交（git commit）后再运行 aftercare sync", code="sync-conflict")
    where = "、".join(files[:5]) or "未知文件"
    raise AftercareError(f"同步冲突（{where}）：本处与其他办公室改动了这些文件的同一处，无法自动合并；"
                         f"已放弃这次同步，本地记录完整保留；请用 aftercare check 检查这些文件，或联系技术人员", code="sync-conflict")


def read_conflicts(git_dir: Path) -> list:
    """The merge driver's report of the fields that collided (one JSON object a line)."""
    try:
        text = (git_dir / CONFLICTS).read_text(encoding="utf-8")
        return [e for e in (json.loads(line) for line in text.splitlines()) if isinstance(e, dict)]
    except (OSError, ValueError):
        return []


def _case_of(path: str) -> str | None:
    found = case_of_path(path)
    return found[0] if found is not None and found[1] == "case.yaml" else None


def recover(root: Path, git_dir: Path, git) -> str | None:
    """Put back what a killed `sync` (or `kept apply`) left (see the module's docstring). Called at
    every command's start-up; returns a Chinese notice, or None when there was nothing to do."""
    from aftercare.store import kept

    journal = git_dir / SYNC_JOURNAL
    if not journal.exists():
        return None
    with locked(git_dir / "aftercare.lock"):     # a running sync holds it: here the sync is gone
        try:
            data = json.loads(journal.read_bytes())
            branch, tip = data["branch"], data["tip"]
            pending = [c for c in data.get("kept") or [] if isinstance(c, str) and kept.is_kept(git, c)]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            remove_file(journal)
            return None
        lock = git_dir / "index.lock"
        if lock.exists():
            clear_stale_lock(lock)
        head = git.head()
        on = git.run("symbolic-ref", "-q", "HEAD", check=False).strip()
        rebasing = (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists()
        merging = (git_dir / "MERGE_HEAD").exists()
        picking = (git_dir / "CHERRY_PICK_HEAD").exists()
        stash = _read(git_dir / "MERGE_AUTOSTASH")           # a merge's stash of uncommitted changes
        # git killed inside a merge or checkout before it recorded any state of its own (no MERGE_HEAD):
        # the index and files hold its half-done work (the tree was clean, or stashed, when it began)
        half_done = (data.get("clean") is True or bool(stash)) and not tree_clean(git)
        if not (rebasing or merging or picking or pending or half_done or stash) and on == f"refs/heads/{branch}":
            remove_file(journal)                 # killed before git started, or after it finished
            remove_file(git_dir / CONFLICTS)
            return None
        # commits made on the detached HEAD after the kill (not a replay of the branch's own commits):
        # kept under a ref before anything moves, so that no kill from here on can lose them
        extra = pending + [c for c in _made_after_kill(git, git_dir, tip, head, on) if c not in pending]
        for c in extra:
            kept.keep(git, c)
        if extra != pending:
            atomic_write(journal, json.dumps({**data, "kept": extra}, ensure_ascii=False).encode())
        if picking and not git.ok("cherry-pick", "--abort"):
            git.run("reset", "-q", "--merge", check=False)
        if rebasing:
            if not git.ok("rebase", "--abort"):
                for d in ("rebase-merge", "rebase-apply"):
                    _rmtree(git_dir / d)
        elif merging:
            if not git.ok("merge", "--abort"):
                git.run("reset", "-q", "--merge", check=False)
        elif pending and not git.ok("diff", "--cached", "--quiet", "HEAD"):
            git.run("reset", "-q", "--merge", check=False)              # a cherry-pick killed half done
        if git.run("symbolic-ref", "-q", "HEAD", check=False).strip() != f"refs/heads/{branch}":
            git.run("checkout", "-q", "-f", branch, check=False)
        if git.head() != tip and not git.ok("merge-base", "--is-ancestor", tip, "HEAD"):
            git.run("reset", "-q", "--hard", tip, check=False)          # the branch as it was
        stash = _read(git_dir / "MERGE_AUTOSTASH")          # (`merge --abort` has applied it, if it ran)
        if (data.get("clean") is True or stash) and not tree_clean(git):
            git.run("reset", "-q", "--hard", "HEAD", check=False)
            git.run("clean", "-fdq", "--", CASES, check=False)
        if stash:                        # the uncommitted changes back (kept in `git stash list` if they clash)
            git.run("stash", "store", "-m", "aftercare: uncommitted changes set aside by an interrupted sync", stash,
                    check=False)
            if git.ok("stash", "apply", "--index", stash):
                git.run("stash", "drop", "-q", check=False)
            remove_file(git_dir / "MERGE_AUTOSTASH")
        before = git.head()
        redone = None
        step = data.get("step")
        if isinstance(step, list) and all(isinstance(a, str) for a in step) and step:
            # the old state is back; now redo the interrupted step (the remote's commits were fetched)
            remove_file(git_dir / CONFLICTS)
            redone = _git_merging(root, git_dir, step)
            if not redone:
                git.run("merge" if "merge" in step else "rebase", "--abort", check=False)
                if before and git.head() != before:
                    git.run("reset", "-q", "--hard", before, check=False)
        # then the commits made after the kill, on top (oldest first)
        taken, failed = kept.reapply(root, git_dir, git, extra)
        remove_file(journal)
        remove_file(git_dir / CONFLICTS)
        for c in taken:
            kept.drop_ref(git, c)
        if data.get("what") == "kept":
            note = "注意：上一次接回保存的提交（aftercare kept apply）被中断，已重新处理"
        else:
            note = "注意：上一次同步（aftercare sync）被中断"
        kept_note = f"（中断后另做的 {len(taken)} 条提交已接回分支）" if taken and data.get("what") != "kept" else ""
        if redone:
            note += (f"，已在本机完成与远程记录的合并{kept_note}，本地与远程记录完整保留；"
                     "运行 aftercare sync 推送给其他办公室")
        elif redone is False:
            note += f"，已把案卷库恢复到同步之前的状态{kept_note}，本地记录完整保留；请重新运行 aftercare sync"
        else:
            note += f"{kept_note}，本地记录完整保留"
        return "\n".join(n for n in (note, kept.failed_notice(git, failed)) if n)


def _made_after_kill(git, git_dir: Path, tip: str, head: str | None, on: str) -> list:
    """Commits on the detached HEAD that are not the killed rebase's replays of the branch's own
    commits. A replay is one that git's rewritten-list names, or that HEAD's reflog shows the rebase
    making ("rebase (pick): …"), or that has the same patch as a branch commit; any other commit was
    made after the kill (a replay that the YAML driver merged has another patch, and messages and
    dates do not tell: two `case set` within one second read alike)."""
    if not head or on:
        return []
    onto = _read(git_dir / "rebase-merge" / "onto") or _read(git_dir / "rebase-apply" / "onto") or tip
    out = git.run("cherry", tip, head, onto, check=False)
    new = {ln[2:].strip() for ln in out.splitlines() if ln.startswith("+ ")}
    replayed = {ln.split()[1] for ln in (_read(git_dir / "rebase-merge" / "rewritten-list") or "").splitlines()
                if len(ln.split()) >= 2}
    for ln in git.run("log", "-g", "--format=%H%x1f%gs", "HEAD", check=False).splitlines():
        sha, _, why = ln.partition("\x1f")
        if why.startswith("rebase (start)"):
            break
        if why.startswith("rebase"):
            replayed.add(sha)
    return [c for c in git.run("rev-list", "--reverse", f"{onto}..{head}", check=False).split()
            if c in new and c not in replayed]


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _case_ids(store: Store, rev: str) -> dict:
    """case ID -> blob of its case.yaml at a revision."""
    top = store.git.run("rev-parse", "--show-prefix", check=False).strip()
    out = store.git.run("ls-tree", "-r", rev, "--", top + CASES + "/", check=False)
    ids = {}
    for line in out.splitlines():
        meta, _, path = line.partition("\t")
        found = case_of_path(path[len(top):])
        if found is not None and found[1] == "case.yaml":
            ids[found[0]] = meta.split()[2]
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
            src, dst = store.case_dir(old), store.root / case_rel(new)
            for f in sorted(p for p in src.rglob("*") if p.is_file()):
                tx.write(dst / f.relative_to(src), f.read_bytes())
                tx.remove(f)
            moves.append((old, new))
        tx.commit("Renumber " + ", ".join(f"case {a} to {b}" for a, b in moves) + " (the number was taken on the remote)")
    return moves                     # (the old folders, emptied, went with the commit: Transaction.commit)


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
