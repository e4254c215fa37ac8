"""`void` refuses a record that others depend on, and says which (issue 10 item 1): pathway records.

Each record below can only be made while the voided one stands (`record followup` is refused for a person
not in follow-up, `record found` for a person not lost, `record methadone-end` for one not in treatment);
A void of one would leave records that no command would accept."""

from __future__ import annotations

from conftest import committed, refused, show_json


def _id(cli, cid: str, etype: str) -> str:
    [hit] = [e["id"] for e in show_json(cli, cid)["timeline"] if e["type"] == etype]
    return hit


def test_void_of_a_release_with_followup_records_after_it_is_refused(cli):
    # 社区康复 of 1 month reported 2026-03-02: last day 2026-04-01; released 04-02; follow-up visit 05-10
    cid = cli.add(1, measure="rehab", term_months=1, notified_on="2026-03-01", reported_on="2026-03-02")
    committed(cli, "release", cid, "--date", "2026-04-02")
    committed(cli, "record", "followup", cid, "--outcome", "abstinent", "--date", "2026-05-10")
    rel, fol = _id(cli, cid, "release"), _id(cli, cid, "followup")
    msg = refused(cli, "void", cid, rel, "--reason", "录入错误")
    assert fol in msg and "依赖" in msg


def test_void_of_a_lost_declaration_with_a_found_after_it_is_refused(cli):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    committed(cli, "record", "lost", cid, "--date", "2026-04-01")
    committed(cli, "record", "found", cid, "--date", "2026-04-10")
    lost, found = _id(cli, cid, "lost"), _id(cli, cid, "found")
    msg = refused(cli, "void", cid, lost, "--reason", "录入错误")
    assert found in msg and "依赖" in msg


def test_void_of_methadone_with_its_end_after_it_is_refused(cli):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    committed(cli, "record", "methadone", cid, "--clinic", "县美沙酮门诊", "--date", "2026-04-01")
    committed(cli, "record", "methadone-end", cid, "--date", "2026-04-20")
    start, end = _id(cli, cid, "methadone"), _id(cli, cid, "methadone-end")
    msg = refused(cli, "void", cid, start, "--reason", "录入错误")
    assert end in msg and "依赖" in msg
