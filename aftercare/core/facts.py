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

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Sequence

from aftercare.core.dates import add_months
from aftercare.core.lost import is_absence, lost_as_absences      # lost contact as absence (PATHWAY §4)
from aftercare.core.model import CLOSED_STATES, Case, Event, SecurityPeriod  # noqa: F401 (SecurityPeriod: API)
from aftercare.core.rules import Rules, RuleSet, Triggers
from aftercare.core.windows import all_windows, Clock, effective_result, ONE, Suspension, Window
from aftercare.core.workcal import WorkCalendar

REFUSALS = ("refused", "evaded")
CLOSING_STATUS = {"terminate": "terminated", "release": "released", "transfer-handover": "transferred"}
TRANSFER_STATES = {"transfer-approve": "approved", "transfer-refuse": "refused", "transfer-handover": "handed-over",
                   "transfer-in": "received"}   # transfer-form and transfer-report-in keep the state
TRANSFER_EVENTS = ("transfer-form", "transfer-approve", "transfer-refuse", "transfer-report-in",
                   "transfer-handover", "transfer-in")


# ---------------------------------------------------------------- the values


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
    return tuple(e for e in events if e.date <= day and not e.void and e.type != "void")    # model.counts, inlined


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
