"""The agenda's cached rows: what `_encode` wrote reads back equal; anything else is recomputed."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

from aftercare.core.model import DueItem
from aftercare.views import agenda as A


def _entry() -> A.Entry:
    items = [DueItem(case="2026-0001", kind="test", deadline=date(2026, 12, 4), window_start=date(2026, 11, 20),
                     basis="戒毒条例第十条：每月检测一次", document=None, key="test:2026-11", provisional=False,
                     source="phase", pauses=True),
             DueItem(case="2026-0001", kind="warning", deadline=date(2026, 12, 9), window_start=None, basis="依据",
                     document=14, key="warning:1", satisfied_on=date(2026, 12, 1), satisfied_by="ev1",
                     explained_on=date(2026, 12, 2), explanation="住院", provisional=True, source="", pauses=False)]
    s = A.Summary("2026-0001", "测甲", "110101199001011237", "detox", "李娟", "executing", date(2026, 1, 5),
                  date(2029, 1, 4), "medium", {"tests": 3, "visits": 1}, items, [2027], None, "detox", "detox", None)
    return A.Entry((("case.yaml", 1),), "r1", date(2026, 11, 23), date(2027, 1, 24), date(2026, 11, 20), s)


def test_a_row_reads_back_equal_field_by_field():
    e = _entry()
    back = A._decode(e.keys, A._encode(e))
    assert back == e
    for a, b in zip(back.summary.items, e.summary.items):
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
        assert type(a) is DueItem and vars(a).keys() == vars(b).keys()


def test_a_row_changed_after_writing_is_not_trusted():
    e = _entry()
    text = A._encode(e)
    # the same shape with one date moved (the old per-field type check would have let this through)
    moved = text.replace(str(date(2026, 12, 4).toordinal()), str(date(2026, 12, 30).toordinal()))
    assert moved != text
    assert A._entry((None, "k", moved), e.keys, "k") is None
    assert A._entry((None, "k", text), e.keys, "k") == e
    assert A._entry((None, "k", text[A.DIGEST_LEN:]), e.keys, "k") is None          # no digest at all
    assert A._entry((None, "k", "0" * A.DIGEST_LEN + json.dumps(["x"])), e.keys, "k") is None
    assert A._entry((None, "other-keys", text), e.keys, "k") is None                # rows are for given files


def test_an_agenda_decodes_only_the_items_it_lists():
    e = _entry()
    text = A._encode(e)
    # 2026-12-05: the test (deadline 12-04, open) is overdue; the warning was satisfied on 12-01
    got = A._decode(e.keys, text, (date(2026, 12, 5), 7)).summary.items
    assert [(i.kind, i.deadline) for i in got] == [("test", date(2026, 12, 4))]
    # 2026-11-10, 7 days ahead: the test's window opens 11-20 (10 days on: not yet listed);
    # the warning has no window start and is not satisfied until 12-01: due
    got = A._decode(e.keys, text, (date(2026, 11, 10), 7)).summary.items
    assert [(i.kind, i.deadline) for i in got] == [("warning", date(2026, 12, 9))]
    # without `live`, every cached item
    assert len(A._decode(e.keys, text).summary.items) == 2
