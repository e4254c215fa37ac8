"""core/dates.parse_date: dates as people type them (issue 10 item 8)."""

from __future__ import annotations

from datetime import date

import pytest

from aftercare.core.dates import parse_date
from aftercare.core.errors import AftercareError
from aftercare.core.model import ITEM_KINDS, RISKS, TEST_METHODS, TEST_RESULTS, VISIT_KINDS, code_of

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize("text", ["2026-11-05", "2026-11-5", "2026/11/5", "2026.11.05", "2026年11月5日", "2026年11月5号",
                                  "2026年11月5", "20261105", " 2026-11-5 ", "２０２６／１１／５", "2026 年 11 月 5 日"])
def test_typed_forms(text):
    assert parse_date(text, today=TODAY) == date(2026, 11, 5)


@pytest.mark.parametrize("text,expected", [("today", date(2026, 11, 20)), ("今天", date(2026, 11, 20)),
                                           ("Today", date(2026, 11, 20)), ("yesterday", date(2026, 11, 19)),
                                           ("昨天", date(2026, 11, 19))])
def test_relative_words_use_the_given_today(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_relative_words_default_to_aftercare_today(monkeypatch):
    monkeypatch.setenv("AFTERCARE_TODAY", "2026-03-01")
    assert parse_date("昨天") == date(2026, 2, 28)


@pytest.mark.parametrize("text", ["11/5", "5/11/2026", "26-11-5", "2026-11", "2026-11/5", "明天", "2026年11月", "", "x"])
def test_ambiguous_or_unknown_is_refused_with_the_accepted_forms(text):
    with pytest.raises(AftercareError) as exc:
        parse_date(text, "日期", TODAY)
    assert "2026/11/5" in exc.value.message and "2026年11月5日" in exc.value.message and "今天" in exc.value.message


@pytest.mark.parametrize("text", ["2026-2-30", "2026/13/1", "2026年2月29日"])
def test_impossible_dates(text):
    with pytest.raises(AftercareError, match="真实存在"):
        parse_date(text, today=TODAY)


@pytest.mark.parametrize("typed,table,code", [("阴性", TEST_RESULTS, "negative"), ("阳性", TEST_RESULTS, "positive"),
                                              ("拒绝", TEST_RESULTS, "refused"), ("拒绝检测", TEST_RESULTS, "refused"),
                                              ("逃避", TEST_RESULTS, "evaded"), ("家访", VISIT_KINDS, "home"),
                                              ("电话", VISIT_KINDS, "phone"), ("高", RISKS, "high"),
                                              ("negative", TEST_RESULTS, "negative"), ("HOME", VISIT_KINDS, "home"),
                                              ("家访", TEST_RESULTS, None), ("其他", TEST_RESULTS, None),
                                              # one word, a code in each table (issue 10: explain CASE KIND)
                                              ("访谈", VISIT_KINDS, "talk"), ("访谈", ITEM_KINDS, "visit"),
                                              ("尿检", TEST_METHODS, "urine"), ("尿检", ITEM_KINDS, "test"),
                                              ("家访", ITEM_KINDS, "visit"), ("检测", ITEM_KINDS, "test"),
                                              ("探望", ITEM_KINDS, None)])
def test_chinese_words_for_codes(typed, table, code):
    assert code_of(typed, table) == code
