"""The rules engine: RULES.md §1–§5, edges and properties. Pure: no files, fixed days."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftercare.core.engine import SecurityPeriod, agenda_items, evaluate
from aftercare.core.model import Case, Event
from aftercare.core.rules import RuleError, load_rules
from aftercare.core.workcal import WorkCalendar

RULES = load_rules()
_ids = itertools.count()


def case(measure="detox", term=36, notified=None, birth=date(1990, 6, 15), risk="low") -> Case:
    return Case(id="T-1", name="测试", id_number="x", sex="男", birth_date=birth, measure=measure, term_months=term,
                created_on=date(2020, 1, 1), notified_on=notified, risk=risk)


def ev(etype, d, **data) -> Event:
    return Event(f"e{next(_ids)}", etype, d, data, "f", next(_ids))


def view(c, events, day, cal=None, security=(), rules=RULES):
    events = sorted(events, key=lambda e: (e.date, e.line))
    return evaluate(c, events, rules, cal or WorkCalendar(), day, security)


def due(c, events, day, within=7, **kw):
    v = view(c, events, day, **kw)
    return agenda_items(v.items, v.status, day, within)


def states(items, kind):
    return [(it.window_start, it.deadline, it.status) for it in sorted(items, key=lambda i: i.deadline) if it.kind == kind]


D = date


# ---------------------------------------------------------------- §5 worked example (golden)


def test_worked_example():
    c = case(notified=D(2026, 3, 2))
    evs = [ev("report-in", D(2026, 3, 5))]
    items = due(c, evs, D(2026, 5, 20))
    expect = [(D(2026, 3, 5), D(2026, 4, 4), "overdue"), (D(2026, 4, 5), D(2026, 5, 4), "overdue"),
              (D(2026, 5, 5), D(2026, 6, 4), "due")]
    for kind in ("test", "visit", "report", "education"):
        assert states(items, kind) == expect, kind
    assert states(items, "evaluation") == [(D(2026, 3, 5), D(2026, 4, 4), "overdue"), (D(2026, 3, 5), D(2026, 6, 4), "due")]
    assert not [it for it in items if it.kind == "report-in"]
    assert {it.kind for it in items} == {"test", "visit", "report", "education", "evaluation"}

    makeup = evs + [ev("test", D(2026, 5, 20), result="negative", method="hair", makeup=True)]
    assert states(due(c, makeup, D(2026, 5, 20)), "test") == [(D(2026, 4, 5), D(2026, 5, 4), "overdue"),
                                                             (D(2026, 5, 5), D(2026, 6, 4), "due")]
    plain = evs + [ev("test", D(2026, 5, 20), result="negative")]
    assert states(due(c, plain, D(2026, 5, 20)), "test") == expect[:2]


# ---------------------------------------------------------------- §2 recurring windows


@pytest.mark.parametrize("measure,term,duty,count", [
    ("detox", 36, "test", 22), ("rehab", 36, "test", 12), ("rehab", 24, "test", 12),
    ("detox", 36, "visit", 36), ("rehab", 36, "visit", 18), ("detox", 36, "report", 36), ("rehab", 36, "report", 18),
    ("detox", 36, "education", 36), ("rehab", 36, "education", 36), ("detox", 36, "evaluation", 16),
    ("rehab", 36, "evaluation", 16), ("rehab", 24, "evaluation", 11),
])
def test_window_counts(measure, term, duty, count):
    v = view(case(measure, term), [ev("report-in", D(2026, 1, 10))], D(2026, 1, 10))
    assert len(v.windows[duty]) == count


def test_period_end_and_phases():
    v = view(case(), [ev("report-in", D(2026, 1, 10))], D(2026, 1, 10))
    assert v.last_day == D(2029, 1, 9)
    tests = v.windows["test"]
    assert (tests[0].start, tests[0].end) == (D(2026, 1, 10), D(2026, 2, 9))
    assert (tests[12].start, tests[12].end) == (D(2027, 1, 10), D(2027, 3, 9))     # year 2: every 2 months
    assert (tests[18].start, tests[18].end) == (D(2028, 1, 10), D(2028, 4, 9))     # year 3: every 3 months
    assert tests[-1].end == D(2029, 1, 9)
    yearly = [w for w in v.windows["evaluation"] if w.sub == "yearly"]
    assert [(w.start, w.end) for w in yearly] == [(D(2026, 12, 10), D(2027, 1, 9)), (D(2027, 12, 10), D(2028, 1, 9)),
                                                   (D(2028, 12, 10), D(2029, 1, 9))]


def test_month_end_start_no_drift():
    # report-in on 31 January: windows are anchored on the start, never chained
    v = view(case(), [ev("report-in", D(2026, 1, 31))], D(2026, 1, 31))
    w = v.windows["visit"]
    assert (w[0].start, w[0].end) == (D(2026, 1, 31), D(2026, 2, 27))
    assert (w[1].start, w[1].end) == (D(2026, 2, 28), D(2026, 3, 30))
    assert (w[2].start, w[2].end) == (D(2026, 3, 31), D(2026, 4, 29))
    assert w[12].start == D(2027, 1, 31)


def test_leap_day_start():
    v = view(case(), [ev("report-in", D(2028, 2, 29))], D(2028, 2, 29))
    assert v.last_day == D(2031, 2, 27)          # 2031-02-28 is start + 36 months; minus one day
    assert v.windows["visit"][12].start == D(2029, 2, 28)


def test_two_year_rehab_term():
    v = view(case("rehab", 24), [ev("report-in", D(2026, 1, 10))], D(2026, 1, 10))
    assert v.last_day == D(2028, 1, 9)
    assert all(w.every == 2 for w in v.windows["test"])


def test_late_record_does_not_satisfy_closed_window_or_shift_later_ones():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev("visit", D(2026, 2, 12))]   # first window ended 02-09
    items = due(c, evs, D(2026, 2, 20))
    assert states(items, "visit") == [(D(2026, 1, 10), D(2026, 2, 9), "overdue")]
    v = view(c, evs, D(2026, 2, 20))
    assert v.windows["visit"][1].satisfied_by is not None and v.windows["visit"][1].start == D(2026, 2, 10)


def test_report_counts_as_visit_and_one_event_one_window():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev("report", D(2026, 1, 20)), ev("visit", D(2026, 1, 21)),
           ev("visit", D(2026, 1, 22))]
    v = view(c, evs, D(2026, 1, 25))
    assert v.windows["visit"][0].satisfied_by.type == "report"
    assert v.windows["report"][0].satisfied_by is not None
    assert v.windows["visit"][1].satisfied_by is None


def test_refused_test_does_not_satisfy_window():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev("test", D(2026, 1, 20), result="refused")]
    v = view(c, evs, D(2026, 1, 25))
    assert v.windows["test"][0].satisfied_by is None


def test_makeup_reach_three_months_and_only_one_window():
    c = case()
    base = [ev("report-in", D(2026, 1, 10))]
    # window 1 ends 02-09: reachable until 05-09
    v = view(c, base + [ev("test", D(2026, 5, 9), result="negative", makeup=True)], D(2026, 5, 9))
    assert v.windows["test"][0].makeup and v.windows["test"][3].satisfied_by is None  # 05-10.. not counted
    v = view(c, base + [ev("test", D(2026, 5, 10), result="negative", makeup=True)], D(2026, 5, 10))
    assert not v.windows["test"][0].makeup and v.windows["test"][1].makeup   # window 1 out of reach → window 2


def test_explained_item_leaves_agenda_but_stays_a_gap():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev("explanation", D(2026, 2, 15), item="visit", deadline=D(2026, 2, 9),
                                              reason="本人住院")]
    items = due(c, evs, D(2026, 2, 20))
    assert states(items, "visit") == [(D(2026, 2, 10), D(2026, 3, 9), "due")]
    v = view(c, evs, D(2026, 2, 20))
    gap = [it for it in v.items if it.kind == "visit" and it.explained_on]
    assert gap and gap[0].explanation == "本人住院"


# ---------------------------------------------------------------- §1 suspension, termination, release


def test_suspension_mid_window_shifts_end_and_open_windows():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev("suspend", D(2026, 1, 20), reason="detention"),
           ev("resume", D(2026, 1, 30))]
    v = view(c, evs, D(2026, 2, 1))
    assert v.suspended_days == 10
    assert v.last_day == D(2029, 1, 19)
    w = v.windows["test"]
    assert (w[0].start, w[0].end) == (D(2026, 1, 10), D(2026, 2, 19))   # straddling window stretched
    assert (w[1].start, w[1].end) == (D(2026, 2, 20), D(2026, 3, 19))   # later windows moved
    rel = [it for it in v.items if it.kind == "release-suggestion"][0]
    assert rel.deadline == D(2029, 1, 4)


def test_nothing_person_due_while_suspended():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev("suspend", D(2026, 3, 1), reason="arrest")]
    items = due(c, evs, D(2026, 4, 20))
    assert items == []
    v = view(c, evs, D(2026, 4, 20))
    assert v.status == "suspended" and v.last_day is None


@pytest.mark.parametrize("etype,data", [("terminate", {"reason": "imprisonment"}), ("release", {})])
def test_nothing_due_after_close(etype, data):
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev(etype, D(2026, 3, 1), **data)]
    assert due(c, evs, D(2026, 6, 1)) == []
    v = view(c, evs, D(2026, 6, 1))
    assert all((it.window_start or it.deadline) <= D(2026, 3, 1) for it in v.items)


# ---------------------------------------------------------------- §3 triggered duties


def test_report_in_due_then_late_report_in_violation():
    c = case(notified=D(2026, 3, 2))
    assert states(due(c, [], D(2026, 3, 10)), "report-in") == [(D(2026, 3, 2), D(2026, 3, 17), "due")]
    assert [i for i in due(c, [], D(2026, 3, 17)) if i.kind == "violation-report"] == []
    items = due(c, [], D(2026, 3, 18))
    assert states(items, "report-in") == [(D(2026, 3, 2), D(2026, 3, 17), "overdue")]
    # 3 working days after 2026-03-17 (Tue) = 2026-03-20 (Fri)
    assert states(items, "violation-report") == [(D(2026, 3, 18), D(2026, 3, 20), "due")]
    assert [i.document for i in items if i.kind == "violation-report"] == [12]
    # reporting late still leaves the violation report to send
    items = due(c, [ev("report-in", D(2026, 3, 19))], D(2026, 3, 19))
    assert states(items, "violation-report") == [(D(2026, 3, 18), D(2026, 3, 20), "due")]


def test_refusals_warning_then_serious():
    c = case()
    evs = [ev("report-in", D(2026, 1, 5))]
    days = [D(2026, 2, 6), D(2026, 3, 6), D(2026, 4, 8)]   # Fri, Fri, Wed
    for d in days:
        evs.append(ev("test", d, result="refused"))
    v = view(c, evs, D(2026, 4, 8))
    warn = sorted((it.window_start, it.deadline) for it in v.items if it.kind == "warning")
    assert warn == [(D(2026, 2, 6), D(2026, 2, 9)), (D(2026, 3, 6), D(2026, 3, 9))]   # next working day: Monday
    serious = [it for it in v.items if it.kind == "violation-report"]
    assert [(it.window_start, it.deadline) for it in serious] == [(D(2026, 4, 8), D(2026, 4, 9))]
    assert "第3次" in serious[0].basis
    assert v.refusal_breach.date == D(2026, 4, 8)
    # the warning record closes the earliest open warning
    v = view(c, evs + [ev("warning", D(2026, 3, 7))], D(2026, 4, 8))
    open_w = [it.deadline for it in v.items if it.kind == "warning" and it.open_on(D(2026, 4, 8))]
    assert open_w == [D(2026, 3, 9)]


def test_evaded_counts_and_positive_test():
    c = case()
    evs = [ev("report-in", D(2026, 1, 5)), ev("test", D(2026, 2, 2), result="evaded"),
           ev("test", D(2026, 3, 3), result="positive")]
    v = view(c, evs, D(2026, 3, 3))
    assert len(v.refusals) == 1
    pos = [it for it in v.items if it.kind == "violation-report"]
    assert [(it.deadline, it.document) for it in pos] == [(D(2026, 3, 4), 12)]
    assert v.windows["test"][1].satisfied_by is not None   # a positive test is a test taken


def test_absences_count_and_total_days():
    c = case()
    base = [ev("report-in", D(2026, 1, 5))]
    v = view(c, base + [ev("violation", D(2026, 2, 2), kind="absence", days=10),
                        ev("violation", D(2026, 3, 2), kind="absence", days=21)], D(2026, 3, 2))
    assert v.absence_days == 31
    assert [it.kind for it in v.items if it.kind in ("warning", "violation-report")] == ["warning", "violation-report"]
    assert v.absence_breach.date == D(2026, 3, 2)
    v = view(c, base + [ev("violation", D(2026, m, 2), kind="absence", days=1) for m in (2, 3, 4)], D(2026, 4, 2))
    kinds = sorted((it.window_start, it.kind) for it in v.items if it.kind in ("warning", "violation-report"))
    assert [k for _d, k in kinds] == ["warning", "warning", "violation-report"]
    v = view(c, base + [ev("violation", D(2026, 2, 2), kind="absence", days=30)], D(2026, 2, 2))
    assert v.absence_breach is None     # 30 days is not more than 30


def test_leave_return_item():
    c = case()
    req = ev("leave-request", D(2026, 2, 1), **{"from": D(2026, 2, 3), "to": D(2026, 2, 8), "destination": "长沙"})
    evs = [ev("report-in", D(2026, 1, 5)), req, ev("leave-approve", D(2026, 2, 2), leave=req.id)]
    assert states(due(c, evs, D(2026, 2, 5)), "leave-return") == [(D(2026, 2, 3), D(2026, 2, 8), "due")]
    assert states(due(c, evs, D(2026, 2, 9)), "leave-return") == [(D(2026, 2, 3), D(2026, 2, 8), "overdue")]
    evs.append(ev("leave-return", D(2026, 2, 8), leave=req.id))
    assert states(due(c, evs, D(2026, 2, 9)), "leave-return") == []


def test_delegated_test_result_working_days():
    c = case()
    t = ev("test", D(2026, 9, 30), result="pending", delegated_to="外地派出所")
    evs = [ev("report-in", D(2026, 9, 1)), t]
    items = due(c, evs, D(2026, 10, 1))
    # 5 working days after 09-30 across the National Day holiday: 10-08, 10-09, 10-10 (调休 Saturday), 10-12, 10-13
    assert states(items, "delegated-test-result") == [(D(2026, 9, 30), D(2026, 10, 13), "due")]
    evs.append(ev("test-result", D(2026, 10, 9), of=t.id, result="negative"))
    assert states(due(c, evs, D(2026, 10, 9)), "delegated-test-result") == []


def test_delegated_test_with_result_still_waits_for_the_feedback():
    c = case()
    t = ev("test", D(2026, 6, 1), result="negative", delegated_to="外地派出所")
    evs = [ev("report-in", D(2026, 5, 1)), t]
    assert states(due(c, evs, D(2026, 6, 2)), "delegated-test-result") == [(D(2026, 6, 1), D(2026, 6, 8), "due")]
    v = view(c, evs, D(2026, 6, 2))
    assert v.windows["test"][1].satisfied_by is t           # the test itself was taken
    fb = evs + [ev("test-result", D(2026, 6, 5), of=t.id, result="positive")]
    items = due(c, fb, D(2026, 6, 5))
    assert states(items, "delegated-test-result") == []
    assert [(i.kind, i.deadline) for i in items if i.kind == "violation-report"] == [("violation-report", D(2026, 6, 6))]


def test_national_day_three_working_days():
    cal = WorkCalendar()
    assert cal.add_working_days(D(2026, 9, 30), 3) == (D(2026, 10, 10), False)


def test_window_ending_on_holiday_keeps_its_day():
    # windows are calendar windows: a window that ends on 2026-10-01 (holiday) still ends that day
    c = case()
    v = view(c, [ev("report-in", D(2026, 9, 2))], D(2026, 9, 30))
    assert v.windows["test"][0].end == D(2026, 10, 1)


def test_transfer_items():
    c = case()
    ap = ev("transfer-apply", D(2026, 9, 30), to="某街道")
    evs = [ev("report-in", D(2026, 1, 5)), ap]
    items = due(c, evs, D(2026, 10, 2))
    assert states(items, "transfer-form") == [(D(2026, 9, 30), D(2026, 10, 10), "due")]
    evs += [ev("transfer-form", D(2026, 10, 8)), ev("transfer-approve", D(2026, 10, 12))]
    items = due(c, evs, D(2026, 10, 12))
    assert states(items, "transfer-form") == []
    assert states(items, "transfer-report-in") == [(D(2026, 10, 12), D(2026, 10, 27), "due")]
    assert states(items, "archive-transfer") == [(D(2026, 10, 12), D(2026, 10, 19), "due")]


def test_release_suggestion_window():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10))]
    items = due(c, evs, D(2028, 12, 20))
    assert states(items, "release-suggestion") == [(D(2028, 12, 18), D(2028, 12, 25), "due")]
    items = due(c, evs, D(2028, 12, 12))
    assert states(items, "release-suggestion") == [(D(2028, 12, 18), D(2028, 12, 25), "upcoming")]


def test_birthday_visit_and_leap_birthday():
    c = case(birth=D(1992, 2, 29))
    evs = [ev("report-in", D(2026, 1, 10))]
    items = due(c, evs, D(2026, 2, 22))
    assert states(items, "birthday-visit") == [(D(2026, 2, 21), D(2026, 2, 28), "due")]
    items = due(c, evs + [ev("visit", D(2026, 2, 23))], D(2026, 2, 23))
    assert states(items, "birthday-visit") == []


def test_security_visit_for_medium_and_high_risk_only():
    sp = [SecurityPeriod("国庆节", D(2026, 10, 1), D(2026, 10, 7))]
    evs = [ev("report-in", D(2026, 1, 10))]
    assert states(due(case(risk="low"), evs, D(2026, 10, 3), security=sp), "security-visit") == []
    assert states(due(case(risk="high"), evs, D(2026, 10, 3), security=sp), "security-visit") == [
        (D(2026, 10, 1), D(2026, 10, 7), "due")]
    # an evaluation that raises the risk before the period brings the visit
    evs2 = evs + [ev("evaluation", D(2026, 9, 1), risk="medium")]
    assert states(due(case(risk="low"), evs2, D(2026, 10, 3), security=sp), "security-visit") != []


def test_family_change_visit():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev("family-change", D(2026, 3, 1), note="父亲去世")]
    assert states(due(c, evs, D(2026, 3, 2)), "family-change-visit") == [(D(2026, 3, 1), D(2026, 3, 8), "due")]
    assert states(due(c, evs, D(2026, 3, 9)), "family-change-visit") == [(D(2026, 3, 1), D(2026, 3, 8), "overdue")]


def test_evaluation_without_kind_takes_earliest_open_window():
    c = case()
    evs = [ev("report-in", D(2026, 1, 10)), ev("evaluation", D(2026, 1, 20)), ev("evaluation", D(2026, 1, 25))]
    v = view(c, evs, D(2026, 1, 25))
    assert sorted(v.eval_kinds.values()) == ["intake", "quarterly"]


# ---------------------------------------------------------------- working days and unknown years


def test_year_without_holiday_data_is_provisional():
    cal = WorkCalendar()
    d, prov = cal.add_working_days(D(2027, 1, 1), 1)
    assert prov and d == D(2027, 1, 4)      # Monday–Friday fallback
    c = case()
    evs = [ev("report-in", D(2026, 12, 1)), ev("test", D(2027, 1, 8), result="refused")]
    v = view(c, evs, D(2027, 1, 8), cal=cal)
    warn = [it for it in v.items if it.kind == "warning"]
    assert warn[0].provisional and warn[0].deadline == D(2027, 1, 11)


def test_office_calendar_override_fills_unknown_year():
    cal = WorkCalendar.from_config({2027: {"holidays": [D(2027, 1, 11)], "workdays": [D(2027, 1, 9)]}})
    assert cal.add_working_days(D(2027, 1, 8), 1) == (D(2027, 1, 9), False)   # make-up Saturday
    assert cal.add_working_days(D(2027, 1, 10), 1) == (D(2027, 1, 12), False)  # holiday Monday skipped


def test_tiaoxiu_saturday_is_a_working_day():
    cal = WorkCalendar()
    assert cal.is_workday(D(2026, 10, 10))          # Saturday, declared a working day
    assert not cal.is_workday(D(2026, 10, 5))       # National Day holiday (a Monday)


# ---------------------------------------------------------------- rules as data, effective dates


def test_rule_override_with_effective_date():
    rules = load_rules([{"effective": D(2026, 6, 1),
                         "duties": {"visit": {"schedule": {"detox": [{"months": 36, "every": 2}]}}}}])
    c = case()
    evs = [ev("report-in", D(2026, 1, 10))]
    # A window is cut under the rules in force on its first day (issue 10 item 7), whichever day is asked:
    # monthly windows starting 01-10, 02-10, 03-10, 04-10, 05-10 (the last one runs across 06-01) = 5;
    # then every 2 months on the new plan's grid from the start (months 0, 2, 4, 6, ...): month 5 (06-10)
    # lies inside its slot 4..6, so 06-10..07-09 is one window, then months 6, 8, ..., 34 = 15 windows.
    # 5 + 1 + 15 = 21 asked before the change and after it (it used to be 36 before and 18 after:
    # the re-cut that item 7 forbids).
    assert len(view(c, evs, D(2026, 3, 1), rules=rules).windows["visit"]) == 21
    assert len(view(c, evs, D(2026, 7, 1), rules=rules).windows["visit"]) == 21


@pytest.mark.parametrize("bad", [
    [{"duties": {"test": {"schedule": {"detox": [{"months": 12, "every": 5}]}}}}],
    [{"triggers": {"report-in": {"deadline": {"weeks": 2}}}}],
    [{"effective": "soon"}],
    {"not": "a list"},
    [{"leave": {"max_days": 0}}],
    [{"leave": {"within_period": "yes"}}],
])
def test_malformed_override_is_refused(bad):
    with pytest.raises(RuleError):
        load_rules(bad)


# ---------------------------------------------------------------- properties


starts = st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31))


@settings(max_examples=60, deadline=None)
@given(start=starts, measure=st.sampled_from(["detox", "rehab"]), term=st.sampled_from([12, 18, 24, 30, 36]),
       susp=st.lists(st.tuples(st.integers(1, 900), st.integers(1, 60)), max_size=3))
def test_windows_tile_the_period(start, measure, term, susp):
    if measure == "detox":
        term = 36
    evs = [ev("report-in", start)]
    cursor = start
    for off, length in susp:
        s = cursor + timedelta(days=off)
        r = s + timedelta(days=length)
        evs += [ev("suspend", s, reason="detention"), ev("resume", r)]
        cursor = r
    day = cursor + timedelta(days=1)
    v = view(case(measure, term), evs, day)
    suspended = set()
    for s, r, _e in v.suspensions:
        suspended.update(s + timedelta(days=i) for i in range((r - s).days))
    for duty in ("test", "visit", "report", "education"):
        wins = v.windows[duty]
        assert wins[0].start == start
        for a, b in zip(wins, wins[1:]):
            gap = {a.end + timedelta(days=i) for i in range(1, (b.start - a.end).days)}
            assert b.start > a.end and gap <= suspended, duty      # no overlap; gaps only where suspended
        assert wins[-1].end == v.last_day
        covered = sum((w.end - w.start).days + 1 for w in wins)
        outside = sum(1 for d in suspended if not any(w.start <= d <= w.end for w in wins))
        assert covered + outside == (v.last_day - start).days + 1   # no gap: every day is in a window or suspended


records = st.lists(st.tuples(st.integers(0, 800), st.sampled_from(["test", "visit", "report", "education", "evaluation"])),
                   max_size=40)


@settings(max_examples=60, deadline=None)
@given(start=st.dates(min_value=D(2020, 1, 1), max_value=D(2024, 12, 31)), recs=records,
       extra=st.tuples(st.integers(0, 800), st.sampled_from(["test", "visit", "report", "education", "evaluation"])),
       look=st.integers(0, 1100))
def test_event_satisfies_at_most_one_window_and_records_never_add_overdue(start, recs, extra, look):
    c = case()
    def mk(off, kind):
        return ev(kind, start + timedelta(days=off), **({"result": "negative"} if kind == "test" else {}))
    evs = [ev("report-in", start)] + [mk(o, k) for o, k in recs]
    day = start + timedelta(days=look)
    v = view(c, evs, day)
    for duty, wins in v.windows.items():
        used = [w.satisfied_by.id for w in wins if w.satisfied_by is not None]
        assert len(used) == len(set(used)), duty
    before = {(i.kind, i.deadline) for i in agenda_items(v.items, v.status, day, 7) if i.status == "overdue"}
    after_v = view(c, evs + [mk(*extra)], day)
    after = {(i.kind, i.deadline) for i in agenda_items(after_v.items, after_v.status, day, 7) if i.status == "overdue"}
    assert after <= before


@settings(max_examples=300, deadline=None)
@given(d=st.dates(min_value=D(1990, 1, 1), max_value=D(2040, 12, 31)), n=st.integers(-60, 60))
def test_add_months_matches_relativedelta(d, n):
    from dateutil.relativedelta import relativedelta

    from aftercare.core.dates import add_months

    assert add_months(d, n) == d + relativedelta(months=n)
