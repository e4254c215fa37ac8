"""One case's report (`show`): the facts of the case on a day, as plain data, and its text form."""

from __future__ import annotations

from datetime import date

from aftercare.core import model as M
from aftercare.core.engine import compliance
from aftercare.core.ids import check_case_id
from aftercare.store import Store
from aftercare.core.engine import evaluate_in

DUTY_ORDER = ("test", "visit", "report", "education", "evaluation", "report-in", "warning", "violation-report",
              "leave-return", "delegated-test-result", "release-suggestion", "birthday-visit", "security-visit",
              "family-change-visit", "transfer-form", "transfer-report-in", "archive-transfer", "pickup", "followup",
              "contact-check", "lost-report", "police-filing")


# the records of a person's path (PATHWAY.md): the field that says what happened, and its labels
PATH_SUMMARY = {"followup": ("outcome", M.FOLLOWUP_OUTCOMES), "contact": ("result", M.CONTACT_RESULTS),
                "referral": ("kind", M.REFERRAL_KINDS), "methadone": ("clinic", None), "pickup": ("by", None),
                "found": ("how", None), "methadone-end": ("reason", None)}


def _event_summary(e) -> str:
    d = e.data
    parts = []
    if e.type == "test":
        parts.append(M.TEST_RESULTS.get(d.get("result"), d.get("result")))
        if d.get("method"):
            parts.append(M.TEST_METHODS.get(d["method"], d["method"]))
        for flag, label in (("makeup", "补检"), ("forced", "强制")):
            if d.get(flag):
                parts.append(label)
        if d.get("delegated_to"):
            parts.append(f"委托{d['delegated_to']}")
    elif e.type == "test-result":
        parts.append(f"检测 {d.get('of')} 结果：{M.TEST_RESULTS.get(d.get('result'), d.get('result'))}")
    elif e.type in ("visit", "support", "evaluation", "violation"):
        table = {"visit": M.VISIT_KINDS, "support": M.SUPPORT_KINDS, "evaluation": M.EVALUATION_KINDS,
                 "violation": M.VIOLATION_KINDS}[e.type]
        if d.get("kind"):
            parts.append(table.get(d["kind"], d["kind"]))
        if d.get("days"):
            parts.append(f"{d['days']}日")
        if d.get("amount") is not None:
            parts.append(f"{d['amount']}元")
        if d.get("risk"):
            parts.append(f"风险{M.RISKS[d['risk']]}")
    elif e.type == "leave-request":
        parts.append(f"请假 {e.id}：{d.get('from')}至{d.get('to')} {d.get('destination', '')}" + ("（逾期申请）" if d.get("late") else ""))
    elif e.type in ("leave-approve", "leave-deny", "leave-return"):
        parts.append(f"请假 {d.get('leave')}")
    elif e.type in ("suspend", "terminate"):
        parts.append({**M.SUSPEND_REASONS, **M.TERMINATE_REASONS}.get(d.get("reason"), d.get("reason")))
    elif e.type == "explanation":
        parts.append(f"{M.ITEM_KINDS.get(d.get('item'), d.get('item'))}（期限 {d.get('deadline')}）：{d.get('reason')}")
    elif e.type == "release":
        if d.get("notice_no"):
            parts.append(f"通知书 {d['notice_no']}")
        if d.get("early"):
            parts.append(f"提前解除：{d.get('reason', '')}")
    elif e.type == "transfer-apply":
        parts.append(f"迁往 {d.get('to')}")
    elif e.type in PATH_SUMMARY:
        key, table = PATH_SUMMARY[e.type]
        if d.get(key):
            parts.append(table.get(d[key], d[key]) if table else d[key])
        if e.type in ("followup", "contact") and d.get("method" if e.type == "followup" else "via"):
            extra = d.get("method") or d.get("via")
            parts.append((M.FOLLOWUP_METHODS if e.type == "followup" else M.CONTACT_VIA).get(extra, extra))
    if e.type not in ("test", "test-result", "explanation", "release", "suspend", "terminate", *PATH_SUMMARY):
        parts.extend(str(d[key]) for key in ("result", "note", "reason") if d.get(key))
    return "；".join(str(p) for p in parts if p)


def _closing(view) -> dict | None:
    """How the case ended: release (notice number, date the office was told, early?), termination, transfer."""
    e = view.closed_by
    if e is None:
        return None
    out = {"type": e.type, "date": e.date, "record": e.id}
    out.update({k: v for k, v in e.data.items() if v is not None})
    return out


def case_report(store: Store, cid: str, day: date, today: date | None = None) -> dict:
    """The report of one case on `day`; refused when its records fail a check (records after `today`, which
    defaults to the later of `day` and the clock, included)."""
    case, events = store.load_case(check_case_id(cid), today=today or max(day, date.today()))
    view = evaluate_in(store, case, events, day)
    from aftercare.core.path import live_agenda, measure_case, path_compliance

    comp = {**compliance(view), **path_compliance(view)}
    path = view.path
    open_items = live_agenda(path.live, path.state, day, view.ruleset.upcoming_days)
    gaps = [it for it in (*view.items, *path.items) if it.explained_on is not None and it.explained_on <= day]
    mc = measure_case(view, case)
    return {
        "case": case.id,
        "name": case.name,
        "sex": case.sex,
        "birth_date": case.birth_date,
        "id_number": case.id_number,
        "measure": mc.measure,
        "measure_label": mc.measure_label,
        "term_months": mc.term_months,
        "worker": case.worker,
        "phone": case.phone,
        "address": case.address,
        "household": case.household,
        "risk": view.risk,
        "decision": {"number": mc.decision_no, "decided_by": mc.decided_by, "decided_on": mc.decided_on,
                     "notified_on": mc.notified_on},
        "status": view.status,
        "status_label": M.STATUS_LABELS[view.status],
        "state": path.state,
        "state_label": M.STATES[path.state],
        **path_report(case, path, day),
        "day": day,
        "period": {"start": view.start, "base_last_day": view.base_last, "last_day": view.last_day,
                   "suspended_days": view.suspended_days, "days_left": view.days_left,
                   "closed_on": view.closed_on},
        "suspensions": [{"from": s, "to": r, "reason": e.get("reason")} for s, r, e in view.suspensions],
        "closed": _closing(view),
        "violations": {
            "refusals": len(view.refusals),
            "refusal_dates": [e.date for e in view.refusals],
            "refusal_breach": view.refusal_breach.date if view.refusal_breach else None,
            "refusal_breach_record": view.refusal_breach.id if view.refusal_breach else None,
            "absences": len(view.absences),
            "absence_days": view.absence_days,
            "absence_breach": view.absence_breach.date if view.absence_breach else None,
            "absence_breach_record": view.absence_breach.id if view.absence_breach else None,
            "serious_breach": bool(view.refusal_breach or view.absence_breach),
        },
        "leaves": [{"id": lv.id, "from": lv.start, "to": lv.end, "destination": lv.request.get("destination"),
                    "state": lv.state, "late_request": lv.late_request,
                    "returned_on": lv.returned.date if lv.returned else None} for lv in view.leaves],
        "transfer": {k: (v.date if hasattr(v, "date") else v) for k, v in view.transfer.items()},
        "compliance": {k: comp[k] for k in DUTY_ORDER if k in comp},
        "open_items": [{"kind": it.kind, "label": it.label, "status": it.status, "deadline": it.deadline,
                        "window_start": it.window_start, "basis": it.basis, "document": it.document,
                        "provisional": it.provisional} for it in open_items],
        "gaps": [{"kind": it.kind, "deadline": it.deadline, "explained_on": it.explained_on, "reason": it.explanation}
                 for it in gaps],
        "corrections": [dict(c) for c in case.corrections],
        "timeline": _timeline(case, events, path, day),
        "voided": [{"id": e.id, "date": e.date, "type": e.type, "label": e.label, "summary": _event_summary(e),
                    "voided_on": e.void["on"], "reason": e.void["reason"], "by": e.void["by"],
                    "void_record": e.void["record"]} for e in events if e.void],
    }


def _timeline(case, events, path, day: date) -> list:
    """Every record of the person up to `day`, in order; with several measures each names the stretch of the
    path it belongs to (`measure`: its number, `stage`: the measure or the follow-up a release opened)."""
    from aftercare.core.facts import visible_events

    evs = visible_events(events, day)
    rows = [{"id": e.id, "date": e.date, "type": e.type, "label": e.label, "summary": _event_summary(e)} for e in evs]
    if len(path.segments) > 1:
        seq_of = {e.id: seq for seq, mine in M.measure_events(case, evs).items() for e in mine}
        for row, e in zip(rows, evs):
            seq = seq_of[e.id]
            segs = [g for g in path.segments if g.seq == seq]
            seg = next((g for g in reversed(segs) if g.start is not None and g.start < e.date), segs[0])
            row.update(measure=seq, stage=seg.kind)
    return rows


def _blank(value) -> str:
    return "（空）" if value in (None, "") else str(value)


def path_report(case, path, day: date) -> dict:
    """The path part of `show`: measures in order, lost contact, methadone, prior isolations."""
    lost_since = path.lost_since
    return {
        "current_measure": path.current.kind,
        "measures": [{"seq": g.seq, "kind": g.kind, "label": M.MEASURES[g.kind], "start": g.start, "end": g.end,
                      "outcome": g.outcome or None, "outcome_label": M.OUTCOMES.get(g.outcome, "") if g.outcome else "",
                      "last_day": g.last_day, "derived": g.derived, "facility": g.measure.facility or None,
                      "expected_release": g.measure.expected_release if g.kind == "isolation" else None,
                      "released_from": g.measure.released_from or None if g.kind == "followup" else None,
                      "decision_no": g.measure.decision_no or None} for g in path.segments],
        "lost": {"since": lost_since, "days": (day - lost_since).days + 1 if lost_since else 0,
                 "periods": [{"from": a, "to": b, "days": ((b or day) - a).days + (0 if b else 1)} for a, b, _e in path.lost]},
        "methadone": {"on": path.on_methadone,
                      "periods": [{"from": j.date, "clinic": j.get("clinic"), "registration_no": j.get("registration_no"),
                                   "to": e.date if e else None} for j, e in path.methadone]},
        "prior_isolations": path.prior_isolations,
        "history": [{"measure": h.get("measure"), "from": h.get("from"), "to": h.get("to")}
                    for h in case.extra.get("history") or []],
    }


def _path_lines(r: dict) -> list:
    lines = ["措施经过："]
    for n, m in enumerate(r["measures"], 1):     # in order: a follow-up a release opened is the next one
        end = f"至 {m['end']}（{m['outcome_label']}）" if m["end"] else ("起" + (f"，预计 {m['last_day']} 结束" if m["last_day"] else ""))
        where = f" {m['facility']}" if m["facility"] else ""
        if m["kind"] == "isolation" and m["expected_release"] and not m["end"]:
            end = f"起，预计 {m['expected_release']} 解除"
        start = m["start"] or "（尚未报到）"
        lines.append(f"  {n}. {m['label']}{where} {start} {end}".rstrip())
    if r["prior_isolations"]:
        hist = "；".join(f"{h['from']}至{h['to']}" for h in r["history"])
        lines.append(f"既往强制隔离戒毒 {r['prior_isolations']} 次" + (f"（{hist}）" if hist else ""))
    if r["lost"]["since"]:
        lines.append(f"失联：自 {r['lost']['since']} 起，已 {r['lost']['days']} 日")
    elif r["lost"]["periods"]:
        lines.append("失联经历：" + "；".join(f"{p['from']}至{p['to']}（{p['days']}日）" for p in r["lost"]["periods"]))
    if r["methadone"]["on"]:
        j = r["methadone"]["periods"][-1]
        lines.append(f"药物维持治疗中：自 {j['from']}（{j['clinic']}）")
    return lines
