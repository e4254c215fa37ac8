"""A person's whole path (PATHWAY.md): measures over time, follow-up, pick-up, lost contact, methadone,
the person file. Expected dates are computed by hand in the comments."""

from __future__ import annotations

import json

from conftest import committed, due_json, git, person, refused, show_json, case_dir


def kinds(items, *only):
    return [(i["kind"], i["status"], i["window_start"], i["deadline"]) for i in items if not only or i["kind"] in only]


def detox_case(cli, seed=1, reported="2026-01-05", notified="2026-01-02", today="2026-01-05"):
    return cli.add(seed, notified_on=notified, reported_on=reported, today=today)


# ---------------------------------------------------------------- §1 measures over time: the golden path


def test_whole_path_detox_relapse_isolation_rehab_followup_clean(cli):
    cid = detox_case(cli)
    # relapse: a positive test on 03-10 -> violation report within 24 hours (03-11)
    committed(cli, "record", "test", cid, "--date", "2026-03-10", "--result", "positive", today="2026-03-10")
    assert ("violation-report", "due", "2026-03-10", "2026-03-11") in kinds(due_json(cli, cid, "2026-03-10"))
    committed(cli, "record", "violation-report", cid, "--date", "2026-03-11", today="2026-03-11")
    # the detox measure is open: the next one cannot start yet
    assert "仍在执行" in refused(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-03-12",
                                today="2026-03-12")
    committed(cli, "terminate", cid, "--date", "2026-03-20", "--reason", "isolation", today="2026-03-20")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--facility", "某强制隔离戒毒所",
              "--entered-on", "2026-03-25", "--expected-release", "2028-03-24", today="2026-03-25")
    r = show_json(cli, cid, "2026-04-01")
    assert r["state"] == "isolation"
    assert [(m["kind"], m["start"], m["end"], m["outcome"]) for m in r["measures"]] == [
        ("detox", "2026-01-05", "2026-03-20", "terminated"), ("isolation", "2026-03-25", None, None)]
    # nothing of the community measure is due while the person is in the facility
    assert due_json(cli, cid, "2026-04-01") == []
    refused(cli, "record", "test", cid, "--date", "2026-04-01", "--result", "negative", today="2026-04-01")
    # pick-up: window opens 7 days before the expected release (2028-03-17), deadline the release day
    assert kinds(due_json(cli, cid, "2028-03-10")) == [("pickup", "upcoming", "2028-03-17", "2028-03-24")]
    assert kinds(due_json(cli, cid, "2028-03-17")) == [("pickup", "due", "2028-03-17", "2028-03-24")]
    assert kinds(due_json(cli, cid, "2028-03-25")) == [("pickup", "overdue", "2028-03-17", "2028-03-24")]
    committed(cli, "record", "pickup", cid, "--date", "2028-03-24", "--by", "李娟", today="2028-03-25")
    assert due_json(cli, cid, "2028-03-25") == []
    # hand-over to 社区康复 for 24 months: period 2028-03-26 .. 2030-03-25; tests every 2 months
    committed(cli, "case", "start", cid, "--measure", "rehab", "--term-months", "24", "--notified-on", "2028-03-24",
              "--reported-on", "2028-03-26", today="2028-03-26")
    r = show_json(cli, cid, "2028-03-26")
    assert r["state"] == "rehab" and r["measure"] == "rehab"
    assert r["period"]["start"] == "2028-03-26" and r["period"]["last_day"] == "2030-03-25"
    tests = kinds(due_json(cli, cid, "2028-03-26"), "test")
    assert tests == [("test", "due", "2028-03-26", "2028-05-25")]
    # release after the last day starts follow-up on the release date (3 years: last day 2033-03-25);
    # the isolation ended on the day the rehab decision was served (2028-03-24)
    refused(cli, "release", cid, "--date", "2030-03-25", today="2030-03-26")
    committed(cli, "release", cid, "--date", "2030-03-26", today="2030-03-26")
    r = show_json(cli, cid, "2030-03-26")
    assert r["state"] == "followup"
    assert [(m["kind"], m["start"], m["end"], m["outcome"]) for m in r["measures"]] == [
        ("detox", "2026-01-05", "2026-03-20", "terminated"), ("isolation", "2026-03-25", "2028-03-24", "ended"),
        ("rehab", "2028-03-26", "2030-03-26", "released"), ("followup", "2030-03-26", None, None)]
    assert r["measures"][-1]["last_day"] == "2033-03-25"
    # windows every 3 months in year 1: 03-26..06-25, 06-26..09-25, 09-26..12-25
    assert kinds(due_json(cli, cid, "2030-03-26"), "followup") == [("followup", "due", "2030-03-26", "2030-06-25")]
    committed(cli, "record", "followup", cid, "--date", "2030-05-01", "--outcome", "abstinent", "--method", "visit",
              today="2030-05-01")
    assert kinds(due_json(cli, cid, "2030-09-30"), "followup") == [
        ("followup", "overdue", "2030-06-26", "2030-09-25"), ("followup", "due", "2030-09-26", "2030-12-25")]
    # then every 6 months: the last window 2032-09-26 .. 2033-03-25
    assert kinds(due_json(cli, cid, "2033-03-01"), "followup")[-1] == ("followup", "due", "2032-09-26", "2033-03-25")
    # three years clean on the last day: nothing more is due
    r = show_json(cli, cid, "2033-03-25")
    assert r["state"] == "clean" and r["measures"][-1]["outcome"] == "clean" and r["measures"][-1]["end"] == "2033-03-25"
    assert due_json(cli, cid, "2033-03-25") == []
    rows = json.loads(cli.ok("case", "list", "--status", "clean", "--format", "json", today="2033-03-25").stdout)
    assert [(x["case"], x["state"], x["measure"]) for x in rows] == [(cid, "clean", "followup")]
    refused(cli, "record", "followup", cid, "--date", "2033-03-26", "--outcome", "abstinent", today="2033-03-26")


def test_relapse_during_followup_ends_it_and_a_new_measure_can_start(cli):
    name, idn = person(3)
    cid = cli.ok("case", "add", "--name", name, "--id-number", idn, "--measure", "followup",
                 "--released-on", "2026-02-01", "--released-from", "某强制隔离戒毒所",
                 today="2026-02-01").stdout.strip().splitlines()[-1]
    # first window 02-01 .. 04-30
    assert kinds(due_json(cli, cid, "2026-02-01")) == [("followup", "due", "2026-02-01", "2026-04-30")]
    # the ID number is taken: registering again is refused and points at case start
    assert "case start" in refused(cli, "case", "add", "--name", name, "--id-number", idn, "--measure", "detox",
                                   today="2026-03-01")
    committed(cli, "record", "followup", cid, "--date", "2026-03-01", "--outcome", "relapsed", today="2026-03-01")
    r = show_json(cli, cid, "2026-03-01")
    assert r["state"] == "closed" and r["measures"][-1]["outcome"] == "relapsed" and r["measures"][-1]["end"] == "2026-03-01"
    assert due_json(cli, cid, "2026-03-01") == []
    refused(cli, "record", "followup", cid, "--date", "2026-03-02", "--outcome", "abstinent", today="2026-03-02")
    committed(cli, "case", "start", cid, "--measure", "detox", "--notified-on", "2026-03-05", today="2026-03-05")
    r = show_json(cli, cid, "2026-03-05")
    assert r["state"] == "awaiting" and [m["kind"] for m in r["measures"]] == ["followup", "detox"]
    # report-in within 15 days of the decision being served: 03-20
    assert kinds(due_json(cli, cid, "2026-03-05")) == [("report-in", "due", "2026-03-05", "2026-03-20")]
    committed(cli, "record", "report-in", cid, "--date", "2026-03-06", today="2026-03-06")
    assert show_json(cli, cid, "2026-03-06")["period"]["last_day"] == "2029-03-05"


def test_starting_a_measure_during_followup_ends_it_as_relapsed(cli):
    cid = detox_case(cli, reported="2023-01-05", notified="2023-01-02", today="2023-01-05")
    committed(cli, "release", cid, "--date", "2026-01-05", today="2026-01-05")
    assert show_json(cli, cid, "2026-01-06")["state"] == "followup"
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-01", today="2026-02-01")
    r = show_json(cli, cid, "2026-02-01")
    assert [(m["kind"], m["end"], m["outcome"]) for m in r["measures"]][-2:] == [
        ("followup", "2026-02-01", "relapsed"), ("isolation", None, None)]
    # no expected release: no pick-up item yet; moving it sets one (window from 7 days before)
    assert due_json(cli, cid, "2026-02-01") == []
    committed(cli, "case", "set", cid, "--expected-release", "2027-08-01", today="2026-03-01")
    assert kinds(due_json(cli, cid, "2027-07-25")) == [("pickup", "due", "2027-07-25", "2027-08-01")]


def test_case_start_refusals(cli):
    cid = detox_case(cli)
    assert "仍在执行" in refused(cli, "case", "start", cid, "--measure", "rehab", today="2026-02-01")
    committed(cli, "terminate", cid, "--date", "2026-02-01", "--reason", "isolation", today="2026-02-01")
    refused(cli, "case", "start", cid, "--measure", "isolation", today="2026-02-02")                      # no --entered-on
    refused(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02",
            "--term-months", "24", today="2026-02-02")                                                    # a rehab flag
    refused(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-01-20", today="2026-02-02")  # before the end
    refused(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02",
            "--expected-release", "2026-02-01", today="2026-02-02")                                       # release before entry
    refused(cli, "case", "start", cid, "--measure", "jail", today="2026-02-02")
    refused(cli, "case", "start", cid, "--measure", "followup", today="2026-02-02")                       # no --released-on
    refused(cli, "case", "start", "2099-9999", "--measure", "detox", today="2026-02-02")                  # unknown case
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02", today="2026-02-02")
    assert "已在" in refused(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-03",
                            today="2026-02-03")
    refused(cli, "case", "start", cid, "--measure", "detox", today="2026-02-03")     # isolation is followed by rehab/followup


def test_prior_isolations_and_history(cli):
    cid = detox_case(cli)
    committed(cli, "case", "history", "add", cid, "--measure", "isolation", "--from", "2019-03-01", "--to", "2021-02-28")
    committed(cli, "case", "history", "add", cid, "--measure", "isolation", "--from", "2022-05-01", "--to", "2024-04-30")
    r = show_json(cli, cid)
    assert r["prior_isolations"] == 2
    assert [(h["from"], h["to"]) for h in r["history"]] == [("2019-03-01", "2021-02-28"), ("2022-05-01", "2024-04-30")]
    assert "重叠" in refused(cli, "case", "history", "add", cid, "--measure", "isolation", "--from", "2020-01-01",
                             "--to", "2020-02-01")
    refused(cli, "case", "history", "add", cid, "--measure", "isolation", "--from", "2018-02-01", "--to", "2018-01-01")
    refused(cli, "case", "history", "add", cid, "--measure", "detox", "--from", "2017-01-01", "--to", "2017-02-01")
    refused(cli, "case", "set", cid, "--prior-isolations", "1")            # fewer than the two recorded
    committed(cli, "case", "set", cid, "--prior-isolations", "3")
    assert show_json(cli, cid)["prior_isolations"] == 3
    assert "既往强制隔离戒毒 3 次" in cli.ok("show", cid).stdout


def test_corrections_of_a_measure_on_the_path(cli):
    """case set corrects the clock facts of the current (last) measure, or of `--measure-no N`; a corrected
    measure stays between its neighbours; the correction log names the measure."""
    import yaml

    cid = detox_case(cli)                                                     # reported 2026-01-05
    committed(cli, "record", "test", cid, "--date", "2026-02-02", "--result", "negative", today="2026-02-02")
    committed(cli, "terminate", cid, "--date", "2026-03-20", "--reason", "isolation", today="2026-03-20")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-03-25",
              "--expected-release", "2028-03-24", today="2026-03-25")
    t = "2026-04-01"
    # the current measure is the isolation: it has no report-in to correct; the detox is measure 1
    msg = refused(cli, "case", "set", cid, "--reported-on", "2026-01-06", "--reason", "录错", today=t)
    assert "强制隔离戒毒" in msg and "--measure-no" in msg and "第 1 项" in msg
    refused(cli, "case", "set", cid, "--measure-no", "2", "--reported-on", "2026-01-06", "--reason", "录错", today=t)
    assert "共 2 项" in refused(cli, "case", "set", cid, "--measure-no", "3", "--reported-on", "2026-01-06",
                               "--reason", "录错", today=t)
    refused(cli, "case", "set", cid, "--measure-no", "1", "--phone", "13800000009", today=t)     # not a measure's fact
    # measure 1 ended on 03-20 and the isolation began on 03-25
    assert "重叠" in refused(cli, "case", "set", cid, "--measure-no", "1", "--reported-on", "2026-03-28",
                             "--reason", "录错", today=t)
    assert "2026-03-20" in refused(cli, "case", "set", cid, "--measure-no", "1", "--reported-on", "2026-03-22",
                                   "--reason", "录错", today=t)
    assert "更早的记录" in refused(cli, "case", "set", cid, "--measure-no", "1", "--reported-on", "2026-02-03",
                                 "--reason", "录错", today=t)                              # its test of 02-02
    assert "--reason" in refused(cli, "case", "set", cid, "--measure-no", "1", "--reported-on", "2026-01-06", today=t)
    res = committed(cli, "case", "set", cid, "--measure-no", "1", "--reported-on", "2026-01-06",
                    "--reason", "报到日期录错", today=t)
    assert "第 1 项措施（社区戒毒）" in res.stdout
    r = show_json(cli, cid, t)
    # 36 months from 2026-01-06: last day 2029-01-05
    assert (r["measures"][0]["start"], r["measures"][0]["last_day"], r["measures"][0]["end"]) == \
        ("2026-01-06", "2029-01-05", "2026-03-20")
    c = r["corrections"][-1]
    assert (c["field"], c["from"], c["to"], c["measure"], c["reason"]) == \
        ("reported_on", "2026-01-05", "2026-01-06", 1, "报到日期录错")
    assert [v["type"] for v in r["voided"]] == ["report-in"]
    assert "第1项措施报到日期" in cli.ok("show", cid, today=t).stdout

    # out of the facility into 社区康复 (24 months), reported 03-26
    committed(cli, "record", "pickup", cid, "--date", "2028-03-24", today="2028-03-24")
    committed(cli, "case", "start", cid, "--measure", "rehab", "--term-months", "24", "--notified-on", "2028-03-24",
              "--reported-on", "2028-03-26", today="2028-03-26")
    committed(cli, "record", "test", cid, "--date", "2028-04-10", "--result", "negative", today="2028-04-10")
    t = "2028-04-12"
    refused(cli, "case", "set", cid, "--measure", "detox", "--reason", "录错", today=t)   # after isolation: rehab
    # served before the isolation began (2026-03-25): the rehab would overlap it
    assert "重叠" in refused(cli, "case", "set", cid, "--notified-on", "2026-03-24", "--reason", "录错", today=t)
    refused(cli, "case", "set", cid, "--reported-on", "2028-04-11", "--reason", "录错", today=t)   # its test of 04-10
    # the current measure by default: the detox's records of 2026 do not stand in the way
    committed(cli, "case", "set", cid, "--reported-on", "2028-03-27", "--reason", "报到日期录错", today=t)
    r = show_json(cli, cid, t)
    # 24 months from 2028-03-27: last day 2030-03-26
    assert r["period"]["start"] == "2028-03-27" and r["period"]["last_day"] == "2030-03-26"
    assert r["measures"][0]["start"] == "2026-01-06"                         # measure 1 untouched
    # served a day earlier: the rehab now opens on 2028-03-23, which ends the isolation that day
    committed(cli, "case", "set", cid, "--notified-on", "2028-03-23", "--reason", "送达日期录错", today=t)
    doc = yaml.safe_load((case_dir(cli.root, cid) / "case.yaml").read_text(encoding="utf-8"))
    assert str(doc["later_measures"][1]["opened_on"]) == "2028-03-23"
    assert str(doc["later_measures"][1]["decision"]["notified_on"]) == "2028-03-23"
    assert str(doc["decision"]["notified_on"]) == "2026-01-02"               # the first measure's own
    r = show_json(cli, cid, t)
    assert [(m["kind"], m["start"], m["end"]) for m in r["measures"]] == [
        ("detox", "2026-01-06", "2026-03-20"), ("isolation", "2026-03-25", "2028-03-23"), ("rehab", "2028-03-27", None)]
    assert [(c["field"], c.get("measure")) for c in r["corrections"]] == [
        ("reported_on", 1), ("reported_on", 3), ("notified_on", 3)]
    # a person whose only measure is follow-up has no clock facts to correct
    name, idn = person(5)
    fu = cli.ok("case", "add", "--name", name, "--id-number", idn, "--measure", "followup",
                "--released-on", "2028-01-02", today=t).stdout.strip().splitlines()[-1]
    assert "后续照管" in refused(cli, "case", "set", fu, "--reported-on", "2028-01-03", "--reason", "录错", today=t)
    cli.ok("check", today=t)


def test_death_or_moving_away_ends_follow_up(cli):
    """PATHWAY §1: follow-up ends by 3 years clean, relapse, death or moving away; nothing is due afterwards."""
    cid = detox_case(cli, reported="2023-01-05", notified="2023-01-02", today="2023-01-05")
    committed(cli, "release", cid, "--date", "2026-01-05", today="2026-01-05")
    # follow-up from Monday 2026-01-05: windows 01-05..04-04, 04-05..07-04, ...
    assert kinds(due_json(cli, cid, "2026-01-05"), "followup") == [("followup", "due", "2026-01-05", "2026-04-04")]
    msg = refused(cli, "terminate", cid, "--date", "2026-02-01", "--reason", "imprisonment", today="2026-02-01")
    assert "deceased" in msg and "moved-away" in msg
    refused(cli, "terminate", cid, "--date", "2026-01-04", "--reason", "deceased", today="2026-02-01")   # before it began
    committed(cli, "record", "followup", cid, "--date", "2026-02-01", "--outcome", "abstinent", today="2026-02-01")
    refused(cli, "terminate", cid, "--date", "2026-01-20", "--reason", "deceased", today="2026-02-01")   # before a record
    committed(cli, "terminate", cid, "--date", "2026-03-01", "--reason", "deceased", today="2026-03-02")
    r = show_json(cli, cid, "2026-03-02")
    assert r["state"] == "closed" and r["measures"][-1]["kind"] == "followup"
    assert (r["measures"][-1]["end"], r["measures"][-1]["outcome"], r["measures"][-1]["outcome_label"]) == \
        ("2026-03-01", "deceased", "死亡")
    assert "至 2026-03-01（死亡）" in cli.ok("show", cid, today="2026-03-02").stdout
    # without the death the second window (04-05..07-04) would be overdue on 08-01
    assert due_json(cli, cid, "2026-03-02") == [] and due_json(cli, cid, "2026-08-01") == []
    rows = json.loads(cli.ok("case", "list", "--status", "closed", "--format", "json", today="2026-03-02").stdout)
    assert [x["case"] for x in rows] == [cid]
    refused(cli, "record", "followup", cid, "--date", "2026-03-02", "--outcome", "abstinent", today="2026-03-02")
    assert "死亡" in refused(cli, "terminate", cid, "--date", "2026-03-02", "--reason", "deceased", today="2026-03-02")
    assert "死亡" in refused(cli, "case", "start", cid, "--measure", "detox", "--notified-on", "2026-03-02",
                            today="2026-03-02")
    # the statistics of 2026: on the register as closed; in the follow-up cohort by the latest record (abstinent);
    # the first window's deadline (04-04) falls after the follow-up ended (03-01): no window of 2026 was due
    res = cli.ok("stats", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json", today="2027-01-04")
    ind = {k: v["value"] for k, v in json.loads(res.stdout)["indicators"].items()}
    assert (ind["registered.closed"], ind["registered.followup"], ind["terminations"]) == (1, 0, 1)
    assert (ind["followup.cohort"], ind["followup.latest.abstinent"], ind["duty.followup.due"]) == (1, 1, 0)


def test_moving_away_ends_follow_up_and_a_return_can_start_a_new_measure(cli):
    name, idn = person(4)
    cid = cli.ok("case", "add", "--name", name, "--id-number", idn, "--measure", "followup",
                 "--released-on", "2026-01-05", today="2026-01-05").stdout.strip().splitlines()[-1]
    res = committed(cli, "terminate", cid, "--date", "2026-05-04", "--reason", "moved-away", "--note", "随子女迁居外省",
                    today="2026-05-04")
    assert "迁出本地" in res.stdout
    r = show_json(cli, cid, "2026-05-04")
    assert r["state"] == "closed" and [(m["end"], m["outcome"]) for m in r["measures"]] == [("2026-05-04", "moved-away")]
    assert due_json(cli, cid, "2026-09-01") == []
    # back and relapsed: a new 社区戒毒 decision (served 2027-01-04) starts measure 2
    committed(cli, "case", "start", cid, "--measure", "detox", "--notified-on", "2027-01-04", today="2027-01-04")
    r = show_json(cli, cid, "2027-01-04")
    assert r["state"] == "awaiting" and [(m["kind"], m["end"], m["outcome"]) for m in r["measures"]] == [
        ("followup", "2026-05-04", "moved-away"), ("detox", None, None)]


def test_death_in_a_facility_ends_the_isolation(cli):
    cid = detox_case(cli)
    committed(cli, "terminate", cid, "--date", "2026-02-02", "--reason", "isolation", today="2026-02-02")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02",
              "--expected-release", "2028-02-01", today="2026-02-02")
    assert "deceased" in refused(cli, "terminate", cid, "--date", "2026-06-01", "--reason", "moved-away", today="2026-06-01")
    committed(cli, "terminate", cid, "--date", "2026-06-01", "--reason", "deceased", today="2026-06-01")
    r = show_json(cli, cid, "2026-06-01")
    assert r["state"] == "closed" and [(m["kind"], m["end"], m["outcome"]) for m in r["measures"]] == [
        ("detox", "2026-02-02", "terminated"), ("isolation", "2026-06-01", "deceased")]
    assert due_json(cli, cid, "2028-01-28") == []           # no pick-up (window would open 2028-01-25)
    refused(cli, "record", "pickup", cid, "--date", "2026-06-02", today="2026-06-02")


def test_leaving_isolation_into_follow_up_and_silence_under_follow_up(cli):
    cid = detox_case(cli)
    committed(cli, "terminate", cid, "--date", "2026-02-02", "--reason", "isolation", today="2026-02-02")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02",
              "--expected-release", "2027-02-01", today="2026-02-02")
    refused(cli, "case", "start", cid, "--measure", "followup", "--released-on", "2026-02-01", today="2027-02-02")  # before entry
    committed(cli, "case", "start", cid, "--measure", "followup", "--released-on", "2027-02-01",
              "--released-from", "某强制隔离戒毒所", today="2027-02-02")
    r = show_json(cli, cid, "2027-02-02")
    # 3 years from 2027-02-01: last day 2030-01-31
    assert r["state"] == "followup" and [(m["kind"], m["start"], m["end"], m["outcome"], m["last_day"]) for m in r["measures"]][1:] == [
        ("isolation", "2026-02-02", "2027-02-01", "ended", "2027-02-01"), ("followup", "2027-02-01", None, None, "2030-01-31")]
    assert r["measures"][2]["released_from"] == "某强制隔离戒毒所"
    # first window 02-01 .. 04-30; no news of the person for 200 days from the start: check by 2027-08-20; the
    # pick-up at the gate (window from 7 days before the expected release 02-01: 01-25) was not recorded: it
    # stays overdue after the hand-over (PATHWAY §3) until recorded or explained
    items = due_json(cli, cid, "2027-02-02")
    assert kinds(items) == [("pickup", "overdue", "2027-01-25", "2027-02-01"), ("followup", "due", "2027-02-01", "2027-04-30")]
    committed(cli, "record", "followup", cid, "--date", "2027-03-15", "--outcome", "abstinent", today="2027-03-15")
    # a refused 回访 is no news of the person: the check stays 200 days after 03-15, on 2027-10-01
    committed(cli, "record", "followup", cid, "--date", "2027-06-01", "--outcome", "refused", today="2027-06-01")
    assert kinds(due_json(cli, cid, "2027-10-01"), "contact-check") == [("contact-check", "due", "2027-10-01", "2027-10-01")]
    assert kinds(due_json(cli, cid, "2027-09-24"), "contact-check") == [("contact-check", "upcoming", "2027-10-01", "2027-10-01")]
    assert kinds(due_json(cli, cid, "2027-09-23"), "contact-check") == []          # 8 days ahead: not yet announced


def test_case_list_knows_every_state_of_the_path(cli):
    """PATHWAY §1: awaiting, detox, rehab, isolation, followup, suspended, lost, clean, closed (on 2026-05-20)."""
    t = "2026-05-20"
    ids = {"awaiting": cli.add(1, notified_on="2026-05-18", today="2026-05-18"),
           "detox": cli.add(2, notified_on="2026-01-02", reported_on="2026-01-05", today="2026-01-05"),
           "rehab": cli.add(3, measure="rehab", term_months=24, reported_on="2026-02-02", today="2026-02-02")}
    iso = ids["isolation"] = cli.add(4, reported_on="2026-01-05", today="2026-01-05")
    committed(cli, "terminate", iso, "--date", "2026-03-02", "--reason", "isolation", today="2026-03-02")
    committed(cli, "case", "start", iso, "--measure", "isolation", "--entered-on", "2026-03-02", today="2026-03-02")
    ids["followup"] = cli.add(5, measure="followup", released_on="2026-04-01", today="2026-04-01")
    sus = ids["suspended"] = cli.add(6, reported_on="2026-01-05", today="2026-01-05")
    committed(cli, "suspend", sus, "--date", "2026-04-01", "--reason", "detention", today="2026-04-01")
    lost = ids["lost"] = cli.add(7, reported_on="2026-01-05", today="2026-01-05")
    committed(cli, "record", "lost", lost, "--date", "2026-05-04", today="2026-05-04")
    # follow-up from 2023-05-20 for 3 years: its last day 2026-05-19, clean from then
    ids["clean"] = cli.add(8, measure="followup", released_on="2023-05-20", today="2023-05-20")
    dead = ids["closed"] = cli.add(9, measure="followup", released_on="2026-01-05", today="2026-01-05")
    committed(cli, "terminate", dead, "--date", "2026-05-11", "--reason", "deceased", today="2026-05-11")
    for state, cid in ids.items():
        rows = json.loads(cli.ok("case", "list", "--status", state, "--format", "json", today=t).stdout)
        assert [(x["case"], x["state"]) for x in rows] == [(cid, state)], state
    # the measure states stay available: active = detox, rehab and the lost detox person
    rows = json.loads(cli.ok("case", "list", "--status", "active", "--format", "json", today=t).stdout)
    assert sorted(x["case"] for x in rows) == sorted([ids["detox"], ids["rehab"], lost])


def test_lost_as_the_third_absence_or_past_the_total_days(cli):
    """PATHWAY §4 with RULES.md §3: the declaration counts as one absence."""
    cid = detox_case(cli)
    committed(cli, "record", "violation", cid, "--kind", "absence", "--days", "3", "--date", "2026-02-02", today="2026-02-02")
    committed(cli, "record", "violation", cid, "--kind", "absence", "--days", "2", "--date", "2026-03-02", today="2026-03-02")
    # lost on Monday 06-01 is the 3rd absence: a serious breach at once, reported within 24 hours (06-02)
    committed(cli, "record", "lost", cid, "--date", "2026-06-01", today="2026-06-01")
    items = [i for i in due_json(cli, cid, "2026-06-01") if i["kind"] == "violation-report"]
    assert [(i["window_start"], i["deadline"]) for i in items] == [("2026-06-01", "2026-06-02")] and "第3次" in items[0]["basis"]
    # another person: 5 days away before, then lost on 06-01 (the 2nd absence): the total passes 30 days on the
    # 26th lost day (5 + 26 = 31), 06-01 + 25 = 06-26, reported by 06-27
    other = cli.add(2, notified_on="2026-01-02", reported_on="2026-01-05", today="2026-01-05")
    committed(cli, "record", "violation", other, "--kind", "absence", "--days", "5", "--date", "2026-02-02", today="2026-02-02")
    committed(cli, "record", "lost", other, "--date", "2026-06-01", today="2026-06-01")
    assert kinds(due_json(cli, other, "2026-06-25"), "violation-report") == []
    assert kinds(due_json(cli, other, "2026-06-26"), "violation-report") == [("violation-report", "due", "2026-06-26", "2026-06-27")]
    assert show_json(cli, other, "2026-06-26")["violations"]["absence_days"] == 31


def test_an_office_overrides_the_numbers_of_the_path(cli):
    """The path's numbers are rules (PATHWAY §2 'office-overridable'): follow-up visits every 2 months in year 1,
    the pick-up window 10 days, 2 years to clean, 60 days of silence under follow-up."""
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("rules: []", """rules:
  - effective: 2026-01-01
    followup: {years: 2, schedule: [{months: 12, every: 2}, {months: 12, every: 6}]}
    pickup: {opens_days_before: 10}
    lost: {silence_days: {detox: 45, rehab: 45, followup: 60}}"""), encoding="utf-8")
    git(cli.root, "commit", "-qam", "office rules")
    cli.ok("check")
    name, idn = person(6)
    cid = cli.ok("case", "add", "--name", name, "--id-number", idn, "--measure", "followup", "--released-on", "2026-02-02",
                 today="2026-02-02").stdout.strip().splitlines()[-1]
    # windows of 2 months: 02-02..04-01, 04-02..06-01; silence of 60 days from 02-02: 04-03
    assert kinds(due_json(cli, cid, "2026-04-02")) == [("followup", "overdue", "2026-02-02", "2026-04-01"),
                                                      ("followup", "due", "2026-04-02", "2026-06-01"),
                                                      ("contact-check", "upcoming", "2026-04-03", "2026-04-03")]
    # 2 years: the last day 2028-02-01, clean from then
    r = show_json(cli, cid, "2028-02-01")
    assert r["measures"][0]["last_day"] == "2028-02-01" and r["state"] == "clean"
    iso = cli.add(7, reported_on="2026-01-05", today="2026-01-05")
    committed(cli, "terminate", iso, "--date", "2026-02-02", "--reason", "isolation", today="2026-02-02")
    committed(cli, "case", "start", iso, "--measure", "isolation", "--entered-on", "2026-02-02",
              "--expected-release", "2027-02-01", today="2026-02-02")
    # the pick-up window opens 10 days before 2027-02-01: 2027-01-22
    assert kinds(due_json(cli, iso, "2027-01-22")) == [("pickup", "due", "2027-01-22", "2027-02-01")]


# ---------------------------------------------------------------- §2 follow-up records


def test_followup_record_refused_outside_followup_and_with_bad_codes(cli):
    cid = detox_case(cli)
    assert "不在后续照管" in refused(cli, "record", "followup", cid, "--date", "2026-02-01", "--outcome", "abstinent",
                                   today="2026-02-01")
    committed(cli, "release", cid, "--date", "2026-03-01", "--early-reason", "公安机关提前解除", today="2026-03-01")
    refused(cli, "record", "followup", cid, "--date", "2026-03-02", "--outcome", "fine", today="2026-03-02")
    refused(cli, "record", "followup", cid, "--date", "2026-03-02", "--outcome", "abstinent", "--method", "letter",
            today="2026-03-02")
    refused(cli, "record", "followup", cid, "--date", "2026-02-28", "--outcome", "abstinent", today="2026-03-02")
    refused(cli, "record", "followup", cid, "--date", "2026-03-03", "--outcome", "abstinent", today="2026-03-02")  # future
    # a follow-up record outside every window satisfies none; any outcome satisfies its window
    committed(cli, "record", "followup", cid, "--date", "2026-03-02", "--outcome", "refused", today="2026-03-02")
    assert due_json(cli, cid, "2026-03-02") == []           # window 03-01..05-31 satisfied


# ---------------------------------------------------------------- §3 pick-up


def test_pickup_refusals(cli):
    cid = detox_case(cli)
    assert "不在强制隔离戒毒" in refused(cli, "record", "pickup", cid, "--date", "2026-02-01", today="2026-02-01")
    committed(cli, "terminate", cid, "--date", "2026-02-01", "--reason", "isolation", today="2026-02-01")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-05",
              "--expected-release", "2027-02-04", today="2026-02-05")
    refused(cli, "record", "pickup", cid, "--date", "2026-02-04", today="2026-02-05")        # before entry
    committed(cli, "record", "pickup", cid, "--date", "2027-02-04", today="2027-02-04")
    assert "已于" in refused(cli, "record", "pickup", cid, "--date", "2027-02-04", today="2027-02-04")
    refused(cli, "case", "set", cid, "--expected-release", "2026-02-01", today="2027-02-04")  # before entry


def test_a_missed_pickup_stays_overdue_after_leaving_the_facility(cli):
    """Leaving isolation by `case start` without `record pickup`: the pick-up stays overdue in `due` (PATHWAY §3)
    as the statistics count it open, until a pick-up is recorded (dated while the person could still be met at
    the gate) or the gap is explained (`explain`, SPEC); agenda and statistics agree at every step."""
    def isolated(seed):
        cid = detox_case(cli, seed=seed)
        committed(cli, "terminate", cid, "--date", "2026-02-02", "--reason", "isolation", today="2026-02-02")
        committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02",
                  "--expected-release", "2027-02-01", today="2026-02-02")
        return cid

    def pickups(day):
        return [(i["case"], i["status"], i["window_start"], i["deadline"])
                for i in json.loads(cli.ok("due", "--format", "json", "--on", day, today=day).stdout) if i["kind"] == "pickup"]

    def counted(day):
        res = cli.ok("stats", "--from", "2027-01-01", "--to", day, "--format", "json", today=day)
        v = {code: o["value"] for code, o in json.loads(res.stdout)["indicators"].items()}
        return tuple(v[f"escalation.pickup.{k}"] for k in ("due", "on_time", "explained", "open"))

    p1, p2 = isolated(1), isolated(2)
    # expected release Monday 2027-02-01: window from 7 days before (01-25), deadline the release day
    assert "尚未到期" in refused(cli, "explain", p2, "pickup", "2027-02-01", "--reason", "家属自行接回", today="2027-01-30")
    # P1 into 社区康复: decided 01-28 (the measure opens that day, ending the isolation), served 02-01, reported 02-03
    committed(cli, "case", "start", p1, "--measure", "rehab", "--term-months", "24", "--decided-on", "2027-01-28",
              "--notified-on", "2027-02-01", "--reported-on", "2027-02-03", today="2027-02-03")
    # P2 into follow-up care, released on 02-01
    committed(cli, "case", "start", p2, "--measure", "followup", "--released-on", "2027-02-01", today="2027-02-03")
    t = "2027-02-03"
    assert pickups(t) == [(p1, "overdue", "2027-01-25", "2027-02-01"), (p2, "overdue", "2027-01-25", "2027-02-01")]
    assert counted(t) == (2, 0, 0, 2)                 # due 2, on time 0, explained 0, open 2: as the agenda says
    # P1 was met at the gate on the release day, recorded late: a pick-up may be dated up to the later of the
    # isolation's end (01-28) and its expected release (02-01), not after
    assert "不在强制隔离戒毒" in refused(cli, "record", "pickup", p1, "--date", "2027-02-02", today="2027-02-04")
    committed(cli, "record", "pickup", p1, "--date", "2027-02-01", "--by", "李娟", today="2027-02-04")
    assert "已于 2027-02-01" in refused(cli, "record", "pickup", p1, "--date", "2027-01-31", today="2027-02-04")
    # P2 was not picked up: the gap is explained, and stays visible as such in the statistics
    assert "没有期限为 2027-02-02" in refused(cli, "explain", p2, "pickup", "2027-02-02", "--reason", "家属自行接回",
                                          today="2027-02-04")
    committed(cli, "explain", p2, "pickup", "2027-02-01", "--reason", "家属自行接回，未通知办公室", today="2027-02-04")
    t = "2027-02-04"
    assert pickups(t) == []
    assert counted(t) == (2, 1, 1, 0)


# ---------------------------------------------------------------- §4 lost contact


def test_contact_check_after_silence_and_lost_report(cli):
    cid = detox_case(cli)
    committed(cli, "record", "test", cid, "--date", "2026-03-02", "--result", "negative", today="2026-03-02")
    # no news for 45 days after the last sign of the person (03-02): check by 04-16
    assert kinds(due_json(cli, cid, "2026-04-16"), "contact-check") == [("contact-check", "due", "2026-04-16", "2026-04-16")]
    assert kinds(due_json(cli, cid, "2026-04-17"), "contact-check") == [("contact-check", "overdue", "2026-04-16", "2026-04-16")]
    # an unreachable contact does not close it; a reached one does (next check 04-20 + 45 = 06-04)
    committed(cli, "record", "contact", cid, "--date", "2026-04-18", "--result", "unreachable", "--via", "phone",
              today="2026-04-18")
    assert kinds(due_json(cli, cid, "2026-04-18"), "contact-check") == [("contact-check", "overdue", "2026-04-16", "2026-04-16")]
    committed(cli, "record", "contact", cid, "--date", "2026-04-20", "--result", "reached", "--via", "home",
              today="2026-04-20")
    assert kinds(due_json(cli, cid, "2026-06-04"), "contact-check") == [("contact-check", "due", "2026-06-04", "2026-06-04")]
    # lost on Monday 06-01: report to the police within 3 working days (06-04)
    committed(cli, "record", "lost", cid, "--date", "2026-06-01", today="2026-06-01")
    r = show_json(cli, cid, "2026-06-03")
    assert r["state"] == "lost" and r["lost"]["since"] == "2026-06-01" and r["lost"]["days"] == 3
    items = due_json(cli, cid, "2026-06-03")
    assert kinds(items, "lost-report") == [("lost-report", "due", "2026-06-01", "2026-06-04")]
    assert kinds(items, "contact-check") == []                  # lost: the report replaces the check
    rows = json.loads(cli.ok("case", "list", "--status", "lost", "--format", "json", today="2026-06-03").stdout)
    assert [x["case"] for x in rows] == [cid]
    assert "已于" in refused(cli, "record", "lost", cid, "--date", "2026-06-03", today="2026-06-03")
    committed(cli, "record", "contact", cid, "--date", "2026-06-03", "--result", "unreachable", "--via", "police",
              today="2026-06-03")
    assert kinds(due_json(cli, cid, "2026-06-05"), "lost-report") == []
    refused(cli, "record", "found", cid, "--date", "2026-05-30", today="2026-06-05")          # before the lost date
    committed(cli, "record", "found", cid, "--date", "2026-06-05", "--how", "家属劝返", today="2026-06-05")
    r = show_json(cli, cid, "2026-06-05")
    assert r["state"] == "detox" and r["lost"]["periods"] == [{"from": "2026-06-01", "to": "2026-06-05", "days": 4}]


def test_found_refused_for_a_person_not_lost(cli):
    cid = detox_case(cli)
    assert "未处于失联" in refused(cli, "record", "found", cid, "--date", "2026-02-01", today="2026-02-01")
    refused(cli, "record", "contact", cid, "--date", "2026-02-01", "--result", "maybe", today="2026-02-01")
    refused(cli, "record", "contact", cid, "--date", "2026-02-01", "--result", "reached", "--via", "pigeon",
            today="2026-02-01")


def test_followup_lost_outcome_declares_lost(cli):
    cid = detox_case(cli)
    committed(cli, "release", cid, "--date", "2026-03-01", "--early-reason", "公安机关提前解除", today="2026-03-01")
    committed(cli, "record", "followup", cid, "--date", "2026-04-01", "--outcome", "lost", today="2026-04-01")
    r = show_json(cli, cid, "2026-04-01")
    assert r["state"] == "lost" and r["lost"]["since"] == "2026-04-01"
    # the lost follow-up record still satisfies its window (the office did its duty): 03-01..05-31
    assert kinds(due_json(cli, cid, "2026-04-01"), "followup") == []


# ---------------------------------------------------------------- §5 methadone, referral


def test_methadone_police_filing_and_refusals(cli):
    cid = detox_case(cli)
    refused(cli, "record", "methadone-end", cid, "--date", "2026-05-01", today="2026-05-01")
    refused(cli, "record", "police-filing", cid, "--date", "2026-05-01", today="2026-05-01")
    assert cli("record", "methadone", cid, "--date", "2026-05-01", today="2026-05-01").exit_code == 2   # no --clinic
    refused(cli, "record", "methadone", cid, "--date", "2026-05-01", "--clinic", " ", today="2026-05-01")
    committed(cli, "record", "methadone", cid, "--date", "2026-06-01", "--clinic", "县美沙酮门诊",
              "--registration-no", "MMT-0012", today="2026-06-01")
    # 5 working days after Monday 06-01: 06-08
    assert kinds(due_json(cli, cid, "2026-06-02"), "police-filing") == [("police-filing", "due", "2026-06-01", "2026-06-08")]
    assert "已于" in refused(cli, "record", "methadone", cid, "--date", "2026-06-02", "--clinic", "另一门诊",
                             today="2026-06-02")
    committed(cli, "record", "police-filing", cid, "--date", "2026-06-03", today="2026-06-03")
    assert kinds(due_json(cli, cid, "2026-06-03"), "police-filing") == []
    r = show_json(cli, cid, "2026-06-03")
    assert r["methadone"]["on"] is True and r["methadone"]["periods"][0]["clinic"] == "县美沙酮门诊"
    assert "药物维持治疗中" in cli.ok("show", cid, today="2026-06-03").stdout
    committed(cli, "record", "methadone-end", cid, "--date", "2026-07-01", "--reason", "转外地", today="2026-07-01")
    assert show_json(cli, cid, "2026-07-01")["methadone"]["on"] is False


def test_referral(cli):
    cid = detox_case(cli)
    refused(cli, "record", "referral", cid, "--kind", "hospital", "--place", "某地", today="2026-02-01")
    refused(cli, "record", "referral", cid, "--kind", "voluntary-detox", "--place", "", today="2026-02-01")
    res = committed(cli, "record", "referral", cid, "--kind", "rehab-venue", "--place", "某戒毒康复场所",
                    today="2026-02-01")
    assert "劝导" in res.stdout
    assert show_json(cli, cid, "2026-02-01")["timeline"][-1]["type"] == "referral"


# ---------------------------------------------------------------- §6 the person file


def test_person_file_fields_family_and_group(cli):
    cid = detox_case(cli)
    path = case_dir(cli.root, cid) / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 手工备注：保留\n", encoding="utf-8")
    git(cli.root, "commit", "-qam", "hand note")
    committed(cli, "case", "set", cid, "--alias", "阿三", "--ethnicity", "汉族", "--drug-type", "methamphetamine",
              "--drug-type", "ketamine", "--first-use", "2015-06", "--police-officer", "钱警官")
    text = path.read_text(encoding="utf-8")
    assert "# 手工备注：保留" in text and "methamphetamine" in text and "2015-06" in text
    assert "毒品种类" in refused(cli, "case", "set", cid, "--drug-type", "opium")
    refused(cli, "case", "set", cid, "--first-use", "2015-13")
    refused(cli, "case", "set", cid, "--first-use", "2099")
    refused(cli, "case", "set", cid, "--alias", "阿三", "--phone", "13800000000")    # two kinds of change at once
    refused(cli, "case", "set", cid, "--alias", "阿三")                                # nothing changes
    committed(cli, "case", "family", "add", cid, "--name", "赵某", "--relation", "母亲", "--phone", "13800000002")
    refused(cli, "case", "family", "add", cid, "--name", "赵某", "--relation", "母亲")
    assert cli("case", "family", "add", cid, "--name", "孙某").exit_code == 2                             # no relation
    refused(cli, "case", "family", "add", cid, "--name", "孙某", "--relation", "")
    committed(cli, "case", "group", "add", cid, "--role", "police", "--name", "钱警官", "--phone", "13800000004")
    refused(cli, "case", "group", "add", cid, "--role", "chief", "--name", "某人")
    refused(cli, "case", "group", "remove", cid, "--role", "doctor", "--name", "钱警官")
    committed(cli, "case", "family", "remove", cid, "--name", "赵某")
    refused(cli, "case", "family", "remove", cid, "--name", "赵某")
    cli.ok("check")


def test_check_reports_a_bad_later_measure(cli):
    cid = detox_case(cli)
    committed(cli, "terminate", cid, "--date", "2026-02-01", "--reason", "isolation", today="2026-02-01")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02", today="2026-02-02")
    path = case_dir(cli.root, cid) / "case.yaml"
    text = path.read_text(encoding="utf-8")
    assert "later_measures:" in text
    path.write_text(text.replace("kind: isolation", "kind: jail"), encoding="utf-8")
    res = cli("check")
    assert res.exit_code == 1 and "case.yaml:" in res.stdout and "jail" in res.stdout


def test_lost_days_are_an_unauthorised_absence_under_detox(cli):
    cid = detox_case(cli)
    committed(cli, "record", "lost", cid, "--date", "2026-06-01", today="2026-06-01")
    # lost on Monday 06-01 (day 1): day 30 is 06-30, day 31 (over 30 days) is 07-01 -> report by 07-02
    assert kinds(due_json(cli, cid, "2026-06-30"), "violation-report", "warning") == []
    assert kinds(due_json(cli, cid, "2026-07-01"), "violation-report") == [("violation-report", "due", "2026-07-01", "2026-07-02")]
    r = show_json(cli, cid, "2026-07-01")
    assert r["violations"]["absences"] == 1 and r["violations"]["absence_days"] == 31
    assert r["violations"]["serious_breach"] is True and r["violations"]["absence_breach"] == "2026-06-01"


def test_found_within_30_days_gives_a_warning_after_the_found_date(cli):
    cid = detox_case(cli)
    committed(cli, "record", "lost", cid, "--date", "2026-06-01", today="2026-06-01")
    # found on Thursday 06-11: 10 days lost (06-01..06-10), the 1st absence -> a warning by Friday 06-12
    committed(cli, "record", "found", cid, "--date", "2026-06-11", today="2026-06-11")
    items = due_json(cli, cid, "2026-06-11")
    assert kinds(items, "warning") == [("warning", "due", "2026-06-11", "2026-06-12")]
    assert kinds(items, "violation-report") == []
    r = show_json(cli, cid, "2026-06-11")
    assert r["violations"]["absences"] == 1 and r["violations"]["absence_days"] == 10
    assert r["violations"]["serious_breach"] is False


def test_lost_during_followup_is_not_an_absence(cli):
    cid = detox_case(cli)
    committed(cli, "release", cid, "--date", "2026-03-01", "--early-reason", "公安机关提前解除", today="2026-03-01")
    committed(cli, "record", "lost", cid, "--date", "2026-04-01", today="2026-04-01")
    items = due_json(cli, cid, "2026-06-01")
    assert kinds(items, "violation-report", "warning") == []
    # lost on Wednesday 04-01: report within 3 working days: 04-02, 04-03, (清明 04-04..04-06), 04-07
    assert kinds(items, "lost-report") == [("lost-report", "overdue", "2026-04-01", "2026-04-07")]
    assert show_json(cli, cid, "2026-06-01")["violations"]["absences"] == 0


def test_documents_2_4_5_print_the_person_file(cli, tmp_path):
    cid = detox_case(cli)
    committed(cli, "case", "history", "add", cid, "--measure", "isolation", "--from", "2019-03-01", "--to", "2021-02-28")
    committed(cli, "case", "set", cid, "--drug-type", "methamphetamine", "--intake-method", "烫吸",
              "--residence-police", "青山派出所")
    committed(cli, "case", "family", "add", cid, "--name", "赵某英", "--relation", "母亲", "--phone", "13800000002")
    committed(cli, "case", "group", "add", cid, "--role", "volunteer", "--name", "孙志愿", "--phone", "13800000005")
    out = tmp_path / "out"
    cli.ok("render", cid, "--out", str(out))
    html = {p.name: p.read_text(encoding="utf-8") for p in out.rglob("*.html")}
    reg = next(t for n, t in html.items() if n.startswith("02"))
    assert "冰毒（甲基苯丙胺）" in reg and "烫吸" in reg and "青山派出所" in reg and "赵某英" in reg
    assert "共1次" in reg and "2019年3月1日至2021年2月28日" in reg
    plan = next(t for n, t in html.items() if n.startswith("04"))
    assert "冰毒（甲基苯丙胺）" in plan and "1次" in plan
    group = next(t for n, t in html.items() if n.startswith("05"))
    assert "孙志愿" in group and "13800000005" in group


def test_show_and_documents_of_a_later_measure(cli, tmp_path):
    """After 社区戒毒 → 强制隔离戒毒 → 社区康复: `show`'s timeline holds every record of the person, each under its
    measure; the archive is the rehab's (its decision, term and period), and document 9 marks the tests taken
    on methadone maintenance (PATHWAY §5)."""
    cid = detox_case(cli)
    committed(cli, "case", "set", cid, "--decision-no", "甲公（禁）决字〔2026〕1号", today="2026-01-05")
    committed(cli, "terminate", cid, "--date", "2026-02-02", "--reason", "isolation", today="2026-02-02")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02",
              "--expected-release", "2027-02-01", today="2026-02-02")
    committed(cli, "record", "pickup", cid, "--date", "2027-02-01", "--by", "李娟", today="2027-02-01")
    committed(cli, "case", "start", cid, "--measure", "rehab", "--term-months", "24", "--decision-no",
              "乙公（禁）决字〔2027〕9号", "--decided-on", "2027-01-28", "--notified-on", "2027-02-01",
              "--reported-on", "2027-02-03", today="2027-02-03")
    committed(cli, "record", "test", cid, "--date", "2027-02-10", "--result", "negative", today="2027-02-10")
    committed(cli, "record", "methadone", cid, "--date", "2027-03-01", "--clinic", "县美沙酮门诊", today="2027-03-01")
    committed(cli, "record", "test", cid, "--date", "2027-04-06", "--result", "negative", today="2027-04-06")
    t = "2027-04-06"
    r = show_json(cli, cid, t)
    assert [(e["type"], e["measure"], e["stage"]) for e in r["timeline"]] == [
        ("report-in", 1, "detox"), ("terminate", 1, "detox"), ("pickup", 2, "isolation"), ("report-in", 3, "rehab"),
        ("test", 3, "rehab"), ("methadone", 3, "rehab"), ("test", 3, "rehab")]
    assert r["timeline"][2]["summary"] == "李娟" and r["timeline"][5]["summary"] == "县美沙酮门诊"
    assert r["decision"]["number"] == "乙公（禁）决字〔2027〕9号" and r["term_months"] == 24
    text = cli.ok("show", cid, today=t).stdout
    assert "〔第2项 强制隔离戒毒〕" in text and "〔第3项 社区康复〕" in text
    out = tmp_path / "out"
    cli.ok("render", cid, "--out", str(out), today=t)
    html = {p.name[:2]: p.read_text(encoding="utf-8") for p in out.rglob("*.html") if p.parent.name == cid}
    assert "乙公（禁）决字〔2027〕9号" in html["01"] and "甲公（禁）决字〔2026〕1号" not in html["01"]
    assert "社区康复" in html["01"] and "二年" in html["01"]
    # 24 months from 2027-02-03: last day 2029-02-02
    assert "2027年2月3日" in html["03"] and "2029年2月2日" in html["03"]
    # the header says so, and the test of 04-06 (on methadone since 03-01) is marked; that of 02-10 is not
    assert "维持治疗中（自2027年3月1日，县美沙酮门诊）" in html["09"] and html["09"].count("维持治疗中") == 2


def test_render_the_archive_of_an_earlier_measure(cli, tmp_path):
    """`render CASE --measure-no N`: the archive of measure N of the path (its number in show's 措施经过), in its
    own folder beside the case's (which keeps the latest community measure's); a measure without an archive
    (isolation) and a number that is not on the path are refused."""
    cid = detox_case(cli)
    committed(cli, "case", "set", cid, "--decision-no", "甲公（禁）决字〔2026〕1号", today="2026-01-05")
    committed(cli, "terminate", cid, "--date", "2026-02-02", "--reason", "isolation", today="2026-02-02")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02",
              "--expected-release", "2027-02-01", today="2026-02-02")
    committed(cli, "record", "pickup", cid, "--date", "2027-02-01", today="2027-02-01")
    committed(cli, "case", "start", cid, "--measure", "rehab", "--term-months", "24", "--decision-no",
              "乙公（禁）决字〔2027〕9号", "--notified-on", "2027-02-01", "--reported-on", "2027-02-03", today="2027-02-03")
    t = "2027-04-06"
    out = tmp_path / "out"

    def html(folder):
        return {p.name[:4] if p.name.startswith("00") else p.name[:2]: p.read_text(encoding="utf-8")
                for p in (out / folder).glob("*.html")}

    res = cli.ok("render", cid, "--out", str(out), today=t)                  # the default: the latest (rehab)
    assert res.stdout.strip().endswith(str(out / cid))
    res = cli.ok("render", cid, "--measure-no", "1", "--out", str(out), today=t)
    early = f"{cid}-第1项措施"
    assert f"第 1 项措施的档案" in res.stdout and res.stdout.strip().endswith(str(out / early))
    assert sorted(p.name for p in out.iterdir()) == sorted([cid, early])     # ".pdf-cache" only for PDF
    first, latest = html(early), html(cid)
    # the detox: its own decision; reported 2026-01-05, 36 months -> last day 2029-01-04; terminated 02-02
    assert "甲公（禁）决字〔2026〕1号" in first["01"] and "乙公（禁）决字〔2027〕9号" not in first["01"]
    assert "2026年1月5日" in first["03"] and "2029年1月4日" in first["03"] and "社区戒毒期限为三年" in first["03"]
    assert "已终止（<span class=\"nw\">2026年2月2日</span>终止）" in first["00-1"]             # the cover
    # the case's own folder still holds the rehab: 24 months from 2027-02-03 -> 2029-02-02
    assert "乙公（禁）决字〔2027〕9号" in latest["01"] and "甲公（禁）决字〔2026〕1号" not in latest["01"]
    assert "2027年2月3日" in latest["03"] and "2029年2月2日" in latest["03"]
    # the latest measure by its number is the default archive, in the same folder
    res = cli.ok("render", cid, "--measure-no", "3", "--out", str(out), today=t)
    assert res.stdout.strip().endswith(str(out / cid)) and html(cid) == latest
    assert sorted(p.name for p in out.iterdir()) == sorted([cid, early])
    # refusals: the isolation has no archive; no measure 4 (nor 0); one case only
    assert "强制隔离戒毒" in refused(cli, "render", cid, "--measure-no", "2", "--out", str(out), today=t)
    assert "没有第 4 项措施（共 3 项" in refused(cli, "render", cid, "--measure-no", "4", "--out", str(out), today=t)
    assert "没有第 0 项措施" in refused(cli, "render", cid, "--measure-no", "0", "--out", str(out), today=t)
    assert "--all" in refused(cli, "render", "--all", "--measure-no", "1", "--out", str(out), today=t)
    bad = cli("render", cid, "--measure-no", "一", "--out", str(out), today=t)
    assert bad.exit_code == 2 and bad.stderr.startswith("错误：") and "--measure-no" in bad.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([cid, early])
    # a person whose only measure is follow-up care has no archive of it
    name, idn = person(9)
    fu = committed(cli, "case", "add", "--name", name, "--id-number", idn, "--measure", "followup", "--released-on",
                   "2027-01-04", today="2027-01-04").stdout.strip().splitlines()[-1]
    assert "后续照管" in refused(cli, "render", fu, "--measure-no", "1", "--out", str(out), today=t)


def test_new_item_kinds_in_every_due_format(cli):
    cid = detox_case(cli)
    committed(cli, "terminate", cid, "--date", "2026-02-01", "--reason", "isolation", today="2026-02-01")
    committed(cli, "case", "start", cid, "--measure", "isolation", "--entered-on", "2026-02-02",
              "--expected-release", "2027-02-01", today="2026-02-02")
    day = "2027-01-28"
    (item,) = due_json(cli, cid, day)
    assert (item["kind"], item["status"], item["deadline"], item["window_start"], item["document"]) == \
        ("pickup", "due", "2027-02-01", "2027-01-25", None)
    assert "必接必送" in item["basis"]
    csv = cli.ok("due", "--case", cid, "--format", "csv", "--on", day).stdout
    assert f"{cid}," in csv and ",出所衔接（必接必送）," in csv and "必接必送" in csv  # CSV names kinds in Chinese (issue 11)
    ics = cli.ok("due", "--case", cid, "--format", "ics", "--on", day).stdout
    assert "BEGIN:VEVENT" in ics and "出所衔接" in ics  # all-day events by default (issue 11)
    table = cli.ok("due", "--case", cid, "--on", day).stdout
    assert "出所衔接（必接必送）" in table and "2027-02-01" in table
