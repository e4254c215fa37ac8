"""Documents 1–5: the decision, the registration form, the agreement, the plan, the work group."""

from __future__ import annotations

from aftercare.core.dates import cn
from aftercare.documents.catalogue import doc as _doc
from aftercare.documents.context import GROUP_ROLES, CaseFacts, every_text, txt


def _b01_decision(f: CaseFacts):
    c = f.case
    # the decision exists with the case (a copy on file); its details may still be to fill in
    yield _doc(c.decided_on or c.notified_on, todo=not (c.decision_no or c.decided_on))


def _b02_registration(f: CaseFacts):
    yield _doc(f.view.start or f.case.created_on)


def _b03_agreement(f: CaseFacts):
    # signed at report-in (before it: a blank form), and again after each change of place received
    yield _doc(f.view.start, blank=f.view.start is None, signed_on=f.view.start, after_transfer=None)
    for e in f.of_type("transfer-in"):
        yield _doc(e.date, f"{cn(e.date)}变更执行地后", signed_on=e.date, after_transfer=e)


def _schedule(f: CaseFacts, v) -> list[dict]:
    """The recurring duties per year of the period: the engine's windows as planned on the plan's day."""
    years = (f.case.term_months + 11) // 12
    rows = []
    for kind, duty in v.ruleset.duties.items():
        wins = v.windows.get(kind, [])
        per_year = []
        for y in range(1, years + 1):
            got = [w.every for w in wins if w.phase == y]
            every = "、".join(every_text(e) for e in sorted(set(got)))
            per_year.append(f"{every}1次（{len(got)}次）" if got else "")
        rows.append({"kind": kind, "label": duty.label, "years": per_year, "total": len(wins)})
    ev = v.ruleset.evaluation
    rows.append({"kind": "evaluation", "label": ev.get("label", "评估"),
                 "years": [f"初次评估（报到后{ev['intake_months']}个月内）1次，每季度1次，年度评估1次"] + [
                     "每季度1次，年度评估1次"] * (years - 1),
                 "total": len(v.windows.get("evaluation", []))})
    return rows


def _b04_plan(f: CaseFacts):
    if f.view.start is None:
        yield _doc(None, blank=True, schedule=[], test_windows=[], eval_windows=[], years=(f.case.term_months + 11) // 12)
        return
    v = f.on(f.view.start)                 # the plan as made on its day
    yield _doc(v.start, schedule=_schedule(f, v), test_windows=list(v.windows.get("test", [])),
               eval_windows=list(v.windows.get("evaluation", [])), years=(f.case.term_months + 11) // 12)


def _b05_group(f: CaseFacts):
    p = f.person
    group = list(p["group"])
    rows = []
    used = set()
    for code, label, keys, duty in GROUP_ROLES:
        member = None
        for i, g in enumerate(group):
            role = g.get("role", "")
            if i not in used and (role == code or any(k in role for k in keys)):
                member = g
                used.add(i)
                break
        if member is None:
            member = {"name": "", "unit": "", "phone": ""}
            if code == "worker":
                member = {"name": p["worker"], "unit": f.office.get("name", ""), "phone": p["worker_phone"]}
            elif code == "police":
                member = {"name": p["police_officer"], "unit": p["address_police"], "phone": p["police_phone"]}
            elif code == "family" and p["family"]:
                fm = p["family"][0]
                member = {"name": fm["name"], "unit": fm["relation"], "phone": fm["phone"]}
        rows.append({"role": label, "name": member.get("name", ""), "unit": member.get("unit", ""),
                     "phone": member.get("phone", ""), "duty": member.get("duty") or duty})
    for i, g in enumerate(group):
        if i not in used and "组长" not in g.get("role", "") and g.get("role") != "leader":
            rows.append({"role": g.get("role", ""), "name": g.get("name", ""), "unit": g.get("unit", ""),
                         "phone": g.get("phone", ""), "duty": g.get("duty", "")})
    leader = txt(f.case.extra.get("group_leader")) or next(
        (g.get("name", "") for g in group if "组长" in g.get("role", "") or g.get("role") == "leader"), "")
    yield _doc(f.view.start, members=rows, leader=leader)

