"""leave request / approve / deny / return, suspend, resume, terminate, release."""

from __future__ import annotations

from datetime import date

from aftercare.actions.common import (Result, check_state, choice, load_view, not_before_last_record, past_date,
                                      record_event, text)
from aftercare.core import model as M
from aftercare.core.dates import parse_date
from aftercare.core.errors import AftercareError
from aftercare.core.ids import check_case_id
from aftercare.store import Store


def leave_request(store: Store, cid: str, from_text: str, to_text: str, destination: str, today: date,
                  reason: str | None = None, date_text: str | None = None, phone: str | None = None,
                  guarantor: str | None = None) -> Result:
    asked = past_date(date_text, today, "申请日期（--date）")
    start = parse_date(from_text, "外出开始日期（--from）", today)
    end = parse_date(to_text, "外出结束日期（--to）", today)
    destination = text(destination, "目的地", 200)
    if not destination:
        raise AftercareError("请写明外出目的地（--destination）", code="missing")
    if end < start:
        raise AftercareError(f"外出结束日期 {end} 早于开始日期 {start}", code="date-order")
    cid = check_case_id(cid)
    notes = []

    def check(case, events, view):
        rs = view.ruleset
        days = (end - start).days + 1
        if days < rs.leave_min_days:
            raise AftercareError(f"外出 {days} 日，不足 {rs.leave_min_days} 日无需请假", code="leave-too-short")
        if rs.leave_max_days is not None and days > rs.leave_max_days:
            raise AftercareError(f"外出 {days} 日，超过请假最长 {rs.leave_max_days} 日（规则 leave.max_days）",
                                 code="leave-too-long")
        if rs.leave_within_period and view.last_day is not None and end > view.last_day:
            raise AftercareError(f"外出结束日期 {end} 在{view.case.measure_label}期满（{view.last_day}）之后：请假不能超出执行期限",
                                 code="leave-too-long")
        if view.start is not None and start < view.start:
            raise AftercareError(f"外出开始日期 {start} 早于报到日期 {view.start}", code="before-start")
        if start < asked:
            raise AftercareError(f"外出开始日期 {start} 早于申请日期 {asked}：已经外出的应记为违规（record violation --kind absence）",
                                 code="date-order")
        for lv in view.leaves:
            if lv.state != "denied" and lv.start <= end and start <= lv.end:
                raise AftercareError(f"与请假 {lv.id}（{lv.start}至{lv.end}）时间重叠", code="leave-overlap")
        if (start - asked).days < rs.leave_ask_days_before:
            notes.append(f"注意：未在外出前 {rs.leave_ask_days_before} 日提出申请，已记录并标记为逾期申请")
        return notes

    with store.transaction() as tx:
        case, events, view = load_view(store, cid, today)
        check_state(view, asked, "leave-request")
        check(case, events, view)
        late = bool(notes)
        eid = tx.append_event(case, events, "leave-request", asked,
                              {"from": start, "to": end, "destination": destination, "reason": text(reason, "事由"),
                               "late": late or None, "phone": text(phone, "电话", 40), "guarantor": text(guarantor, "担保人", 40)})
        commit = tx.commit(f"Request leave {eid} for {cid} ({start.isoformat()} to {end.isoformat()})")
    return Result(cid, f"已登记请假申请 {eid}：个案 {cid} {start}至{end}（{(end - start).days + 1} 日）", commit, eid, tuple(notes))


def leave_decide(store: Store, cid: str, leave_id: str, action: str, date_text: str | None, today: date,
                 by: str | None = None) -> Result:
    d = past_date(date_text, today)
    cid = check_case_id(cid)
    etype = {"approve": "leave-approve", "deny": "leave-deny", "return": "leave-return"}[action]
    with store.transaction() as tx:
        case, events, view = load_view(store, cid, today)
        lv = next((x for x in view.leaves if x.id == leave_id), None)
        if lv is None:
            raise AftercareError(f"个案 {cid} 没有编号为“{leave_id}”的请假", code="unknown-leave")
        check_state(view, d, etype)
        if d < lv.request.date:
            raise AftercareError(f"日期 {d} 早于请假申请日期 {lv.request.date}", code="date-order")
        if action in ("approve", "deny"):
            if lv.state == "denied":
                raise AftercareError(f"请假 {leave_id} 已不准假，不能再{'批准' if action == 'approve' else '处理'}", code="leave-state")
            if lv.state in ("approved", "returned"):
                raise AftercareError(f"请假 {leave_id} 已批准，不能再{'批准' if action == 'approve' else '改为不准假'}", code="leave-state")
        else:
            if lv.state == "returned":
                raise AftercareError(f"请假 {leave_id} 已于 {lv.returned.date} 销假", code="leave-state")
            if lv.state != "approved":
                raise AftercareError(f"请假 {leave_id} 未获批准，不能销假", code="leave-state")
            if d < lv.start:
                raise AftercareError(f"销假日期 {d} 早于外出开始日期 {lv.start}", code="date-order")
        eid = tx.append_event(case, events, etype, d, {"leave": leave_id, "by": text(by, "审批人") if action != "return" else None})
        verb = {"approve": "Approve", "deny": "Deny", "return": "Record return from"}[action]
        commit = tx.commit(f"{verb} leave {leave_id} for {cid} on {d.isoformat()}")
    msg = {"approve": f"已批准请假 {leave_id}（{lv.start}至{lv.end}），期满应于 {lv.end} 前销假",
           "deny": f"已记录不准假：请假 {leave_id}", "return": f"已销假：请假 {leave_id}（{d}）"}[action]
    notes = ()
    if action == "return":
        # the engine's deadline: the leave's last day, moved by the days the person was held meanwhile
        due = next((i.deadline for i in view.items if i.key == f"leave-return:{leave_id}"), lv.end)
        if d > due:
            moved = f"（中止期间顺延至 {due}）" if due != lv.end else ""
            notes = (f"注意：超过准假期限{moved} {(d - due).days} 日才销假",)
    return Result(cid, msg, commit, eid, notes)


def suspend(store: Store, cid: str, date_text: str | None, reason: str, today: date, note: str | None = None) -> Result:
    d = past_date(date_text, today)
    reason = choice(reason, M.SUSPEND_REASONS, "中止原因（--reason）", required=True)
    cid = check_case_id(cid)

    def check(case, events, view):
        if view.status == "suspended":
            raise AftercareError(f"个案 {cid} 已经处于中止状态（自 {view.suspensions[-1][0]}）", code="already-suspended")
        if view.start is None:
            raise AftercareError(f"个案 {cid} 尚未报到，不能中止", code="not-started")
        if d < view.start:
            raise AftercareError(f"中止日期 {d} 早于报到日期 {view.start}", code="before-start")
        if view.last_day is not None and d > view.last_day:
            raise AftercareError(f"期限已于 {view.last_day} 届满，不能中止；应办理解除（release）", code="period-over")
        not_before_last_record(view.events, d, "中止")
        for s, r, _e in view.suspensions:
            if r is not None and s <= d < r:
                raise AftercareError(f"{d} 已在此前的中止期间（{s}至{r}）内", code="suspended")
        return ()

    return record_event(store, cid, "suspend", d, {"reason": reason, "note": text(note, "说明")}, today,
                   f"Suspend case {cid} on {d.isoformat()} ({reason})", check)


def resume(store: Store, cid: str, date_text: str | None, today: date, note: str | None = None) -> Result:
    d = past_date(date_text, today)
    cid = check_case_id(cid)

    def check(case, events, view):
        if view.status != "suspended":
            raise AftercareError(f"个案 {cid} 未处于中止状态，不能恢复", code="not-suspended")
        s = view.suspensions[-1][0]
        if d <= s:
            raise AftercareError(f"恢复日期 {d} 应晚于中止日期 {s}", code="date-order")
        return ()

    return record_event(store, cid, "resume", d, {"note": text(note, "说明")}, today,
                   f"Resume case {cid} on {d.isoformat()}", check)


# what ends follow-up care or a stay in a facility besides their own ends (PATHWAY §1)
OFF_COMMUNITY_ENDS = {"followup": ("deceased", "moved-away"), "isolation": ("deceased",)}


def terminate(store: Store, cid: str, date_text: str | None, reason: str, today: date, note: str | None = None) -> Result:
    d = past_date(date_text, today)
    reason = choice(reason, M.TERMINATE_REASONS, "终止原因（--reason）", required=True)
    cid = check_case_id(cid)
    with store.transaction() as tx:
        case, events, view = load_view(store, cid, today)
        cur = view.path.current
        if cur.kind in OFF_COMMUNITY_ENDS and cur.open:
            return _end_off_community(tx, case, events, view, d, reason, note)
        if cur.outcome in ("deceased", "moved-away"):
            raise AftercareError(f"个案 {cid} 的{M.MEASURES[cur.kind]}已于 {cur.end} 以“{M.OUTCOMES[cur.outcome]}”结束，不能再终止",
                                 code="case-closed")
    return _terminate_measure(store, cid, d, reason, today, note)


def _end_off_community(tx, case, events, view, d: date, reason: str, note: str | None) -> Result:
    """Death or moving away ends follow-up care (death also a stay in a facility): nothing is due afterwards."""
    cid, cur = case.id, view.path.current
    allowed = OFF_COMMUNITY_ENDS[cur.kind]
    if reason not in allowed:
        how = "复吸的用 case start 登记新措施" if cur.kind == "followup" else "出所后用 case start 登记下一措施"
        raise AftercareError(f"个案 {cid} 目前处于{M.MEASURES[cur.kind]}，只能因"
                             f"{'、'.join(M.TERMINATE_REASONS[r] for r in allowed)}（--reason {' / '.join(allowed)}）结束；{how}",
                             code="wrong-measure")
    if d < cur.start:
        raise AftercareError(f"终止日期 {d} 早于{M.MEASURES[cur.kind]}开始日期 {cur.start}", code="before-start")
    not_before_last_record([e for e in events if M.counts(e)], d, "终止")
    eid = tx.append_event(case, events, "terminate", d, {"reason": reason, "note": text(note, "说明")})
    commit = tx.commit(f"End {cur.kind} of case {cid} on {d.isoformat()} ({reason})")
    return Result(cid, f"已记录：个案 {cid} {d.isoformat()} {M.MEASURES[cur.kind]}以“{M.TERMINATE_REASONS[reason]}”结束，"
                       "此后不再产生待办事项", commit, eid)


def _terminate_measure(store: Store, cid: str, d: date, reason: str, today: date, note: str | None) -> Result:
    def check(case, events, view):
        if view.closed:
            raise AftercareError(f"个案 {cid} 于 {view.closed_on} {M.STATUS_LABELS[view.status]}，不能再终止", code="case-closed")
        if view.start is not None and d < view.start:
            raise AftercareError(f"终止日期 {d} 早于报到日期 {view.start}", code="before-start")
        not_before_last_record(view.events, d, "终止")
        return ()

    return record_event(store, cid, "terminate", d, {"reason": reason, "note": text(note, "说明")}, today,
                   f"Terminate case {cid} on {d.isoformat()} ({reason})", check)


def release(store: Store, cid: str, date_text: str | None, today: date, notice_no: str | None = None,
            notified_on: str | None = None, issued_by: str | None = None, early_reason: str | None = None) -> Result:
    d = past_date(date_text, today)
    told = past_date(notified_on, today, "通知日期（--notified-on）") if notified_on else None
    cid = check_case_id(cid)
    notes = []

    def check(case, events, view):
        if view.status == "awaiting":
            raise AftercareError(f"个案 {cid} 尚未报到，不能解除", code="not-started")
        if view.status == "suspended":
            raise AftercareError(f"个案 {cid} 处于中止状态，须先恢复（resume）或终止（terminate）", code="suspended")
        if view.closed:
            raise AftercareError(f"个案 {cid} 于 {view.closed_on} {M.STATUS_LABELS[view.status]}，不能再解除", code="case-closed")
        if d <= view.last_day:
            if not early_reason:
                extra = f"（含中止顺延 {view.suspended_days} 日）" if view.suspended_days else ""
                raise AftercareError(f"期限至 {view.last_day} 届满{extra}，{d} 不能解除；提前解除须用 --early-reason 写明依据",
                                     code="too-early")
            notes.append(f"注意：提前解除（期满日 {view.last_day}），已标记")
        return notes

    fields = {"notice_no": text(notice_no, "解除通知书文号"), "notified_on": told, "issued_by": text(issued_by, "公安机关"),
              "early": True if early_reason else None, "reason": text(early_reason, "提前解除依据")}
    return record_event(store, cid, "release", d, fields, today, f"Release case {cid} on {d.isoformat()}", check)
