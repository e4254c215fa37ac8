"""The agenda's summaries evaluate cases without the items of filled windows (`open_only`): every item a
summary keeps is the same as from the full evaluation, on any day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import synth_with_demo
from aftercare.core.engine import evaluate_in
from aftercare.store import Store

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(synth_with_demo(tmp_path_factory, 30, 11, TODAY), use_cache=False)


def open_items(view, day):
    return [it for it in view.path.live if it.open_on(day)]


@pytest.mark.parametrize("offset", [0, -1, -200, -700, 45])
def test_open_only_keeps_every_open_item_and_drops_only_filled_windows(store, offset):
    day = TODAY + timedelta(days=offset)
    dropped = 0
    for cid in store.case_ids():
        case, events = store.load_case(cid, today=max(day, TODAY))
        full = evaluate_in(store, case, events, day)
        lean = evaluate_in(store, case, events, day, open_only=True)
        assert open_items(lean, day) == open_items(full, day), cid
        assert (lean.status, lean.start, lean.last_day, lean.closed_on, lean.risk, lean.provisional_years,
                lean.path.state) == (full.status, full.start, full.last_day, full.closed_on, full.risk,
                                     full.provisional_years, full.path.state), cid
        gone = [it for it in full.items if it not in lean.items]
        # what is left out: window items (a duty's or an evaluation's) that a record filled, nothing else
        assert all(it.key.startswith(it.kind + ":") and it.satisfied_on is not None and it.satisfied_on <= day
                   for it in gone), cid
        assert all(it in full.items for it in lean.items), cid
        dropped += len(gone)
    assert dropped > 0
