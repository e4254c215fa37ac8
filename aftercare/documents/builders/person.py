"""Documents 1–5: the decision, the registration form, the agreement, the plan, the work group."""

from __future__ import annotations

from aftercare.core.dates import cn
from aftercare.documents.catalogue import doc as _doc
from aftercare.documents.context import GROUP_ROLES, CaseFacts, every_text, txt


def _b01_decision(f: CaseFacts):
    c = f.case
    yield _doc(c.decided_on or c.notified_on, blank=not (c.decision_no or c.decided_on))


def _b02_registration(f: CaseFacts):
    yield _doc(f.view.start or f.case.created_on)


def _b03_agreement(f: CaseFacts):
    # one at report-in, and a new one after each change of place received (transfer-in)
    yield _doc(f.view.start, blank=f.view.start is None, signed_on=f.view.start, after_transfer=None)
    for e in f.of_type("transfer-in"):
        yield _doc(e.date, f"{cn(e.date)}变更执行地后", signed_on=e.date, after_transfer=e)


def _phase_starts(phases, term: int) -> list[tuple[int, int]]:
    out, offset = [], 0
    for ph in phases:
        for m in range(offset, offset + ph.months, ph.every):
            if m >= term:
                break
            out.append((m, ph.every))
        offset += ph.months
        if offset >= term:
            break
    return out


def _schedule(f: CaseFacts) -> list[dict]:
    """The recurring duties per year of the period, from the rules in force."""
    rs, c = f.view.ruleset, f.case
    years = (c.term_months + 11) // 12
    rows = []
    for kind, duty in rs.duties.items():
        starts = _phase_starts(duty.phases(c.measure, c.term_months), c.term_months)
        per_year = []
        for y in range(years):
            got = [e for m, e in starts if m // 12 == y]
            if not got:
                per_year.append("")
                continue
            evs = sorted(set(got))
            every = "、".join(every_text(e) for e in evs)
            per_year.append(f"{every}1次（{len(got)}次）")
        rows.append({"kind": kind, "label": duty.label, "years": per_year, "total": len(starts)})
    ev = rs.evaluation
    q = int(ev["quarter_months"])
    quarters = len(range(0, c.term_months, q))
    yearly = years
    rows.append({"kind": "evaluation", "label": ev.get("label", "评估"),
                 "years": [f"初次评估（报到后{ev['intake_months']}个月内）1次，每季度1次，年度评估1次"] + [
                     "每季度1次，年度评估1次"] * (years - 1),
                 "total": 1 + quarters + yearly})
    return rows


def _b04_plan(f: CaseFacts):
    v = f.view
    tests = [w for w in v.windows.get("test", [])]
    evals = [w for w in v.windows.get("evaluation", [])]
    yield _doc(v.start, blank=v.start is None, schedule=_schedule(f), test_windows=tests, eval_windows=evals,
               years=(f.case.term_months + 11) // 12)


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

