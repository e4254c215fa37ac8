"""Windows: the phase schedule of each recurring duty, its windows on the calendar, and the record
that satisfies each (or the make-up that reaches it, or the explanation that excuses it).

Part of the facts (`core/facts.py` builds `Facts.windows` with these functions); kept apart because
the schedule is also what the synthetic generator, the path (`core/path.py`) and the tests ask for.
A window is cut under the rules in force on its first day (`cut_in_force`); suspended days push a
window later (`Clock`); items that need the person move by the days suspended (`paused_deadline`).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from typing import Any, Mapping, NamedTuple, Sequence

from aftercare.core.dates import add_months
from aftercare.core.model import Case, Event
from aftercare.core.rules import Duty, Rules, RuleSet

ONE = timedelta(days=1)
TAKEN = ("negative", "positive", "pending")


class Suspension(NamedTuple):
    start: date
    end: date | None      # the day the measure resumed (first day not suspended); None while ongoing
    event: Event          # the suspend record


class Window(NamedTuple):
    """One window of a recurring duty (a named tuple: the engine builds hundreds per case)."""

    duty: str            # test / visit / report / education / evaluation
    index: int           # 1-based within the duty (or within the evaluation kind)
    start: date
    end: date            # deadline: the window's last day (date.max while an ongoing suspension holds it)
    phase: int = 0       # year of the period (1-based)
    every: int = 0       # months per window (recurring duties)
    sub: str = ""        # evaluation kind: intake / quarterly / yearly
    satisfied_by: Event | None = None
    makeup: bool = False
    explained_by: Event | None = None

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


class Clock:
    """Maps dates of the unsuspended clock to calendar dates (suspended days push later)."""

    def __init__(self, closed: Sequence[tuple], open_from: date | None):
        self.closed = closed          # [(S, R)] resume R: days S..R-1 suspended
        self.open_from = open_from    # an ongoing suspension's first day

    def real(self, d: date) -> date | None:
        for s, r in self.closed:
            if d >= s:
                d = d + (r - s)
        if self.open_from is not None and d >= self.open_from:
            return None
        return d


def paused_deadline(opens: date, deadline: date, suspensions: Sequence[Suspension]) -> date:
    """The deadline of an item that needs the person, moved later by the days suspended after it opened.

    A suspension that began before the item opened counts from the opening day; one still going on
    leaves the deadline unknown (date.max) once it reaches it.
    """
    for s in suspensions:              # in date order
        if s.end is not None and s.end <= opens:
            continue
        if s.start > deadline:
            break
        if s.end is None:
            return date.max
        deadline += s.end - max(s.start, opens)
    return deadline


def phase_slots(phases: Sequence, term_months: int) -> tuple:
    """(month offset from the start, months per window) of each window of a recurring duty."""
    out, offset = [], 0
    for ph in phases:
        for m in range(offset, offset + ph.months, ph.every):
            if m >= term_months:
                break
            out.append((m, ph.every))
        offset += ph.months
        if offset >= term_months:
            break
    return tuple(out)


def duty_slots(rs: RuleSet, case: Case) -> dict:
    """duty -> phase_slots under `rs` for the case's measure and term (the plan of the period)."""
    return {kind: phase_slots(duty.phases(case.measure, case.term_months), case.term_months)
            for kind, duty in rs.duties.items()}


def evaluation_slots(rs: RuleSet, term_months: int) -> tuple:
    """(kind, index, first month offset, end month offset) of each evaluation window."""
    ev = rs.evaluation
    raw = [("intake", 1, 0, min(int(ev["intake_months"]), term_months))]
    q = int(ev["quarter_months"])
    for i, m in enumerate(range(0, term_months, q), 1):
        raw.append(("quarterly", i, m, min(m + q, term_months)))
    ym = int(ev["yearly_months"])
    for y in range(1, (term_months + 11) // 12 + 1):
        end_m = min(12 * y, term_months)
        if end_m - ym < 0 or (y > 1 and end_m <= 12 * (y - 1)):
            continue
        raw.append(("yearly", y, end_m - ym, end_m))
    return tuple(raw)


def year_of(month_offset: int) -> int:
    return month_offset // 12 + 1


def all_windows(case: Case, start: date, rules: Rules | RuleSet, clock: Clock, evs: Sequence[Event],
                results: Mapping[str, Event], rs: RuleSet | None = None) -> tuple[dict, dict]:
    """Every duty's windows with the record that satisfies each, and the kind each evaluation counted as.

    Each window is cut under the rules in force on its first day (`cut_in_force`); `rs` (the rules of
    the day asked, by default those of `start`) gives the duties, what qualifies and the make-up reach."""
    sets = rules.sets if isinstance(rules, Rules) else (rules,)
    rs = rs or (rules.for_day(start) if isinstance(rules, Rules) else rules)
    at = lambda m: clock.real(add_months(start, m))      # noqa: E731 (a window's first day, or None)
    term = case.term_months
    explained = window_explanations(evs)
    out: dict[str, tuple] = {}
    for kind, duty in rs.duties.items():
        spans = recurring_spans(start, term, cut_in_force(plans_of(sets, kind, case.measure, term), at, term), clock)
        out[kind] = satisfy_recurring(kind, spans, duty, evs, results, explained, rs.makeup_reach_months)
    spans = []
    for sub in ("intake", "quarterly", "yearly"):
        spans += evaluation_spans(start, term, cut_in_force(plans_of(sets, sub, "", term), at, term), clock,
                                  sub == "quarterly")
    spans.sort(key=lambda s: (s[3], s[2]))
    out["evaluation"], kinds = satisfy_evaluations(spans, evs, explained)
    return out, kinds


_PLANS: dict = {}


def plans_of(sets: Sequence[RuleSet], series: str, measure: str, term: int) -> tuple:
    """(effective date, slots) of one series (a duty, or an evaluation kind when `measure` is "") under
    each rule set; memoised (the engine cuts the same plans for every case of a measure and term)."""
    key = (tuple(s.fingerprint for s in sets), series, measure, term)
    got = _PLANS.get(key)
    if got is None:
        if measure:
            got = tuple((s.effective, recurring_plan(s.duties.get(series), measure, term)) for s in sets)
        else:
            got = tuple((s.effective, tuple(x for x in evaluation_plan(s, term) if x[2][0] == series)) for s in sets)
        if len(_PLANS) > 4096:
            _PLANS.clear()
        _PLANS[key] = got
    return got


def recurring_plan(duty: Duty | None, measure: str, term: int) -> tuple:
    """(first month offset, end month offset, months per window) of each window of a duty under one rule set."""
    return () if duty is None else phase_plan(duty.phases(measure, term), term)


def phase_plan(phases: Sequence, term: int) -> tuple:
    """(first month offset, end month offset, months per window) of each window of a phase schedule."""
    return tuple((m, min(m + every, term), every) for m, every in phase_slots(phases, term))


def evaluation_plan(rs: RuleSet, term: int) -> tuple:
    """(first month offset, end month offset, (kind, index)) of each evaluation window under one rule set."""
    return tuple((m0, m1, (sub, i)) for sub, i, m0, m1 in evaluation_slots(rs, term))


def cut_in_force(plans: Sequence[tuple], at, term: int) -> list:
    """The windows of one series, each cut under the rules in force on its first day (issue 10 item 7).

    `plans`: (effective date, slots) per rule set in date order, slots (m0, m1, tag) in month offsets from
    the period's start; `at(m)` is the calendar day of offset m (None inside an ongoing suspension). A
    window that began before a change of the rules keeps the length it began with; the first one that
    begins on or after the change follows the new plan from the day the old window ended, ending where
    the new plan's window containing that day ends (it is shorter when the two plans are not aligned).
    Returns (m0, m1, tag) per window.
    """
    first = plans[0][1]
    if all(p[1] == first for p in plans):
        return list(first)              # one plan throughout (the common case): its slots as they are
    out: list = []
    m = 0
    while m < term:
        day = at(m)
        if day is None:
            break
        slots = next((p[1] for p in reversed(plans) if p[0] <= day), first)
        s = next((x for x in slots if x[1] > m), None)
        if s is not None and s[0] <= m:
            out.append((m, s[1], s[2]))
            m = s[1]
        elif any(x[1] > m for p in plans for x in p[1]):
            m += 1                      # between windows (evaluations): look at the next month's rules
        else:
            break
    return out


def recurring_spans(start: date, term: int, slots: Sequence[tuple], clock: Clock) -> list:
    """(index, start, end, phase, every) of a duty's windows in calendar dates (suspensions applied)."""
    out = []
    for idx, (m0, m1, every) in enumerate(slots, 1):
        ra = clock.real(add_months(start, m0))
        if ra is None:
            break                   # inside an ongoing suspension: not known yet
        rb = clock.real(add_months(start, m1) - ONE)
        out.append((idx, ra, rb if rb is not None else date.max, m0 // 12 + 1, every))
    return out


def evaluation_spans(start: date, term: int, slots: Sequence[tuple], clock: Clock, renumber: bool = False) -> list:
    """(kind, index, start, end, phase) of one kind of evaluation windows (quarters numbered in order)."""
    out = []
    for n, (m0, m1, (sub, i)) in enumerate(slots, 1):
        a = clock.real(add_months(start, m0))
        if a is None:
            break
        b = clock.real(add_months(start, m1) - ONE)
        out.append((sub, n if renumber else i, a, b if b is not None else date.max, year_of(m0)))
    return out


def window_explanations(evs: Sequence[Event]) -> dict:
    """(duty, deadline) -> the explanation records for it, in order."""
    out: dict[tuple, list] = {}
    for e in evs:
        if e.type == "explanation":
            out.setdefault((e.get("item"), e.get("deadline")), []).append(e)
    return out


def makeup_index(wins: Sequence[tuple], d: date, reach_months: int) -> int | None:
    """Index of the earliest missed window a make-up test on `d` can reach, or None.

    `wins`: (last day, satisfied, explained on) per window, in order.
    """
    for i, (end, satisfied, explained_on) in enumerate(wins):
        if end >= d:
            break
        if satisfied or (explained_on is not None and explained_on <= d):
            continue
        if d <= add_months(end, reach_months):
            return i
    return None


def makeup_target(wins: Sequence[Window], d: date, reach_months: int) -> Window | None:
    """The earliest missed window a make-up test on `d` can reach, or None."""
    i = makeup_index([(w.end, w.satisfied_by is not None, w.explained_by.date if w.explained_by else None)
                      for w in wins], d, reach_months)
    return None if i is None else wins[i]


def satisfy_recurring(kind: str, spans: list, duty: Duty, evs: Sequence[Event], results: Mapping[str, Event],
                      explained: Mapping[tuple, list], reach_months: int) -> tuple:
    """Give each qualifying record to the window it falls in (a make-up test: the missed one it reaches)."""
    starts = [s[1] for s in spans]
    taken: dict[int, Event] = {}
    makeup: set[int] = set()
    # a make-up test cannot reach a test window already explained before it
    exp_of = {i: explained[(kind, s[2])][0] for i, s in enumerate(spans) if (kind, s[2]) in explained}
    test_results = duty.qualifies.get("test", {}).get("result", TAKEN)
    # only records of a type the duty counts can fill its windows (qualifies_event is False for the others)
    types = set(duty.qualifies) | ({"test"} if kind == "test" else set())
    for e in [e for e in evs if e.type in types]:
        if kind == "test" and e.type == "test":
            if effective_result(e, results) not in test_results:
                continue
            if e.get("makeup"):
                i = makeup_index([(sp[2], j in taken, exp_of[j].date if j in exp_of else None)
                                  for j, sp in enumerate(spans)], e.date, reach_months)
                if i is not None:
                    taken[i] = e
                    makeup.add(i)
                continue
        elif not duty.qualifies_event(e):
            continue
        i = bisect_right(starts, e.date) - 1
        if i >= 0 and e.date <= spans[i][2] and i not in taken:
            taken[i] = e
    out = []
    for i, (idx, a, b, phase, every) in enumerate(spans):
        sat = taken.get(i)
        exps = explained.get((kind, b), ())
        exp = exps[0] if exps and (kind == "test" or sat is None) else None
        out.append(Window(kind, idx, a, b, phase, every, "", sat, i in makeup, exp))
    return tuple(out)


def satisfy_evaluations(spans: list, evs: Sequence[Event], explained: Mapping[tuple, list]) -> tuple[tuple, dict]:
    """Each evaluation record satisfies the first open window it falls in (of its kind, if it names one)."""
    taken: dict[int, Event] = {}
    kinds: dict[str, str] = {}
    for e in evs:
        if e.type != "evaluation":
            continue
        want = e.get("kind")
        for i, (sub, _idx, a, b, _ph) in enumerate(spans):
            if i not in taken and a <= e.date <= b and (not want or sub == want):
                taken[i] = e
                kinds[e.id] = sub
                break
    out = []
    used: set[str] = set()
    for i, (sub, idx, a, b, phase) in enumerate(spans):
        sat = taken.get(i)
        exp = None
        if sat is None:
            exp = next((x for x in explained.get(("evaluation", b), ()) if x.id not in used), None)
            if exp is not None:
                used.add(exp.id)
        out.append(Window("evaluation", idx, a, b, phase, 0, sub, sat, False, exp))
    return tuple(out), kinds


def effective_result(test: Event, results: Mapping[str, Event]) -> Any:
    res = results.get(test.id)
    return res.get("result") if res is not None else test.get("result")
