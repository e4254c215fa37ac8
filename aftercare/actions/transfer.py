"""Change of place (变更执行地): application → form → police decision → report-in at the new place →
hand-over of the archive, with its whole history, to the receiving office's store.

The hand-over is a git bundle holding only this case's history: every commit that touched
the case folder (`cases/<bucket>/<id>/`, or `cases/<id>/` before the store was moved into buckets) is
rebuilt with the case folder as its root tree (author, dates and messages kept), so nothing of other
persons leaves the office. The receiving store imports the bundle: each commit is rebuilt again under
`cases/<bucket>/<id>/` and joined to the receiving history by a merge commit that also
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

from aftercare.core import model as M
from aftercare.core.errors import AftercareError
from aftercare.core.ids import check_case_id
from aftercare.actions.common import (Result, check_state, find_id_number, load_view, not_before_last_record,
                                      past_date, record_event, text)
from aftercare.store import Store
from aftercare.store.gitops import Git, clean_env
from aftercare.store.layout import history_paths
from aftercare.store.stamps import CASES, case_rel
from aftercare.core.engine import evaluate_in

EXPORT_REF = "refs/aftercare/transfer/{cid}"
IMPORT_REF = "refs/aftercare/import/{cid}"
IMPORTED_FROM = "Imported-from"      # trailer of an import's merge commit: the sending office
# the only files a case folder may hold (relative to the folder)
_CASE_FILE_RE = re.compile(r"^(case\.yaml|events/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.yaml)$")


def _transfer_state(view) -> str:
    return view.transfer.get("state", "") if view.transfer else ""


_STATE_CN = {"applied": "已申请", "approved": "已批准", "refused": "不批准", "handed-over": "已移交", "received": "已接收"}


def _state_cn(view) -> str:
    return _STATE_CN.get(_transfer_state(view), "无申请")


def _community_measure(view, what: str) -> None:
    """A change of place belongs to a community measure (detox, rehab: 条例 19); a person in a facility or
    in follow-up care has none (PATHWAY §1: follow-up ends by moving away)."""
    cid, cur = view.case.id, view.path.current
    if cur.kind == "isolation" and cur.open:
        raise AftercareError(f"个案 {cid} 目前处于强制隔离戒毒（在戒毒场所），不能{what}；变更执行地只适用于社区戒毒、社区康复",
                             code="wrong-measure")
    if cur.kind == "followup" and cur.open:
        raise AftercareError(f"个案 {cid} 目前处于后续照管，不能{what}；迁往外地的用 terminate {cid} --reason moved-away "
                             "结束后续照管", code="wrong-measure")


def _not_suspended(view, d: date, what: str) -> None:
    """The person's own steps (application, report-in at the new place) cannot fall inside a suspension."""
    for s, r, _e in view.suspensions:
        if s <= d and (r is None or d < r):
            until = f"至 {r}" if r else "，尚未恢复"
            raise AftercareError(f"{d} 在中止期间（{s}{until}）内，不能记录{what}", code="suspended")


def _step(store: Store, cid: str, etype: str, date_text: str | None, today: date, fields: dict, allowed: tuple,
          message: str, refusal: str, extra_check=None) -> Result:
    d = past_date(date_text, today)
    cid = check_case_id(cid)

    def check(case, events, view):
        state = _transfer_state(view)
        if state not in allowed:
            raise AftercareError(refusal.format(cid=cid, state=_STATE_CN.get(state, "无申请")), code="transfer-state")
        if view.status not in ("active", "suspended") and etype != "transfer-report-in":
            raise AftercareError(f"个案 {cid} 当前状态（{M.STATUS_LABELS[view.status]}）不能办理变更执行地",
                                 code="transfer-state")
        ap = view.transfer.get("apply")
        if ap is not None and d < ap.date:
            raise AftercareError(f"日期 {d} 早于变更申请日期 {ap.date}", code="date-order")
        if extra_check is not None:
            extra_check(view, d)
        return ()

    return record_event(store, cid, etype, d, fields, today, message.format(cid=cid, d=d.isoformat()), check,
                        first=lambda view: _community_measure(view, "办理变更执行地"))


def apply(store: Store, cid: str, date_text: str | None, to: str, today: date, reason: str | None = None,
          proof: str | None = None) -> Result:
    to = text(to, "新执行地", 200)
    if not to:
        raise AftercareError("请写明新执行地（--to）", code="missing")
    d = past_date(date_text, today)
    cid = check_case_id(cid)

    def check(case, events, view):
        if view.status != "active":
            raise AftercareError(f"个案 {cid} 当前状态（{M.STATUS_LABELS[view.status]}）不能申请变更执行地",
                                 code="transfer-state")
        if _transfer_state(view) in ("applied", "approved"):
            raise AftercareError(f"个案 {cid} 已有未办结的变更申请", code="transfer-state")
        if d < view.start:
            raise AftercareError(f"申请日期 {d} 早于报到日期 {view.start}", code="before-start")
        _not_suspended(view, d, "变更执行地申请")
        prev = view.transfer.get("apply")
        if prev is not None and d < prev.date:
            raise AftercareError(f"申请日期 {d} 早于上一次变更申请日期 {prev.date}", code="date-order")
        return ()

    return record_event(store, cid, "transfer-apply", d, {"to": to, "reason": text(reason, "理由"),
                                                             "proof": text(proof, "证明材料")}, today,
                        f"Apply for change of place for {cid} on {d.isoformat()}", check,
                        first=lambda view: _community_measure(view, "申请变更执行地"))


def form(store, cid, date_text, today, opinion=None) -> Result:
    def once(view, d):
        f = view.transfer.get("transfer-form")
        if f is not None:
            raise AftercareError(f"个案 {view.case.id} 的变更审批表已于 {f.date} 填写", code="transfer-state")

    return _step(store, cid, "transfer-form", date_text, today, {"opinion": text(opinion, "办公室意见")}, ("applied",),
                 "Fill change-of-place form for {cid} on {d}", "个案 {cid} 没有待填审批表的变更申请（当前：{state}）",
                 once)


def decide(store, cid, date_text, today, approve: bool, by=None, note=None) -> Result:
    etype = "transfer-approve" if approve else "transfer-refuse"
    verb = "Approve" if approve else "Refuse"

    def form_first(view, d):
        f = view.transfer.get("transfer-form")
        if f is None:
            raise AftercareError(f"个案 {view.case.id} 尚未填写变更执行地审批表，公安机关无从审批（先 transfer form）",
                                 code="transfer-state")
        if d < f.date:
            raise AftercareError(f"审批日期 {d} 早于填写审批表日期 {f.date}", code="date-order")

    return _step(store, cid, etype, date_text, today, {"by": text(by, "审批机关"), "note": text(note, "说明")}, ("applied",),
                 verb + " change of place for {cid} on {d}", "个案 {cid} 没有待审批的变更申请（当前：{state}）", form_first)


def report_in(store, cid, date_text, today, note=None) -> Result:
    def once(view, d):
        r = view.transfer.get("transfer-report-in")
        if r is not None:
            raise AftercareError(f"个案 {view.case.id} 已于 {r.date} 到新执行地报到", code="transfer-state")
        appr = view.transfer.get("transfer-approve")
        if appr is not None and d < appr.date:
            raise AftercareError(f"报到日期 {d} 早于批准变更日期 {appr.date}", code="date-order")
        _not_suspended(view, d, "到新执行地报到")

    return _step(store, cid, "transfer-report-in", date_text, today, {"note": text(note, "说明")},
                 ("approved", "handed-over", "received"),
                 "Record report-in at the new place for {cid} on {d}", "个案 {cid} 的变更执行地尚未批准（当前：{state}）",
                 once)


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


def _history(git: Git, rev: str, paths: list | None = None) -> list:
    """[(commit, [parents])] oldest first; with paths, parents are rewritten to the paths' history."""
    args = ["rev-list", "--reverse", "--topo-order", "--parents", rev]
    if paths is not None:
        args += ["--", *paths]
    out = git.run(*args, what="git 读取历史")
    return [(ln.split()[0], ln.split()[1:]) for ln in out.splitlines() if ln.strip()]


def _rebuild(git: Git, history: list, tree_of, meta: dict, reuse: dict | None = None) -> dict:
    """Rebuild commits with the given trees and the same shape (parents mapped), keeping authors, dates
    and messages. Returns old commit -> new commit. A commit without a tree stands for its first parent;
    one whose `_same` key is in `reuse` is that commit of ours (a copy of it that came back)."""
    new: dict = {}
    for c, parents in history:
        if reuse:
            ours = reuse.get(_same(git.run("rev-parse", f"{c}^{{tree}}", what="git").strip(), meta[c]))
            if ours is not None:
                new[c] = ours
                continue
        mapped = []
        for p in parents:
            q = new.get(p)
            if q is not None and q not in mapped:
                mapped.append(q)
        tree = tree_of(c)
        if tree is None:
            if mapped:
                new[c] = mapped[0]
            continue
        m = meta[c]
        env = clean_env(**{k: v for k, v in m.items() if k != "body"})
        args = ["commit-tree", tree]
        for q in mapped:
            args += ["-p", q]
        args += ["-m", m["body"] or "(no message)"]
        new[c] = git.run(*args, env=env, what="git 重建历史").strip()
    return new


def _same(tree: str, m: dict) -> tuple:
    """What a handed-over copy of a commit keeps of it: the case folder's tree, authors, dates, message."""
    return (tree, *(m[k] for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME",
                                   "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE", "body")))


def _folder_history(store: Store, cid: str) -> tuple[list, dict, dict]:
    """The commits that touched the case folder here ([(commit, [parents])], oldest first, parents rewritten
    to the folder's history), their metadata, and the folder's tree at each (None where it was absent)."""
    git = store.git
    top = git.run("rev-parse", "--show-prefix", what="git").strip()
    history = _history(git, "HEAD", history_paths(cid))
    commits = [c for c, _ in history]
    meta = _commit_meta(git, commits)
    # the case folder's tree at each commit, one answer per line ("<path> missing" where it was absent):
    # in its bucket, else where the old layout kept it (history before the store was moved into buckets)
    trees = {}
    for where in (case_rel(cid), f"{CASES}/{cid}"):
        ask = [c for c in commits if trees.get(c) is None]
        query = "".join(f"{c}:{top}{where}\n" for c in ask).encode()
        answers = git.run("cat-file", "--batch-check=%(objectname) %(objecttype)", input=query,
                          what="git 读取历史").splitlines() if ask else []
        for c, ans in zip(ask, answers):
            parts = ans.split()
            trees[c] = parts[0] if len(parts) == 2 and parts[1] == "tree" else None
    for c, parents in history:          # the move into buckets changed where the folder is, not what it holds
        if len(parents) == 1 and trees.get(c) is not None and trees.get(c) == trees.get(parents[0]):
            trees[c] = None
    return history, meta, trees


def handover(store: Store, cid: str, date_text: str | None, today: date, bundle: str | None = None,
             to: str | None = None) -> tuple[Result, Path]:
    """Record the hand-over (the case becomes transferred-out here) and write the bundle."""
    d = past_date(date_text, today)
    cid = check_case_id(cid)
    to = text(to, "接收单位", 200)
    out = Path(bundle) if bundle else store.root / "out" / f"{cid}-transfer.bundle"
    if out.exists():
        raise AftercareError(f"移交文件“{out}”已存在，请另指定 --bundle", code="exists")

    def check(case, events, view):
        _community_measure(view, "移交档案")
        check_state(view, d, "transfer-handover")
        if _transfer_state(view) != "approved":
            raise AftercareError(f"个案 {cid} 的变更执行地尚未批准，不能移交档案（当前：{_state_cn(view)}）",
                                 code="transfer-state")
        if view.status not in ("active", "suspended"):
            raise AftercareError(f"个案 {cid} 当前状态（{M.STATUS_LABELS[view.status]}）不能移交档案",
                                 code="transfer-state")
        if d < view.transfer["transfer-approve"].date:
            raise AftercareError(f"移交日期 {d} 早于批准日期 {view.transfer['transfer-approve'].date}", code="date-order")
        not_before_last_record(view.events, d, "移交", "移交后本库不再记录该个案")
        return ()

    with store.transaction() as tx:
        case, events, view = load_view(store, cid, today)
        check(case, events, view)
        dest = to or view.transfer["apply"].get("to")
        eid = tx.append_event(case, events, "transfer-handover", d, {"to": text(dest, "接收单位"), "bundle": out.name,
                                                                          "from": store.office.get("name") or None})
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
    """A bundle whose one ref holds the case folder's history, rewritten with the folder as root."""
    git = store.git
    history, meta, trees = _folder_history(store, cid)
    if not history:
        raise AftercareError(f"个案 {cid} 没有提交历史", code="no-history")
    new = _rebuild(git, history, trees.get, meta)
    last = git.run("rev-list", "-1", "HEAD", "--", *history_paths(cid), what="git 读取历史").strip()
    tip = new.get(last)
    if tip is None:
        raise AftercareError(f"个案 {cid} 的历史无法打包", code="no-history")
    ref = EXPORT_REF.format(cid=cid)
    git.run("update-ref", ref, tip, what="git")
    created = False
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        created = True
        git.run("bundle", "create", "-q", str(out.resolve()), ref, what="git 打包")
        os.chmod(out, 0o600)
    except BaseException:
        if created:
            try:
                out.unlink()
            except FileNotFoundError:
                pass
        raise
    finally:
        git.run("update-ref", "-d", ref, check=False)


def _blob(git: Git, oid: str) -> bytes:
    """A blob's exact bytes (Git.run decodes text, which could alter them)."""
    proc = subprocess.run(["git", "cat-file", "blob", oid], cwd=git.cwd, env=clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise AftercareError("git 读取移交文件内容失败", code="bad-bundle")
    return proc.stdout


def _bundle_header(path: Path, bundle: str) -> tuple[list, list]:
    """(prerequisite commits, [(oid, ref)]) from a bundle's header (formats v2 and v3)."""
    bad = AftercareError(f"“{bundle}”不是 aftercare 生成的移交文件", code="bad-bundle")
    prereq, refs = [], []
    with open(path, "rb") as fh:
        if fh.readline() not in (b"# v2 git bundle\n", b"# v3 git bundle\n"):
            raise bad
        for _ in range(1000):
            line = fh.readline()
            if not line or line == b"\n":
                break
            text_ = line.rstrip(b"\n").decode("utf-8", "replace")
            if text_.startswith("@"):
                continue                        # v3 capabilities
            if text_.startswith("-"):
                prereq.append(text_[1:].split(" ")[0])
                continue
            oid, _, ref = text_.partition(" ")
            refs.append((oid, ref))
        else:
            raise bad
    return prereq, refs


def _checked_history(store: Store, path: Path, ref: str, bundle: str) -> Path:
    """Fetch the bundle into an empty quarantine repository and check EVERY commit it brings: each
    tree holds only a case folder's files (case.yaml, events/*.yaml), regular files under the size
    limit, no symlink, no submodule, no `..`, no `.git`. The bundle must be complete by itself (a
    history reaching into the receiving store's commits cannot even be fetched there). Returns the
    quarantine folder (the caller removes it)."""
    import tempfile

    from aftercare.store.yamlio import MAX_BYTES

    q = Path(tempfile.mkdtemp(prefix="aftercare-import-", dir=store.git_dir))
    try:
        _check_in(Git(q), path, ref, bundle, MAX_BYTES)
    except BaseException:
        shutil.rmtree(q, ignore_errors=True)
        raise
    return q


def _check_in(qgit: Git, path: Path, ref: str, bundle: str, max_bytes: int) -> None:
    qgit.run("init", "-q", "--bare", ".", what="git 初始化")
    if not qgit.ok("fetch", "-q", "--no-tags", str(path.resolve()), f"+{ref}:refs/import"):
        raise AftercareError(f"移交文件“{bundle}”不完整（缺少它依赖的提交）或已损坏，拒绝导入", code="bad-bundle")
    trees = {}
    for line in qgit.run("log", "--format=%H %T", "refs/import", what="git 读取历史").splitlines():
        c, t = line.split()
        trees.setdefault(t, c)
    for tree in trees:
        out = qgit.run("ls-tree", "-r", "-l", "-z", "--full-tree", tree, what="git 读取历史")
        for ent in out.split("\0"):
            if not ent:
                continue
            head, _, name = ent.partition("\t")
            parts = head.split()
            if (len(parts) != 4 or parts[0] != "100644" or parts[1] != "blob" or not _CASE_FILE_RE.match(name)
                    or not parts[3].isdigit()):
                raise AftercareError(f"移交文件“{bundle}”的历史中含有个案文件夹以外的内容（{name!r}），拒绝导入",
                                     code="bad-bundle")
            if int(parts[3]) > max_bytes:
                raise AftercareError(f"移交文件“{bundle}”的历史中有过大的文件（{name}，{int(parts[3]) // 1024} KB），拒绝导入",
                                     code="bad-bundle")
    tip = qgit.run("rev-parse", "refs/import^{tree}", what="git").strip()
    names = [ent.partition("\t")[2] for ent in qgit.run("ls-tree", "-r", "-z", tip, what="git").split("\0") if ent]
    if "case.yaml" not in names:
        raise AftercareError(f"移交文件“{bundle}”中没有 case.yaml", code="bad-bundle")


def _case_files(git: Git, rev: str) -> list:
    """[(relative path, blob id)] of the (checked) case folder at a revision."""
    out = git.run("ls-tree", "-r", "-z", "--full-tree", f"{rev}^{{tree}}", what="git")
    return [(ent.partition("\t")[2], ent.split()[2]) for ent in out.split("\0") if ent]


def _sending_office(events: list, source: str | None) -> str | None:
    """The office that handed the case over, as the bundle's own hand-over record names it; a
    `--from` that names another office is refused."""
    ho = next((e for e in reversed(events) if e.type == "transfer-handover"), None)
    recorded = ho.get("from") if ho is not None else None
    if recorded and source and source != recorded:
        raise AftercareError(f"移交文件记载的移出单位是“{recorded}”，与 --from 写的“{source}”不符，请核对", code="bad-source")
    return recorded or source


def _incoming(store: Store, git: Git, files: list, scratch: Path, orig: str, bundle: str):
    """The handed-over case as the (checked) bundle holds it, read from a scratch copy, never from the
    store: (Case, its records, {file name: bytes})."""
    data = {name: _blob(git, oid) for name, oid in files}
    folder = scratch / "case"
    (folder / "events").mkdir(parents=True)
    for name, blob in data.items():
        (folder / name).write_bytes(blob)
    from aftercare.store.store import CaseFiles

    names = sorted(n.split("/", 1)[1] for n in data if n.startswith("events/"))
    case, events, problems = store.parse_case_files(CaseFiles(orig, str(folder), names, ()), content=False)
    if problems or case is None:
        why = f"：{problems[0].message}" if problems else ""
        raise AftercareError(f"移交文件“{bundle}”中的个案文件无法读取{why}，拒绝导入", code="bad-bundle")
    return case, events, data


def _receiving_folder(store: Store, incoming, orig: str, new_id: str | None, today: date) -> tuple[str, bool]:
    """(case ID, whether it is the person's existing folder). One folder per person (PATHWAY §1): a person
    already on this register (same ID number: registered here before, transferred out, released) receives
    the incoming measure in that folder, under the ID it has here; refused while a measure of theirs is
    still open here (one measure at a time). Otherwise a new folder under the sender's ID (or `--id`)."""
    dup = find_id_number(store, store.case_ids(), incoming.id_number)
    if dup is None:
        cid = check_case_id(new_id) if new_id else orig
        if store.case_dir(cid).exists():
            raise AftercareError(f"本库已有个案 {cid}，请用 --id 指定新的编号", code="duplicate-case")
        return cid, False
    dcase, devents = store.load_case(dup)
    dview = evaluate_in(store, dcase, devents, today)
    cur = dview.path.current
    if dview.path.state not in ("clean", "closed"):      # in follow-up care or a facility is not closed
        raise AftercareError(f"该身份证号已登记为个案 {dup}（{M.STATES[dview.path.state]}），其{cur.measure.label}尚未结束，"
                             "同一人不能同时处于两项措施，不能重复接收", code="duplicate-person")
    if cur.outcome == "deceased":
        raise AftercareError(f"该身份证号已登记为个案 {dup}，已于 {cur.end} 死亡，不能接收", code="duplicate-person")
    if new_id and check_case_id(new_id) != dup:
        raise AftercareError(f"该身份证号已登记为个案 {dup}：接收的措施并入该个案（一人一个档案），不能另用 --id {new_id}",
                             code="duplicate-person")
    return dup, True


def _begins(m, records: list):
    """The first day of a measure: its earliest known date (registration or opening, decision, service,
    entry, release) or record."""
    days = [d for d in (m.opened_on, m.decided_on, m.notified_on, m.entered_on, m.released_on) if d is not None]
    days += [e.date for e in records]
    return min(days)


def _later_entry(m, opened: date) -> dict:
    """A measure handed over from another office as an item of `later_measures` (as `case start` writes it)."""
    entry: dict = {"kind": m.kind, "opened_on": opened}
    if m.community:
        entry["term_months"] = m.term_months
        entry["decision"] = {k: v for k, v in (("number", m.decision_no), ("decided_by", m.decided_by),
                                                ("decided_on", m.decided_on), ("notified_on", m.notified_on)) if v}
    for key in ("facility", "entered_on", "expected_release", "released_on", "released_from"):
        if getattr(m, key):
            entry[key] = getattr(m, key)
    return entry


def _merge_into(store: Store, tx, cid: str, incoming: tuple, today: date, bundle: str) -> tuple[int, bool]:
    """Add the handed-over case to the person's existing folder `cid`, keeping everything that is there.

    - The bundle holds this folder's own history (the person went from here to the sender and comes back:
      records of both share their IDs): the sender's case.yaml is this one carried on, its measures begin
      with ours; it replaces ours and the records not yet here are added, as they are.
    - Otherwise (registered by the sender): the sender's measures are added after ours (`later_measures`),
      beginning no earlier than ours ended, and each of the sender's records is added tagged with its
      measure's number here; case.yaml's person file stays ours.
    Returns (the number here of the sender's first measure added, whether it was a return)."""
    from aftercare.actions.common import edit_case_yaml
    from aftercare.core.model import measure_events
    from aftercare.store import yamlio
    from aftercare.store.store import events_file_bytes

    icase, ievents, data = incoming
    case, events = store.load_case(cid)
    here = {e.id: e for e in events}
    for e in ievents:
        h = here.get(e.id)
        if h is not None and (h.type, h.date, dict(h.data)) != (e.type, e.date, dict(e.data)):
            raise AftercareError(f"移交文件中的记录 {e.id} 与本库个案 {cid} 的同号记录内容不同，拒绝导入（请与移出单位核对）",
                                 code="bad-bundle")
    ours, theirs = case.path, icase.path
    returning = any(e.id in here for e in ievents)
    folder = store.case_dir(cid)
    if returning:
        if len(theirs) < len(ours) or any((a.kind, a.opened_on) != (b.kind, b.opened_on) for a, b in zip(ours, theirs)):
            raise AftercareError(f"移交文件中的措施经过与本库个案 {cid} 的不一致（应以本库的措施开头），拒绝导入",
                                 code="bad-bundle")
        offset = 0
        if data["case.yaml"] != (folder / "case.yaml").read_bytes():
            tx.write(folder / "case.yaml", data["case.yaml"])
    else:
        view = evaluate_in(store, case, events, today)
        prev = view.path.current
        since = prev.end or prev.start or prev.measure.opened_on
        by_seq = measure_events(icase, ievents)
        opens = [_begins(m, by_seq.get(m.seq, [])) for m in theirs]
        for i in range(1, len(opens)):            # in order, as later_measures must be
            opens[i] = max(opens[i], opens[i - 1])
        if since is not None and opens[0] < since:
            raise AftercareError(f"接收的措施（{theirs[0].label}）开始于 {opens[0]}，早于本库个案 {cid} 上一措施"
                                 f"（{prev.measure.label}）的{'结束' if prev.end else '开始'}日期 {since}，时间重叠，拒绝导入",
                                 code="overlap")
        offset = len(ours)
        seq_of = {e.id: seq for seq, evs in by_seq.items() for e in evs}

        def add(doc):
            later = doc.get("later_measures")
            if later is None:
                doc["later_measures"] = later = []
            later.extend(_later_entry(m, d) for m, d in zip(theirs, opens))
            return ["later_measures"]

        edit_case_yaml(store, tx, cid, add)
    for name, blob in sorted(data.items()):
        if not name.startswith("events/"):
            continue
        path = folder / name
        old = path.read_bytes() if path.exists() else None
        if not offset and (old is None or blob.startswith(old)):
            if blob != old:
                tx.write(path, blob)                # the sender's file as it is
            continue
        items = yamlio.parse_events(blob, name) or []
        new = [dict(it, measure=offset + seq_of[it["id"]]) if offset else dict(it)
               for it in items if it["id"] not in here]
        if new:
            tx.write(path, events_file_bytes(new, old))
    return offset + 1, returning


def import_bundle(store: Store, bundle: str, today: date, date_text: str | None = None, new_id: str | None = None,
                  source: str | None = None) -> Result:
    """Import a case handed over by another office, with its whole history: into a new folder, or into
    the person's existing one (`_receiving_folder`)."""
    d = past_date(date_text, today)
    source = text(source, "移出单位", 200)
    path = Path(bundle)
    if not path.is_file():
        raise AftercareError(f"找不到移交文件“{bundle}”", code="no-bundle")
    git = store.git
    prereq, heads = _bundle_header(path, bundle)
    refs = [ref for _oid, ref in heads if ref.startswith("refs/aftercare/transfer/")]
    if len(refs) != 1 or len(heads) != 1:
        raise AftercareError(f"“{bundle}”不是 aftercare 生成的移交文件", code="bad-bundle")
    if prereq:
        raise AftercareError(f"移交文件“{bundle}”不完整：它的历史依赖 {len(prereq)} 个不在文件中的提交，拒绝导入",
                             code="bad-bundle")
    orig = refs[0].rsplit("/", 1)[1]
    try:
        check_case_id(orig)
    except AftercareError:
        raise AftercareError(f"“{bundle}”不是 aftercare 生成的移交文件（个案编号无效）", code="bad-bundle") from None
    if new_id:
        check_case_id(new_id)
    if not git.ok("bundle", "verify", "-q", str(path.resolve())):
        raise AftercareError(f"移交文件“{bundle}”校验失败（不完整或已损坏）", code="bad-bundle")
    iref = IMPORT_REF.format(cid=orig)
    case_dir = None
    made = False
    quarantine = None
    try:
        with store.transaction() as tx:
            quarantine = _checked_history(store, path, refs[0], bundle)
            git.run("fetch", "-q", "--no-tags", str(quarantine), f"+refs/import:{iref}", what="git 导入")
            files = _case_files(git, iref)
            incoming = _incoming(store, git, files, quarantine, orig, bundle)
            # under the lock: a folder registered meanwhile is seen
            cid, existing = _receiving_folder(store, incoming[0], orig, new_id, today)
            case_dir = store.case_dir(cid)
            history = _history(git, iref)
            meta = _commit_meta(git, [c for c, _ in history])
            top = git.run("rev-parse", "--show-prefix", what="git").strip()
            parts = (top + store.rel(case_dir)).strip("/").split("/")

            def nest(c):
                tree = git.run("rev-parse", f"{c}^{{tree}}", what="git").strip()
                for name in reversed(parts):
                    tree = git.run("mktree", input=f"040000 tree {tree}\t{name}\n".encode(), what="git").strip()
                return tree

            reuse = None
            if existing:     # the commits of ours that come back (the person went from here and returns) are ours
                own, own_meta, own_trees = _folder_history(store, cid)
                reuse = {_same(own_trees[c], own_meta[c]): c for c, _ in own if own_trees[c]}
            new = _rebuild(git, history, nest, meta, reuse)
            tip = new[git.run("rev-parse", f"{iref}^{{commit}}", what="git").strip()]
            if existing:
                first, returning = _merge_into(store, tx, cid, incoming, today, bundle)
            else:
                made = True
                for name, blob in incoming[2].items():      # the case's files into the work tree, byte for byte
                    tx.write(case_dir / name, blob)
            case, events = store.load_case(cid)
            view = evaluate_in(store, case, events, today)
            if view.path.current.outcome != "transferred":     # the person's current measure was handed over
                raise AftercareError(f"移交文件中的个案 {orig} 未办理移交（handover），不能导入", code="bad-bundle")
            if d < view.closed_on:
                raise AftercareError(f"接收日期 {d} 早于移交日期 {view.closed_on}", code="date-order")
            office = _sending_office(incoming[1], source)
            tx.append_event(case, events, "transfer-in", d, {"from": office,
                                                            "note": f"原编号 {orig}" if orig != cid else None})
            tx.extra_parents = [tip]
            verb = f"into the existing case {cid}" if existing else f"case {cid}"
            commit = tx.commit(f"Receive {verb} by change of place on {d.isoformat()} (history imported)\n\n"
                               f"{IMPORTED_FROM}: {office or '外单位'}")
    except BaseException:
        if made:   # never a folder that was there before
            shutil.rmtree(case_dir, ignore_errors=True)
        raise
    finally:
        git.run("update-ref", "-d", iref, check=False)
        if quarantine is not None:
            shutil.rmtree(quarantine, ignore_errors=True)
    report = f"请在 15 日内记录其报到：aftercare transfer report-in {cid}"
    if not existing:
        return Result(cid, f"已接收个案 {cid}（含全部历史），{report}", commit)
    cur = view.path.current
    how = "（本人原由本库移出，现移回）" if returning else ""
    was = f"（移出单位编号 {orig}）" if orig != cid else ""
    return Result(cid, f"已接收{was}并入本库个案 {cid}{how}：同一身份证号，一人一个档案，原有记录全部保留；"
                       f"现为第 {cur.seq} 项措施 {cur.measure.label}（含全部历史），{report}", commit,
                  notes=() if returning or first == cur.seq else
                  (f"移出单位的措施记为本库第 {first}–{cur.seq} 项措施",))
