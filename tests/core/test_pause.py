"""Suspension pauses the items that need the person (RULES.md §1, issue 10 item 6); items addressed to
the police keep their deadlines. Every date below is computed by hand: a suspension from S with
resumption on R suspends the days S..R-1 (R - S days)."""

from __future__ import annotations

import itertools
from datetime import date as D

import pytest

from aftercare.core.engine import agenda_items, evaluate
from aftercare.core.windows import Suspension, paused_deadline
from aftercare.core.model import Case, Event
from aftercare.core.rules import RuleError, load_rules
from aftercare.core.workcal import WorkCalendar

RULES = load_rules()
_ids = itertools.count()


def case(birth=D(1990, 6, 15)) -> Case:
    return Case(id="P-1", name="测试", id_number="x", sex="男", birth_date=birth, measure="detox", term_months=36,
                created_on=D(2020, 1, 1))


def ev(etype, d, **data) -> Event:
    n = next(_ids)
    return Event(f"e{n}", etype, d, data, "f", n)


START = ev("report-in", D(2026, 1, 10))


def view(evs, day, rules=RULES, c=None):
    return evaluate(c or case(), sorted([START] + evs, key=lambda e: (e.date, e.line)), rules, WorkCalendar(), day)


def item(v, kind):
    got = [it for it in v.items if it.kind == kind]
    assert len(got) == 1, got
    return got[0]


def listed(v, day):
    return {it.kind: it for it in agenda_items(v.items, v.status, day, 7)}


def test_family_crisis_visit_moves_by_the_days_held():
    # crisis 05-01: visit within 7 days = 05-08; held 05-03, resumed 05-13: 10 days -> 05-18
    evs = [ev("family-change", D(2026, 5, 1)), ev("suspend", D(2026, 5, 3), reason="detention"),
           ev("resume", D(2026, 5, 13))]
    v = view(evs, D(2026, 5, 14))
    assert item(v, "family-change-visit").deadline == D(2026, 5, 18)
    assert listed(v, D(2026, 5, 14))["family-change-visit"].status == "due"
    assert listed(view(evs, D(2026, 5, 19)), D(2026, 5, 19))["family-change-visit"].status == "overdue"


def test_a_warning_is_not_listed_while_the_person_is_held_and_moves_after():
    # refused 06-10 (Wed): warning by the next working day 06-11; held 06-11, resumed 06-21: 10 days -> 06-21
    refusal = ev("test", D(2026, 6, 10), result="refused")
    held = ev("suspend", D(2026, 6, 11), reason="detention")
    v = view([refusal, held], D(2026, 6, 15))
    assert v.status == "suspended" and "warning" not in listed(v, D(2026, 6, 15))
    assert item(v, "warning").deadline == D.max                   # not known while the suspension lasts
    v = view([refusal, held, ev("resume", D(2026, 6, 21))], D(2026, 6, 21))
    assert item(v, "warning").deadline == D(2026, 6, 21)
    assert listed(v, D(2026, 6, 21))["warning"].status == "due"


def test_items_addressed_to_the_police_keep_their_deadlines():
    # positive test 06-10: report within 24 hours = 06-11; change of place applied 06-08 (Mon): form within
    # 3 working days = 06-11; both listed, overdue, while the person is held from 06-09
    evs = [ev("transfer-apply", D(2026, 6, 8), to="乙县"), ev("suspend", D(2026, 6, 9), reason="arrest"),
           ev("test", D(2026, 6, 10), result="positive")]
    v = view(evs, D(2026, 6, 20))
    assert item(v, "violation-report").deadline == D(2026, 6, 11)
    assert item(v, "transfer-form").deadline == D(2026, 6, 11)
    now = listed(v, D(2026, 6, 20))
    assert now["violation-report"].status == now["transfer-form"].status == "overdue"


def test_report_in_at_the_new_place_moves_but_the_archive_does_not():
    # approved 06-12: report there within 15 days = 06-27, archive within 7 days = 06-19;
    # held 06-15, resumed 06-25: 10 days -> report-in there by 07-07; the archive stays 06-19
    evs = [ev("transfer-apply", D(2026, 6, 8), to="乙县"), ev("transfer-approve", D(2026, 6, 12)),
           ev("suspend", D(2026, 6, 15), reason="detention"), ev("resume", D(2026, 6, 25))]
    v = view(evs, D(2026, 6, 26))
    assert item(v, "transfer-report-in").deadline == D(2026, 7, 7)
    assert item(v, "archive-transfer").deadline == D(2026, 6, 19)


def test_birthday_window_opening_during_the_suspension_counts_from_the_resumption():
    # birthday 06-15: window 06-08..06-15; held 06-01, resumed 06-10: the window lost 06-08 and 06-09 -> 06-17
    v = view([ev("suspend", D(2026, 6, 1), reason="detention"), ev("resume", D(2026, 6, 10))], D(2026, 6, 12))
    bd = [it for it in v.items if it.kind == "birthday-visit" and it.key == "birthday-visit:2026"][0]
    assert (bd.window_start, bd.deadline) == (D(2026, 6, 8), D(2026, 6, 17))


def test_leave_return_moves_by_the_days_held_during_the_leave():
    # leave 07-01..07-05, held 07-03, resumed 07-08: 5 days -> return by 07-10
    req = ev("leave-request", D(2026, 6, 25), **{"from": D(2026, 7, 1), "to": D(2026, 7, 5)}, destination="长沙")
    evs = [req, ev("leave-approve", D(2026, 6, 26), leave=req.id), ev("suspend", D(2026, 7, 3), reason="detention"),
           ev("resume", D(2026, 7, 8))]
    assert item(view(evs, D(2026, 7, 9)), "leave-return").deadline == D(2026, 7, 10)


def test_a_suspension_before_or_after_the_item_moves_nothing():
    evs = [ev("suspend", D(2026, 3, 1), reason="detention"), ev("resume", D(2026, 3, 11)),
           ev("family-change", D(2026, 5, 1)), ev("suspend", D(2026, 5, 20), reason="detention"),
           ev("resume", D(2026, 5, 25))]
    assert item(view(evs, D(2026, 6, 1)), "family-change-visit").deadline == D(2026, 5, 8)


def test_paused_deadline_adds_up_several_suspensions():
    s = [Suspension(D(2026, 5, 2), D(2026, 5, 4), None), Suspension(D(2026, 5, 9), D(2026, 5, 12), None)]
    # opens 05-01, due 05-08: +2 -> 05-10, the second starts 05-09 <= 05-10: +3 -> 05-13
    assert paused_deadline(D(2026, 5, 1), D(2026, 5, 8), s) == D(2026, 5, 13)
    assert paused_deadline(D(2026, 5, 1), D(2026, 5, 8), s[:1] + [Suspension(D(2026, 5, 9), None, None)]) == D.max


def test_an_explanation_against_the_deadline_before_the_move_still_closes_it():
    evs = [ev("family-change", D(2026, 5, 1)), ev("suspend", D(2026, 5, 3), reason="detention"),
           ev("resume", D(2026, 5, 13)),
           ev("explanation", D(2026, 5, 20), item="family-change-visit", deadline=D(2026, 5, 8), reason="外出务工")]
    it = item(view(evs, D(2026, 5, 21)), "family-change-visit")
    assert (it.deadline, it.explained_on) == (D(2026, 5, 18), D(2026, 5, 20))


def test_which_items_pause_is_data():
    rules = load_rules([{"pause_during_suspension": ["test", "visit", "report", "education", "evaluation"]}])
    refusal = ev("test", D(2026, 6, 10), result="refused")
    v = view([refusal, ev("suspend", D(2026, 6, 11), reason="detention")], D(2026, 6, 15), rules=rules)
    assert listed(v, D(2026, 6, 15))["warning"].deadline == D(2026, 6, 11)   # not paused under these rules
    with pytest.raises(RuleError) as exc:
        load_rules([{"pause_during_suspension": ["visit", "coffee"]}])
    assert "coffee" in exc.value.message
