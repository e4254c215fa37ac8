"""case set corrections of the facts that drive the clock (issue 10 item 2): each needs --reason, which
goes into the commit body and the case's correction log; everything is recomputed; comments survive."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
import yaml

from aftercare.core.ids import fictional_id_number
from conftest import committed, due_json, git, person, refused, show_json, staff, case_dir, case_path


def case_yaml(cli, cid: str) -> dict:
    return yaml.load((case_dir(cli.root, cid) / "case.yaml").read_bytes(), Loader=yaml.CSafeLoader)


def test_correct_the_report_in_date_and_the_term(cli):
    # 社区戒毒, notified 2026-03-01, reported 2026-03-02: last day 2029-03-01
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    path = case_dir(cli.root, cid) / "case.yaml"
    path.write_text(path.read_text() + "# 手工补充\nethnicity: \"汉族\"  # 民族\n")
    git(cli.root, "commit", "-qam", f"Complete case {cid} by hand")
    committed(cli, "record", "visit", cid, "--date", "2026-03-10")
    assert show_json(cli, cid)["period"]["last_day"] == "2029-03-01"

    res = committed(cli, "case", "set", cid, "--reported-on", "2026-03-05", "--reason", "报到登记表写的是3月5日")
    assert "2026-03-02 → 2026-03-05" in res.stdout
    rep = show_json(cli, cid)
    # start + 36 months − 1 day
    assert (rep["period"]["start"], rep["period"]["last_day"]) == ("2026-03-05", "2029-03-04")
    assert [e["date"] for e in rep["timeline"] if e["type"] == "report-in"] == ["2026-03-05"]
    assert [(v["type"], v["date"]) for v in rep["voided"]] == [("report-in", "2026-03-02")]
    [c] = rep["corrections"]
    assert (c["field"], c["from"], c["to"], c["reason"], c["by"], c["date"]) == (
        "reported_on", "2026-03-02", "2026-03-05", "报到登记表写的是3月5日", "测试员", "2026-05-20")
    # the first monthly test window is now 03-05..04-04
    assert ("test", "2026-04-04") in {(it["kind"], it["deadline"]) for it in due_json(cli, cid, "2026-04-10")}
    assert git(cli.root, "log", "-1", "--format=%B").strip() == (
        f"Correct case {cid}: reported_on\n\nReason: 报到登记表写的是3月5日")
    text = path.read_text()
    assert "# 手工补充" in text and "# 民族" in text and "# 社区戒毒（康复）人员基本信息" in text
    out = cli.ok("show", cid).stdout
    assert "更正记录" in out and "报到登记表写的是3月5日" in out
    cli.ok("check")


def test_correct_measure_term_and_decision(cli):
    cid = cli.add(2, measure="rehab", term_months=24, notified_on="2026-03-01", reported_on="2026-03-02")
    assert show_json(cli, cid)["period"]["last_day"] == "2028-03-01"
    committed(cli, "case", "set", cid, "--term-months", "30", "--decision-no", "X公决字〔2026〕5号",
              "--decided-by", "某县公安局", "--decided-on", "2026-02-27", "--reason", "按决定书更正")
    rep = show_json(cli, cid)
    assert rep["period"]["last_day"] == "2028-09-01"          # 2026-03-02 + 30 months − 1 day
    assert rep["decision"] == {"number": "X公决字〔2026〕5号", "decided_by": "某县公安局", "decided_on": "2026-02-27",
                               "notified_on": "2026-03-01"}
    assert [c["field"] for c in rep["corrections"]] == ["term_months", "decision_no", "decided_by", "decided_on"]
    # 社区戒毒 is always 36 months: measure detox with term 30 is refused, with 36 accepted
    assert "36 个月" in refused(cli, "case", "set", cid, "--measure", "detox", "--reason", "决定书为社区戒毒")
    committed(cli, "case", "set", cid, "--measure", "detox", "--term-months", "36", "--reason", "决定书为社区戒毒")
    rep = show_json(cli, cid)
    assert (rep["measure"], rep["term_months"], rep["period"]["last_day"]) == ("detox", 36, "2029-03-01")


def test_correct_the_notification_date_moves_the_report_in_deadline(cli):
    cid = cli.add(3, notified_on="2026-05-01")
    assert [it["deadline"] for it in due_json(cli, cid) if it["kind"] == "report-in"] == ["2026-05-16"]
    committed(cli, "case", "set", cid, "--notified-on", "2026-05-10", "--reason", "送达回执日期为5月10日")
    assert [it["deadline"] for it in due_json(cli, cid) if it["kind"] == "report-in"] == ["2026-05-25"]


def test_correct_the_id_number_sex_and_birth_follow(cli):
    cid = cli.add(4, notified_on="2026-05-01")
    new = fictional_id_number(random.Random(99), date(1985, 7, 20), "女")
    committed(cli, "case", "set", cid, "--id-number", new, "--reason", "身份证号录错")
    data = case_yaml(cli, cid)
    assert (data["id_number"], data["sex"], data["birth_date"]) == (new, "女", date(1985, 7, 20))
    rep = show_json(cli, cid)
    assert (rep["sex"], rep["birth_date"]) == ("女", "1985-07-20")
    assert new not in git(cli.root, "log", "-1", "--format=%B")      # no ID number in a commit message


def test_refusals(cli):
    cid = cli.add(5, notified_on="2026-03-01", reported_on="2026-03-02")
    other = cli.add(6)
    committed(cli, "record", "test", cid, "--date", "2026-03-10", "--result", "negative")
    assert "--reason" in refused(cli, "case", "set", cid, "--reported-on", "2026-03-05")
    assert "--reason" in refused(cli, "case", "set", cid, "--term-months", "30")
    assert "--reason" in refused(cli, "case", "set", cid, "--measure", "rehab")
    msg = refused(cli, "case", "set", cid, "--reported-on", "2026-03-12", "--reason", "x")
    assert "2026-03-10" in msg and "吸毒检测" in msg
    assert "早于" in refused(cli, "case", "set", cid, "--reported-on", "2026-02-20", "--reason", "x")
    assert "早于" in refused(cli, "case", "set", cid, "--notified-on", "2026-03-05", "--reason", "x")
    assert "今天" in refused(cli, "case", "set", cid, "--decided-on", "2026-06-01", "--reason", "x")
    assert "最长 36 个月" in refused(cli, "case", "set", cid, "--term-months", "40", "--reason", "x")
    assert "身份证号" in refused(cli, "case", "set", cid, "--id-number", "430421199001010012", "--reason", "x")
    _, other_idn = person(6)
    assert other in refused(cli, "case", "set", cid, "--id-number", other_idn, "--reason", "x")
    assert "相同" in refused(cli, "case", "set", cid, "--term-months", "36", "--reason", "x")
    assert "措施" in refused(cli, "case", "set", cid, "--measure", "jail", "--reason", "x")
    assert case_yaml(cli, cid).get("corrections") is None


@pytest.mark.parametrize("option,value", [("--reported-on", "2026-03-01"), ("--notified-on", "2026-02-27"),
                                          ("--decided-on", "2026-02-20"), ("--term-months", "30"),
                                          ("--measure", "rehab"), ("--id-number", None)])
def test_every_clock_fact_needs_a_reason(cli, option, value):
    # issue 10 item 2: each change of a fact that drives the clock is refused without --reason
    cid = cli.add(12, notified_on="2026-02-28", reported_on="2026-03-02")
    if value is None:
        value = fictional_id_number(random.Random(12), date(1986, 2, 3), "男")
    msg = refused(cli, "case", "set", cid, option, value)
    assert "--reason" in msg and "更正" in msg
    assert case_yaml(cli, cid).get("corrections") is None


# ---------------------------------------------------------------- a second record of the same kind and day


def test_a_second_record_of_the_same_kind_and_day_is_kept_with_a_warning(cli):
    cid = cli.add(7, notified_on="2026-03-01", reported_on="2026-03-02")
    first = committed(cli, "record", "visit", cid, "--date", "2026-04-03", "--kind", "home")
    assert first.stderr == ""
    committed(cli, "record", "report", cid, "--date", "2026-04-03")             # another kind: no warning
    committed(cli, "record", "visit", cid, "--date", "2026-04-04")              # another day: no warning
    vid = [e["id"] for e in show_json(cli, cid)["timeline"] if e["type"] == "visit" and e["date"] == "2026-04-03"][0]
    res = committed(cli, "record", "visit", cid, "--date", "2026-04-03", "--kind", "phone")
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and vid in lines[0] and "2026-04-03" in lines[0] and "aftercare void" in lines[0]
    assert [e["date"] for e in show_json(cli, cid)["timeline"] if e["type"] == "visit"] == [
        "2026-04-03", "2026-04-03", "2026-04-04"]
    committed(cli, "record", "test", cid, "--date", "2026-04-05", "--result", "negative")
    res = committed(cli, "record", "test", cid, "--date", "2026-04-05", "--result", "negative")
    assert len(res.stderr.strip().splitlines()) == 1 and "吸毒检测" in res.stderr
    # a voided record does not count: void + record again gives no warning
    committed(cli, "record", "education", cid, "--date", "2026-04-07")
    eid = [e["id"] for e in show_json(cli, cid)["timeline"] if e["type"] == "education"][0]
    committed(cli, "void", cid, eid, "--reason", "日期录错")
    res = committed(cli, "record", "education", cid, "--date", "2026-04-07")
    assert res.stderr == ""


# ---------------------------------------------------------------- real people's ID numbers


def test_a_person_born_before_the_county_code_is_registered(cli):
    # 430421 (衡阳县) was assigned in 1983; born 1975-01-01, sequence 001: check digit 9 (sum 179 mod 11 = 3)
    res = committed(cli, "case", "add", "--name", "衡阳测试", "--id-number", "430421197501010019", "--measure", "detox")
    assert res.stderr == ""
    cid = res.stdout.strip().splitlines()[-1]
    assert (show_json(cli, cid)["birth_date"], show_json(cli, cid)["sex"]) == ("1975-01-01", "男")
    res = cli("check")
    assert res.exit_code == 0 and res.stdout == ""


def test_a_region_code_that_never_existed_is_accepted_with_a_warning(cli):
    # 990421: there is no province 99; born 1975-01-01, sequence 002: weighted sum 270, 270 mod 11 = 6 → check digit 6
    res = committed(cli, "case", "add", "--name", "地区码测试", "--id-number", "990421197501010026", "--measure", "detox")
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "990421" in lines[0] and "GB/T 2260" in lines[0]
    cid = res.stdout.strip().splitlines()[-1]
    res = cli("check")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"{case_path(cid)}/case.yaml:4: 警告：" + lines[0] + "  提示：核对身份证原件；地区码确实如此的可以不改"
    other = cli.add(8)
    res = committed(cli, "case", "set", other, "--id-number", "990421197501010042", "--reason", "按户口簿更正")
    assert "990421" in res.stderr


def test_check_warns_about_a_worker_not_on_the_staff_list(cli):
    staff(cli, "李娟")
    cid = cli.add(9, worker="李娟")
    path = case_dir(cli.root, cid) / "case.yaml"
    path.write_text(path.read_text().replace('worker: "李娟"', 'worker: "李绢"'))
    git(cli.root, "commit", "-qam", "hand edit")
    res = cli("check")
    assert res.exit_code == 0 and "警告：工作人员“李绢”不在工作人员名单上" in res.stdout
    # the hint beside the warning, and in check's JSON with the code
    assert "警告：工作人员“李绢”不在工作人员名单上  提示：用 aftercare staff add 添加，或用 case set --worker 改正" in res.stdout
    warn = json.loads(cli("check", "--format", "json").stdout)["warnings"]
    assert [(w["path"], w["code"], w["hint"]) for w in warn] == [
        (f"{case_path(cid)}/case.yaml", "unknown-worker", "用 aftercare staff add 添加，或用 case set --worker 改正")]


# ---------------------------------------------------------------- dates and codes as people type them


def test_typed_dates_and_chinese_words_through_the_cli(cli):
    staff(cli, "李娟")
    name, idn = person(10)
    res = committed(cli, "case", "add", "--name", name, "--id-number", idn, "--measure", "社区康复", "--household", "外地",
                    "--risk", "高", "--notified-on", "2026年3月1日", "--reported-on", "2026/3/2", "--worker", "李娟")
    cid = res.stdout.strip().splitlines()[-1]
    committed(cli, "record", "test", cid, "--date", "2026-3-10", "--result", "阳性", "--method", "尿检")
    committed(cli, "record", "visit", cid, "--date", "昨天", "--kind", "家访")
    committed(cli, "record", "test", cid, "--date", "今天", "--result", "拒绝")
    committed(cli, "suspend", cid, "--date", "today", "--reason", "拘留")
    rep = show_json(cli, cid)
    assert (rep["measure"], rep["household"], rep["risk"], rep["decision"]["notified_on"], rep["period"]["start"]) == (
        "rehab", "nonlocal", "high", "2026-03-01", "2026-03-02")
    assert [(e["date"], e["type"]) for e in rep["timeline"]] == [
        ("2026-03-02", "report-in"), ("2026-03-10", "test"), ("2026-05-19", "visit"), ("2026-05-20", "test"),
        ("2026-05-20", "suspend")]
    recs = yaml.safe_load(next((case_dir(cli.root, cid) / "events").glob("*.yaml")).read_text())
    assert [(r["type"], r.get("result") or r.get("kind") or r.get("reason")) for r in recs] == [
        ("report-in", None), ("test", "positive"), ("visit", "home"), ("test", "refused"), ("suspend", "detention")]
    assert all(isinstance(r["date"], date) for r in recs)                    # stored as dates, ISO in the files
    rows = json.loads(cli.ok("due", "--on", "2026年3月11日", "--format", "json").stdout)
    assert {(r["kind"], r["deadline"]) for r in rows} >= {("violation-report", "2026-03-11")}
    assert [r["case"] for r in json.loads(cli.ok("case", "list", "--status", "中止", "--format", "json").stdout)] == [cid]


def test_typed_input_refusals(cli):
    cid = cli.add(11, notified_on="2026-03-01", reported_on="2026-03-02")
    msg = refused(cli, "record", "test", cid, "--date", "3/10", "--result", "阴性")
    assert "2026/11/5" in msg and "2026年11月5日" in msg and "今天" in msg
    assert "真实存在" in refused(cli, "record", "visit", cid, "--date", "2026年2月30日")
    assert "negative（阴性）" in refused(cli, "record", "test", cid, "--result", "不清楚")
    assert "home（家访）" in refused(cli, "record", "visit", cid, "--kind", "上门")
    res = cli("due", "--on", "明天")
    assert res.exit_code == 1 and "今天" in res.stderr


def test_check_reports_a_broken_correction_log(cli):
    cid = cli.add(12)
    path = case_dir(cli.root, cid) / "case.yaml"
    path.write_text(path.read_text() + "corrections: [{field: term_months, reason: 无日期}]\n")
    git(cli.root, "commit", "-qam", "hand edit")
    res = cli("check")
    lines = res.stdout.strip().splitlines()
    assert res.exit_code == 1 and len(lines) == 1 and lines[0].startswith(f"{case_path(cid)}/case.yaml:") and "corrections" in lines[0]
