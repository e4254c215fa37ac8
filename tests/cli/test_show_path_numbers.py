"""Issue 13 surface: `show` numbers a person's measures in order; a follow-up care opened by a release
is the next measure of the path (it was numbered 1 again, like the measure it follows)."""

from __future__ import annotations

from conftest import committed


def test_show_numbers_the_followup_after_a_release_as_the_second_measure(cli):
    # 社区康复 of 1 month reported 2026-03-02: last day 2026-04-01; released 04-02 → follow-up from 04-02
    cid = cli.add(1, measure="rehab", term_months=1, notified_on="2026-03-01", reported_on="2026-03-02")
    committed(cli, "release", cid, "--date", "2026-04-02")
    path = cli.ok("show", cid).stdout.split("措施经过：")[1].splitlines()[1:3]
    assert path[0].strip().startswith("1. 社区康复"), path
    assert path[1].strip().startswith("2. 后续照管"), path       # was: "1. 后续照管"
