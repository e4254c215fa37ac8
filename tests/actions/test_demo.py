"""The demo store (`aftercare demo`) has people on every stage of the path (issue 13 item 8). Its records are
dated relative to today: with today fixed at 2026-05-20 the dates below are computed by hand."""

from __future__ import annotations

import json

import pytest

from conftest import Cli, show_json


@pytest.mark.slow
def test_the_demo_has_people_on_every_stage_of_the_path(tmp_path):
    d = Cli(tmp_path / "demo", today="2026-05-20")
    d.ok("demo", str(d.root), store=False)
    rows = json.loads(d.ok("case", "list", "--format", "json").stdout)
    by_state: dict = {}
    for r in rows:
        by_state.setdefault(r["state"], []).append(r["case"])
    due = json.loads(d.ok("due", "--format", "json").stdout)
    # in isolation, expected release 3 days from today (05-23): the pick-up window opened 7 days before (05-16)
    (iso,) = by_state["isolation"]
    assert [(i["status"], i["window_start"], i["deadline"]) for i in due if i["kind"] == "pickup"] == [
        ("due", "2026-05-16", "2026-05-23")]
    assert [i["case"] for i in due if i["kind"] == "pickup"] == [iso]
    assert show_json(d, iso)["measures"][-1]["start"] == "2025-01-27"            # entered 478 days ago
    # follow-up: one abstinent at every 回访 (the last 110 days ago), one lost since a 回访 100 days ago
    (lost,) = by_state["lost"]
    r = show_json(d, lost)
    assert r["current_measure"] == "followup" and r["lost"]["since"] == "2026-02-09"
    abstinent = [c for c in by_state["followup"]
                 if [e["summary"] for e in show_json(d, c)["timeline"] if e["type"] == "followup"][-1:] == ["保持操守；检测"]]
    assert len(abstinent) == 1
    assert [e["date"] for e in show_json(d, abstinent[0])["timeline"] if e["type"] == "followup"][-1] == "2026-01-30"
    # methadone maintenance joined 150 days ago and filed with the police 4 days later: nothing left to file
    on = [c for c in (r["case"] for r in rows) if show_json(d, c)["methadone"]["on"]]
    assert len(on) == 1 and show_json(d, on[0])["methadone"]["periods"][0]["from"] == "2025-12-21"
    assert not [i for i in due if i["kind"] == "police-filing"]
    # two earlier compulsory isolations, with their dates (9 and 5 years back, from 1 March to 28 February)
    two = [c for c in (r["case"] for r in rows) if show_json(d, c)["prior_isolations"] == 2]
    assert len(two) == 1 and [(h["from"], h["to"]) for h in show_json(d, two[0])["history"]] == [
        ("2017-03-01", "2019-02-28"), ("2021-03-01", "2023-02-28")]
