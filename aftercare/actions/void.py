"""void CASE EVENT_ID --reason T (撤销): set aside a record entered by mistake.

The record stays in its file and in git; a `void` record appended to this clone's events file names it
(`of`), with the reason, who and when. The store's read path marks the named record (`model.mark_void`)
and the engine drops marked records first (`facts.visible_events`), so every reader ignores it.
Correcting = void + record again.
"""

from __future__ import annotations

from datetime import date

from aftercare.actions.common import NEED_START, PERSON_EVENTS, Result, author_name, text
from aftercare.core.errors import AftercareError
from aftercare.core.ids import check_case_id
from aftercare.core.model import Event, counts
from aftercare.store import Store
from aftercare.core.engine import evaluate_in

_TRANSFER_AFTER_APPLY = ("transfer-form", "transfer-approve", "transfer-refuse", "transfer-report-in", "transfer-handover")


def dependents(target: Event, live: list) -> list:
    """The live records that would lose their meaning without `target` (oldest first)."""
    t, tid = target.type, target.id
    after = [e for e in live if e.id != tid and e.date >= target.date]
    if t == "leave-request":
        return [e for e in live if e.get("leave") == tid and e.type != "void"]
    if t == "leave-approve":
        return [e for e in after if e.type == "leave-return" and e.get("leave") == target.get("leave")]
    if t == "test":
        return [e for e in live if e.type == "test-result" and e.get("of") == tid]
    if t == "report-in":
        if any(e.type == "report-in" and e.id != tid and e.date <= target.date for e in live):
            return []          # a second report-in: the period does not hang on this one
        return [e for e in after if e.type in NEED_START]
    if t == "resume":
        return [e for e in after if e.type in PERSON_EVENTS or e.type in ("suspend", "release")]
    if t == "transfer-apply":
        nxt = next((e for e in after if e.type == "transfer-apply"), None)
        return [e for e in after if e.type in _TRANSFER_AFTER_APPLY and (nxt is None or e.date <= nxt.date)]
    if t == "transfer-approve":
        return [e for e in after if e.type in ("transfer-report-in", "transfer-handover")]
    if t == "release":              # follow-up care starts with the release: its visits stand on it
        return [e for e in after if e.type == "followup"]
    for opening, closing in PAIRS:  # a resume needs its suspension, a found its lost, an end its start
        if t == opening:
            nxt = next((e for e in after if e.type in (opening, closing)), None)
            return [nxt] if nxt is not None and nxt.type == closing else []
    return []


# A record that opens a state, and the record that closes it (which cannot stand without it).
PAIRS = (("suspend", "resume"), ("lost", "found"), ("methadone", "methadone-end"))


def _describe(e: Event) -> str:
    return f"{e.id}（{e.date} {e.label}）"


def void_record(store: Store, cid: str, event_id: str, reason: str | None, today: date, by: str | None = None) -> Result:
    cid = check_case_id(cid)
    reason = text(reason, "撤销原因（--reason）", 500)
    if not reason:
        raise AftercareError("请写明撤销原因（--reason），例如“录入错误：结果应为阴性”", code="missing")
    by = text(by, "撤销人", 40)
    event_id = (event_id or "").strip()
    with store.transaction() as tx:
        case, events = store.load_case(cid, content=False)      # a void may be what mends a content problem
        live = [e for e in events if counts(e)]
        target = next((e for e in events if e.id == event_id), None)
        if target is None:
            raise AftercareError(f"个案 {cid} 没有编号为“{event_id}”的记录（记录编号见 aftercare show {cid}）",
                                 code="unknown-record")
        if target.type == "void":
            raise AftercareError(f"记录 {event_id} 本身是撤销记录，不能再撤销", code="void-of-void")
        if target.void:
            v = target.void
            raise AftercareError(f"记录 {_describe(target)} 已于 {v['on']} 撤销（原因：{v['reason']}）",
                                 code="already-void")
        if target.type in ("transfer-handover", "transfer-in"):
            raise AftercareError(f"记录 {_describe(target)} 是档案移交/接收，档案已经交接，不能撤销", code="void-refused")
        view = evaluate_in(store, case, events, today)
        if view.status == "transferred":
            raise AftercareError(f"个案 {cid} 已移出本库，不能撤销其记录", code="case-closed")
        deps = dependents(target, live)
        if deps:
            names = "、".join(_describe(e) for e in deps[:3]) + (f" 等 {len(deps)} 条" if len(deps) > 3 else "")
            hint = (f"；更正报到日期请用 aftercare case set {cid} --reported-on 日期 --reason 原因"
                    if target.type == "report-in" else "；如确属错误，请先撤销这些记录")
            raise AftercareError(f"不能撤销记录 {_describe(target)}：{names} 依赖它{hint}", code="has-dependents")
        by = by or author_name(store)
        eid = tx.append_event(case, events, "void", today, {"of": target.id, "reason": reason, "by": by})
        commit = tx.commit(f"Void {target.type} {target.id} of {cid} (dated {target.date.isoformat()})\n\n"
                           f"Reason: {reason}")
    return Result(cid, f"已撤销：个案 {cid} 记录 {_describe(target)}；原因：{reason}", commit, eid)


__all__ = ["dependents", "void_record"]
