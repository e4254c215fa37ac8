"""A deadline is fixed when its duty arises (issue 10 item 7): under effective-dated rules each item is
judged under the rules in force on its trigger's day, not the day asked; past days replay exactly."""

from __future__ import annotations

import itertools
from datetime import date as D

from aftercare.core.engine import evaluate
from aftercare.core.model import Case, Event
from aftercare.core.rules import load_rules
from aftercare.core.workcal import WorkCalendar

_ids = itertools.count()
# the form within 3 working days (default), then within 5 from 2026-10-01
RULES = load_rules([{"effective": D(2026, 10, 1), "triggers": {"transfer-form": {"deadline": {"working_days": 5}}}}])


def case() -> Case:
    return Case(id="X-1", name="测试", id_number="x", sex="男", birth_date=D(1990, 6, 15), measure="detox",
                term_months=36, created_on=D(2020, 1, 1))


def ev(etype, d, **data) -> Event:
    n = next(_ids)
    return Event(f"e{n}", etype, d, data, "f", n)


START = ev("report-in", D(2026, 1, 10))


def items(evs, day, rules=RULES, kind=None):
    v = evaluate(case(), sorted([START] + evs, key=lambda e: (e.date, e.line)), rules, WorkCalendar(), day)
    return [it for it in v.items if kind is None or it.kind == kind]


def test_transfer_form_deadline_stays_after_a_rule_change():
    # applied 2026-09-17 (Thu): 3 working days = 09-18 (Fri), 09-20 (Sun, 调休 working day), 09-21 (Mon);
    # under the later rules it would be 5: ... 09-22, 09-23
    ap = ev("transfer-apply", D(2026, 9, 17), to="乙县")
    asked_then = items([ap], D(2026, 9, 18), kind="transfer-form")
    asked_later = items([ap], D(2026, 10, 5), kind="transfer-form")
    assert [(it.deadline, it.key) for it in asked_then] == [(D(2026, 9, 21), f"transfer-form:{ap.id}")]
    assert [(it.deadline, it.key, it.basis) for it in asked_later] == [
        (it.deadline, it.key, it.basis) for it in asked_then]
    assert "3个工作日内" in asked_later[0].basis


def test_a_duty_arising_after_the_change_uses_the_new_rules():
    # applied 2026-10-09 (Fri): 5 working days = 10-10 (Sat, 调休 working day), 10-12, 10-13, 10-14, 10-15
    ap = ev("transfer-apply", D(2026, 10, 9), to="乙县")
    assert [it.deadline for it in items([ap], D(2026, 10, 9), kind="transfer-form")] == [D(2026, 10, 15)]


def test_the_count_of_refusals_is_judged_under_the_rules_of_each_refusal():
    # from 2026-10-01 the 2nd refusal is already a serious breach; the 2nd one on 09-20 stays a warning
    rules = load_rules([{"effective": D(2026, 10, 1),
                         "triggers": {"refusal-warning": {"count_upto": 1}, "refusal-serious": {"count_from": 2}}}])
    r1, r2 = ev("test", D(2026, 9, 10), result="refused"), ev("test", D(2026, 9, 20), result="refused")
    for day in (D(2026, 9, 25), D(2026, 10, 10)):
        got = [(it.kind, it.source) for it in items([r1, r2], day, rules) if it.kind in ("warning", "violation-report")]
        assert got == [("warning", r1.id), ("warning", r2.id)], day
    r3 = ev("test", D(2026, 10, 5), result="evaded")
    got = [(it.kind, it.source) for it in items([r1, r2, r3], D(2026, 10, 10), rules)
           if it.kind in ("warning", "violation-report")]
    assert got == [("warning", r1.id), ("warning", r2.id), ("violation-report", r3.id)]


def test_a_deadline_can_change_kind_in_an_override():
    # {working_days: 3} replaced by {days: 6}: applied 09-17 -> 09-23
    rules = load_rules([{"triggers": {"transfer-form": {"deadline": {"days": 6}}}}])
    ap = ev("transfer-apply", D(2026, 9, 17), to="乙县")
    assert [it.deadline for it in items([ap], D(2026, 9, 18), rules, "transfer-form")] == [D(2026, 9, 23)]


def test_family_visit_and_release_suggestion_under_the_rules_when_they_arose():
    rules = load_rules([{"effective": D(2026, 10, 1),
                         "triggers": {"family-change-visit": {"deadline": {"days": 3}},
                                      "release-suggestion": {"days_before_end": 30}}}])
    fc = ev("family-change", D(2026, 9, 29))
    got = {it.kind: it for it in items([fc], D(2026, 10, 2), rules)}
    assert got["family-change-visit"].deadline == D(2026, 10, 6)        # 7 days, as on 09-29
    # last day 2029-01-09; the suggestion's window opens in 2028, under the rules from 2026-10-01:
    # 30 days before the end = 2028-12-10
    assert got["release-suggestion"].deadline == D(2028, 12, 10)
    before = {it.kind: it for it in items([fc], D(2026, 9, 30), rules)}
    assert before["release-suggestion"].deadline == D(2028, 12, 10)     # the rule was already known


# ---------------------------------------------------------------- recurring windows (issue 10 item 7)

# 社区戒毒 visits: monthly, then every 2 months from 2026-05-20
EVERY_2 = load_rules([{"effective": D(2026, 5, 20), "duties": {"visit": {"schedule": {"detox": [{"months": 36, "every": 2}]}}}}])


def windows(evs, day, rules, duty):
    v = evaluate(case(), sorted([START] + evs, key=lambda e: (e.date, e.line)), rules, WorkCalendar(), day)
    return [(w.index, w.start, w.end, w.every, w.sub) for w in v.windows[duty]]


def test_a_window_running_across_a_change_keeps_its_length_and_the_next_one_bridges_to_the_new_grid():
    # reported 01-10: monthly windows from months 0..4 (01-10 .. 05-10..06-09; the 5th runs across 05-20).
    # Month 5 (06-10) lies in the new plan's slot of months 4..6: the window 06-10..07-09 ends where that
    # slot ends; then every 2 months on the new grid: months 6, 8, ..., 34 (15 windows, the last
    # 2028-11-10..2029-01-09). 5 + 1 + 15 = 21, the same on any day asked.
    got = windows([], D(2026, 5, 25), EVERY_2, "visit")
    assert got == windows([], D(2026, 6, 5), EVERY_2, "visit") == windows([], D(2026, 5, 1), EVERY_2, "visit")
    assert len(got) == 21
    assert got[3:7] == [(4, D(2026, 4, 10), D(2026, 5, 9), 1, ""), (5, D(2026, 5, 10), D(2026, 6, 9), 1, ""),
                        (6, D(2026, 6, 10), D(2026, 7, 9), 2, ""), (7, D(2026, 7, 10), D(2026, 9, 9), 2, "")]
    assert got[-1] == (21, D(2028, 11, 10), D(2029, 1, 9), 2, "")
    # the agenda of 06-05 lists the running window with its deadline 06-09 (re-cut it would be 07-09)
    due = [(it.deadline, it.key) for it in items([], D(2026, 6, 5), EVERY_2, "visit")
           if it.window_start <= D(2026, 6, 5) <= it.deadline]
    assert due == [(D(2026, 6, 9), "visit:5")]


def test_a_suspension_that_moves_a_window_past_the_change_puts_it_under_the_new_rules():
    # suspended 05-05, resumed 05-25 (20 days): month 4 (05-10) falls on 05-30, after the change, so it
    # is the first window under the new plan: slot months 4..6, 05-30..07-29 (07-09 + 20 days);
    # month 3 (04-10..05-09 -> 04-10..05-29) began before the change and stays monthly.
    susp = [ev("suspend", D(2026, 5, 5), reason="detention"), ev("resume", D(2026, 5, 25))]
    got = windows(susp, D(2026, 6, 1), EVERY_2, "visit")
    assert got[3:6] == [(4, D(2026, 4, 10), D(2026, 5, 29), 1, ""), (5, D(2026, 5, 30), D(2026, 7, 29), 2, ""),
                        (6, D(2026, 7, 30), D(2026, 9, 29), 2, "")]


def test_quarterly_evaluations_keep_the_quarter_they_began_in():
    # quarters of 3 months, then of 6 months from 2026-05-01: 01-10..04-09 and 04-10..07-09 (running on
    # 05-01) keep 3 months; then months 6, 12, 18, 24, 30 on the 6-month grid: 7 quarterly windows,
    # numbered 1..7. The intake (01-10..02-09) and yearly windows (the last month of each year) stay.
    rules = load_rules([{"effective": D(2026, 5, 1), "evaluation": {"quarter_months": 6}}])
    for day in (D(2026, 4, 20), D(2026, 5, 5)):
        got = [w for w in windows([], day, rules, "evaluation")]
        assert [w[:4] for w in got if w[4] == "quarterly"] == [
            (1, D(2026, 1, 10), D(2026, 4, 9), 0), (2, D(2026, 4, 10), D(2026, 7, 9), 0),
            (3, D(2026, 7, 10), D(2027, 1, 9), 0), (4, D(2027, 1, 10), D(2027, 7, 9), 0),
            (5, D(2027, 7, 10), D(2028, 1, 9), 0), (6, D(2028, 1, 10), D(2028, 7, 9), 0),
            (7, D(2028, 7, 10), D(2029, 1, 9), 0)], day
        assert [w[1:3] for w in got if w[4] == "intake"] == [(D(2026, 1, 10), D(2026, 2, 9))]
        assert [w[:3] for w in got if w[4] == "yearly"] == [(1, D(2026, 12, 10), D(2027, 1, 9)),
                                                            (2, D(2027, 12, 10), D(2028, 1, 9)),
                                                            (3, D(2028, 12, 10), D(2029, 1, 9))]
