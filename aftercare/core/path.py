"""A person's whole path (PATHWAY.md): measures over time, follow-up care, pick-up, lost contact.

Pure, like the engine: `evaluate` takes the case, its records, the rules, the calendar and the day
asked. The community measures (detox, rehab) are evaluated by the engine, one measure at a time with
the records of that measure; this module adds what lies around them: isolation in a facility and its
pick-up, follow-up care after a release, lost contact, methadone. The result is the engine's view of
the latest community measure with `view.path` (PathFacts) attached.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Sequence

from aftercare.core.dates import add_months
from aftercare.core.engine import CaseView
from aftercare.core.facts import visible_events
from aftercare.core.windows import Window, cut_in_force, phase_plan
from aftercare.core.model import COMMUNITY_MEASURES, Case, DueItem, Event, Measure, live_agenda, measure_events  # noqa: F401 (live_agenda: API)

ONE = timedelta(days=1)
CLOSED = ("released", "terminated", "transferred")
# records that show the person themselves (PATHWAY §4: they close a contact check)
PERSON_SIGNS = {"visit": None, "report": None, "pickup": None, "report-in": None,
                "test": ("negative", "positive", "pending"), "contact": ("reached",),
                "followup": ("abstinent", "relapsed")}
SIGN_FIELD = {"test": "result", "contact": "result", "followup": "outcome"}


@dataclass
class Segment:
    """One stretch of the path: a recorded measure, or the follow-up that a release opened."""

    seq: int                     # the recorded measure it belongs to (1-based)
    kind: str
    measure: Measure
    start: date | None           # community: report-in; isolation: entered; followup: released on
    end: date | None = None      # the day it ended (its last day in it)
    outcome: str = ""            # model.OUTCOMES code once ended
    last_day: date | None = None  # planned: period end, expected release, end of follow-up
    derived: bool = False        # follow-up opened by a release (rules: followup.after)
    view: object = None          # the engine's CaseView for a community measure
    windows: list = field(default_factory=list)   # follow-up contact windows

    @property
    def open(self) -> bool:
        return not self.outcome


@dataclass
class PathFacts:
    segments: list
    state: str
    lost: list                   # [(declared on, found on or None, event)]
    methadone: list              # [(joined event, ended event or None)]
    prior_isolations: int
    items: list                  # path items (pickup, followup, contact-check, lost-report, police-filing)
    live: list                   # every item that can still be listed: current measure's and the path's

    @property
    def current(self) -> Segment:
        return self.segments[-1]

    @property
    def lost_since(self) -> date | None:
        return self.lost[-1][0] if self.lost and self.lost[-1][1] is None else None

    @property
    def on_methadone(self) -> bool:
        return bool(self.methadone) and self.methadone[-1][1] is None


@dataclass(frozen=True)
class PersonView(CaseView):
    """The engine's view of the person's latest community measure, with the whole path beside it."""

    path: PathFacts | None = None


def evaluate(case: Case, events: Sequence[Event], rules, cal, day: date, security=(), open_only: bool = False):
    from aftercare.core import engine

    rs = rules.for_day(day)
    pr = rs.path
    measures = [m for m in case.path if m.seq == 1 or (m.opened_on is not None and m.opened_on <= day)]
    evs = list(visible_events(events, day))         # voided records never happened
    by_seq = measure_events(case, evs)
    segments: list[Segment] = []
    view = None
    for i, m in enumerate(measures):
        nxt = measures[i + 1].opened_on if i + 1 < len(measures) else None
        mine = by_seq.get(m.seq, [])
        if m.community:
            mcase = replace(case, measure=m.kind, term_months=m.term_months, notified_on=m.notified_on,
                            decision_no=m.decision_no, decided_by=m.decided_by, decided_on=m.decided_on, measures=())
            view = engine.evaluate(mcase, mine, rules, cal, day, security, open_only)
            seg = Segment(m.seq, m.kind, m, view.start, last_day=view.last_day, view=view)
            if view.closed_on is not None:
                seg.end, seg.outcome = view.closed_on, view.status
                if view.closed_by is not None and view.closed_by.type == "terminate" and view.closed_by.get("reason") in ("deceased", "moved-away"):
                    seg.outcome = view.closed_by.get("reason")
            elif nxt is not None:
                seg.end, seg.outcome = nxt, "ended"
            segments.append(seg)
            if view.status == "released" and m.kind in pr.followup_after and (nxt is None or nxt > view.closed_on):
                segments.append(_followup(m, view.closed_on, nxt, mine, rules, day, derived=True))
        elif m.kind == "isolation":
            seg = Segment(m.seq, "isolation", m, m.entered_on, last_day=m.expected_release)
            died = _ended_by(mine, m.entered_on, nxt, ("deceased",))
            if died is not None:
                seg.end, seg.outcome = died.date, "deceased"
            elif nxt is not None:
                seg.end, seg.outcome = nxt, "ended"
            segments.append(seg)
        else:
            segments.append(_followup(m, m.released_on, nxt, mine, rules, day))
    if view is None:     # no community measure on the path (yet): an empty view for the fields readers use
        stub = replace(case, measure="detox", term_months=36, notified_on=None, measures=())
        view = engine.evaluate(stub, [], rules, cal, day, security, open_only)
    facts = _person(case, evs, segments, rules, cal, day)
    return PersonView(**view.__dict__, path=facts)


def _followup(m: Measure, start: date, nxt, events, rules, day: date, derived: bool = False) -> Segment:
    """Follow-up care from `start`: its length under the rules in force on that day, each contact window
    under the rules in force on its own first day (a later change moves no window: issue 10 item 7)."""
    term = 12 * rules.for_day(start).path.followup_years
    last = add_months(start, term) - ONE
    seg = Segment(m.seq, "followup", m, start, last_day=last, derived=derived)
    plans = [(s.effective, phase_plan(s.path.followup_phases, term)) for s in rules.sets]
    slots = cut_in_force(plans, lambda mo: add_months(start, mo), term)
    seg.windows = [Window("followup", i, add_months(start, m0), add_months(start, m1) - ONE, m0 // 12 + 1, every)
                   for i, (m0, m1, every) in enumerate(slots, 1)]
    recs = [e for e in events if e.type == "followup" and e.date >= start]
    relapse = next((e for e in recs if e.get("outcome") == "relapsed" and e.date <= last), None)
    gone = _ended_by(events, start, min(last, nxt) if nxt is not None else last, ("deceased", "moved-away"))
    if gone is not None and (relapse is None or gone.date < relapse.date):
        seg.end, seg.outcome = gone.date, gone.get("reason")
    elif relapse is not None:
        seg.end, seg.outcome = relapse.date, "relapsed"
    elif nxt is not None and nxt <= last:
        seg.end, seg.outcome = nxt, "relapsed"
    elif day >= last:
        seg.end, seg.outcome = last, "clean"
    starts = [w.start for w in seg.windows]
    for e in recs:
        k = bisect_right(starts, e.date) - 1
        if k >= 0 and seg.windows[k].contains(e.date) and seg.windows[k].satisfied_by is None:
            seg.windows[k] = seg.windows[k]._replace(satisfied_by=e)
    return seg


def _ended_by(events, start: date | None, until: date | None, reasons: tuple):
    """The termination (death, moving away) that ended a follow-up or a stay in a facility begun on `start`."""
    return next((e for e in events if e.type == "terminate" and e.get("reason") in reasons and start is not None
                 and e.date >= start and (until is None or e.date <= until)), None)


def _state(segments: list, lost_since) -> str:
    cur = segments[-1]
    if cur.kind in COMMUNITY_MEASURES:
        st = cur.view.status
        if st == "awaiting":
            return "lost" if lost_since else "awaiting"
        if st == "suspended":
            return "suspended"
        if st == "active":
            return "lost" if lost_since else cur.kind
        return "closed"
    if cur.kind == "isolation":
        return "closed" if cur.outcome == "deceased" else "isolation"
    if cur.outcome == "clean":
        return "clean"
    if cur.outcome:
        return "closed"
    return "lost" if lost_since else "followup"


def _person(case: Case, evs: list, segments: list, rules, cal, day: date) -> PathFacts:
    """The path's facts and items; each item under the rules in force on the day its duty arose (issue 10
    item 7): the lost date, the day methadone began, the last sign of the person, a window's first day."""
    rs = rules.for_day(day)
    pr = rs.path
    at = lambda d: rules.for_day(d).path      # noqa: E731
    cid = case.id
    lost: list = []
    methadone: list = []
    for e in evs:
        declares = e.type == "lost" or (e.type == "followup" and e.get("outcome") == "lost")
        if declares and not (lost and lost[-1][1] is None):
            lost.append((e.date, None, e))
        elif e.type == "found" and lost and lost[-1][1] is None:
            lost[-1] = (lost[-1][0], e.date, lost[-1][2])
        elif e.type == "methadone" and not (methadone and methadone[-1][1] is None):
            methadone.append((e, None))
        elif e.type == "methadone-end" and methadone and methadone[-1][1] is None:
            methadone[-1] = (methadone[-1][0], e)
    lost_since = lost[-1][0] if lost and lost[-1][1] is None else None
    state = _state(segments, lost_since)
    cur = segments[-1]
    items: list[DueItem] = []

    # pick-up at the facility gate (PATHWAY §3)
    for seg in segments:
        m = seg.measure
        if seg.kind != "isolation" or m.expected_release is None or seg.outcome == "deceased":
            continue
        got = pickup_of(seg, segments, evs)
        rel = m.expected_release
        pk = at(rel - timedelta(days=at(rel).pickup_opens_days_before))     # the rules when its window opens
        items.append(DueItem(cid, "pickup", rel, rel - timedelta(days=pk.pickup_opens_days_before),
                             f"预计{rel.isoformat()}解除强制隔离戒毒（{m.facility or '戒毒所'}），出所衔接、必接必送",
                             pk.pickup_document, key=f"pickup:{seg.seq}",
                             satisfied_on=got.date if got else None, satisfied_by=got.id if got else None))
    # follow-up contact windows (PATHWAY §2)
    for seg in segments:
        if seg.kind != "followup":
            continue
        for w in seg.windows:
            if seg.end is not None and w.start > seg.end:
                break
            every = f"每{w.every}个月"
            sat = w.satisfied_by
            items.append(DueItem(cid, "followup", w.end, w.start,
                                 f"后续照管第{w.phase}年{every}回访1次（第{w.index}期 {w.start.isoformat()}至{w.end.isoformat()}）",
                                 at(w.start).followup_document, key=f"followup:{seg.seq}:{w.index}",
                                 satisfied_on=sat.date if sat else None, satisfied_by=sat.id if sat else None))
    # no news is a warning: a contact check after silence (PATHWAY §4)
    if pr.silence_days.get(cur.kind) and cur.open and cur.start is not None and lost_since is None:
        signs = [e.date for e in evs if e.date >= cur.start and e.type in PERSON_SIGNS
                 and (PERSON_SIGNS[e.type] is None or e.get(SIGN_FIELD[e.type]) in PERSON_SIGNS[e.type])]
        anchor = max(signs, default=cur.start)
        silence = at(anchor).silence_days.get(cur.kind) or pr.silence_days[cur.kind]
        dl = anchor + timedelta(days=silence)
        last_sign = "最后一次见到本人的记录" if signs else f"{cur.measure.label}开始"
        items.append(DueItem(cid, "contact-check", dl, dl,
                             f"自{last_sign}（{anchor.isoformat()}）起{silence}日没有本人消息，找人核实",
                             at(anchor).lost_document, key=f"contact-check:{cur.seq}:{cur.kind}",
                             pauses="contact-check" in rs.pause_during_suspension))
    # a lost person is reported to the police (PATHWAY §4)
    for lost_on, found_on, ev in lost:
        lr = at(lost_on).lost_report
        dl, prov = cal.add_working_days(lost_on, lr.working_days) if lr.working_days \
            else (lost_on + timedelta(days=lr.days), False)
        done = next((e for e in evs if e.date >= lost_on and (e.type == "found" or (e.type == "contact" and e.get("via") == "police"))), None)
        items.append(DueItem(cid, "lost-report", dl, lost_on,
                             f"{lost_on.isoformat()}失联，{lr.describe()}通报公安机关查找", at(lost_on).lost_document,
                             key=f"lost-report:{ev.id}", provisional=prov,
                             satisfied_on=done.date if done else None, satisfied_by=done.id if done else None))
    # methadone maintenance is filed with the police (PATHWAY §5)
    filings = [e for e in evs if e.type == "police-filing"]
    used: set = set()
    for joined, _end in methadone:
        pf = at(joined.date).police_filing
        dl, prov = cal.add_working_days(joined.date, pf.working_days) if pf.working_days \
            else (joined.date + timedelta(days=pf.days), False)
        f = next((e for e in filings if e.id not in used and e.date >= joined.date), None)
        if f is not None:
            used.add(f.id)
        items.append(DueItem(cid, "police-filing", dl, joined.date,
                             f"{joined.date.isoformat()}参加药物维持治疗（{joined.get('clinic', '')}），{pf.describe()}报公安机关备案",
                             at(joined.date).methadone_document, key=f"police-filing:{joined.id}", provisional=prov,
                             satisfied_on=f.date if f else None, satisfied_by=f.id if f else None))
    items = _explained(evs, items)
    live = _live(segments, items, state)
    prior = case.extra.get("prior_isolations") or 0
    history = case.extra.get("history") or []
    return PathFacts(segments, state, lost, methadone, max(prior, len(history)), items, live)


def pickup_span(seg: Segment, segments: list) -> tuple:
    """(first, last or None) of the days a pick-up at the end of the stay in a facility `seg` may be dated:
    from the entry; after the stay ended, up to the later of its end and its expected release (the next
    measure may be decided before the person walks out of the gate), or its end for a death in the
    facility; never on or after the next entry into a facility."""
    last = None
    if seg.end is not None:
        rel = seg.measure.expected_release
        last = seg.end if seg.outcome == "deceased" or rel is None else max(seg.end, rel)
    nxt = next((g.start for g in segments if g.kind == "isolation" and g.seq > seg.seq and g.start is not None), None)
    if nxt is not None:
        last = nxt - ONE if last is None else min(last, nxt - ONE)
    return seg.start, last


def pickup_of(seg: Segment, segments: list, evs) -> Event | None:
    """The pick-up record of the stay in a facility `seg`: recorded under it, or dated within `pickup_span`."""
    first, last = pickup_span(seg, segments)
    return next((e for e in evs if e.type == "pickup" and (e.get("measure") == seg.seq or (
        first is not None and first <= e.date and (last is None or e.date <= last)))), None)


def _explained(evs: list, items: list) -> list:
    exps = [e for e in evs if e.type == "explanation"]
    if not exps:
        return items
    out = list(items)
    for e in exps:
        for i, it in enumerate(out):
            if it.kind == e.get("item") and it.deadline == e.get("deadline") and it.satisfied_on is None \
                    and it.explained_on is None:
                out[i] = replace(it, explained_on=e.date, explanation=str(e.get("reason", "")))
                break
    return out


def _live(segments: list, items: list, state: str) -> list:
    """What can still be listed: the current measure's items and the person's path items."""
    if state in ("clean", "closed"):
        return []
    cur = segments[-1]
    out = []
    if cur.kind in COMMUNITY_MEASURES and cur.view.status not in CLOSED:
        out.extend(cur.view.items)
    for it in items:
        # a pick-up stays listed after the person left the facility until it is recorded or explained
        # (PATHWAY §3; the statistics count it as open meanwhile): it never just disappears
        if it.kind == "followup" and (cur.kind != "followup" or not it.key.startswith(f"followup:{cur.seq}:")):
            continue
        out.append(it)
    return out


def measure_case(view, case: Case) -> Case:
    """The case as its latest community measure states it (kind, term, decision): what the documents and
    `show` print as "the measure"; the case itself when the path has no community measure."""
    return view.case if any(g.kind in COMMUNITY_MEASURES for g in view.path.segments) else case


def path_compliance(view) -> dict:
    """Per path item kind: satisfied / overdue / explained / due / upcoming (like engine.compliance)."""
    from aftercare.core.engine import compliance

    return compliance(SimpleNamespace(items=view.path.items, windows={}, day=view.day))
