"""The case lifecycle through the command line: report-in, leave, violations, suspension, termination,
release, and a whole three-year life checked against hand-computed facts.

Every refusal is checked the same way: exit 1, one Chinese line on stderr starting with 错误：,
no new commit, a clean work tree.
"""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import committed as ok, due_json as due, git, refused, show_json as show, staff, case_dir

PERSON_ITEMS = {"test", "visit", "report", "education", "evaluation", "leave-return", "birthday-visit",
                "security-visit", "family-change-visit", "transfer-report-in", "report-in"}


# ---------------------------------------------------------------- helpers










def kinds(items) -> set:
    return {it["kind"] for it in items}


def leave_id(res) -> str:
    lid = res.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[a-z0-9]{4,8}", lid), res.stdout
    return lid


def release_events(cli, cid: str) -> list:
    out = []
    for f in sorted((case_dir(cli.root, cid) / "events").glob("*.yaml")):
        out += [e for e in yaml.safe_load(f.read_text()) or [] if e["type"] == "release"]
    return out


@pytest.fixture
def case(cli) -> str:
    """社区戒毒 reported in on 2026-01-10: the period's last day is 2029-01-09."""
    cli.today = "2026-01-10"
    return cli.add(1, notified_on="2026-01-05", reported_on="2026-01-10")


# ---------------------------------------------------------------- states


def test_awaiting_report_in_then_in_progress(cli):
    cli.today = "2026-01-06"
    cid = cli.add(2, notified_on="2026-01-05")
    assert show(cli, cid, "2026-01-06")["status"] == "awaiting"
    assert "report-in" in kinds(due(cli, cid, "2026-01-06"))
    t = "2026-01-08"
    assert "报到" in refused(cli, "record", "test", cid, "--date", t, "--result", "negative", today=t)
    refused(cli, "suspend", cid, "--date", t, "--reason", "detention", today=t)
    refused(cli, "resume", cid, "--date", t, today=t)
    refused(cli, "release", cid, "--date", t, "--early-reason", "x", today=t)
    refused(cli, "leave", "request", cid, "--from", "2026-01-10", "--to", "2026-01-14", "--destination", "长沙", today=t)
    refused(cli, "record", "violation", cid, "--date", t, "--kind", "absence", "--days", "2", today=t)
    refused(cli, "transfer", "apply", cid, "--date", t, "--to", "乙镇", today=t)
    refused(cli, "record", "report-in", cid, "--date", "2026-01-04", today=t)   # before the decision was served
    ok(cli, "record", "report-in", cid, "--date", t, today=t)
    r = show(cli, cid, t)
    assert r["status"] == "active"
    assert r["period"]["start"] == "2026-01-08" and r["period"]["last_day"] == "2029-01-07"
    refused(cli, "record", "report-in", cid, "--date", t, today=t)              # only once
    assert "report-in" not in kinds(due(cli, cid, t))


def test_suspend_and_resume(cli, case):
    # before: the 5th monthly test window is 2026-05-10..2026-06-09
    assert any(it["kind"] == "test" and it["deadline"] == "2026-06-09" for it in due(cli, case, "2026-05-20"))
    refused(cli, "resume", case, "--date", "2026-05-20", today="2026-05-20")             # not suspended
    refused(cli, "suspend", case, "--date", "2026-05-20", "--reason", "holiday", today="2026-05-20")
    refused(cli, "suspend", case, "--date", "2026-05-21", "--reason", "arrest", today="2026-05-20")  # future
    refused(cli, "suspend", case, "--date", "2026-01-09", "--reason", "arrest", today="2026-05-20")  # before start
    ok(cli, "record", "visit", case, "--date", "2026-05-25", today="2026-05-25")
    refused(cli, "suspend", case, "--date", "2026-05-24", "--reason", "arrest", today="2026-06-01")  # before a record
    ok(cli, "suspend", case, "--date", "2026-06-01", "--reason", "detention", today="2026-06-01")

    t = "2026-06-05"
    r = show(cli, case, t)
    assert r["status"] == "suspended"
    assert r["period"]["last_day"] is None and r["period"]["suspended_days"] == 4
    assert r["suspensions"] == [{"from": "2026-06-01", "to": None, "reason": "detention"}]
    assert not kinds(due(cli, case, t)) & PERSON_ITEMS            # nothing due from the person while suspended
    assert "中止" in refused(cli, "record", "test", case, "--date", t, "--result", "negative", today=t)
    refused(cli, "record", "visit", case, "--date", t, today=t)
    refused(cli, "record", "violation", case, "--date", t, "--kind", "absence", "--days", "3", today=t)
    refused(cli, "leave", "request", case, "--from", "2026-06-20", "--to", "2026-06-25", "--destination", "长沙", today=t)
    refused(cli, "suspend", case, "--date", t, "--reason", "arrest", today=t)             # already suspended
    refused(cli, "release", case, "--date", t, "--early-reason", "x", today=t)
    refused(cli, "transfer", "apply", case, "--date", t, "--to", "乙镇", today=t)
    refused(cli, "resume", case, "--date", "2026-06-01", today=t)                          # not after the suspension

    ok(cli, "resume", case, "--date", "2026-06-11", today="2026-06-11")
    t = "2026-06-12"
    r = show(cli, case, t)
    assert r["status"] == "active"
    # 10 suspended days (06-01..06-10) push the last day from 2029-01-09 to 2029-01-19
    assert r["period"]["base_last_day"] == "2029-01-09"
    assert r["period"]["last_day"] == "2029-01-19" and r["period"]["suspended_days"] == 10
    assert r["suspensions"] == [{"from": "2026-06-01", "to": "2026-06-11", "reason": "detention"}]
    items = due(cli, case, t, "--within", "10")
    # the 5th window now ends 10 days later, the 6th starts 2026-06-20
    assert any(it["kind"] == "test" and it["deadline"] == "2026-06-19" and it["window_start"] == "2026-05-10"
               for it in items)
    assert any(it["kind"] == "test" and it["window_start"] == "2026-06-20" and it["deadline"] == "2026-07-19"
               and it["status"] == "upcoming" for it in items)
    # no event dated inside the (closed) suspension; its edges are allowed
    refused(cli, "record", "test", case, "--date", "2026-06-05", "--result", "negative", today=t)
    refused(cli, "record", "test", case, "--date", "2026-06-01", "--result", "negative", today=t)
    ok(cli, "record", "test", case, "--date", "2026-06-11", "--result", "negative", today=t)
    refused(cli, "resume", case, "--date", t, today=t)                                    # not suspended any more
    refused(cli, "suspend", case, "--date", "2026-06-05", "--reason", "arrest", today=t)  # inside the past one


def test_two_suspensions_add_up(cli, case):
    ok(cli, "suspend", case, "--date", "2026-06-01", "--reason", "detention", today="2026-06-01")
    ok(cli, "resume", case, "--date", "2026-06-11", today="2026-06-11")
    ok(cli, "suspend", case, "--date", "2027-01-01", "--reason", "arrest", today="2027-01-01")
    ok(cli, "resume", case, "--date", "2027-01-31", today="2027-01-31")
    r = show(cli, case, "2027-02-01")
    # 10 + 30 days: 2029-01-09 -> 2029-02-18
    assert r["period"]["last_day"] == "2029-02-18" and r["period"]["suspended_days"] == 40
    assert [s["to"] for s in r["suspensions"]] == ["2026-06-11", "2027-01-31"]
    tests = {it["window_start"]: it["deadline"] for it in due(cli, case, "2027-02-01", "--within", "30")
             if it["kind"] == "test"}
    # the 12th monthly window (2026-12-20..2027-01-19 after the first suspension) runs on to 2027-02-18
    assert tests["2026-12-20"] == "2027-02-18" and tests["2027-02-19"] == "2027-04-18"
    refused(cli, "record", "visit", case, "--date", "2027-01-15", today="2027-02-01")
    refused(cli, "release", case, "--date", "2029-02-18", today="2029-03-01")
    ok(cli, "release", case, "--date", "2029-02-19", today="2029-03-01")


def test_terminate_while_suspended(cli, case):
    ok(cli, "suspend", case, "--date", "2026-03-01", "--reason", "arrest", today="2026-03-01")
    refused(cli, "terminate", case, "--date", "2026-04-01", "--reason", "parole", today="2026-04-01")
    refused(cli, "terminate", case, "--date", "2026-01-05", "--reason", "imprisonment", today="2026-04-01")
    ok(cli, "terminate", case, "--date", "2026-04-01", "--reason", "imprisonment", today="2026-04-01")
    t = "2026-04-10"
    r = show(cli, case, t)
    assert r["status"] == "terminated" and r["period"]["closed_on"] == "2026-04-01"
    assert r["open_items"] == [] and due(cli, case, t) == []
    assert "终止" in refused(cli, "record", "test", case, "--date", t, "--result", "negative", today=t)
    refused(cli, "resume", case, "--date", t, today=t)
    refused(cli, "release", case, "--date", t, "--early-reason", "x", today=t)
    refused(cli, "terminate", case, "--date", t, "--reason", "imprisonment", today=t)
    refused(cli, "leave", "request", case, "--from", "2026-04-20", "--to", "2026-04-25", "--destination", "长沙", today=t)
    refused(cli, "record", "violation-report", case, "--date", t, today=t)
    refused(cli, "transfer", "apply", case, "--date", t, "--to", "乙镇", today=t)
    assert due(cli, case, "2027-06-01") == []


def test_terminate_compulsory_education_from_active(cli, case):
    ok(cli, "record", "test", case, "--date", "2026-02-01", "--result", "positive", today="2026-02-01")
    ok(cli, "terminate", case, "--date", "2026-02-20", "--reason", "compulsory-education", today="2026-02-20")
    r = show(cli, case, "2026-03-01")
    assert r["status"] == "terminated"
    assert r["timeline"][-1]["type"] == "terminate" and "强制性教育措施" in r["timeline"][-1]["summary"]
    assert due(cli, case, "2026-03-01") == []
    # a record dated before the termination still completes the archive
    ok(cli, "record", "violation-report", case, "--date", "2026-02-02", today="2026-03-01")


def test_release_only_after_the_last_day(cli, case):
    t = "2029-01-12"
    msg = refused(cli, "release", case, "--date", "2029-01-09", today=t)   # the last day itself
    assert "2029-01-09" in msg
    refused(cli, "release", case, "--date", "2029-01-13", today=t)         # future
    ok(cli, "release", case, "--date", "2029-01-10", "--notice-no", "某公（禁）解字〔2029〕1号",
       "--notified-on", "2029-01-11", "--issued-by", "某县公安局", today=t)
    r = show(cli, case, t)
    assert r["status"] == "released" and r["period"]["closed_on"] == "2029-01-10"
    # PATHWAY §1: the release starts follow-up care; its first window (3 months) is all that is listed
    assert [(i["kind"], i["window_start"], i["deadline"]) for i in r["open_items"]] == [("followup", "2029-01-10", "2029-04-09")]
    assert [(i["kind"], i["deadline"]) for i in due(cli, case, t)] == [("followup", "2029-04-09")]
    assert "某公（禁）解字〔2029〕1号" in r["timeline"][-1]["summary"]
    (ev,) = release_events(cli, case)
    assert str(ev["notified_on"]) == "2029-01-11" and ev["notice_no"] == "某公（禁）解字〔2029〕1号"
    assert not ev.get("early")
    refused(cli, "release", case, "--date", "2029-01-11", today=t)
    refused(cli, "record", "test", case, "--date", "2029-01-11", "--result", "negative", today=t)
    refused(cli, "terminate", case, "--date", "2029-01-11", "--reason", "imprisonment", today=t)
    refused(cli, "suspend", case, "--date", "2029-01-11", "--reason", "arrest", today=t)


def test_early_release_needs_a_reason_and_is_flagged(cli, case):
    t = "2027-03-01"
    assert "--early-reason" in refused(cli, "release", case, "--date", t, today=t)
    res = ok(cli, "release", case, "--date", t, "--early-reason", "公安机关依法决定提前解除", "--notice-no", "某公解字〔2027〕5号",
             today=t)
    assert "提前" in res.stdout
    r = show(cli, case, t)
    assert r["status"] == "released" and r["period"]["closed_on"] == t
    assert "提前解除" in r["timeline"][-1]["summary"]
    (ev,) = release_events(cli, case)
    assert ev["early"] is True and ev["reason"] == "公安机关依法决定提前解除"


def test_release_refused_while_suspended_and_after_the_extended_end(cli, case):
    ok(cli, "suspend", case, "--date", "2026-06-01", "--reason", "detention", today="2026-06-01")
    refused(cli, "release", case, "--date", "2029-06-01", "--early-reason", "x", today="2029-06-02")
    ok(cli, "resume", case, "--date", "2026-06-11", today="2029-06-02")
    # 2029-01-10 is after the unsuspended last day but not after the extended one (2029-01-19)
    msg = refused(cli, "release", case, "--date", "2029-01-19", today="2029-06-02")
    assert "2029-01-19" in msg and "10" in msg
    ok(cli, "release", case, "--date", "2029-01-20", today="2029-06-02")
    assert show(cli, case, "2029-06-02")["status"] == "released"


def test_terminate_refused_on_a_released_case_even_backdated(cli, case):
    ok(cli, "release", case, "--date", "2029-01-20", today="2029-02-01")
    refused(cli, "terminate", case, "--date", "2028-06-01", "--reason", "imprisonment", today="2029-02-01")


def test_terminate_refused_before_an_existing_record(cli, case):
    ok(cli, "record", "test", case, "--date", "2026-05-01", "--result", "negative", today="2026-05-01")
    refused(cli, "terminate", case, "--date", "2026-04-01", "--reason", "imprisonment", today="2026-05-02")


# ---------------------------------------------------------------- leave


def test_leave_request_rules(cli, case):
    t = "2026-03-01"
    assert "3" in refused(cli, "leave", "request", case, "--from", "2026-03-05", "--to", "2026-03-06",
                          "--destination", "长沙", today=t)                     # 2 days: no leave needed
    refused(cli, "leave", "request", case, "--from", "2026-03-06", "--to", "2026-03-05", "--destination", "长沙", today=t)
    refused(cli, "leave", "request", case, "--from", "2026-02-27", "--to", "2026-03-05", "--destination", "长沙", today=t)
    refused(cli, "leave", "request", case, "--from", "2026-03-05", "--to", "2026-03-09", "--destination", "", today=t)
    refused(cli, "leave", "request", case, "--from", "2026-03-05", "--to", "2026-03-09", "--destination", "长沙",
            "--date", "2026-03-02", today=t)                                    # asked in the future
    # asked 2 days ahead, 3 days long: fine, not flagged
    res = ok(cli, "leave", "request", case, "--from", "2026-03-03", "--to", "2026-03-05", "--destination", "长沙",
             "--reason", "探亲", today=t)
    a = leave_id(res)
    assert "注意" not in res.stdout and a in res.stdout.splitlines()[0]
    # overlapping the first one
    assert a in refused(cli, "leave", "request", case, "--from", "2026-03-05", "--to", "2026-03-10",
                        "--destination", "衡阳", today=t)
    # asked on the day of departure: recorded and flagged
    res = ok(cli, "leave", "request", case, "--from", "2026-03-10", "--to", "2026-03-14", "--destination", "衡阳",
             "--date", "2026-03-10", today="2026-03-10")
    b = leave_id(res)
    assert "注意" in res.stdout
    leaves = {lv["id"]: lv for lv in show(cli, case, "2026-03-10")["leaves"]}
    assert leaves[a]["late_request"] is False and leaves[b]["late_request"] is True
    assert leaves[a]["state"] == leaves[b]["state"] == "requested"
    assert leaves[b]["from"] == "2026-03-10" and leaves[b]["to"] == "2026-03-14"


def test_a_leave_may_not_end_after_the_period(cli, case):
    # reported 2026-01-10, 36 months: the last day is 2029-01-09. No source sets a longest leave; the rules
    # file's local practice (leave.within_period) bounds it by the period's end.
    t = "2026-03-01"
    msg = refused(cli, "leave", "request", case, "--from", "2026-05-01", "--to", "9999-12-31", "--destination", "长沙",
                  today=t)
    assert "9999-12-31" in msg and "社区戒毒期满（2029-01-09）" in msg
    assert "2029-01-09" in refused(cli, "leave", "request", case, "--from", "2029-01-01", "--to", "2029-01-10",
                                   "--destination", "长沙", today=t)            # one day past the end
    msg = refused(cli, "leave", "request", case, "--from", "2026-05-10", "--to", "2026-05-01", "--destination", "长沙",
                  today=t)
    assert "2026-05-01" in msg and "早于开始日期" in msg                          # --to before --from
    ok(cli, "leave", "request", case, "--from", "2029-01-01", "--to", "2029-01-09", "--destination", "长沙", today=t)
    # held 2026-03-02, resumed 03-12: 10 days, the last day moves to 2029-01-19
    ok(cli, "suspend", case, "--date", "2026-03-02", "--reason", "detention", today="2026-03-02")
    ok(cli, "resume", case, "--date", "2026-03-12", today="2026-03-12")
    assert "2029-01-19" in refused(cli, "leave", "request", case, "--from", "2029-01-15", "--to", "2029-01-20",
                                   "--destination", "长沙", today="2026-03-20")
    ok(cli, "leave", "request", case, "--from", "2029-01-15", "--to", "2029-01-19", "--destination", "长沙",
       today="2026-03-20")


def test_the_longest_leave_is_data_in_the_rules(cli, case):
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", "rules:\n  - leave: {max_days: 30}"))
    git(cli.root, "commit", "-qam", "Leave of 30 days at most")
    t = "2026-03-01"
    # 2026-05-01..05-31 is 31 days (one more than 30); 2026-04-01..04-30 is 30
    assert "超过请假最长 30 日" in refused(cli, "leave", "request", case, "--from", "2026-05-01", "--to", "2026-05-31",
                                          "--destination", "长沙", today=t)
    ok(cli, "leave", "request", case, "--from", "2026-04-01", "--to", "2026-04-30", "--destination", "长沙", today=t)
    cfg.write_text(cfg.read_text().replace("{max_days: 30}", "{max_days: 0}"))
    res = cli("leave", "request", case, "--from", "2026-06-01", "--to", "2026-06-05", "--destination", "长沙", today=t)
    assert res.exit_code == 1 and res.stderr.startswith("aftercare.yaml:10: ") and "不小于 1 的整数" in res.stderr


def test_leave_transitions(cli, case):
    t = "2026-03-01"
    a = leave_id(ok(cli, "leave", "request", case, "--from", "2026-03-05", "--to", "2026-03-09",
                    "--destination", "长沙", today=t))
    refused(cli, "leave", "return", case, a, "--date", t, today=t)               # never approved
    refused(cli, "leave", "approve", case, "zzzzzz", "--date", t, today=t)        # unknown leave
    refused(cli, "leave", "approve", case, a, "--date", "2026-02-28", today=t)    # before the request
    ok(cli, "leave", "approve", case, a, "--date", "2026-03-02", "--by", "主任", today="2026-03-02")
    refused(cli, "leave", "approve", case, a, "--date", "2026-03-02", today="2026-03-02")
    refused(cli, "leave", "deny", case, a, "--date", "2026-03-02", today="2026-03-02")
    assert show(cli, case, "2026-03-02")["leaves"][0]["state"] == "approved"
    # the leave-return item: due until the leave's last day, then overdue
    item = [it for it in due(cli, case, "2026-03-09") if it["kind"] == "leave-return"]
    assert [(it["status"], it["deadline"], it["window_start"]) for it in item] == [("due", "2026-03-09", "2026-03-05")]
    item = [it for it in due(cli, case, "2026-03-10") if it["kind"] == "leave-return"]
    assert [(it["status"], it["deadline"]) for it in item] == [("overdue", "2026-03-09")]
    refused(cli, "leave", "return", case, a, "--date", "2026-03-04", today="2026-03-11")   # before departure
    res = ok(cli, "leave", "return", case, a, "--date", "2026-03-11", today="2026-03-11")
    assert "2" in res.stdout and "注意" in res.stdout                                        # 2 days late, noted
    lv = show(cli, case, "2026-03-11")["leaves"][0]
    assert lv["state"] == "returned" and lv["returned_on"] == "2026-03-11"
    assert "leave-return" not in kinds(due(cli, case, "2026-03-12"))
    refused(cli, "leave", "return", case, a, "--date", "2026-03-11", today="2026-03-12")   # already returned
    refused(cli, "leave", "deny", case, a, "--date", "2026-03-12", today="2026-03-12")


def test_denied_leave(cli, case):
    t = "2026-04-01"
    a = leave_id(ok(cli, "leave", "request", case, "--from", "2026-04-05", "--to", "2026-04-10",
                    "--destination", "广州", today=t))
    ok(cli, "leave", "deny", case, a, "--date", t, today=t)
    assert "不准假" in refused(cli, "leave", "approve", case, a, "--date", t, today=t)
    refused(cli, "leave", "deny", case, a, "--date", t, today=t)
    refused(cli, "leave", "return", case, a, "--date", "2026-04-10", today="2026-04-10")
    assert "leave-return" not in kinds(due(cli, case, "2026-04-11"))
    # a denied leave does not block another request for the same days
    b = leave_id(ok(cli, "leave", "request", case, "--from", "2026-04-06", "--to", "2026-04-08",
                    "--destination", "广州", today="2026-04-02"))
    states = {lv["id"]: lv["state"] for lv in show(cli, case, "2026-04-02")["leaves"]}
    assert states == {a: "denied", b: "requested"}


def test_leave_return_refused_inside_a_suspension(cli, case):
    a = leave_id(ok(cli, "leave", "request", case, "--from", "2026-06-03", "--to", "2026-06-10",
                    "--destination", "长沙", today="2026-06-01"))
    ok(cli, "leave", "approve", case, a, "--date", "2026-06-02", today="2026-06-02")
    ok(cli, "suspend", case, "--date", "2026-06-05", "--reason", "detention", today="2026-06-05")
    refused(cli, "leave", "return", case, a, "--date", "2026-06-07", today="2026-06-08")


# ---------------------------------------------------------------- violations


def test_refusals_counted_over_the_whole_period(cli, case):
    ok(cli, "record", "test", case, "--date", "2026-02-01", "--result", "refused", today="2026-02-01")
    ok(cli, "record", "test", case, "--date", "2027-02-01", "--result", "evaded", today="2027-02-01")
    v = show(cli, case, "2027-02-01")["violations"]
    assert (v["refusals"], v["serious_breach"], v["refusal_breach"]) == (2, False, None)
    res = ok(cli, "record", "test", case, "--date", "2028-03-01", "--result", "refused", today="2028-03-01")
    assert "第 3 次" in res.stdout
    r = show(cli, case, "2028-03-01")
    v = r["violations"]
    assert v["refusals"] == 3 and v["refusal_dates"] == ["2026-02-01", "2027-02-01", "2028-03-01"]
    assert v["serious_breach"] is True and v["refusal_breach"] == "2028-03-01"
    third = [e for e in r["timeline"] if e["type"] == "test" and e["date"] == "2028-03-01"]
    assert v["refusal_breach_record"] == third[0]["id"]
    reports = [it for it in due(cli, case, "2028-03-01") if it["kind"] == "violation-report"]
    assert [(it["status"], it["deadline"], it["document"]) for it in reports] == [("due", "2028-03-02", 12)]
    assert "第3次" in reports[0]["basis"]


def test_absences_count_and_days(cli, case):
    ok(cli, "record", "violation", case, "--date", "2026-02-01", "--kind", "absence", "--days", "10", today="2026-02-01")
    ok(cli, "record", "violation", case, "--date", "2026-08-01", "--kind", "absence", "--days", "20", today="2026-08-01")
    ok(cli, "record", "violation", case, "--date", "2026-08-05", "--kind", "other", "--note", "未按时报告", today="2026-08-05")
    v = show(cli, case, "2026-08-05")["violations"]
    # 30 days in all is not "more than 30"; two absences are below three
    assert (v["absences"], v["absence_days"], v["serious_breach"], v["absence_breach"]) == (2, 30, False, None)
    ok(cli, "record", "violation", case, "--date", "2027-08-01", "--kind", "absence", "--days", "1", today="2027-08-01")
    v = show(cli, case, "2027-08-01")["violations"]
    assert (v["absences"], v["absence_days"], v["serious_breach"], v["absence_breach"]) == (3, 31, True, "2027-08-01")
    refused(cli, "record", "violation", case, "--date", "2027-08-02", "--kind", "absence", "--days", "0", today="2027-08-02")
    refused(cli, "record", "violation", case, "--date", "2027-08-02", "--kind", "absence", "--days", "两", today="2027-08-02")
    refused(cli, "record", "violation", case, "--date", "2027-08-02", "--kind", "truancy", today="2027-08-02")


def test_absence_days_over_thirty_is_a_serious_breach(cli, case):
    ok(cli, "record", "violation", case, "--date", "2026-02-01", "--kind", "absence", "--days", "10", today="2026-02-01")
    ok(cli, "record", "violation", case, "--date", "2026-04-01", "--kind", "absence", "--days", "21", today="2026-04-01")
    v = show(cli, case, "2026-04-01")["violations"]
    assert (v["absences"], v["absence_days"], v["serious_breach"], v["absence_breach"]) == (2, 31, True, "2026-04-01")
    assert (v["refusals"], v["refusal_breach"]) == (0, None)


# ---------------------------------------------------------------- a whole life


def test_three_year_life(cli):
    """社区戒毒, served 2026-01-05, reported 2026-01-10, suspended 2026-06-01..06-11, released 2029-01-20.

    Hand-computed: base last day 2029-01-09, + 10 suspended days = 2029-01-19. Test windows (22): year 1
    monthly from 01-10, the 5th stretched to 05-10..06-19, then 06-20..07-19, …, 12-20..2027-01-19; year 2
    every 2 months 2027-01-20..03-19, …, 11-20..2028-01-19; year 3 every 3 months 2028-01-20..04-19, …,
    10-20..2029-01-19. The 3rd window (03-10..04-09) has only a refusal, made up by a hair test on 04-16.
    """
    cli.today = "2026-01-10"
    staff(cli, "李娟")
    cid = cli.add(1, notified_on="2026-01-05", reported_on="2026-01-10", worker="李娟")

    def rec(day, command, *args, today=None):
        return ok(cli, *command.split(), cid, *args, "--date", day, today=today or day)

    def test(day, *extra):
        rec(day, "record test", "--result", "negative", *extra)

    test("2026-01-15")
    rec("2026-01-15", "record visit", "--kind", "home")
    rec("2026-01-20", "record evaluation", "--kind", "intake", "--risk", "low")
    test("2026-02-15")
    lid = leave_id(ok(cli, "leave", "request", cid, "--from", "2026-03-05", "--to", "2026-03-10", "--destination", "长沙",
                      "--reason", "探亲", "--date", "2026-03-01", today="2026-03-01"))
    rec("2026-03-02", "leave approve", lid)
    rec("2026-03-10", "leave return", lid)
    rec("2026-03-15", "record test", "--result", "refused")
    assert [it["deadline"] for it in due(cli, cid, "2026-03-15") if it["kind"] == "warning"] == ["2026-03-16"]
    rec("2026-03-16", "record warning")
    test("2026-04-15")
    test("2026-04-16", "--makeup", "--method", "hair")
    assert show(cli, cid, "2026-04-16")["compliance"]["test"]["makeup"] == 1
    test("2026-05-15")
    rec("2026-06-01", "suspend", "--reason", "detention")
    t = "2026-06-05"
    refused(cli, "record", "test", cid, "--date", t, "--result", "negative", today=t)
    assert not kinds(due(cli, cid, t)) & PERSON_ITEMS
    assert show(cli, cid, t)["period"]["last_day"] is None
    rec("2026-06-11", "resume")
    for day in ("2026-06-25", "2026-07-25", "2026-08-25", "2026-09-25", "2026-10-25", "2026-11-25", "2026-12-25"):
        test(day)
    rec("2026-12-28", "record visit", "--kind", "talk")            # also the birthday visit (1 January)
    for day in ("2027-02-01", "2027-04-01", "2027-06-01", "2027-08-01", "2027-10-01", "2027-12-01"):
        test(day)
    rec("2027-05-10", "record violation", "--kind", "absence", "--days", "5", today="2027-12-01")
    rec("2027-05-11", "record warning", today="2027-12-01")
    for day in ("2028-02-01", "2028-05-01", "2028-08-01", "2028-11-01"):
        test(day)
    sug = [it for it in due(cli, cid, "2029-01-01") if it["kind"] == "release-suggestion"]
    assert [(it["deadline"], it["window_start"]) for it in sug] == [("2029-01-04", "2028-12-28")]
    rec("2029-01-02", "record release-suggestion")
    refused(cli, "release", cid, "--date", "2029-01-19", today="2029-01-19")
    ok(cli, "release", cid, "--date", "2029-01-20", "--notice-no", "某公（禁）解字〔2029〕3号", "--notified-on", "2029-01-20",
       today="2029-01-21")

    r = show(cli, cid, "2029-01-21")
    assert r["status"] == "released"
    assert r["period"] == {"start": "2026-01-10", "base_last_day": "2029-01-09", "last_day": "2029-01-19",
                           "suspended_days": 10, "days_left": -2, "closed_on": "2029-01-20"}
    assert r["suspensions"] == [{"from": "2026-06-01", "to": "2026-06-11", "reason": "detention"}]
    assert r["violations"] == {"refusals": 1, "refusal_dates": ["2026-03-15"], "refusal_breach": None,
                               "refusal_breach_record": None, "absences": 1, "absence_days": 5, "absence_breach": None,
                               "absence_breach_record": None, "serious_breach": False}
    assert r["closed"]["type"] == "release" and r["closed"]["date"] == "2029-01-20"
    assert [(lv["id"], lv["state"], lv["returned_on"], lv["late_request"]) for lv in r["leaves"]] == \
        [(lid, "returned", "2026-03-10", False)]
    c = r["compliance"]
    zero = {"explained": 0, "due": 0, "upcoming": 0}
    assert c["test"] == {"satisfied": 22, "overdue": 0, "makeup": 1, **zero}
    assert c["visit"] == {"satisfied": 2, "overdue": 34, "makeup": 0, **zero}        # 36 monthly windows
    assert c["report"] == {"satisfied": 0, "overdue": 36, "makeup": 0, **zero}
    assert c["education"] == {"satisfied": 0, "overdue": 36, "makeup": 0, **zero}
    assert c["evaluation"] == {"satisfied": 1, "overdue": 15, "makeup": 0, **zero}    # 1 intake + 12 quarterly + 3 yearly
    assert c["birthday-visit"] == {"satisfied": 1, "overdue": 2, "makeup": 0, **zero}  # 2027, 2028, 2029-01-01
    for kind, n in (("report-in", 1), ("warning", 2), ("leave-return", 1), ("release-suggestion", 1)):
        assert c[kind] == {"satisfied": n, "overdue": 0, "makeup": 0, **zero}, kind
    assert "violation-report" not in c
    # PATHWAY §1: the release starts follow-up care; its first window (3 months) is all that is listed
    assert [(i["kind"], i["window_start"], i["deadline"]) for i in r["open_items"]] == [("followup", "2029-01-20", "2029-04-19")]
    assert [(i["kind"], i["deadline"]) for i in due(cli, cid, "2029-01-21")] == [("followup", "2029-04-19")]

    tl = r["timeline"]
    assert len(tl) == 37
    assert [e["date"] for e in tl] == sorted(e["date"] for e in tl)
    assert tl[0]["type"] == "report-in" and tl[-1]["type"] == "release"
    count = {}
    for e in tl:
        count[e["type"]] = count.get(e["type"], 0) + 1
    assert count == {"report-in": 1, "test": 23, "visit": 2, "evaluation": 1, "leave-request": 1, "leave-approve": 1,
                     "leave-return": 1, "warning": 2, "suspend": 1, "resume": 1, "violation": 1,
                     "release-suggestion": 1, "release": 1}
    assert "某公（禁）解字〔2029〕3号" in tl[-1]["summary"]
    (ev,) = release_events(cli, cid)
    assert str(ev["notified_on"]) == "2029-01-20"
    # one commit per recorded action, none for the refusals
    assert cli.commits() == 1 + 1 + 37          # init, staff add, the recorded actions
    log = cli("log", cid, today="2029-01-21")
    assert log.exit_code == 0 and "Release case " + cid in log.stdout and "Suspend case " + cid in log.stdout


def test_check_uses_the_same_today_as_the_other_commands(cli):
    cli.today = "2098-01-10"
    cid = cli.add(3, reported_on="2098-01-10")
    ok(cli, "record", "test", cid, "--date", "2098-02-01", "--result", "negative", today="2098-02-01")
    res = cli("check", today="2098-02-01")
    assert res.exit_code == 0, res.output
