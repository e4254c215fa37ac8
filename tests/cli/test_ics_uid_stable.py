"""Issue 11.5: an ICS UID is one per duty and does not change when its deadline moves.

The pick-up (必接必送) event's UID carried the expected release date, which is its deadline: when the
facility moved the release (`case set --expected-release`), re-importing the calendar added a second
pick-up event instead of moving the first. The contact check (找人核实) carried the day of the last sign of
the person, which moves with every visit."""

from __future__ import annotations

import icalendar

from conftest import committed


def _events(cli, kind: str) -> dict:
    res = cli.ok("due", "--format", "ics", "--within", "30")
    cal = icalendar.Calendar.from_ical(res.stdout)
    return {str(e.get("UID")): e.decoded("DTSTART").isoformat()
            for e in cal.walk("VEVENT") if kind in str(e.get("UID"))}


def _pickups(cli) -> dict:
    return _events(cli, "pickup")


def test_pickup_uid_survives_a_moved_expected_release(cli):
    # in isolation since 2024-06-01, expected out 2026-05-25: the pick-up window opens 7 days before
    cid = cli.add(1, measure="isolation", entered_on="2024-06-01", expected_release="2026-05-25",
                  facility="某强制隔离戒毒所")
    [(uid, day)] = _pickups(cli).items()
    assert day == "2026-05-25"
    committed(cli, "case", "set", cid, "--expected-release", "2026-05-27")
    [(uid2, day2)] = _pickups(cli).items()
    assert day2 == "2026-05-27"
    assert uid2 == uid          # was: …pickup-1-2026-05-25@aftercare, then …pickup-1-2026-05-27@aftercare


def test_contact_check_uid_survives_a_new_sign_of_the_person(cli):
    # 社区康复 reported 2026-04-01, no news for 45 days (lost.silence_days.rehab): check by 04-01 + 45 = 05-16
    cid = cli.add(1, measure="rehab", notified_on="2026-03-31", reported_on="2026-04-01")
    [(uid, day)] = _events(cli, "contact-check").items()
    assert day == "2026-05-16"
    committed(cli, "record", "visit", cid, "--date", "2026-04-20")
    # the person seen on 04-20: the check moves to 04-20 + 45 = 06-04
    [(uid2, day2)] = _events(cli, "contact-check").items()
    assert day2 == "2026-06-04"
    assert uid2 == uid
