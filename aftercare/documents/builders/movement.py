"""Documents 13–16: leave (request, notice) and change of place (approval form, letter)."""

from __future__ import annotations

from datetime import timedelta

from aftercare.core.dates import cn
from aftercare.documents.catalogue import doc as _doc
from aftercare.documents.context import CaseFacts, txt


def _b13_leave_requests(f: CaseFacts):
    for lv in f.view.leaves:
        e = lv.request
        yield _doc(e.date, f"{cn(lv.start)}至{cn(lv.end)}", **_leave_ctx(f, lv))


def _leave_ctx(f: CaseFacts, lv) -> dict:
    e = lv.request
    d = lv.decided
    state = {"requested": "待审批", "approved": "准假", "denied": "不准假", "returned": "准假"}.get(lv.state, lv.state)
    return {"leave": lv, "request": e, "start": lv.start, "end": lv.end, "days": (lv.end - lv.start).days + 1,
            "destination": txt(e.get("destination")), "reason": txt(e.get("reason")), "phone": txt(e.get("phone")),
            "guarantor": txt(e.get("guarantor")), "late": bool(e.get("late")), "asked_on": e.date,
            "outside": e.get("outside_county"),
            "decision": state if d else "", "approved": d is not None and d.type == "leave-approve",
            "decided_on": d.date if d else None, "approver": txt(d.get("by")) if d else "",
            "decision_note": txt(d.get("note")) if d else "", "returned_on": lv.returned.date if lv.returned else None}


def _b14_leave_notices(f: CaseFacts):
    for lv in f.view.leaves:
        if lv.decided is not None and lv.decided.type == "leave-approve":
            yield _doc(lv.decided.date, f"{cn(lv.start)}至{cn(lv.end)}", **_leave_ctx(f, lv))


def _transfer_ctx(f: CaseFacts, t) -> dict:
    """One change of place (the engine's `Transfer`: the application and what followed it)."""
    ap = t.apply
    appr, refuse = t.get("transfer-approve"), t.get("transfer-refuse")
    decided = appr or refuse
    hand = t.get("transfer-handover")
    ref = appr.date if appr else ap.date
    last = f.on(ref).last_day                # the period's end as known on that day
    left = (last - ref).days if last else None
    form = t.get("transfer-form")
    return {"apply": ap, "to": txt(ap.get("to")), "reason": txt(ap.get("reason")), "proof": txt(ap.get("proof")),
            "applied_on": ap.date, "form": form, "form_on": form.date if form else None,
            "opinion": txt(form.get("opinion")) if form else "",
            "approved": appr is not None, "refused": refuse is not None,
            "decided_on": decided.date if decided else None, "approver": txt(decided.get("by")) if decided else "",
            "decision_note": txt(decided.get("note")) if decided else "",
            "report_by": appr.date + timedelta(days=f.rules["transfer_report_days"]) if appr else None,
            "handover": hand, "handover_on": hand.date if hand else None,
            "bundle": txt(hand.get("bundle")) if hand else "", "days_left": left,
            "reported_new": t.get("transfer-report-in")}


def _b15_transfer_forms(f: CaseFacts):
    for t in f.view.transfers:
        c = _transfer_ctx(f, t)
        yield _doc(c["form_on"] or c["applied_on"], f"迁往{c['to']}", **c)


def _b16_transfer_letters(f: CaseFacts):
    for t in f.view.transfers:
        c = _transfer_ctx(f, t)
        if c["refused"]:
            continue
        yield _doc(c["handover_on"] or c["decided_on"], f"迁往{c['to']}", blank=not c["approved"], **c)

