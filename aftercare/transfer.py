"""Change of place (变更执行地): application → form → police decision → report-in at the new place →
hand-over of the archive, with its whole history, to the receiving office's store.

The hand-over is a git bundle holding only this case's history: every commit that touched
`cases/<id>/` is rebuilt with the case folder as its root tree (author, dates and messages kept), so
nothing of other persons leaves the office. The receiving store imports the bundle: each commit is
rebuilt again under `cases/<id>/` and joined to the receiving history by a merge commit that also
records the `transfer-in` event, so `aftercare log CASE` there shows the whole history.

The shape of the history is kept: merges of concurrent recording on two clones stay merges (the
commits are rewritten with their path-limited parents, as `git subtree split` does). The receiving
store accepts only the files of a case folder (`case.yaml`, `events/*.yaml`), so a crafted bundle
cannot write outside it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

from aftercare import service
from aftercare.errors import AftercareError
from aftercare.ids import check_case_id
from aftercare.service import Result, past_date, text
from aftercare.store import Store
from aftercare.store.gitops import Git, clean_env

EXPORT_REF = "refs/aftercare/transfer/{cid}"
IMPORT_REF = "refs/aftercare/import/{cid}"
# the only files a case folder may hold (relative to the folder)
_CASE_FILE_RE = re.compile(r"^(case\.yaml|events/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.yaml)$")


def _transfer_state(view) -> str:
    return view.transfer.get("state", "") if view.transfer else ""


def _step(store: Store, cid: str, etype: str, date_text: str | None, today: date, fields: dict, allowed: tuple,
          message: str, refusal: str) -> Result:
    d = past_date(date_text, today)
    cid = check_case_id(cid)

    def check(case, events, view):
        state = _transfer_state(view)
        if state not in allowed:
            raise AftercareError(refusal.format(cid=cid, state=_STATE_CN.get(state, "无申请")), code="transfer-state")
        if view.status not in ("active", "suspended") and etype != "transfer-report-in":
            raise AftercareError(f"个案 {cid} 当前状态不能办理变更执行地", code="transfer-state")
        ap = view.transfer.get("apply")
        if ap is not None and d < ap.date:
            raise AftercareError(f"日期 {d} 早于变更申请日期 {ap.date}", code="date-order")
        return ()

    return service._record(store, cid, etype, d, fields, today, message.format(cid=cid, d=d.isoformat()), check)


_STATE_CN = {"applied": "已申请", "approved": "已批准", "refused": "不批准", "handed-over": "已移交", "received": "已接收"}


def apply(store: Store, cid: str, date_text: str | None, to: str, today: date, reason: str | None = None,
          proof: str | None = None) -> Result:
    to = text(to, "新执行地", 200)
    if not to:
        raise AftercareError("请写明新执行地（--to）", code="missing")
    d = past_date(date_text, today)
    cid = check_case_id(cid)

    def check(case, events, view):
        if view.status != "active":
            raise AftercareError(f"个案 {cid} 当前状态（{view.status}）不能申请变更执行地", code="transfer-state")
        if _transfer_state(view) in ("applied", "approved"):
            raise AftercareError(f"个案 {cid} 已有未办结的变更申请", code="transfer-state")
        if d < view.start:
            raise AftercareError(f"申请日期 {d} 早于报到日期 {view.start}", code="before-start")
        return ()

    return service._record(store, cid, "transfer-apply", d, {"to": to, "reason": text(reason, "理由"),
                                                             "proof": text(proof, "证明材料")}, today,
                           f"Apply for change of place for {cid} on {d.isoformat()}", check)


def form(store, cid, date_text, today, opinion=None) -> Result:
    return _step(store, cid, "transfer-form", date_text, today, {"opinion": text(opinion, "办公室意见")}, ("applied",),
                 "Fill change-of-place form for {cid} on {d}", "个案 {cid} 没有待填审批表的变更申请（当前：{state}）")


def decide(store, cid, date_text, today, approve: bool, by=None, note=None) -> Result:
    etype = "transfer-approve" if approve else "transfer-refuse"
    verb = "Approve" if approve else "Refuse"
    return _step(store, cid, etype, date_text, today, {"by": text(by, "审批机关"), "note": text(note, "说明")}, ("applied",),
                 verb + " change of place for {cid} on {d}", "个案 {cid} 没有待审批的变更申请（当前：{state}）")


def report_in(store, cid, date_text, today, note=None) -> Result:
    return _step(store, cid, "transfer-report-in", date_text, today, {"note": text(note, "说明")},
                 ("approved", "handed-over", "received"),
                 "Record report-in at the new place for {cid} on {d}", "个案 {cid} 的变更执行地尚未批准（当前：{state}）")


# ---------------------------------------------------------------- hand-over and import


def _commit_meta(git: Git, commits: list) -> dict:
    fmt = "%H%x1f%an%x1f%ae%x1f%ad%x1f%cn%x1f%ce%x1f%cd%x1f%B%x1e"
    out = git.run("log", "--no-walk=unsorted", "--date=raw", f"--format={fmt}", *commits, what="git 读取历史") if commits else ""
    meta = {}
    for rec in out.split("\x1e"):
        rec = rec.strip("\n")
        if not rec:
            continue
        h, an, ae, ad, cn, ce, cd, body = rec.split("\x1f")
        meta[h] = {"GIT_AUTHOR_NAME": an, "GIT_AUTHOR_EMAIL": ae, "GIT_AUTHOR_DATE": ad,
                   "GIT_COMMITTER_NAME": cn, "GIT_COMMITTER_EMAIL": ce, "GIT_COMMITTER_DATE": cd, "body": body.strip()}
    return meta


def _rebuild(git: Git, commits: list, tree_of, meta: dict) -> str | None:
    """Chain new commits with the given trees, keeping authors, dates and messages."""
    prev = None
    for c in commits:
        tree = tree_of(c)
        if tree is None:
            continue
        m = meta[c]
        env = clean_env(**{k: v for k, v in m.items() if k != "body"})
        args = ["commit-tree", tree] + (["-p", prev] if prev else []) + ["-m", m["body"] or "(no message)"]
        prev = git.run(*args, env=env, what="git 重建历史").strip()
    return prev


def handover(store: Store, cid: str, date_text: str | None, today: date, bundle: str | None = None,
             to: str | None = None) -> tuple[Result, Path]:
    """Record the hand-over (the case becomes transferred-out here) and write the bundle."""
    d = past_date(date_text, today)
    cid = check_case_id(cid)
    out = Path(bundle) if bundle else store.root / "out" / f"{cid}-transfer.bundle"
    if out.exists():
        raise AftercareError(f"移交文件“{out}”已存在，请另指定 --bundle", code="exists")

    def check(case, events, view):
        if _transfer_state(view) != "approved":
            raise AftercareError(f"个案 {cid} 的变更执行地尚未批准，不能移交档案（当前：{_STATE_CN.get(_transfer_state(view), '无申请')}）",
                                 code="transfer-state")
        if d < view.transfer["transfer-approve"].date:
            raise AftercareError(f"移交日期 {d} 早于批准日期 {view.transfer['transfer-approve'].date}", code="date-order")
        return ()

    dest = to or None
    with store.transaction() as tx:
        case, events, view = service._view(store, cid, today)
        check(case, events, view)
        dest = dest or view.transfer["apply"].get("to")
        eid = tx.append_event(case, events, "transfer-handover", d, {"to": text(dest, "接收单位"), "bundle": out.name})
        commit = tx.commit(f"Hand over case {cid} to the new place on {d.isoformat()}")
        try:
            write_bundle(store, cid, out)
        except BaseException:
            # the hand-over must not stand without its bundle: undo the commit
            store.git.run("update-ref", "HEAD", commit + "^", commit, what="git 撤销")
            store.git.run("reset", "-q", "--", *[store.rel(p) for p, _ in tx.changes], check=False)
            tx.committed = False
            raise
    res = Result(cid, f"已移交个案 {cid} 的档案（含全部历史）：{out}；本库中该个案标记为已移出，不再产生待办事项", commit, eid)
    return res, out


def write_bundle(store: Store, cid: str, out: Path) -> None:
    git = store.git
    rel_prefix = store.rel(store.cases_dir / cid)
    top = git.run("rev-parse", "--show-prefix", what="git").strip()
    path_in_repo = (top + rel_prefix).strip("/")
    commits = git.run("rev-list", "--reverse", "--topo-order", "HEAD", "--", rel_prefix, what="git 读取历史").split()
    if not commits:
        raise AftercareError(f"个案 {cid} 没有提交历史", code="no-history")
    meta = _commit_meta(git, commits)
    trees = {}
    out_rp = git.run("rev-parse", *[f"{c}:{path_in_repo}" for c in commits], check=False)
    for c, t in zip(commits, out_rp.split()):
        trees[c] = t if len(t) == 40 else None
    tip = _rebuild(git, commits, trees.get, meta)
    ref = EXPORT_REF.format(cid=cid)
    git.run("update-ref", ref, tip, what="git")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        git.run("bundle", "create", "-q", str(out.resolve()), ref, what="git 打包")
        os.chmod(out, 0o600)
    finally:
        git.run("update-ref", "-d", ref, check=False)


def import_bundle(store: Store, bundle: str, today: date, date_text: str | None = None, new_id: str | None = None,
                  source: str | None = None) -> Result:
    """Import a case handed over by another office, with its whole history."""
    d = past_date(date_text, today)
    path = Path(bundle)
    if not path.is_file():
        raise AftercareError(f"找不到移交文件“{bundle}”", code="no-bundle")
    git = store.git
    heads = git.run("bundle", "list-heads", str(path.resolve()), check=False).split("\n")
    refs = [ln.split()[1] for ln in heads if len(ln.split()) == 2 and ln.split()[1].startswith("refs/aftercare/transfer/")]
    if len(refs) != 1:
        raise AftercareError(f"“{bundle}”不是 aftercare 生成的移交文件", code="bad-bundle")
    orig = refs[0].rsplit("/", 1)[1]
    cid = check_case_id(new_id or orig)
    if (store.cases_dir / cid).exists():
        raise AftercareError(f"本库已有个案 {cid}，请用 --id 指定新的编号", code="duplicate-case")
    if not git.ok("bundle", "verify", "-q", str(path.resolve())):
        raise AftercareError(f"移交文件“{bundle}”校验失败（不完整或已损坏）", code="bad-bundle")
    iref = IMPORT_REF.format(cid=cid)
    git.run("fetch", "-q", str(path.resolve()), f"{refs[0]}:{iref}", what="git 导入")
    case_dir = store.cases_dir / cid
    try:
        with store.transaction() as tx:
            commits = git.run("rev-list", "--reverse", "--topo-order", iref, what="git").split()
            meta = _commit_meta(git, commits)
            top = git.run("rev-parse", "--show-prefix", what="git").strip()
            parts = (top + store.rel(store.cases_dir)).strip("/").split("/") + [cid]

            def nest(c):
                tree = git.run("rev-parse", f"{c}^{{tree}}", what="git").strip()
                for name in reversed(parts):
                    tree = git.run("mktree", input=f"040000 tree {tree}\t{name}\n".encode(), what="git").strip()
                return tree

            tip = _rebuild(git, commits, nest, meta)
            # the case's files into the work tree
            listing = git.run("ls-tree", "-r", "--name-only", f"{iref}^{{tree}}", what="git").split("\n")
            for name in filter(None, listing):
                data = git.run("cat-file", "blob", f"{iref}:{name}", what="git").encode()
                tx.write(case_dir / name, data)
            case, events = store.load_case(cid)
            view = store.evaluate(case, events, today)
            if view.status != "transferred":
                raise AftercareError(f"移交文件中的个案 {orig} 未办理移交（handover），不能导入", code="bad-bundle")
            if d < view.closed_on:
                raise AftercareError(f"接收日期 {d} 早于移交日期 {view.closed_on}", code="date-order")
            tx.append_event(case, events, "transfer-in", d, {"from": text(source, "移出单位"),
                                                            "note": f"原编号 {orig}" if orig != cid else None})
            tx.extra_parents = [tip]
            commit = tx.commit(f"Receive case {cid} by change of place on {d.isoformat()} (history imported)")
    except BaseException:
        shutil.rmtree(case_dir, ignore_errors=True)
        raise
    finally:
        git.run("update-ref", "-d", iref, check=False)
    return Result(cid, f"已接收个案 {cid}（含全部历史），请在 15 日内记录其报到：aftercare transfer report-in {cid}", commit)
