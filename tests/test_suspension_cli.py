"""Through the command line: a suspension pauses what needs the person (issue 10 item 6)."""

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
