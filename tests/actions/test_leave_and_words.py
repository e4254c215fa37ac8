"""What the program says agrees with the agenda (issue 10 items 6 and 8).

A leave 05-01..05-05, the person held 05-03..05-13 (suspend 05-03, resume 05-13: 10 days): the agenda
moves the leave return to 05-05 + 10 = 05-15 (RULES.md 1: leave return pauses), so a return on 05-14 is
on time (it used to say “超过准假期限 9 日才销假”, 14 − 5 = 9); a return on 05-17 is 2 days late."""

from __future__ import annotations

from conftest import committed, due_json, refused


def test_a_return_on_time_after_a_suspension_is_not_called_late(cli):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    res = committed(cli, "leave", "request", cid, "--from", "2026-05-01", "--to", "2026-05-05",
                    "--destination", "长沙市", "--date", "2026-04-20")
    lid = res.stdout.strip().splitlines()[-1]
    committed(cli, "leave", "approve", cid, lid, "--date", "2026-04-21")
    committed(cli, "suspend", cid, "--reason", "detention", "--date", "2026-05-03")
    committed(cli, "resume", cid, "--date", "2026-05-13")
    [ret] = [i for i in due_json(cli, cid, "2026-05-14") if i["kind"] == "leave-return"]
    assert (ret["deadline"], ret["status"]) == ("2026-05-15", "due")
    res = committed(cli, "leave", "return", cid, lid, "--date", "2026-05-14")
    assert "超过" not in res.output, res.output


def test_the_chinese_word_that_help_shows_for_pending_is_accepted(cli):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    helptext = cli.ok("record", "test", "-h", store=False).stdout
    assert "pending委托检测待反馈" in "".join(helptext.split())
    # the word the help page gives must be accepted as the code it names
    res = cli("record", "test", cid, "--date", "2026-05-03", "--result", "委托检测待反馈",
              "--delegated-to", "长沙市公安局")
    assert res.exit_code == 0, res.output


def test_a_return_late_after_a_suspension_counts_from_the_moved_deadline(cli):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    lid = committed(cli, "leave", "request", cid, "--from", "2026-05-01", "--to", "2026-05-05",
                    "--destination", "长沙市", "--date", "2026-04-20").stdout.strip().splitlines()[-1]
    committed(cli, "leave", "approve", cid, lid, "--date", "2026-04-21")
    committed(cli, "suspend", cid, "--reason", "detention", "--date", "2026-05-03")
    committed(cli, "resume", cid, "--date", "2026-05-13")
    res = committed(cli, "leave", "return", cid, lid, "--date", "2026-05-17")
    # deadline 05-05 + 10 days held = 05-15; 05-17 is 2 days after it
    assert "顺延至 2026-05-15" in res.output and " 2 日才销假" in res.output, res.output


def test_a_missed_follow_up_window_can_be_explained(cli):
    # 社区康复 of 2 months reported 2026-01-10, released 2026-04-02: follow-up care starts that day, its first
    # contact window (every 3 months, rules: followup) is 04-02..07-01; on 07-10 it is overdue
    cid = cli.add(1, measure="rehab", term_months=2, notified_on="2026-01-05", reported_on="2026-01-10")
    committed(cli, "release", cid, "--date", "2026-04-02", today="2026-04-02")
    fol = [(i["deadline"], i["status"]) for i in due_json(cli, cid, "2026-07-10") if i["kind"] == "followup"]
    assert ("2026-07-01", "overdue") in fol
    committed(cli, "explain", cid, "followup", "2026-07-01", "--reason", "本人外出务工，电话未接通", today="2026-07-10")
    assert not [i for i in due_json(cli, cid, "2026-07-10") if i["kind"] == "followup" and i["deadline"] == "2026-07-01"]
    refused(cli, "explain", cid, "followup", "2026-07-01", "--reason", "再说明一次", today="2026-07-10")
