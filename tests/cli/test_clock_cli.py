"""Through the command line: a suspension pauses what needs the person (issue 10 item 6); a deadline is
fixed when its duty arises (item 7)."""

from __future__ import annotations

from conftest import committed as ok, due_json as due


def by_kind(items) -> dict:
    return {it["kind"]: it for it in items}


def test_family_crisis_visit_is_due_after_the_detention_not_overdue(cli):
    cid = cli.add(1, notified_on="2026-01-05", reported_on="2026-01-10", today="2026-01-10")
    ok(cli, "record", "family-change", cid, "--date", "2026-05-01", "--note", "父亲病故", today="2026-05-01")
    ok(cli, "suspend", cid, "--date", "2026-05-03", "--reason", "detention", today="2026-05-03")
    assert "family-change-visit" not in by_kind(due(cli, cid, "2026-05-10"))
    ok(cli, "resume", cid, "--date", "2026-05-13", today="2026-05-13")
    # due 05-08 before; 10 days held (05-03..05-12) -> 05-18
    it = by_kind(due(cli, cid, "2026-05-14"))["family-change-visit"]
    assert (it["deadline"], it["status"]) == ("2026-05-18", "due")


def test_no_warning_listed_while_detained_but_the_violation_report_is(cli):
    cid = cli.add(2, notified_on="2026-01-05", reported_on="2026-01-10", today="2026-01-10")
    ok(cli, "record", "test", cid, "--date", "2026-06-10", "--result", "refused", today="2026-06-10")
    ok(cli, "record", "test", cid, "--date", "2026-06-10", "--result", "positive", today="2026-06-10")
    ok(cli, "suspend", cid, "--date", "2026-06-11", "--reason", "detention", today="2026-06-11")
    items = by_kind(due(cli, cid, "2026-06-15"))
    assert "warning" not in items
    assert items["violation-report"]["deadline"] == "2026-06-11"     # positive test: within 24 hours, kept
    ok(cli, "resume", cid, "--date", "2026-06-21", today="2026-06-21")
    assert by_kind(due(cli, cid, "2026-06-21"))["warning"]["deadline"] == "2026-06-21"   # 06-11 + 10 days


def test_a_deadline_stays_fixed_after_an_office_rule_change(cli):
    # issue 10 item 7: applied 2026-09-17, 3 working days (09-20 is a 调休 working day) -> 09-21;
    # from 2026-10-01 the office allows 5 working days: the existing deadline does not move
    cid = cli.add(3, notified_on="2026-01-05", reported_on="2026-01-10", today="2026-01-10")
    ok(cli, "transfer", "apply", cid, "--date", "2026-09-17", "--to", "乙镇", today="2026-09-17")
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", "rules:\n  - effective: 2026-10-01\n    triggers:\n"
                                           "      transfer-form: {deadline: {working_days: 5}}"))
    for day in ("2026-09-18", "2026-10-05"):
        form = by_kind(due(cli, cid, day))["transfer-form"]
        assert form["deadline"] == "2026-09-21", day
