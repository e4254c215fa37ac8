"""The office's work on a synthetic path: ask the engine what is due, and do it (or miss it).

`settle(walk)` evaluates the whole path on `today` with the records the walk made (the engine:
`engine.evaluate_in`, the same call every command makes), then goes through what it returned: each
window of each recurring duty (the rules' schedule, the facts' windows), each triggered item (a
warning after a refusal, a report after a positive test, a leave's return, the 三必访 visits, the
release suggestion, a change of place), and the path's items (pick-up, follow-up windows, lost-contact
report, police filing of methadone). Each is done on a random day inside its window with the
person's diligence, answered late or not at all, and some missed ones are made up (a test, within the
rules' reach, at the window `windows.makeup_target` gives) or explained. A second evaluation then
shows what is still open: some of it explained, and a long silence answered by a contact check. Which record closes an item is the engine's: the
`qualifies` rule of a duty names the record types that fill it.
"""

from __future__ import annotations

from datetime import date, timedelta

from aftercare.core.dates import add_months
from aftercare.core.engine import evaluate_in
from aftercare.core.windows import makeup_target
from . import texts
from .people import COMMUNITY, rand_day
from .walk import ONE, Seg, Walk

UNEXPLAINED = ("warning", "violation-report", "report-in", "contact-check")
VISITS = {"birthday-visit": "生日走访，送上祝福", "security-visit": "重大安保期走访", "family-change-visit": "家庭变故走访，了解困难"}


def evaluate(walk: Walk):
    return evaluate_in(walk.store, walk.case, walk.sorted_events(), walk.today)


def settle(walk: Walk):
    """Do the office's work on the path; returns the engine's final view of it."""
    work(walk, evaluate(walk))
    view = evaluate(walk)                     # with everything done: what is still open
    explain(walk, view)
    contact_checks(walk, view)
    return view


def work(walk: Walk, view) -> None:
    """Every window and item the view lists: done on a day inside it, with the person's diligence, or not."""
    for part in view.path.segments:
        seg = walk.seg(part.seq, part.kind)
        if seg is None or part.kind not in COMMUNITY or part.view is None:
            continue
        v = part.view
        recurring = set(v.ruleset.duties) | {"evaluation"}
        for kind, duty in v.ruleset.duties.items():
            windows(walk, seg, kind, duty, v)
        evaluations(walk, seg, v)
        for it in v.items:
            if it.kind not in recurring:
                triggered(walk, seg, it)
    for it in view.path.items:
        seg = walk.seg_of_item(it)
        if seg is not None:
            triggered(walk, seg, it)


# ---------------------------------------------------------------- recurring duties


def _filler(duty) -> tuple:
    """The record type that fills a duty's window (its rule's `qualifies`), and the values it must have."""
    for etype, wanted in duty.qualifies.items():
        if etype in texts.MAKERS:
            return etype, wanted
    return None, {}


def _open(w, seg: Seg, today: date) -> bool:
    return (w.satisfied_by is None and w.explained_by is None and w.end != date.max and w.start <= today
            and w.start < seg.bound)


def windows(walk: Walk, seg: Seg, kind: str, duty, view) -> None:
    rng, today, p = walk.rng, walk.today, walk.p
    etype, wanted = _filler(duty)
    if etype is None:
        return
    wins = list(view.windows.get(kind, ()))
    for i, w in enumerate(wins):
        if not _open(w, seg, today):
            continue
        lo = max(w.start, seg.start)
        if rng.random() < p.diligence:
            d = rand_day(rng, lo, w.end)
            if d > today:
                continue                               # the current window: not yet
            d = d if walk.person_ok(seg, d) else walk.day(seg, lo, min(w.end, today))
            if d is not None:
                walk.add(seg, d, etype, texts.routine(rng, etype, p.worker, wanted))
                wins[i] = w._replace(satisfied_by=True)
                continue
        if w.end < today and kind != "test" and rng.random() < 0.25:    # done a few days late (it fills no window of its own)
            d = w.end + timedelta(days=rng.randint(1, 10))
            if walk.person_ok(seg, d):
                walk.add(seg, d, etype, texts.routine(rng, etype, p.worker, wanted))
    if kind == "test":
        makeups(walk, seg, wins, view.ruleset)


def makeups(walk: Walk, seg: Seg, wins: list, rs) -> None:
    """Some missed test windows made up by a later test, within the rules' reach, where the engine puts it."""
    rng, today = walk.rng, walk.today
    reach = rs.makeup_reach_months
    method = "hair" if "hair" in rs.makeup_methods else (rs.makeup_methods or ("urine",))[0]
    for i, w in enumerate(wins):
        if not _open(w, seg, today) or w.end >= today or rng.random() >= walk.p.makeup_rate:
            continue
        d = walk.day(seg, w.end + ONE, min(add_months(w.end, reach), w.end + timedelta(days=45), today))
        if d is None:
            continue
        target = makeup_target(wins, d, reach)
        if target is None or target.index != w.index:
            continue
        walk.add(seg, d, "test", {"result": "negative", "method": method, "makeup": True})
        wins[i] = w._replace(satisfied_by=True, makeup=True)


def evaluations(walk: Walk, seg: Seg, view) -> None:
    """Each evaluation window: its kind, and the risk as the person's path has it (walk.risk_on)."""
    rng, today, p = walk.rng, walk.today, walk.p
    for w in view.windows.get("evaluation", ()):
        if not _open(w, seg, today):
            continue
        lo = max(w.start, seg.start)
        if w.sub == "quarterly":
            lo = min(w.end, lo + timedelta(days=20))        # a quarter's evaluation comes late in it
        if rng.random() >= p.diligence:
            continue
        d = rand_day(rng, lo, w.end)
        if d > today:
            continue
        d = d if walk.person_ok(seg, d) else walk.day(seg, max(w.start, seg.start), min(w.end, today))
        if d is not None:
            risk = walk.risk_on(d) if w.sub != "quarterly" or rng.random() < 0.15 else None
            walk.add(seg, d, "evaluation", {"kind": w.sub, "result": rng.choice(texts.EVAL_RESULTS), "risk": risk,
                                            "by": p.worker})


# ---------------------------------------------------------------- triggered items and the path's items


def triggered(walk: Walk, seg: Seg, it) -> None:
    opens = it.window_start or it.deadline
    if it.satisfied_on is None and it.explained_on is None and opens <= walk.today and it.kind in HANDLERS:
        HANDLERS[it.kind](walk, seg, it, opens)


def _when(walk: Walk, seg: Seg, it, opens: date, ontime: float = 0.85) -> date | None:
    """The day the office answers an item: inside its window (or, by chance, a few days late)."""
    rng = walk.rng
    d = rand_day(rng, opens, it.deadline) if rng.random() < ontime else it.deadline + timedelta(days=rng.randint(1, 6))
    if d > walk.today:
        return None
    return d if walk.office_ok(seg, d) else None


def respond(walk: Walk, seg: Seg, it, opens: date) -> None:
    """A warning or a report to the police: as the incident says, else with the office's diligence."""
    rng = walk.rng
    inc = seg.incident_of.get(it.source)
    how = inc.response if inc is not None else None
    if it.key.endswith(":late-report-in"):
        how = seg.stage.late_response
    if how is None:
        how = "ontime" if rng.random() < 0.8 else "late"
        if (walk.today - opens).days < 6 and rng.random() < 0.5:
            how = "none"
    if how == "none":
        return                                   # left open: it stays overdue, unexplained
    d = _when(walk, seg, it, opens, 1.0 if how == "ontime" else 0.0)
    if d is None:
        return
    done = "制发告诫书" if it.kind == "warning" else "已报告公安机关"
    walk.add(seg, d, it.kind, {"note": f"{done}：{it.basis}"})


def visit(walk: Walk, seg: Seg, it, opens: date) -> None:
    rng = walk.rng
    if rng.random() >= 0.85:
        return
    d = rand_day(rng, opens, it.deadline)
    if d > walk.today:
        return
    d = d if walk.person_ok(seg, d) else walk.day(seg, opens, min(it.deadline, walk.today))
    if d is None:
        return
    walk.add(seg, d, "visit", {"kind": "home", "by": walk.p.worker, "note": VISITS[it.kind], "met": "本人及家属"})


def release_suggestion(walk: Walk, seg: Seg, it, opens: date) -> None:
    if not seg.stage.release_suggestion or walk.rng.random() >= 0.95:
        return
    d = _when(walk, seg, it, opens, 1.0)
    if d is not None:
        walk.add(seg, d, "release-suggestion", {"note": "期满前向公安机关提出解除建议"})


def leave_return(walk: Walk, seg: Seg, it, opens: date) -> None:
    inc = seg.incident_of.get(it.source)
    back = inc.back if inc is not None and inc.back else \
        it.deadline + timedelta(days=walk.rng.choice((0, 0, 0, 0, -1, -2, 1, 3)))
    back = max(back, opens)
    if back > walk.today or not walk.office_ok(seg, back) or any(a <= back < b for a, b in seg.held):
        return
    walk.add(seg, back, "leave-return", {"leave": it.source})


def transfer_form(walk: Walk, seg: Seg, it, opens: date) -> None:
    d = _when(walk, seg, it, opens, 0.9)
    if d is not None:
        walk.add(seg, d, "transfer-form", {"opinion": "同意变更，报公安机关审批"})


def transfer_report_in(walk: Walk, seg: Seg, it, opens: date) -> None:
    d = _when(walk, seg, it, opens + ONE, 0.95)
    if d is not None:
        walk.add(seg, d, "transfer-report-in", {"note": "已到新执行地报到"})


def pickup(walk: Walk, seg: Seg, it, opens: date) -> None:
    """At the facility's gate on the release day (or in the week before it)."""
    rng = walk.rng
    if rng.random() >= 0.92:
        return
    d = it.deadline if rng.random() < 0.7 else rand_day(rng, opens, it.deadline)
    if d > walk.today or d < seg.start:
        return
    walk.add(seg, d, "pickup", {"by": walk.p.worker, "note": "会同家属在戒毒所门口接回"})


def followup(walk: Walk, seg: Seg, it, opens: date) -> None:
    """A 回访 in a follow-up window: what it found depends on where the person is."""
    rng, p = walk.rng, walk.p
    if rng.random() >= p.diligence:
        return
    lo = max(opens, seg.start)
    d = rand_day(rng, lo, it.deadline)
    if d > walk.today:
        return
    if not walk.office_ok(seg, d):
        return
    if walk.person_ok(seg, d):
        outcome = "abstinent" if rng.random() < 0.92 else "refused"
        method = rng.choice(("visit", "visit", "phone", "test", "family"))
    else:
        outcome, method = "lost", "family"                # sought, not found (already declared lost)
    walk.add(seg, d, "followup", {"outcome": outcome, "method": method, "note": rng.choice(texts.FOLLOWUP_NOTES[outcome]),
                                  "by": p.worker})


def lost_report(walk: Walk, seg: Seg, it, opens: date) -> None:
    d = _when(walk, seg, it, opens, 0.85)
    if d is not None:
        walk.add(seg, d, "contact", {"result": "unreachable", "via": "police", "note": "已通报公安机关查找"})


def police_filing(walk: Walk, seg: Seg, it, opens: date) -> None:
    d = _when(walk, seg, it, opens, 0.85)
    if d is not None:
        walk.add(seg, d, "police-filing", {"note": "已报县公安局备案"})


HANDLERS = {"warning": respond, "violation-report": respond, "release-suggestion": release_suggestion,
            "leave-return": leave_return, "birthday-visit": visit, "security-visit": visit,
            "family-change-visit": visit, "transfer-form": transfer_form, "transfer-report-in": transfer_report_in,
            "pickup": pickup, "followup": followup, "lost-report": lost_report, "police-filing": police_filing}


# ---------------------------------------------------------------- explanations, silence


def explain(walk: Walk, view) -> None:
    """Some duties the engine still shows open a month after their deadline are closed with a written
    explanation (as `explain` allows: an open, overdue item), a few days to a month after the deadline.
    Warnings and reports to the police, a report-in not made and a contact check are left open."""
    rng, today = walk.rng, walk.today
    items = [(walk.seg(part.seq, part.kind), it) for part in view.path.segments
             if part.kind in COMMUNITY and part.view is not None for it in part.view.items]
    items += [(walk.seg_of_item(it), it) for it in view.path.items]
    for seg, it in items:
        if seg is None or it.kind in UNEXPLAINED or it.satisfied_on is not None or it.explained_on is not None \
                or (today - it.deadline).days <= 30 or rng.random() >= walk.p.explain_rate:
            continue
        d = it.deadline + timedelta(days=rng.randint(3, 30))
        if walk.office_ok(seg, d):
            walk.add(seg, d, "explanation", {"item": it.kind, "deadline": it.deadline, "reason": rng.choice(texts.EXPLAIN)})


def contact_checks(walk: Walk, view) -> None:
    """No news for the rules' silence: the office finds the person (a reached contact), as often as needed."""
    cur = walk.seg(view.path.current.seq, view.path.current.kind)
    if cur is None or view.path.state not in ("detox", "rehab", "followup"):
        return
    it = next((x for x in view.path.items if x.kind == "contact-check"), None)
    silence = view.ruleset.path.silence_days.get(cur.kind)
    if it is None or not silence:
        return
    deadline = it.deadline
    for _ in range(100):
        if deadline >= walk.today:
            return
        d = walk.day(cur, max(cur.start, deadline - timedelta(days=10)), deadline) or \
            walk.day(cur, max(cur.start, deadline - timedelta(days=silence // 2)), deadline)
        if d is None:
            return
        walk.add(cur, d, "contact", {"result": "reached", "via": walk.rng.choice(("phone", "home", "family")),
                                     "note": "联系上本人，核实近况"})
        deadline = d + timedelta(days=silence)
