"""core/facts.py: the facts of a case on a day, each part checked against hand-computed values."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date as D
from typing import Any

import pytest

from aftercare.core.facts import breaches, case_facts, leaves, lifecycle, period, transfers, visible_events
from aftercare.core.windows import Suspension, duty_slots, evaluation_slots, phase_slots
from aftercare.core.model import Case, Event
from aftercare.core.rules import Phase, RuleError, load_rules
from aftercare.core.workcal import WorkCalendar

RULES = load_rules()
RS = RULES.for_day(D(2026, 1, 1))
_ids = itertools.count()


def case(measure="detox", term=36, risk="low", notified=None) -> Case:
    return Case(id="F-1", name="测试", id_number="x", sex="男", birth_date=D(1990, 6, 15), measure=measure,
                term_months=term, created_on=D(2020, 1, 1), notified_on=notified, risk=risk)


def ev(etype, d, **data) -> Event:
    n = next(_ids)
    return Event(f"e{n}", etype, d, data, "f", n)


def facts(evs, day, c=None, rules=RULES):
    return case_facts(c or case(), sorted(evs, key=lambda e: (e.date, e.line)), rules, WorkCalendar(), day)


# ---------------------------------------------------------------- which records count


@dataclass(frozen=True)
class _Voidable(Event):
    """An Event with the `void` mark the store sets on a record entered by mistake."""

    void: Any = None


def test_records_after_the_day_and_voided_records_are_ignored():
    a, b = ev("visit", D(2026, 3, 1)), ev("visit", D(2026, 3, 5))
    void = _Voidable("v1", "visit", D(2026, 3, 2), {}, "f", 99, void={"reason": "录入错误", "by": "甲", "on": D(2026, 3, 3)})
    kept = _Voidable("v2", "visit", D(2026, 3, 3), {}, "f", 100, void=None)
    assert [e.id for e in visible_events([a, void, kept, b], D(2026, 3, 4))] == [a.id, "v2"]


def test_a_voided_positive_test_asks_for_nothing_on_any_day():
    start = ev("report-in", D(2026, 1, 10))
    pos = _Voidable("p1", "test", D(2026, 2, 3), {"result": "positive"}, "f", 50, void={"reason": "录错"})
    for day in (D(2026, 2, 3), D(2026, 2, 20)):
        f = facts([start, pos], day)
        assert f.events == (start,)
        assert f.windows["test"][0].satisfied_by is None


# ---------------------------------------------------------------- lifecycle and period


def test_lifecycle_states_in_order():
    c = case()
    assert lifecycle(c, [])["status"] == "awaiting"
    r = ev("report-in", D(2026, 1, 10))
    s = ev("suspend", D(2026, 2, 1))
    assert lifecycle(c, [r])["status"] == "active"
    got = lifecycle(c, [r, s])
    assert got["status"] == "suspended" and got["suspensions"] == (Suspension(D(2026, 2, 1), None, s),)
    rel = ev("release", D(2027, 1, 1))
    got = lifecycle(c, [r, rel])
    assert (got["status"], got["closed_on"], got["closed_by"]) == ("released", D(2027, 1, 1), rel)
    hand = ev("transfer-handover", D(2026, 5, 1))
    assert lifecycle(c, [r, hand])["status"] == "transferred"
    assert lifecycle(c, [r, hand, ev("transfer-in", D(2026, 6, 1))])["status"] == "active"


def test_risk_follows_the_latest_evaluation():
    c = case(risk="low")
    evs = [ev("report-in", D(2026, 1, 10)), ev("evaluation", D(2026, 2, 1), risk="high"),
           ev("evaluation", D(2026, 5, 1), risk="medium")]
    f = facts(evs, D(2026, 6, 1), c)
    assert f.risk == "medium"
    assert (f.risk_on(D(2026, 1, 31)), f.risk_on(D(2026, 2, 1)), f.risk_on(D(2026, 4, 30))) == ("low", "high", "high")


def test_period_without_and_with_suspensions():
    # 36 months from 2026-01-10: last day 2029-01-09
    assert period(D(2026, 1, 10), 36, (), D(2026, 3, 1))["last_day"] == D(2029, 1, 9)
    s1 = Suspension(D(2026, 1, 20), D(2026, 1, 30), ev("suspend", D(2026, 1, 20)))
    p = period(D(2026, 1, 10), 36, (s1,), D(2026, 3, 1))
    assert (p["base_last"], p["last_day"], p["suspended_days"]) == (D(2029, 1, 9), D(2029, 1, 19), 10)
    # an ongoing suspension: the last day is not known; the days so far count
    s2 = Suspension(D(2026, 2, 1), None, ev("suspend", D(2026, 2, 1)))
    p = period(D(2026, 1, 10), 36, (s1, s2), D(2026, 2, 11))
    assert (p["last_day"], p["suspended_days"]) == (None, 20)
    # a suspension after the period's end moves nothing and is not counted
    late = Suspension(D(2029, 3, 1), D(2029, 3, 5), ev("suspend", D(2029, 3, 1)))
    p = period(D(2026, 1, 10), 36, (late,), D(2029, 4, 1))
    assert (p["last_day"], p["suspensions"], p["suspended_days"]) == (D(2029, 1, 9), (), 0)


def test_as_of_an_earlier_day_shows_what_was_known_then():
    evs = [ev("report-in", D(2026, 1, 10)), ev("suspend", D(2026, 4, 1)), ev("resume", D(2026, 4, 11))]
    now = facts(evs, D(2026, 6, 1))
    assert now.last_day == D(2029, 1, 19)
    before = now.as_of(D(2026, 3, 31))
    assert (before.day, before.last_day, before.status, before.suspensions) == (D(2026, 3, 31), D(2029, 1, 9), "active", ())
    assert [e.type for e in before.events] == ["report-in"]
    during = now.as_of(D(2026, 4, 5))
    assert (during.status, during.last_day, during.suspended_days) == ("suspended", None, 4)
    with pytest.raises(ValueError):
        now.as_of(D(2026, 6, 2))


# ---------------------------------------------------------------- breaches, leaves, transfers, delegated tests


def test_breach_counts_and_the_records_that_reached_the_threshold():
    r = [ev("test", D(2026, 2, d), result=res) for d, res in ((1, "refused"), (5, "negative"), (9, "evaded"),
                                                               (12, "refused"), (20, "refused"))]
    a1 = ev("violation", D(2026, 3, 1), kind="absence", days=10)
    a2 = ev("violation", D(2026, 3, 20), kind="absence", days=25)   # 35 days in all: more than 30
    other = ev("violation", D(2026, 3, 25), kind="other")
    b = breaches(r + [a1, a2, other], RS)
    assert [e.id for e in b.refusals] == [r[0].id, r[2].id, r[3].id, r[4].id]
    assert b.refusal_breach is r[3]                      # the 3rd refusal
    assert (b.refusal_no(r[2]), b.refusal_no(r[1])) == (2, 0)
    assert b.absences == (a1, a2) and b.absence_days == 35 and b.absence_breach is a2
    assert (b.absence_no(a2), b.absence_days_upto(D(2026, 3, 19))) == (2, 10)


def test_third_absence_is_the_breach_even_when_short():
    a = [ev("violation", D(2026, 3, d), kind="absence", days=1) for d in (1, 2, 3)]
    b = breaches(a, RS)
    assert b.absence_breach is a[2] and b.absence_days == 3


def test_breach_records_use_the_delegated_result():
    t = ev("test", D(2026, 2, 1), result="pending", delegated_to="某县公安局")
    res = ev("test-result", D(2026, 2, 6), of=t.id, result="positive")
    v = ev("violation", D(2026, 2, 8), kind="other")
    f = facts([ev("report-in", D(2026, 1, 10)), t, res, v], D(2026, 3, 1))
    assert (f.result_of(t), f.result_date(t)) == ("positive", D(2026, 2, 6))
    assert [e.id for e in f.breach_records()] == [t.id, v.id]
    assert [e.id for e in f.breach_records(D(2026, 2, 7))] == [t.id]
    assert f.as_of(D(2026, 2, 5)).result_of(t) == "pending"


def test_leave_states():
    q1 = ev("leave-request", D(2026, 3, 1), **{"from": D(2026, 3, 5), "to": D(2026, 3, 9)})
    q2 = ev("leave-request", D(2026, 3, 2), **{"from": D(2026, 4, 1), "to": D(2026, 4, 3)}, late=True)
    q3 = ev("leave-request", D(2026, 3, 3), **{"from": D(2026, 5, 1), "to": D(2026, 5, 2)})
    ap = ev("leave-approve", D(2026, 3, 3), leave=q1.id)
    back = ev("leave-return", D(2026, 3, 9), leave=q1.id)
    no = ev("leave-deny", D(2026, 3, 4), leave=q2.id)
    stray = ev("leave-approve", D(2026, 3, 4), leave="nope")
    got = leaves([q1, q2, ap, q3, no, stray, back])
    assert [(lv.id, lv.state, lv.approved, lv.late_request) for lv in got] == [
        (q1.id, "returned", True, False), (q2.id, "denied", False, True), (q3.id, "requested", False, False)]
    assert (got[0].start, got[0].end, got[0].decided, got[0].returned) == (D(2026, 3, 5), D(2026, 3, 9), ap, back)


def test_transfer_state_per_application():
    a1 = ev("transfer-apply", D(2026, 3, 1), to="甲县")
    r1 = ev("transfer-refuse", D(2026, 3, 5))
    early = ev("transfer-form", D(2026, 2, 1))          # before any application: ignored
    a2 = ev("transfer-apply", D(2026, 4, 1), to="乙县")
    f2 = ev("transfer-form", D(2026, 4, 2))
    ok = ev("transfer-approve", D(2026, 4, 8))
    got = transfers([early, a1, r1, a2, f2, ok])
    assert [(t.apply, t.state) for t in got] == [(a1, "refused"), (a2, "approved")]
    assert got[1].get("transfer-form") is f2 and got[1].get("transfer-handover") is None
    f = facts([ev("report-in", D(2026, 1, 10)), a1, r1, a2, f2, ok], D(2026, 5, 1))
    assert f.transfer == {"apply": a2, "state": "approved", "transfer-form": f2, "transfer-approve": ok}


# ---------------------------------------------------------------- the phase schedule and windows


def test_phase_slots_detox_and_two_year_rehab():
    detox = phase_slots(RS.duties["test"].phases("detox", 36), 36)
    assert detox == tuple([(m, 1) for m in range(12)] + [(m, 2) for m in range(12, 24, 2)]
                          + [(m, 3) for m in range(24, 36, 3)])
    assert len(detox) == 22
    assert duty_slots(RS, case("rehab", 24))["test"] == tuple((m, 2) for m in range(0, 24, 2))
    # a term shorter than the phases: cut to the term
    assert phase_slots((Phase(12, 1), Phase(12, 2)), 14) == tuple([(m, 1) for m in range(12)] + [(12, 2)])


def test_evaluation_slots_two_year_term():
    got = evaluation_slots(RS, 24)
    assert got[0] == ("intake", 1, 0, 1)
    assert [s for s in got if s[0] == "quarterly"] == [("quarterly", i + 1, 3 * i, 3 * i + 3) for i in range(8)]
    assert [s for s in got if s[0] == "yearly"] == [("yearly", 1, 11, 12), ("yearly", 2, 23, 24)]
    assert len(got) == 11


def test_make_up_cannot_reach_a_window_explained_before_it():
    start = ev("report-in", D(2026, 1, 10))
    exp = ev("explanation", D(2026, 2, 20), item="test", deadline=D(2026, 2, 9), reason="住院")
    mk = ev("test", D(2026, 3, 1), result="negative", makeup=True)
    f = facts([start, exp, mk], D(2026, 3, 5))
    w = f.windows["test"]
    assert w[0].explained_by is exp and w[0].satisfied_by is None
    assert w[1].satisfied_by is None                       # 02-10..03-09 has no missed window to reach
    assert f.eval_kinds == {}


# ---------------------------------------------------------------- typed trigger parameters


def test_trigger_parameters_are_typed():
    t = RS.trigger
    assert (t.refusal_warning.count_upto, t.refusal_serious.count_from, t.absence_serious.total_days_over) == (2, 3, 30)
    assert t.transfer_form.deadline.working_days == 3 and t.security_visit.risks == ("medium", "high")
    assert RS.triggers["release-suggestion"]["days_before_end"] == 15     # read by name, for older callers
    with pytest.raises(KeyError):
        RS.triggers["release-suggestion"]["count_from"]


@pytest.mark.parametrize("bad,where", [
    ({"triggers": {"refusal-warnings": {"count_upto": 1}}}, "refusal-warnings"),
    ({"triggers": {"refusal-warning": {"count_up_to": 1}}}, "count_up_to"),
    ({"triggers": {"security-visit": {"risks": None}}}, "security-visit"),
    ({"triggers": {"absence-serious": {"total_days_over": -1}}}, "total_days_over"),
])
def test_malformed_trigger_is_refused_when_read(bad, where):
    with pytest.raises(RuleError) as exc:
        load_rules([bad])
    assert where in exc.value.keypath
