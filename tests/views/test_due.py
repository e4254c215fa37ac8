"""aftercare due through the command line: formats, filters, warnings, overrides."""

from __future__ import annotations

import csv
from datetime import date as date_
import io
import json

import pytest

from conftest import committed, git, person, refused, staff, case_dir, case_path


def items(cli, *args, today=None):
    res = cli.ok("due", "--format", "json", *args, today=today)
    return json.loads(res.stdout)


@pytest.fixture
def two(cli):
    staff(cli, "李娟", "王强")
    a = cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05", worker="李娟")
    b = cli.add(2, measure="rehab", notified_on="2026-05-01", worker="王强")
    return a, b


def test_json_fields_and_order(cli, two):
    a, b = two
    got = items(cli)
    assert {"case", "kind", "status", "deadline", "window_start", "basis", "document"} <= set(got[0])
    order = {"overdue": 0, "due": 1, "upcoming": 2}
    keys = [(order[i["status"]], i["deadline"]) for i in got]
    assert keys == sorted(keys)
    assert {i["case"] for i in got} == {a, b}
    rin = [i for i in got if i["case"] == b]
    # notified 05-01: report-in was due by 05-16; the violation report 3 working days later (Sat 05-16 → Wed 05-20)
    assert [(i["kind"], i["status"], i["deadline"], i["document"]) for i in rin] == [
        ("report-in", "overdue", "2026-05-16", 6), ("violation-report", "due", "2026-05-20", 12)]


def test_filters(cli, two):
    a, b = two
    assert {i["case"] for i in items(cli, "--worker", "王强")} == {b}
    assert {i["case"] for i in items(cli, "--case", a)} == {a}
    # a name not on the staff list is refused (issue 10 item 4), with the closest names
    assert "没有工作人员“无此人”" in refused(cli, "due", "--worker", "无此人")
    assert refused(cli, "due", "--worker", "李绢") == "错误：没有工作人员“李绢”；是否指：李娟？"
    res = cli("due", "--case", "NOPE")
    assert res.exit_code == 1 and "没有编号" in res.stderr


def test_within_controls_upcoming(cli):
    cli.add(3, reported_on="2026-05-10")
    day = "2026-06-01"   # next windows open 2026-06-10, 9 days later
    assert not [i for i in items(cli, "--on", day) if i["status"] == "upcoming"]
    assert not [i for i in items(cli, "--on", day, "--within", "8") if i["status"] == "upcoming"]
    ups = [i for i in items(cli, "--on", day, "--within", "9") if i["status"] == "upcoming"]
    assert {i["kind"] for i in ups} >= {"test", "visit", "report", "education"}
    assert all(i["window_start"] == "2026-06-10" for i in ups if i["kind"] != "evaluation")


def test_table_groups_and_empty_agenda(cli, two):
    res = cli.ok("due")
    out = res.stdout
    assert out.index("【逾期】") < out.index("【待办】")
    assert "期限" in out and "依据" in out and "第8号" in out
    empty = cli.ok("due", "--on", "2026-01-01")
    assert "没有逾期、待办或即将到期的事项" in empty.stdout


def test_csv_and_ics(cli, two):
    # issue 11: CSV headers and codes in Chinese (UTF-8 with BOM for Excel); to-dos with --ics-todo (events by default)
    rows = list(csv.DictReader(io.StringIO(cli.ok("due", "--format", "csv").stdout_bytes.decode("utf-8-sig"))))
    assert rows and rows[0]["个案编号"] and rows[0]["状态"] in ("逾期", "待办", "即将到期")
    ics = cli.ok("due", "--format", "ics", "--ics-todo").stdout
    from icalendar import Calendar

    cal = Calendar.from_ical(ics)
    todos = [c for c in cal.walk() if c.name == "VTODO"]
    assert len(todos) == len(rows)
    assert all(t.get("due") is not None for t in todos)
    name = (case_dir(cli.root, two[0]) / "case.yaml").read_text().split('name: "')[1].split('"')[0]
    assert name not in ics      # no personal names in a calendar synced to phones


def test_bad_options(cli, two):
    for argv, frag in ((["due", "--format", "xml"], "输出格式"), (["due", "--on", "2026-02-31"], "真实存在"),
                       (["due", "--within", "-3"], "负数")):
        res = cli(*argv)
        assert res.exit_code == 1 and frag in res.stderr


def test_unknown_year_is_provisional_with_one_warning(cli):
    a = cli.add(4, reported_on="2026-12-01", today="2027-01-08")
    cli.ok("record", "test", a, "--date", "2027-01-08", "--result", "refused", today="2027-01-08")
    res = cli.ok("due", "--format", "json", today="2027-01-08")
    warn = [i for i in json.loads(res.stdout) if i["kind"] == "warning"]
    assert warn and warn[0]["provisional"] is True and warn[0]["deadline"] == "2027-01-11"
    assert res.stderr.count("2027") >= 1 and "calendar" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    # the office adds the year's calendar: no longer provisional, no warning
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("calendar: {}", "calendar:\n  2027:\n    holidays: [2027-01-11]\n    workdays: []"))
    res = cli.ok("due", "--format", "json", today="2027-01-08")
    warn = [i for i in json.loads(res.stdout) if i["kind"] == "warning"]
    assert warn[0]["provisional"] is False and warn[0]["deadline"] == "2027-01-12" and res.stderr == ""


def test_office_rule_override_applies_from_its_effective_date(cli):
    a = cli.add(5, measure="rehab", reported_on="2026-01-10")
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", "rules:\n  - effective: 2026-06-01\n    duties:\n      visit:\n"
                                           "        schedule:\n          rehab: [{months: 36, every: 1}]"))
    before = [i for i in items(cli, "--on", "2026-05-20", "--case", a) if i["kind"] == "visit"]
    after = [i for i in items(cli, "--on", "2026-06-20", "--case", a) if i["kind"] == "visit"]
    assert before[-1]["deadline"] == "2026-07-09"     # every 2 months: 05-10..07-09
    # Windows that began before 06-01 keep the schedule they began under (issue 10 item 7), asked on any day:
    # 01-10..03-09 and 03-10..05-09 stay overdue, 05-10..07-09 (running across 06-01) stays due.
    # (This assertion used to expect the past re-cut monthly, the first deadline 02-09: item 7 forbids that.)
    assert after[-1]["deadline"] == "2026-07-09" and after[0]["deadline"] == "2026-03-09"


MONTHLY_VISITS_FROM_0601 = ("rules:\n  - effective: 2026-06-01\n    duties:\n      visit:\n"
                            "        schedule:\n          rehab: [{months: 36, every: 1}]")


def visits(cli, a, on, today=None):
    return [(i["window_start"], i["deadline"], i["status"]) for i in items(cli, "--on", on, "--case", a, today=today)
            if i["kind"] == "visit"]


def test_a_running_window_keeps_its_deadline_across_a_rule_change(cli):
    # 社区康复 reported 2026-01-10: visits every 2 months (01-10..03-09, 03-10..05-09, 05-10..07-09);
    # monthly from 2026-06-01. The window 05-10..07-09 began before the change: its deadline stays 07-09
    # when asked before (05-20) and after (06-05) the change. Re-cut monthly on 06-05 it would have been
    # 05-10..06-09 (deadline 06-09) with 4 monthly windows overdue before it.
    a = cli.add(5, measure="rehab", reported_on="2026-01-10")
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", MONTHLY_VISITS_FROM_0601))
    expect = [("2026-01-10", "2026-03-09", "overdue"), ("2026-03-10", "2026-05-09", "overdue"),
              ("2026-05-10", "2026-07-09", "due")]
    assert visits(cli, a, "2026-05-20") == expect
    assert visits(cli, a, "2026-06-05") == expect
    # a past day replays as it was: 06-05 asked on 07-12 is 06-05 asked on 06-05
    assert visits(cli, a, "2026-06-05", today="2026-07-12") == expect


def test_the_next_window_after_a_rule_change_follows_the_new_interval(cli):
    # same case and change: after 05-10..07-09 the windows are monthly: 07-10..08-09, 08-10..09-09, ...
    a = cli.add(5, measure="rehab", reported_on="2026-01-10")
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", MONTHLY_VISITS_FROM_0601))
    # on 07-05 the next window opens within 7 days (07-10): upcoming
    assert visits(cli, a, "2026-07-05")[-1] == ("2026-07-10", "2026-08-09", "upcoming")
    assert visits(cli, a, "2026-07-12")[-2:] == [("2026-05-10", "2026-07-09", "overdue"),
                                                 ("2026-07-10", "2026-08-09", "due")]
    assert visits(cli, a, "2026-08-12")[-1] == ("2026-08-10", "2026-09-09", "due")
    got = [i for i in items(cli, "--on", "2026-07-12", "--case", a) if i["kind"] == "visit"]
    assert got[-1]["basis"].startswith("第1年每月")


def test_the_explain_key_of_a_running_window_does_not_move(cli):
    # `explain CASE KIND DEADLINE` names an item by its kind and deadline: the window 05-10..07-09 is
    # (visit, 2026-07-09) and described alike before (05-20) and after (06-05) the change; once overdue
    # (07-12) that very key closes it.
    a = cli.add(5, measure="rehab", reported_on="2026-01-10")
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", MONTHLY_VISITS_FROM_0601))
    running = [[(i["kind"], i["deadline"], i["basis"]) for i in items(cli, "--on", on, "--case", a)
                if i["kind"] == "visit" and i["status"] == "due"] for on in ("2026-05-20", "2026-06-05")]
    assert running[0] == running[1] == [("visit", "2026-07-09", "第1年每2个月见面访谈/家访1次（第3期 2026-05-10至2026-07-09）")]
    git(cli.root, "commit", "-qam", "Visits monthly from 2026-06-01")
    committed(cli, "explain", a, "visit", "2026-07-09", "--reason", "本人外出务工，已电话联系", today="2026-07-12")
    assert ("2026-05-10", "2026-07-09", "overdue") not in visits(cli, a, "2026-07-12", today="2026-07-12")


def test_follow_up_windows_keep_the_rules_they_began_under(cli):
    # follow-up from 2026-02-01: every 3 months in year 1 (02-01..04-30, 05-01..07-31, ...); monthly from
    # 2026-06-01. 05-01..07-31 was running on 06-01: it stays (re-cut it would be 06-01..06-30); the next
    # window is monthly on the new grid: month 6 = 08-01..08-31.
    name, idn = person(21)
    cid = cli.ok("case", "add", "--name", name, "--id-number", idn, "--measure", "followup", "--released-on",
                 "2026-02-01", "--released-from", "某强制隔离戒毒所", today="2026-02-01").stdout.strip().splitlines()[-1]
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", "rules:\n  - effective: 2026-06-01\n    followup:\n"
                                           "      schedule: [{months: 36, every: 1}]"))

    def followups(on):
        return [(i["window_start"], i["deadline"], i["status"]) for i in items(cli, "--on", on, "--case", cid,
                                                                                 today=on) if i["kind"] == "followup"]
    expect = [("2026-02-01", "2026-04-30", "overdue"), ("2026-05-01", "2026-07-31", "due")]
    assert followups("2026-05-20") == followups("2026-06-05") == expect
    assert followups("2026-08-05") == [("2026-02-01", "2026-04-30", "overdue"), ("2026-05-01", "2026-07-31", "overdue"),
                                       ("2026-08-01", "2026-08-31", "due")]


def test_path_deadlines_keep_the_rules_of_their_trigger_day(cli):
    # from 2026-06-12 a lost person is reported in 5 working days (was 3) and methadone filed in 10 (was 5).
    # Lost and joined methadone on 2026-06-10 (Wed): 3 working days = 06-11, 06-12, 06-15 (Mon);
    # 5 = ... 06-16, 06-17. Asked on 06-15, after the change, they stay 06-15 and 06-17 (re-cut: 06-17 and
    # 06-25, 06-19 being 端午节). Joined again on 2026-07-01 (Wed), after the change: 10 working days =
    # 07-02, 03, 06, 07, 08, 09, 10, 13, 14, 15.
    cid = cli.add(22, notified_on="2026-03-02", reported_on="2026-03-05")
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", "rules:\n  - effective: 2026-06-12\n"
                                           "    lost: {report_deadline: {working_days: 5}}\n"
                                           "    methadone: {police_filing: {working_days: 10}}"))
    git(cli.root, "commit", "-qam", "Path deadlines from 2026-06-12")
    cli.ok("record", "lost", cid, "--date", "2026-06-10", today="2026-06-10")
    cli.ok("record", "methadone", cid, "--clinic", "县美沙酮门诊", "--date", "2026-06-10", today="2026-06-10")

    def path_items(on):
        return {i["kind"]: i["deadline"] for i in items(cli, "--on", on, "--case", cid, today=on)
                if i["kind"] in ("lost-report", "police-filing")}
    assert path_items("2026-06-11") == path_items("2026-06-15") == {"lost-report": "2026-06-15",
                                                                    "police-filing": "2026-06-17"}
    cli.ok("record", "methadone-end", cid, "--date", "2026-06-20", today="2026-06-20")
    cli.ok("record", "police-filing", cid, "--date", "2026-06-16", today="2026-06-20")
    cli.ok("record", "methadone", cid, "--clinic", "县美沙酮门诊", "--date", "2026-07-01", today="2026-07-01")
    assert path_items("2026-07-01")["police-filing"] == "2026-07-15"


def test_security_period_from_office_file(cli):
    a = cli.add(6, reported_on="2026-01-10", risk="high")
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("security_periods: []",
                                           "security_periods:\n  - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}"))
    got = [i for i in items(cli, "--on", "2026-10-02", "--case", a) if i["kind"] == "security-visit"]
    assert [(i["status"], i["deadline"], i["document"]) for i in got] == [("due", "2026-10-07", 7)]
    cfg.write_text(cfg.read_text().replace("to: 2026-10-07", "to: soon"))
    res = cli("due", today="2026-10-02")
    assert res.exit_code == 1 and res.stderr.startswith("aftercare.yaml:")


def test_past_day_ignores_later_records_and_cache_agrees(cli):
    a = cli.add(7, reported_on="2026-03-05")
    cli.ok("record", "visit", a, "--date", "2026-04-01")
    on_0320 = items(cli, "--on", "2026-03-20", "--case", a)
    assert [i for i in on_0320 if i["kind"] == "visit"][0]["status"] == "due"
    now = items(cli, "--case", a)
    assert not [i for i in now if i["kind"] == "visit" and i["deadline"] == "2026-04-04"]
    nocache = cli.runner.invoke(__import__("aftercare.cli", fromlist=["app"]).app,
                                ["--no-cache", "due", "--format", "json", "--case", a, "--store", str(cli.root)],
                                env={"AFTERCARE_TODAY": cli.today})
    assert json.loads(nocache.stdout) == now
    assert git(cli.root, "status", "--porcelain") == ""     # the cache is git-ignored


def test_delegated_test_result_through_the_cli(cli):
    a = cli.add(8, reported_on="2026-04-01")
    res = cli.ok("record", "test", a, "--date", "2026-05-18", "--result", "pending", "--delegated-to", "长沙市某派出所")
    assert "委托检测" in res.stdout
    got = [i for i in items(cli, "--case", a) if i["kind"] == "delegated-test-result"]
    assert [(i["status"], i["deadline"]) for i in got] == [("due", "2026-05-25")]
    cli.ok("record", "test", a, "--date", "2026-05-18", "--result", "negative")
    assert not [i for i in items(cli, "--case", a) if i["kind"] == "delegated-test-result"]
    shown = json.loads(cli.ok("show", a, "--format", "json").stdout)
    assert [e["type"] for e in shown["timeline"]].count("test-result") == 1


def test_one_new_event_rereads_only_its_file(cli, monkeypatch):
    from aftercare.views.agenda import summaries
    import os
    import time

    from aftercare.store import Store, yamlio

    a = cli.add(9, reported_on="2026-03-05")
    cli.ok("record", "visit", a, "--date", "2026-03-10", today="2026-03-10")     # a 2026 events file
    ev_dir = case_dir(cli.root, a) / "events"
    past = time.time() - 60
    for f in (case_dir(cli.root, a)).rglob("*.yaml"):
        os.utime(f, (past, past))                                               # not "racy" any more
    summaries(Store(cli.root), date_(2026, 5, 20))                               # fills the per-file cache
    (ev_dir / "2025-zzzz.yaml").write_text('- id: "n1"\n  type: "visit"\n  date: 2025-12-01\n')
    os.utime(ev_dir / "2025-zzzz.yaml", (past, past))
    read = []
    real = yamlio.parse_events
    monkeypatch.setattr(yamlio, "parse_events", lambda data, path: read.append(path) or real(data, path))
    summaries(Store(cli.root), date_(2026, 5, 20))
    assert read == [f"{case_path(a)}/events/2025-zzzz.yaml"], read        # the 2026 file came from the cache


def test_empty_on_is_refused_not_taken_as_today(cli):
    """`due --on ''` was read as "not given" (today); an empty date is bad input: one Chinese line, exit 1."""
    cli.add(1, reported_on="2026-03-02")
    line = refused(cli, "due", "--on", "")
    assert "--on" in line and "2026-11-05" in line
