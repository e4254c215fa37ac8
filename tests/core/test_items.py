"""core/items.py: one family of items at a time, from facts, with hand-computed deadlines."""

from __future__ import annotations

import itertools
from datetime import date as D

from aftercare.core import items as I
from aftercare.core.facts import SecurityPeriod, case_facts
from aftercare.core.model import Case, DueItem, Event
from aftercare.core.rules import load_rules
from aftercare.core.workcal import WorkCalendar

RULES = load_rules()
CAL = WorkCalendar()
_ids = itertools.count()


def case(notified=None, birth=D(1990, 6, 15), risk="low") -> Case:
    return Case(id="I-1", name="测试", id_number="x", sex="男", birth_date=birth, measure="detox", term_months=36,
                created_on=D(2020, 1, 1), notified_on=notified, risk=risk)


def ev(etype, d, **data) -> Event:
    n = next(_ids)
    return Event(f"e{n}", etype, d, data, "f", n)


def facts(evs, day, c=None, security=()):
    return case_facts(c or case(), sorted(evs, key=lambda e: (e.date, e.line)), RULES, CAL, day, security)


START = ev("report-in", D(2026, 1, 10))


def test_the_table_names_every_family_once_and_folds_in_order():
    names = [n for n, _f in I.FAMILIES]
    assert len(names) == len(set(names))
    f = facts([START, ev("family-change", D(2026, 6, 10))], D(2026, 6, 12))
    folded = [it for _n, fam in I.FAMILIES for it in fam(f, CAL)]
    assert [it.key for it in I.derive_items(f, CAL)] == [it.key for it in folded]


def test_refusals_warn_then_report_with_their_source():
    # 2026-06-10 is a Wednesday: next working day 06-11; "within 24 hours" = the next day
    r = [ev("test", D(2026, 6, 10), result="refused"), ev("test", D(2026, 6, 10), result="evaded"),
         ev("test", D(2026, 6, 10), result="refused")]
    got = I.test_breach_items(facts([START] + r, D(2026, 6, 12)), CAL)
    assert [(it.kind, it.deadline, it.source) for it in got] == [
        ("warning", D(2026, 6, 11), r[0].id), ("warning", D(2026, 6, 11), r[1].id),
        ("violation-report", D(2026, 6, 11), r[2].id)]
    assert got[2].basis.startswith("第3次拒绝或逃避检测")


def test_positive_delegated_result_reports_from_the_result_day():
    t = ev("test", D(2026, 6, 1), result="pending", delegated_to="某县公安局")
    res = ev("test-result", D(2026, 6, 8), of=t.id, result="positive")
    got = I.test_breach_items(facts([START, t, res], D(2026, 6, 9)), CAL)
    assert [(it.key, it.deadline, it.window_start) for it in got] == [
        (f"violation-report:positive:{t.id}", D(2026, 6, 9), D(2026, 6, 8))]
    # the delegated result: 5 working days after 06-01 (Mon) = 06-08 (Mon), closed by the result
    d = I.delegated_result_items(facts([START, t, res], D(2026, 6, 9)), CAL)
    assert [(it.deadline, it.satisfied_by, it.source) for it in d] == [(D(2026, 6, 8), res.id, t.id)]


def test_absences_count_days_over_thirty():
    a1 = ev("violation", D(2026, 6, 1), kind="absence", days=20)
    a2 = ev("violation", D(2026, 6, 24), kind="absence", days=11)     # 31 days: more than 30
    got = I.absence_items(facts([START, a1, a2], D(2026, 6, 30)), CAL)
    assert [(it.kind, it.deadline) for it in got] == [("warning", D(2026, 6, 2)), ("violation-report", D(2026, 6, 25))]
    assert "擅自外出累计31日，超过30日" in got[1].basis


def test_office_records_close_the_earliest_items_after_they_arose():
    r1 = ev("test", D(2026, 6, 10), result="refused")
    a1 = ev("violation", D(2026, 6, 1), kind="absence", days=2)
    w_early = ev("warning", D(2026, 5, 30))          # before any breach: closes nothing
    w = ev("warning", D(2026, 6, 12))
    f = facts([START, r1, a1, w_early, w], D(2026, 6, 20))
    got = {it.key: it for it in I.derive_items(f, CAL) if it.kind == "warning"}
    assert got[f"warning:absence:{a1.id}"].satisfied_by == w.id        # deadline 06-02: the earliest
    assert got[f"warning:refusal:{r1.id}"].satisfied_by is None


def test_explanation_closes_one_open_item_of_its_kind_and_deadline():
    items = [DueItem("c", "visit", D(2026, 2, 9), D(2026, 1, 10), "b", None, key="visit:1"),
             DueItem("c", "visit", D(2026, 3, 9), D(2026, 2, 10), "b", None, key="visit:2")]
    exp = ev("explanation", D(2026, 2, 15), item="visit", deadline=D(2026, 2, 9), reason="住院")
    got = I.apply_explanations(items, [exp])
    assert [(it.explained_on, it.explanation) for it in got] == [(D(2026, 2, 15), "住院"), (None, "")]


def test_transfer_items_in_working_days():
    # applied 2026-06-08 (Mon): form within 3 working days = 06-11; approved 06-12: 15 and 7 days
    ap = ev("transfer-apply", D(2026, 6, 8), to="乙县")
    ok = ev("transfer-approve", D(2026, 6, 12))
    got = I.transfer_items(facts([START, ap, ok], D(2026, 6, 15)), CAL)
    assert [(it.kind, it.deadline, it.source) for it in got] == [
        ("transfer-form", D(2026, 6, 11), ap.id), ("transfer-report-in", D(2026, 6, 27), ap.id),
        ("archive-transfer", D(2026, 6, 19), ap.id)]


def test_report_in_late_asks_for_a_report_after_the_limit():
    c = case(notified=D(2026, 6, 1))
    got = I.report_in_items(facts([], D(2026, 6, 20), c), CAL)
    # limit 06-16 (Tue); reported to the police within 3 working days: 06-17, 06-18, then 06-22 (06-19 Dragon Boat)
    assert [(it.kind, it.window_start, it.deadline) for it in got] == [
        ("report-in", D(2026, 6, 1), D(2026, 6, 16)), ("violation-report", D(2026, 6, 17), D(2026, 6, 22))]


def test_three_visits_birthday_security_family():
    c = case(birth=D(1990, 6, 15), risk="medium")
    sp = SecurityPeriod("国庆", D(2026, 9, 28), D(2026, 10, 8))
    fc = ev("family-change", D(2026, 5, 3))
    v = ev("visit", D(2026, 6, 9))
    f = facts([START, fc, v], D(2026, 7, 1), c, security=(sp,))
    bd = I.birthday_visit_items(f, CAL)
    assert [(it.window_start, it.deadline, it.satisfied_by) for it in bd[:2]] == [
        (D(2026, 6, 8), D(2026, 6, 15), v.id), (D(2027, 6, 8), D(2027, 6, 15), None)]
    assert [(it.window_start, it.deadline) for it in I.security_visit_items(f, CAL)] == [(D(2026, 9, 28), D(2026, 10, 8))]
    assert [(it.deadline, it.source) for it in I.family_change_visit_items(f, CAL)] == [(D(2026, 5, 10), fc.id)]
    low = facts([START], D(2026, 7, 1), case(risk="low"), security=(sp,))
    assert I.security_visit_items(low, CAL) == []


def test_release_suggestion_fifteen_days_before_the_end():
    got = I.release_suggestion_items(facts([START], D(2026, 7, 1)), CAL)
    # last day 2029-01-09; 15 days before: 2028-12-25; opens 7 days earlier
    assert [(it.window_start, it.deadline) for it in got] == [(D(2028, 12, 18), D(2028, 12, 25))]


def test_nothing_opens_after_the_case_closed():
    items = [DueItem("c", "visit", D(2026, 2, 9), D(2026, 1, 10), "b", None),
             DueItem("c", "visit", D(2026, 3, 9), D(2026, 2, 10), "b", None)]
    assert I.cut_at_close(items, D(2026, 2, 9)) == items[:1]
    assert I.cut_at_close(items, None) == items
