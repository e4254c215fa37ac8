"""Attack (issue 11.5): an ICS UID must not change when its deadline moves.

The pick-up (必接必送) event's UID carries the expected release date, which is its deadline: when the
facility moves the release (`case set --expected-release`), re-importing the calendar adds a second
pick-up event instead of moving the first."""

from __future__ import annotations

import icalendar

from conftest import committed


def _pickups(cli) -> dict:
    res = cli.ok("due", "--format", "ics", "--within", "30")
    cal = icalendar.Calendar.from_ical(res.stdout)
    return {str(e.get("UID")): e.decoded("DTSTART").isoformat()
            for e in cal.walk("VEVENT") if "pickup" in str(e.get("UID"))}


def test_pickup_uid_survives_a_moved_expected_release(cli):
    # in isolation since 2024-06-01, expected out 2026-05-25: the pick-up window opens 7 days before
    cid = cli.add(1, measure="isolation", entered_on="2024-06-01", expected_release="2026-05-25",
                  facility="某强制隔离戒毒所")
    [(uid, day)] = _pickups(cli).items()
    assert day == "2026-05-25"
    committed(cli, "case", "set", cid, "--expected-release", "2026-05-27")
    [(uid2, day2)] = _pickups(cli).items()
    assert day2 == "2026-05-27"
    assert uid2 == uid          # today: …pickup-1-2026-05-25@aftercare becomes …pickup-1-2026-05-27@aftercare
