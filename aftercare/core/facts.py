"""Facts: what is true of one case on one day, computed from its records before any item.

`case_facts(case, events, rules, cal, day)` returns one frozen `Facts`: lifecycle state, the period
(start, last day, suspensions and the days they add), leaves, breach counts, change-of-place state,
delegated test results, the recurring and evaluation windows with the record that satisfies each, and
the risk over time. Each part is a plain function of its explicit inputs, called in dependency order.
Records dated after `day` and voided records are dropped first (one filtering point), so the facts of
a past day are what was known on that day.

Every reader (items, documents, statistics, `show`) asks these facts instead of re-deriving them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Mapping, NamedTuple, Sequence

from aftercare.core.dates import add_months
from aftercare.core.lost import is_absence, lost_as_absences      # lost contact as absence (PATHWAY §4)
from aftercare.core.model import CLOSED_STATES, Case, Event, SecurityPeriod, counts  # noqa: F401 (SecurityPeriod: API)
from aftercare.core.rules import Duty, Rules, RuleSet, Triggers
from aftercare.core.workcal import WorkCalendar

ONE = timedelta(days=1)
TAKEN = ("negative", "positive", "pending")
REFUSALS = ("refused", "evaded")
CLOSING_STATUS = {"terminate": "terminated", "release": "released", "transfer-handover": "transferred"}
TRANSFER_STATES = {"transfer-approve": "approved", "transfer-refuse": "refused", "transfer-handover": "handed-over",
                   "transfer-in": "received"}   # transfer-form and transfer-report-in keep the state
TRANSFER_EVENTS = ("transfer-form", "transfer-approve", "transfer-refuse", "transfer-report-in",
                   "transfer-handover", "transfer-in")


# ---------------------------------------------------------------- the values


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


@dataclass(frozen=True)
class Leave:
    request: Event
    start: date
    end: date
    state: str = "requested"     # requested / approved / denied / returned
    decided: Event | None = None
    returned: Event | None = None
    late_request: bool = False

    @property
    def id(self) -> str:
        return self.request.id

    @property
    def approved(self) -> bool:
        return self.decided is not None and self.decided.type == "leave-approve"


@dataclass(frozen=True)
class Transfer:
    """One application for a change of place and what followed it (the latest record of each type)."""

    apply: Event
    state: str                          # applied / approved / refused / handed-over / received
    records: Mapping[str, Event]        # event type -> record

    def get(self, etype: str) -> Event | None:
        return self.records.get(etype)

    def as_mapping(self) -> dict:
        """{"apply": …, "state": …, "<event type>": record}: the shape `view.transfer` has always had."""
        return {"apply": self.apply, "state": self.state, **self.records}


@dataclass(frozen=True)
class Breaches:
    """Refused or evaded tests and unauthorised absences, counted over the whole period."""

    refusals: tuple = ()
    absences: tuple = ()
    absence_days: int = 0
    refusal_breach: Event | None = None   # the refusal that reached the serious-breach count
    absence_breach: Event | None = None   # the absence that reached the count or the total days

    def refusal_no(self, e: Event) -> int:
        """1-based number of a refusal within the period (0 if it is not one)."""
        return next((k for k, x in enumerate(self.refusals, 1) if x.id == e.id), 0)

    def absence_no(self, e: Event) -> int:
        return next((k for k, x in enumerate(self.absences, 1) if x.id == e.id), 0)

    def absence_days_upto(self, d: date) -> int:
        return sum(absence_days(e) for e in self.absences if e.date <= d)


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


@dataclass(frozen=True)
class Facts:
    """Everything known about one case on one day, before any item is derived."""

    case: Case
    day: date
    ruleset: RuleSet
    events: tuple                       # the records up to `day`, voided ones dropped, in date order
    status: str = "awaiting"            # awaiting / active / suspended / released / terminated / transferred
    start: date | None = None           # report-in
    base_last: date | None = None       # last day of the term without suspensions
    last_day: date | None = None        # with suspensions; None while an ongoing one holds it
    suspensions: tuple = ()             # Suspension, those that fall inside the period
    suspended_days: int = 0
    closed_on: date | None = None
    closed_by: Event | None = None
    risk: str = "low"                   # as of `day`
    windows: Mapping[str, tuple] = field(default_factory=dict)   # duty -> (Window, …)
    eval_kinds: Mapping[str, str] = field(default_factory=dict)  # evaluation id -> intake/quarterly/yearly
    test_results: Mapping[str, Event] = field(default_factory=dict)  # delegated test id -> its result record
    breaches: Breaches = Breaches()
    leaves: tuple = ()
    transfers: tuple = ()               # Transfer, in order of application
    clock: Clock | None = field(default=None, compare=False, repr=False)
    rules: Rules | None = field(default=None, compare=False, repr=False)
    calendar: WorkCalendar | None = field(default=None, compare=False, repr=False)
    security: tuple = field(default=(), compare=False, repr=False)

    # -- derived, read-only
    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATES

    @property
    def days_left(self) -> int | None:
        return None if self.last_day is None else (self.last_day - self.day).days

    @property
    def refusals(self) -> tuple:
        return self.breaches.refusals

    @property
    def absences(self) -> tuple:
        return self.breaches.absences

    @property
    def absence_days(self) -> int:
        return self.breaches.absence_days

    @property
    def refusal_breach(self) -> Event | None:
        return self.breaches.refusal_breach

    @property
    def absence_breach(self) -> Event | None:
        return self.breaches.absence_breach

    @property
    def transfer(self) -> dict:
        """The latest change-of-place application as a mapping ({} if none)."""
        return self.transfers[-1].as_mapping() if self.transfers else {}

    def window_of(self, duty: str, d: date) -> Window | None:
        for w in self.windows.get(duty, ()):
            if w.contains(d):
                return w
        return None

    def result_of(self, test: Event) -> Any:
        """A test's result, the delegated result that came back later taking precedence."""
        return effective_result(test, self.test_results)

    def result_date(self, test: Event) -> date:
        """The day a test's result became known (the delegated result's date, or the test's)."""
        res = self.test_results.get(test.id)
        return res.date if res is not None else test.date

    def breach_records(self, upto: date | None = None) -> list:
        """Every refused, evaded or positive test and every violation, up to `upto` (the day's if None)."""
        return [e for e in self.events if (upto is None or e.date <= upto) and (
            (e.type == "test" and self.result_of(e) in REFUSALS + ("positive",)) or e.type == "violation")]

    def risk_on(self, d: date) -> str:
        return risk_on(self.case, self.events, d)

    def rules_on(self, d: date) -> RuleSet:
        """The rule set in force on `d` (the one a duty that arose on `d` is judged under)."""
        return self.rules.for_day(d) if self.rules is not None else self.ruleset

    def trigger_on(self, d: date) -> Triggers:
        """The trigger rules in force on `d`."""
        return self.rules_on(d).trigger

    def as_of(self, d: date) -> "Facts":
        """The facts as they stood on day `d` (not after `self.day`): records after `d` ignored, rules of `d`."""
        if d > self.day:
            raise ValueError(f"facts of {self.day} cannot tell {d}")
        return case_facts(self.case, self.events, self.rules, self.calendar, d, self.security)


# ---------------------------------------------------------------- computing them, step by step


def case_facts(case: Case, events: Sequence[Event], rules: Rules, cal: WorkCalendar | None, day: date,
               security: Sequence[SecurityPeriod] = ()) -> Facts:
    """The facts of `case` on `day` from its records (in date order) under the rules in force on `day`."""
    rs = rules.for_day(day)
    evs = visible_events(events, day)
    life = lifecycle(case, evs)
    start = life["start"]
    per = period(start, case.term_months, life["suspensions"], day)
    clock = clock_of(per["suspensions"])
    results = delegated_results(evs)
    windows, eval_kinds = ({}, {}) if start is None else all_windows(case, start, rules, clock, evs, results, rs)
    return Facts(case=case, day=day, ruleset=rs, events=evs, status=life["status"], start=start,
                 base_last=per["base_last"], last_day=per["last_day"], suspensions=per["suspensions"],
                 suspended_days=per["suspended_days"], closed_on=life["closed_on"], closed_by=life["closed_by"],
                 risk=life["risk"], windows=windows, eval_kinds=eval_kinds, test_results=results,
                 breaches=breaches(evs, rules, day, life["closed_on"]), leaves=leaves(evs), transfers=transfers(evs),
                 clock=clock,
                 rules=rules, calendar=cal, security=tuple(security))


def visible_events(events: Sequence[Event], day: date) -> tuple:
    """The records that count on `day`: dated on or before it, not voided and not void records themselves
    (the store marks voided records: `model.mark_void`; a voided record never happened, on any day)."""
    return tuple(e for e in events if e.date <= day and counts(e))


def lifecycle(case: Case, evs: Sequence[Event]) -> dict:
    """status, start, closed_on, closed_by, suspensions (all of them) and the latest risk."""
    start = closed_on = closed_by = susp_open = transferred_out = None
    susp: list[Suspension] = []
    risk = case.risk
    for e in evs:
        t = e.type
        if t == "report-in" and start is None:
            start = e.date
        elif t == "suspend" and susp_open is None:
            susp_open = e
        elif t == "resume" and susp_open is not None:
            susp.append(Suspension(susp_open.date, e.date, susp_open))
            susp_open = None
        elif t in ("terminate", "release") and closed_on is None:
            closed_on, closed_by = e.date, e
        elif t == "transfer-handover":
            transferred_out = e
        elif t == "transfer-in":
            transferred_out = None
        elif t == "evaluation" and e.get("risk"):
            risk = e.get("risk")
    if susp_open is not None:
        susp.append(Suspension(susp_open.date, None, susp_open))
    if closed_on is None and transferred_out is not None:
        closed_on, closed_by = transferred_out.date, transferred_out
    if closed_by is not None:
        status = CLOSING_STATUS[closed_by.type]
    elif susp_open is not None:
        status = "suspended"
    else:
        status = "active" if start is not None else "awaiting"
    return {"status": status, "start": start, "closed_on": closed_on, "closed_by": closed_by,
            "suspensions": tuple(susp), "risk": risk}


def period(start: date | None, term_months: int, suspensions: Sequence[Suspension], day: date) -> dict:
    """base_last, last_day, the suspensions inside the period and the days they add."""
    if start is None:
        return {"base_last": None, "last_day": None, "suspensions": (), "suspended_days": 0}
    base_last = last = add_months(start, term_months) - ONE
    counted = []
    days = 0
    for s in suspensions:
        if s.start > last:
            continue          # after the period's end: it cannot move the period
        counted.append(s)
        if s.end is None:
            last = None
            days += (day - s.start).days
            break
        last += s.end - s.start
        days += (s.end - s.start).days
    return {"base_last": base_last, "last_day": last, "suspensions": tuple(counted), "suspended_days": days}


def clock_of(suspensions: Sequence[Suspension]) -> Clock:
    return Clock([(s.start, s.end) for s in suspensions if s.end is not None],
                 next((s.start for s in suspensions if s.end is None), None))


def delegated_results(evs: Sequence[Event]) -> dict:
    """Results of delegated tests that came back later: test id -> the result record."""
    return {e.get("of"): e for e in evs if e.type == "test-result" and e.get("of")}


def effective_result(test: Event, results: Mapping[str, Event]) -> Any:
    res = results.get(test.id)
    return res.get("result") if res is not None else test.get("result")


def absence_days(e: Event) -> int:
    return int(e.get("days") or 0)


def breaches(evs: Sequence[Event], rules: Rules | RuleSet, day: date | None = None,
             closed_on: date | None = None) -> Breaches:
    """Count refusals and absences (lost periods as absences); each is judged under the rules of its own day."""
    if day is not None:
        evs = lost_as_absences(evs, day, closed_on)
    at = rules.for_day if isinstance(rules, Rules) else (lambda _d: rules)
    refusals = []
    refusal_breach = absence_breach = None
    absences = []
    total = 0
    for e in evs:
        if e.type == "test" and e.get("result") in REFUSALS:
            refusals.append(e)
            if refusal_breach is None and len(refusals) >= at(e.date).trigger.refusal_serious.count_from:
                refusal_breach = e
        elif is_absence(e):
            absences.append(e)
            total += absence_days(e)
            asr = at(e.date).trigger.absence_serious
            if absence_breach is None and (len(absences) >= asr.count_from or total > asr.total_days_over):
                absence_breach = e
    return Breaches(tuple(refusals), tuple(absences), total, refusal_breach, absence_breach)


def leaves(evs: Sequence[Event]) -> tuple:
    """Each leave request with its decision and return, in order of request."""
    acc: dict[str, list] = {}     # request id -> [request, state, decision, return]
    for e in evs:
        if e.type == "leave-request":
            acc[e.id] = [e, "requested", None, None]
        elif e.type in ("leave-approve", "leave-deny", "leave-return") and e.get("leave") in acc:
            a = acc[e.get("leave")]
            if e.type == "leave-return":
                a[1], a[3] = "returned", e
            else:
                a[1], a[2] = ("approved" if e.type == "leave-approve" else "denied"), e
    return tuple(Leave(r, r.get("from"), r.get("to"), state, d, ret, bool(r.get("late")))
                 for r, state, d, ret in acc.values())


def transfers(evs: Sequence[Event]) -> tuple:
    """Each application for a change of place with the records that followed it, in order."""
    out: list[Transfer] = []
    cur: dict | None = None
    for e in evs:
        if e.type == "transfer-apply":
            if cur is not None:
                out.append(Transfer(cur["apply"], cur["state"], cur["records"]))
            cur = {"apply": e, "state": "applied", "records": {}}
        elif e.type in TRANSFER_EVENTS and cur is not None:
            cur["records"][e.type] = e
            cur["state"] = TRANSFER_STATES.get(e.type, cur["state"])
    if cur is not None:
        out.append(Transfer(cur["apply"], cur["state"], cur["records"]))
    return tuple(out)


def risk_on(case: Case, evs: Sequence[Event], d: date) -> str:
    """The risk level in force on `d`: the latest evaluation's, or the case's."""
    risk = case.risk
    for e in evs:
        if e.date > d:
            break
        if e.type == "evaluation" and e.get("risk"):
            risk = e.get("risk")
    return risk


# ---------------------------------------------------------------- the phase schedule and the windows


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
    for e in evs:
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
