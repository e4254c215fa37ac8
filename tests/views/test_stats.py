"""aftercare stats: every indicator on a small store built through the CLI, expected numbers by hand.

The period is April 2026 (D1 = 2026-04-01, D2 = 2026-04-30); today is 2026-05-20, so some records
exist after D2 and must not count. Case by case (window dates from RULES.md §2, deadlines §3):

A detox, notified 01-20, reported 01-25 (worker 王芳). Monthly windows 01-25..02-24, 02-25..03-24,
  03-25..04-24: the third is the one due in April. Test 02-01 (window 1), make-up 04-15 (reaches
  window 2, the earliest missed), test 04-10 (window 3: on time). Visit window 3 explained on 04-28;
  report window 3 explained only on 05-05 (after D2: missed as of D2). Education 04-01 (on time).
  Evaluations 02-20 (intake) and 04-20 (first quarter 01-25..04-24: on time). Leave 04-06..04-09
  approved 04-05, returned 04-09. Support: assistance 500 元 on 04-03.
C detox, reported 03-10 (李强). Window 1 03-10..04-09 due in April: no test inside, make-up 04-20
  (made up); visit 03-15 (on time); no report (missed); education explained 04-12; intake evaluation
  03-10..04-09 missed. Refused a test on 04-08 (1st: warning due next working day 04-09, served
  04-10: late). Absence of 5 days on 04-22 (1st: warning due 04-23, never served: open). Support:
  medical 200.5 元 on 04-05.
D rehab, reported 02-15 (王芳, medium risk, nonlocal). Suspended 04-01, resumed 04-21 (20 days):
  every window that ended on 04-14 now ends on 05-04, so nothing of D is due in April. Positive
  test 04-25: violation report due 04-26, sent 05-02 (after D2: open).
E detox, reported 03-20, suspended 03-25 and still suspended: windows unknown, none due.
F detox, notified 04-01, never reported: report-in due 04-16 (open); late report-in violation
  report due 3 working days later, 04-21 (open).
G detox, notified 04-02, reported 04-10 (report-in on time). Refused 04-12, evaded 04-14,
  refused 04-16 (3rd: serious breach): warnings due 04-13 (served 04-13) and 04-15 (open),
  violation report due 04-17 (sent 04-17).
H detox, notified 04-05 (deadline 04-20), reported 04-25 (late); violation report due 04-23
  (3 working days after 04-20), sent 04-22.
R rehab of 2 months, reported 01-10, released 04-02: follow-up care starts that day (PATHWAY.md §1);
  its first contact window (every 3 months) ends on 07-01, so nothing of it is due in April.
T detox, reported 03-15, terminated 04-10: its first windows end 04-14, after the close: excluded.
K detox, notified 05-10, reported 05-12: not yet on the books on D2.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import OFFICE, Cli, git, person, shared_store, staff, case_dir

D1, D2 = "2026-04-01", "2026-04-30"


def build_office(cli: Cli) -> dict:
    ids = {}
    staff(cli, "王芳", "李强")
    ids["A"] = cli.add(1, notified_on="2026-01-20", reported_on="2026-01-25", worker="王芳")
    ids["C"] = cli.add(2, reported_on="2026-03-10", worker="李强")
    ids["D"] = cli.add(3, measure="rehab", reported_on="2026-02-15", worker="王芳", risk="medium", household="nonlocal")
    ids["E"] = cli.add(4, reported_on="2026-03-20", worker="王芳")
    ids["F"] = cli.add(5, notified_on="2026-04-01", worker="李强")
    ids["G"] = cli.add(6, notified_on="2026-04-02", reported_on="2026-04-10", worker="李强")
    ids["H"] = cli.add(7, notified_on="2026-04-05", worker="王芳")
    ids["R"] = cli.add(8, measure="rehab", term_months=2, reported_on="2026-01-10", worker="李强")
    ids["T"] = cli.add(9, reported_on="2026-03-15")
    ids["K"] = cli.add(10, notified_on="2026-05-10", reported_on="2026-05-12", worker="王芳")
    A, C, D, E, G, H, R, T = (ids[k] for k in "ACDEGHRT")
    ok = cli.ok
    ok("record", "test", A, "--result", "negative", "--date", "2026-02-01")
    ok("record", "test", A, "--result", "negative", "--date", "2026-04-15", "--makeup", "--method", "hair")
    ok("record", "test", A, "--result", "negative", "--date", "2026-04-10")
    ok("explain", A, "visit", "2026-04-24", "--reason", "本人住院", today="2026-04-28")
    ok("explain", A, "report", "2026-04-24", "--reason", "本人住院", today="2026-05-05")
    ok("record", "education", A, "--date", "2026-04-01")
    ok("record", "evaluation", A, "--date", "2026-02-20")
    ok("record", "evaluation", A, "--date", "2026-04-20")
    leave = cli.ok("leave", "request", A, "--from", "2026-04-06", "--to", "2026-04-09", "--destination", "长沙",
                   "--date", "2026-04-05").stdout.strip().splitlines()[-1]
    ok("leave", "approve", A, leave, "--date", "2026-04-05")
    ok("leave", "return", A, leave, "--date", "2026-04-09")
    ok("record", "support", A, "--kind", "assistance", "--amount", "500", "--date", "2026-04-03")
    ok("record", "test", C, "--result", "negative", "--date", "2026-04-20", "--makeup", "--method", "hair")
    ok("record", "visit", C, "--date", "2026-03-15")
    ok("explain", C, "education", "2026-04-09", "--reason", "外出务工", today="2026-04-12")
    ok("record", "test", C, "--result", "refused", "--date", "2026-04-08")
    ok("record", "warning", C, "--date", "2026-04-10")
    ok("record", "violation", C, "--kind", "absence", "--days", "5", "--date", "2026-04-22")
    ok("record", "support", C, "--kind", "medical", "--amount", "200.5", "--date", "2026-04-05")
    ok("suspend", D, "--reason", "detention", "--date", "2026-04-01")
    ok("resume", D, "--date", "2026-04-21")
    ok("record", "test", D, "--result", "positive", "--date", "2026-04-25")
    ok("record", "violation-report", D, "--date", "2026-05-02")
    ok("suspend", E, "--reason", "arrest", "--date", "2026-03-25")
    ok("record", "test", G, "--result", "refused", "--date", "2026-04-12")
    ok("record", "test", G, "--result", "evaded", "--date", "2026-04-14")
    ok("record", "test", G, "--result", "refused", "--date", "2026-04-16")
    ok("record", "warning", G, "--date", "2026-04-13")
    ok("record", "violation-report", G, "--date", "2026-04-17")
    ok("record", "report-in", H, "--date", "2026-04-25")
    ok("record", "violation-report", H, "--date", "2026-04-22")
    ok("release", R, "--date", "2026-04-02")
    ok("terminate", T, "--reason", "imprisonment", "--date", "2026-04-10")
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The office store, built once for the module (the tests only read it)."""
    return shared_store(tmp_path_factory, "stats", build_office)


@pytest.fixture
def office(built):
    root, ids = built
    return Cli(root), ids


def stats(cli: Cli, *args: str, stores=None) -> dict:
    argv = ["stats", "--from", D1, "--to", D2, "--format", "json", *args]
    if stores:
        for s in stores:
            argv += ["--store", str(s)]
        res = cli(*argv, store=False)
    else:
        res = cli(*argv)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def values(data: dict) -> dict:
    return {code: o["value"] for code, o in data["indicators"].items()}


def test_every_indicator_by_hand(office):
    cli, ids = office
    data = stats(cli)
    ind, v = data["indicators"], values(data)
    assert (data["from"], data["to"]) == (D1, D2)
    # register on D2: K is not yet on the books
    assert v["registered"] == 9
    expect_states = {"awaiting": 1, "detox": 4, "rehab": 1, "suspended": 1, "released": 0, "closed": 1,
                     "isolation": 0, "followup": 1, "lost": 0, "clean": 0}
    assert {s: v[f"registered.{s}"] for s in expect_states} == expect_states
    assert v["caseload"] == 8                      # F; A, C, G, H; D; E; R in follow-up
    assert ind["caseload_ratio"]["value"] == round(8 / 30, 2)
    # execution: report-in deadlines in April: F (not reported), G (on time), H (late)
    assert (ind["execution_rate"]["numerator"], ind["execution_rate"]["denominator"]) == (1, 3)
    assert v["execution_rate"] == round(1 / 3, 4)
    # control: A, C, G, H under detox, D under rehab; nobody lost; E suspended is not counted
    assert (ind["control_rate"]["numerator"], ind["control_rate"]["denominator"]) == (5, 5)
    # duties: only A's third windows and C's first ones are due in April
    duty = {k: {s: v[f"duty.{k}.{s}"] for s in ("due", "on_time", "explained", "missed")}
            for k in ("test", "visit", "report", "education", "evaluation", "followup")}
    assert duty == {
        "test": {"due": 2, "on_time": 1, "explained": 0, "missed": 0},
        "visit": {"due": 2, "on_time": 1, "explained": 1, "missed": 0},
        "report": {"due": 2, "on_time": 0, "explained": 0, "missed": 2},
        "education": {"due": 2, "on_time": 1, "explained": 1, "missed": 0},
        "evaluation": {"due": 2, "on_time": 1, "explained": 0, "missed": 1},
        "followup": {"due": 0, "on_time": 0, "explained": 0, "missed": 0},
    }
    assert v["duty.test.made_up"] == 1
    assert (ind["duty.test.rate"]["numerator"], ind["duty.test.rate"]["denominator"], v["duty.test.rate"]) == (1, 2, 0.5)
    assert v["duty.report.rate"] == 0.0
    assert v["duty.followup.rate"] is None
    # escalations with a deadline in April, as of D2
    esc = {k: {s: v[f"escalation.{k}.{s}"] for s in ("due", "on_time", "late", "explained", "open")}
           for k in ("warning", "violation-report", "report-in", "leave-return", "release-suggestion")}
    assert esc == {
        "warning": {"due": 4, "on_time": 1, "late": 1, "explained": 0, "open": 2},
        "violation-report": {"due": 4, "on_time": 2, "late": 0, "explained": 0, "open": 2},
        "report-in": {"due": 3, "on_time": 1, "late": 1, "explained": 0, "open": 1},
        "leave-return": {"due": 1, "on_time": 1, "late": 0, "explained": 0, "open": 0},
        "release-suggestion": {"due": 0, "on_time": 0, "late": 0, "explained": 0, "open": 0},
    }
    # events dated in April
    assert v["tests"] == 8
    assert {r: v[f"tests.{r}"] for r in ("negative", "positive", "refused", "evaded", "pending")} == \
        {"negative": 3, "positive": 1, "refused": 3, "evaded": 1, "pending": 0}
    assert (v["makeups"], v["positives"], v["serious_breaches"]) == (2, 1, 1)
    assert (v["absences"], v["absence_days"]) == (1, 5)
    assert (v["support.assistance.count"], v["support.assistance.amount"]) == (1, 500.0)
    assert (v["support.medical.count"], v["support.medical.amount"]) == (1, 200.5)
    assert (v["support.study.count"], v["support.employment.count"]) == (0, 0)
    assert (v["leaves"], v["registrations"], v["releases"], v["terminations"]) == (1, 3, 1, 1)
    assert (v["transfers_in"], v["transfers_out"], v["methadone_joined"]) == (0, 0, 0)
    # nobody is lost; R's follow-up started 04-02 with no follow-up record yet; no isolations
    assert (v["lost_now"], v["lost_started"], v["found"], v["lost_days"]) == (0, 0, 0, 0)
    assert (v["followup.cohort"], v["followup.latest.none"], v["clean_3y"]) == (1, 1, 0)
    assert (ind["abstinence_rate"]["numerator"], ind["abstinence_rate"]["denominator"]) == (0, 1)
    assert v["relapse_rate_broad"] == 0.0
    assert v["clean_rate_1_3y"] is None            # started less than a year before D2
    assert ind["abstinence_period"]["count"] == 0


def test_records_after_d2_do_not_exist(office):
    """The same store seen on D2 = 2026-05-31 counts what happened in May too."""
    cli, ids = office
    v = values(stats(cli, "--from", "2026-04-01", "--to", "2026-05-31"))
    assert v["registered"] == 10                   # K reported in May
    # A's report window 3 was explained on 05-05: now explained, no longer missed
    assert v["duty.report.explained"] >= 1
    # D's violation report was sent on 05-02, after its deadline 04-26: late
    assert v["escalation.violation-report.late"] >= 1


def test_breakdown_by_worker_and_household(office):
    cli, ids = office
    data = stats(cli, "--by", "worker")
    reg = data["indicators"]["registered"]["by"]
    assert {g: f["value"] for g, f in reg.items()} == {"王芳": 4, "李强": 4, "（未指定）": 1}
    test_rate = data["indicators"]["duty.test.rate"]["by"]
    assert (test_rate["王芳"]["numerator"], test_rate["王芳"]["denominator"]) == (1, 1)     # A
    assert (test_rate["李强"]["numerator"], test_rate["李强"]["denominator"]) == (0, 1)     # C made up
    data = stats(cli, "--by", "household")
    assert {g: f["value"] for g, f in data["indicators"]["positives"]["by"].items()} == {"本地": 0, "外地": 1}
    data = stats(cli, "--by", "prior-isolations")
    # no prior isolation recorded for anyone: the path model counts them as 0
    assert {g: f["value"] for g, f in data["indicators"]["registered"]["by"].items()} == {"0次": 9}


def test_cases_behind_a_figure(office):
    cli, ids = office

    def listed(*args):
        res = cli("stats", "--from", D1, "--to", D2, "--format", "json", "--cases", *args)
        assert res.exit_code == 0, res.output
        return sorted(r["case"] for r in json.loads(res.stdout)["cases"])

    assert listed("duty.report.missed") == sorted([ids["A"], ids["C"]])
    assert listed("execution_rate") == [ids["G"]]
    assert listed("execution_rate", "--denominator") == sorted([ids["F"], ids["G"], ids["H"]])
    assert listed("registrations") == sorted([ids["F"], ids["G"], ids["H"]])
    assert listed("serious_breaches") == [ids["G"]]
    assert listed("caseload") == sorted(ids[k] for k in "ACDEFGHR")
    # the table names the persons; JSON and CSV do not
    res = cli.ok("stats", "--from", D1, "--to", D2, "--cases", "positives")
    name_d = person(3)[0]
    assert ids["D"] in res.stdout and name_d in res.stdout
    res = cli.ok("stats", "--from", D1, "--to", D2, "--cases", "positives", "--format", "csv")
    assert ids["D"] in res.stdout and name_d not in res.stdout


def test_table_is_chinese_and_fits_80_columns(office):
    from aftercare.cli.common import width

    cli, _ = office
    for extra in ((), ("--by", "worker")):
        out = cli.ok("stats", "--from", D1, "--to", D2, *extra).stdout
        assert "执行率" in out and "【日常工作完成情况" in out
        assert max(width(line) for line in out.splitlines()) <= 80, extra


def test_csv_has_a_bom_and_xlsx_opens(office, tmp_path):
    cli, _ = office
    res = cli.ok("stats", "--from", D1, "--to", D2, "--format", "csv")
    raw = res.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "code"
    by_code = {r[0]: r for r in rows[1:] if r[3] == "合计"}
    assert by_code["execution_rate"][5:7] == ["1", "3"]
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "s.xlsx"
    cli.ok("stats", "--from", D1, "--to", D2, "--format", "xlsx", "--output", str(out))
    ws = openpyxl.load_workbook(out).active
    cells = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True) if r[3] == "合计"}
    assert cells["duty.test.due"][4] == 2


def test_default_period_is_the_last_full_month(office):
    cli, _ = office
    res = cli.ok("stats", "--format", "json", today="2026-05-01")
    data = json.loads(res.stdout)
    assert (data["from"], data["to"]) == (D1, D2)


@pytest.mark.parametrize("args, words", [
    (("--by", "colour"), "分组"),
    (("--format", "pdf"), "输出格式"),
    (("--from", "2026-05-01", "--to", "2026-04-01"), "晚于"),
    (("--cases", "no.such.code"), "没有指标"),
    (("--denominator",), "--cases"),
    (("--from", "2026-02-30"), "日期"),
    (("--from", ""), "无法识别"),              # empty is refused, not read as "not given"
    (("--to", ""), "无法识别"),
])
def test_bad_input_is_one_chinese_line(cli, args, words):
    res = cli("stats", *args)
    assert res.exit_code == 1
    assert res.stderr.startswith("错误：") and words in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_county_counts_a_person_once(office, tmp_path):
    cli, ids = office
    other = Cli(tmp_path / "other")
    other.ok("init", str(other.root), "--office", "另一镇社区戒毒（康复）工作办公室", store=False)
    staff(other, "赵敏")
    dup = other.add(1, notified_on="2026-04-25", worker="赵敏")          # the same person as A
    j = other.add(11, reported_on="2026-03-01", worker="赵敏")
    other.ok("record", "test", j, "--result", "negative", "--date", "2026-03-05")
    other.ok("record", "test", j, "--result", "negative", "--date", "2026-04-15")
    data = stats(cli, stores=[cli.root, other.root])
    v = values(data)
    assert v["registered"] == 9 + 2 - 1
    # J's second test window 04-01..04-30 is due and on time; A counts once
    assert (v["duty.test.due"], v["duty.test.on_time"]) == (3, 2)
    assert data["duplicates"] == [{"counted": f"测试镇社区戒毒（康复）工作办公室:{ids['A']}",
                                   "also": [f"另一镇社区戒毒（康复）工作办公室:{dup}"]}]
    by = stats(cli, "--by", "store", stores=[cli.root, other.root])["indicators"]["registered"]["by"]
    assert {g: f["value"] for g, f in by.items()} == {"测试镇社区戒毒（康复）工作办公室": 9, "另一镇社区戒毒（康复）工作办公室": 1}
    table = cli.ok("stats", "--from", D1, "--to", D2, "--store", str(cli.root), "--store", str(other.root), store=False).stdout
    assert "只计一次" in table and dup in table


def test_a_missing_store_is_refused(cli, tmp_path):
    res = cli("stats", "--store", str(cli.root), "--store", str(tmp_path / "nowhere"), store=False)
    assert res.exit_code == 1 and "不是 aftercare 案卷库" in res.stderr


def test_cache_gives_the_same_figures_and_survives_damage(office, tmp_path):
    import os
    import shutil

    cli, _ = office
    root = tmp_path / "copy"
    shutil.copytree(cli.root, root, symlinks=True)
    shutil.rmtree(root / ".git" / "aftercare-cache", ignore_errors=True)
    for dirpath, _dirs, files in os.walk(root / "cases"):
        for f in files:
            os.utime(os.path.join(dirpath, f), (1_700_000_000, 1_700_000_000))   # old enough to be trusted
    c = Cli(root)
    nocache = c.ok("--no-cache", "stats", "--from", D1, "--to", D2, "--format", "json").stdout
    first = c.ok("stats", "--from", D1, "--to", D2, "--format", "json").stdout
    caches = list((root / ".git" / "aftercare-cache").glob("*-stats.sqlite3"))
    assert len(caches) == 1
    assert not (root / ".aftercare-cache").exists() or not list((root / ".aftercare-cache").glob("stats*"))
    second = c.ok("stats", "--from", D1, "--to", D2, "--format", "json").stdout
    caches[0].write_bytes(b"not a database at all")
    third = c.ok("stats", "--from", D1, "--to", D2, "--format", "json").stdout
    assert nocache == first == second == third


def test_voided_records_never_exist(cli):
    """P reports in on 03-10: test window 03-10..04-09 is due in April. A negative test on 04-01 and a
    refusal on 04-05 (1st: a warning due the next working day) count until they are voided."""
    p = cli.add(21, reported_on="2026-03-10")
    cli.ok("record", "test", p, "--result", "negative", "--date", "2026-04-01")
    cli.ok("record", "test", p, "--result", "refused", "--date", "2026-04-05")
    v = values(stats(cli))
    assert (v["duty.test.due"], v["duty.test.on_time"], v["tests"], v["escalation.warning.due"]) == (1, 1, 2, 1)
    timeline = {e["date"]: e["id"] for e in json.loads(cli.ok("show", p, "--format", "json").stdout)["timeline"]
                if e["type"] == "test"}
    for d in ("2026-04-01", "2026-04-05"):
        cli.ok("void", p, timeline[d], "--reason", "录入错误")
    v = values(stats(cli))
    assert (v["duty.test.due"], v["duty.test.on_time"], v["duty.test.missed"]) == (1, 0, 1)
    assert (v["tests"], v["tests.refused"], v["escalation.warning.due"]) == (0, 0, 0)
    res = cli("stats", "--from", D1, "--to", D2, "--format", "json", "--cases", "tests")
    assert json.loads(res.stdout)["cases"] == []


def test_due_over_several_stores(office, tmp_path):
    """due --store A --store B: each office's agenda with a store column; a person registered in both is
    listed once, from the store where the case is open first given, naming the other registration."""
    cli, ids = office
    other = Cli(tmp_path / "other")
    other.ok("init", str(other.root), "--office", "另一镇社区戒毒（康复）工作办公室", store=False)
    dup = other.add(1, notified_on="2026-04-25")                       # the same person as A
    j = other.add(11, reported_on="2026-03-01")
    one = json.loads(cli.ok("due", "--format", "json").stdout)
    two = json.loads(other.ok("due", "--format", "json").stdout)
    res = cli.ok("due", "--format", "json", "--store", str(cli.root), "--store", str(other.root), store=False)
    both = json.loads(res.stdout)
    first, second = "测试镇社区戒毒（康复）工作办公室", "另一镇社区戒毒（康复）工作办公室"
    key = lambda r: (r["case"], r["kind"], r["deadline"])                # noqa: E731
    assert sorted(key(r) for r in both if r["store"] == first) == sorted(key(r) for r in one)
    assert sorted(key(r) for r in both if r["store"] == second) == sorted(key(r) for r in two if r["case"] == j)
    assert any(r["case"] == dup for r in two) and not any(r["store"] == second and r["case"] == dup for r in both)
    assert {tuple(r["also"]) for r in both if r["case"] == ids["A"] and r["store"] == first} == {(f"{second}:{dup}",)}
    table = cli.ok("due", "--store", str(cli.root), "--store", str(other.root), store=False).stdout
    assert "办公室" in table and first in table and "另见" in table
    res = cli("due", "--format", "ics", "--store", str(cli.root), "--store", str(other.root), store=False)
    assert res.exit_code == 1 and "ics" in res.stderr


def test_path_figures_by_hand(cli):
    """April 2026 on the whole path (PATHWAY.md), today 2026-05-20:
    P1 in isolation since 2025-06-01 (expected release 04-15, picked up 04-15), a prior isolation
       2022-01-01..2023-01-01; follow-up from 04-15, a follow-up record 04-25: abstinent.
       操守期: 2023-01-01 -> 2025-06-01 = 881 days = 2.41 years (its second isolation began before April).
    P2 in follow-up since 2024-03-01 (between 36 and 12 months before D2); a follow-up 04-10 found the
       person lost (declared lost), found 04-20: 10 days lost in April; latest outcome lost.
       Lost report due 3 working days after 04-10 (04-15), closed by the found record 04-20: late.
    P3 under detox (reported 01-05), joined methadone 04-02 (police filing due within 5 working days,
       never filed: open), declared lost 04-20 and still lost: 11 days in April; lost report due 04-23: open."""
    p1 = cli.add(31, measure="isolation", facility="示范县强制隔离戒毒所", entered_on="2025-06-01",
                 expected_release="2026-04-15")
    cli.ok("case", "history", "add", p1, "--measure", "isolation", "--from", "2022-01-01", "--to", "2023-01-01")
    cli.ok("record", "pickup", p1, "--date", "2026-04-15")
    cli.ok("case", "start", p1, "--measure", "followup", "--released-on", "2026-04-15")
    cli.ok("record", "followup", p1, "--outcome", "abstinent", "--date", "2026-04-25")
    p2 = cli.add(32, measure="followup", released_on="2024-03-01")
    cli.ok("record", "followup", p2, "--outcome", "lost", "--date", "2026-04-10")
    cli.ok("record", "found", p2, "--date", "2026-04-20")
    p3 = cli.add(33, reported_on="2026-01-05")
    cli.ok("record", "methadone", p3, "--clinic", "县美沙酮门诊", "--date", "2026-04-02")
    cli.ok("record", "lost", p3, "--date", "2026-04-20")
    data = stats(cli)
    ind, v = data["indicators"], values(data)
    assert (v["registered.followup"], v["registered.lost"], v["caseload"]) == (2, 1, 3)
    assert (ind["control_rate"]["numerator"], ind["control_rate"]["denominator"]) == (0, 1)
    assert (v["lost_now"], v["lost_started"], v["found"], v["lost_days"]) == (1, 2, 1, 10 + 11)
    assert (v["followup.cohort"], v["followup.latest.abstinent"], v["followup.latest.lost"]) == (2, 1, 1)
    assert (ind["abstinence_rate"]["numerator"], ind["abstinence_rate"]["denominator"]) == (1, 2)
    assert (ind["relapse_rate_broad"]["numerator"], ind["relapse_rate_broad"]["denominator"]) == (1, 2)
    assert (ind["clean_rate_1_3y"]["numerator"], ind["clean_rate_1_3y"]["denominator"]) == (1, 1)
    assert (v["escalation.pickup.due"], v["escalation.pickup.on_time"]) == (1, 1)
    assert (v["escalation.lost-report.due"], v["escalation.lost-report.late"], v["escalation.lost-report.open"]) == (2, 1, 1)
    assert (v["methadone_joined"], v["escalation.police-filing.due"], v["escalation.police-filing.open"]) == (1, 1, 1)
    assert ind["abstinence_period"]["count"] == 0
    period = stats(cli, "--all-time")["indicators"]["abstinence_period"]
    assert (period["count"], period["mean"]) == (1, round(881 / 365.25, 2))
    assert {g: f["value"] for g, f in stats(cli, "--by", "prior-isolations")["indicators"]["registered"]["by"].items()} \
        == {"0次": 2, "1次": 1}


def test_exports_share_one_writer(office, tmp_path):
    """stats --cases and a county's due write CSV and xlsx the way due and case list do: UTF-8 with a BOM,
    Chinese headers, xlsx with a bold frozen header row."""
    openpyxl = pytest.importorskip("openpyxl")
    cli, ids = office
    raw = cli.ok("stats", "--from", D1, "--to", D2, "--cases", "serious_breaches", "--format", "csv").stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == [
        ["案卷库", "个案编号", "数量", "另见"], ["测试镇社区戒毒（康复）工作办公室", ids["G"], "1", ""]]
    out = tmp_path / "g.xlsx"
    cli.ok("stats", "--from", D1, "--to", D2, "--cases", "serious_breaches", "--format", "xlsx", "-o", str(out))
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[2]] == ["案卷库", "个案编号", "数量", "另见"] and ws[2][0].font.bold
    assert ws.freeze_panes == "A3" and [c.value for c in ws[3]][:3] == ["测试镇社区戒毒（康复）工作办公室", ids["G"], 1]
    other = Cli(tmp_path / "other")
    other.ok("init", str(other.root), "--office", "另一镇社区戒毒（康复）工作办公室", store=False)
    dup = other.add(1, notified_on="2026-04-25")                       # the same person as A
    both = ["--store", str(cli.root), "--store", str(other.root)]
    raw = cli.ok("due", "--format", "csv", *both, store=False).stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and set(rows[0]) >= {"案卷库", "个案编号", "状态", "期限", "另见"}
    a_rows = [r for r in rows if r["个案编号"] == ids["A"]]
    assert a_rows and {r["另见"] for r in a_rows} == {f"另一镇社区戒毒（康复）工作办公室 {dup}"}
    out = tmp_path / "due.xlsx"
    cli.ok("due", "--format", "xlsx", "-o", str(out), *both, store=False)
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "案卷库" and ws["A1"].font.bold and ws.freeze_panes == "A2"
    assert ws.max_row == len(rows) + 1


def test_follow_up_outcomes_escalations_and_periods_by_hand(cli):
    """April 2026 (D1 = 04-01, D2 = 04-30), today 2026-05-20; follow-up windows every 3 months in its first
    year, every 6 months after (PATHWAY.md §2), fixed from its start.
    Q1 follow-up from 2023-04-20: 3 years end on 2026-04-19, so on D2 the person is clean. Its last window
       2025-10-20..2026-04-19 is satisfied by a follow-up on 04-10 (on time).
    Q2 follow-up from 2025-01-15 after two isolations with known dates (2020-03-01..2021-03-01,
       2023-01-15..2025-01-15); a follow-up on 04-05 found a relapse (ends the follow-up: its window
       2026-01-15..07-14 has a deadline after the end, excluded); a new isolation from 04-08, still running on
       D2. 操守期: 2021-03-01 -> 2023-01-15 = 365 + 306 + 14 = 685 days, 2025-01-15 -> 2026-04-08 =
       365 + 31 + 28 + 24 = 448 days; only the second's isolation started in April.
    Q3 follow-up from 2025-05-01: window 2026-02-01..04-30 satisfied by a follow-up on 04-12 (refused).
    Q4 follow-up from 2025-04-16: window 2026-01-16..04-15 missed; no follow-up record.
    Q5 rehab of 2 months reported 02-25: last day 04-24, release suggestion due 04-24 - 15 = 04-09, made on
       04-10 (late); released 04-25, so follow-up starts that day (no record yet).
    Q6 detox reported 03-02 (medium risk): absences on 04-07 (2 days), 04-14 (1 day), 04-21 (1 day): warnings
       due the next working day 04-08 (served 04-08) and 04-15 (explained 04-16); the 3rd absence is a
       serious breach, violation report due within 24 hours (04-22, sent 04-22).
    Q7 follow-up from 2025-07-20: window 2026-01-20..04-19 missed; a follow-up on 04-25 (abstinent) falls
       in the next window 04-20..07-19 and does not reach it."""
    staff(cli, "周敏", "吴刚")
    q1 = cli.add(41, measure="followup", released_on="2023-04-20", worker="吴刚")
    cli.ok("record", "followup", q1, "--outcome", "abstinent", "--date", "2026-04-10")
    q2 = cli.add(42, measure="followup", released_on="2025-01-15", worker="吴刚")
    cli.ok("case", "history", "add", q2, "--measure", "isolation", "--from", "2020-03-01", "--to", "2021-03-01")
    cli.ok("case", "history", "add", q2, "--measure", "isolation", "--from", "2023-01-15", "--to", "2025-01-15")
    cli.ok("record", "followup", q2, "--outcome", "relapsed", "--date", "2026-04-05")
    cli.ok("case", "start", q2, "--measure", "isolation", "--facility", "示范县强制隔离戒毒所", "--entered-on", "2026-04-08",
           "--expected-release", "2028-04-07")
    q3 = cli.add(43, measure="followup", released_on="2025-05-01", worker="周敏")
    cli.ok("record", "followup", q3, "--outcome", "refused", "--date", "2026-04-12")
    q4 = cli.add(44, measure="followup", released_on="2025-04-16", worker="周敏")
    q5 = cli.add(45, measure="rehab", term_months=2, reported_on="2026-02-25", worker="吴刚", risk="high")
    cli.ok("record", "release-suggestion", q5, "--date", "2026-04-10")
    cli.ok("release", q5, "--date", "2026-04-25")
    q6 = cli.add(46, reported_on="2026-03-02", worker="周敏", risk="medium")
    for day, days in (("2026-04-07", "2"), ("2026-04-14", "1"), ("2026-04-21", "1")):
        cli.ok("record", "violation", q6, "--kind", "absence", "--days", days, "--date", day)
    cli.ok("record", "warning", q6, "--date", "2026-04-08")
    cli.ok("explain", q6, "warning", "2026-04-15", "--reason", "本人拒收", today="2026-04-16")
    cli.ok("record", "violation-report", q6, "--date", "2026-04-22")
    q7 = cli.add(47, measure="followup", released_on="2025-07-20", worker="吴刚")
    cli.ok("record", "followup", q7, "--outcome", "abstinent", "--date", "2026-04-25")

    data = stats(cli)
    ind, v = data["indicators"], values(data)
    # register on D2: Q1 clean, Q2 isolation, Q3 Q4 Q5 Q7 follow-up, Q6 detox
    assert v["registered"] == 7
    assert {s: v[f"registered.{s}"] for s in ("clean", "isolation", "followup", "detox", "rehab", "lost")} == \
        {"clean": 1, "isolation": 1, "followup": 4, "detox": 1, "rehab": 0, "lost": 0}
    assert v["caseload"] == 5                                     # Q3 Q4 Q5 Q7 (follow-up), Q6
    assert ind["caseload_ratio"]["value"] == round(5 / 30, 2)
    assert (ind["control_rate"]["numerator"], ind["control_rate"]["denominator"]) == (1, 1)   # Q6
    assert v["execution_rate"] is None                           # no report-in deadline in April
    # follow-up contact windows with a deadline in April: Q1 04-19, Q3 04-30, Q4 04-15, Q7 04-19
    assert {s: v[f"duty.followup.{s}"] for s in ("due", "on_time", "explained", "missed")} == \
        {"due": 4, "on_time": 2, "explained": 0, "missed": 2}
    assert v["duty.followup.rate"] == 0.5
    assert {s: v[f"escalation.warning.{s}"] for s in ("due", "on_time", "late", "explained", "open")} == \
        {"due": 2, "on_time": 1, "late": 0, "explained": 1, "open": 0}
    assert {s: v[f"escalation.violation-report.{s}"] for s in ("due", "on_time", "late", "explained", "open")} == \
        {"due": 1, "on_time": 1, "late": 0, "explained": 0, "open": 0}
    assert {s: v[f"escalation.release-suggestion.{s}"] for s in ("due", "on_time", "late", "explained", "open")} == \
        {"due": 1, "on_time": 0, "late": 1, "explained": 0, "open": 0}
    assert (v["serious_breaches"], v["absences"], v["absence_days"]) == (1, 3, 2 + 1 + 1)
    assert (v["releases"], v["tests"]) == (1, 0)
    # follow-up outcomes on D2: cohort Q1 Q2 Q3 Q4 Q5 Q7
    assert v["followup.cohort"] == 6
    assert {o: v[f"followup.latest.{o}"] for o in ("clean", "abstinent", "relapsed", "lost", "refused", "none")} == \
        {"clean": 1, "abstinent": 1, "relapsed": 1, "lost": 0, "refused": 1, "none": 2}
    assert (ind["abstinence_rate"]["numerator"], ind["abstinence_rate"]["denominator"]) == (2, 6)    # Q1 + Q7
    assert v["abstinence_rate"] == round(2 / 6, 4)
    assert (ind["relapse_rate_broad"]["numerator"], ind["relapse_rate_broad"]["denominator"]) == (2, 6)  # Q2 + Q3
    assert v["clean_3y"] == 1
    # follow-up started between 2023-04-30 and 2025-04-30: Q2 (relapsed) and Q4 (not relapsed); Q3 (05-01) is not
    assert (ind["clean_rate_1_3y"]["numerator"], ind["clean_rate_1_3y"]["denominator"], v["clean_rate_1_3y"]) == (1, 2, 0.5)
    period = ind["abstinence_period"]
    assert (period["count"], period["mean"], period["min"], period["max"]) == (1, round(448 / 365.25, 2), 1.23, 1.23)
    period = stats(cli, "--all-time")["indicators"]["abstinence_period"]
    assert (period["count"], period["min"], period["max"]) == (2, round(448 / 365.25, 2), round(685 / 365.25, 2))
    assert period["mean"] == round((685 / 365.25 + 448 / 365.25) / 2, 2)           # 1.55
    # breakdowns: per worker (caseload against 30:1), per measure, per risk
    by = stats(cli, "--by", "worker")["indicators"]
    assert {g: f["value"] for g, f in by["caseload"]["by"].items()} == {"周敏": 3, "吴刚": 2}
    assert {g: f["value"] for g, f in by["caseload_ratio"]["by"].items()} == {"周敏": 0.1, "吴刚": round(2 / 30, 2)}
    by = stats(cli, "--by", "measure")["indicators"]
    assert {g: f["value"] for g, f in by["registered"]["by"].items()} == {"后续照管": 5, "强制隔离戒毒": 1, "社区戒毒": 1}
    assert {g: f["value"] for g, f in by["absences"]["by"].items()} == {"后续照管": 0, "强制隔离戒毒": 0, "社区戒毒": 3}
    by = stats(cli, "--by", "risk")["indicators"]
    assert {g: f["value"] for g, f in by["registered"]["by"].items()} == {"低": 5, "中": 1, "高": 1}
    res = cli.ok("stats", "--from", D1, "--to", D2, "--format", "json", "--cases", "followup.latest.none")
    assert sorted(r["case"] for r in json.loads(res.stdout)["cases"]) == sorted([q4, q5])


OTHER_OFFICE = "另一镇社区戒毒（康复）工作办公室"


def change_place(sender: Cli, receiver: Cli, cid: str, to: str, applied: str, handed: str, received: str,
                 bundle) -> str:
    """A change of place: applied on `applied`, form the next day, approved the day after, archive handed over
    on `handed` into `bundle`, received by `receiver` on `received`; returns the case ID there."""
    from datetime import date, timedelta

    day = date.fromisoformat(applied)
    for i, args in enumerate((("apply", cid, "--to", to, "--reason", "随家人迁居"), ("form", cid, "--opinion", "同意"),
                              ("approve", cid, "--by", "某县公安局"))):
        d = (day + timedelta(days=i)).isoformat()
        sender.ok("transfer", *args, "--date", d, today=d)
    sender.ok("transfer", "handover", cid, "--date", handed, "--bundle", str(bundle), today=handed)
    return receiver.ok("transfer", "import", str(bundle), "--date", received, today=received).stdout.strip().splitlines()[-1]


def build_transfer(cli: Cli, tmp_path) -> tuple:
    """X's change of place from this store to another office's (the dates of
    test_transfer_between_two_offices_each_counts_its_own_days); returns (the other store's Cli, X's case ID)."""
    other = Cli(tmp_path / "other")
    other.ok("init", str(other.root), "--office", OTHER_OFFICE, store=False)
    x = cli.add(51, notified_on="2026-03-01", reported_on="2026-03-05")
    for day in ("2026-03-20", "2026-04-02"):
        cli.ok("record", "test", x, "--result", "negative", "--date", day)
    cli.ok("record", "visit", x, "--date", "2026-03-25")
    cli.ok("record", "support", x, "--kind", "assistance", "--amount", "100", "--date", "2026-04-03")
    bundle = tmp_path / "handover" / "x.bundle"
    assert change_place(cli, other, x, "另一镇", "2026-04-01", "2026-04-08", "2026-04-09", bundle) == x
    other.ok("transfer", "report-in", x, "--date", "2026-04-12")
    other.ok("record", "test", x, "--result", "negative", "--date", "2026-04-20")
    other.ok("record", "visit", x, "--date", "2026-05-02")
    other.ok("record", "support", x, "--kind", "medical", "--amount", "50", "--date", "2026-04-25")
    return other, x


def test_transfer_between_two_offices_each_counts_its_own_days(cli, tmp_path):
    """A change of place from office A (this store) to office B: the receiving store holds A's whole history,
    but each office counts only the days it was responsible for the person (README, Statistics): A up to and
    including its hand-over day, B from the day after (the person is on B's books from the receipt). Figures
    of the person on a day (register, caseload, control) come from one registration in a county; dated ones
    (windows by deadline, records by date) from each store for its own days, so the county is A + B and
    no duty counts twice.
    X detox, notified 03-01 (report-in due 03-16), reported 03-05 at A: monthly test, visit, report and education
    windows 03-05..04-04 (w1), 04-05..05-04 (w2), 05-05..06-04; intake evaluation 03-05..04-04; first quarterly
    evaluation 03-05..06-04. At A: tests 03-20 and 04-02 (both in w1), visit 03-25 (w1), assistance 100 元 on
    04-03. Change of place applied 04-01, form 04-02, approved 04-03, archive handed over 04-08 (A's last day);
    B receives it 04-09 (report-in there 04-12), tests 04-20 (w2), visits 05-02 (w2), medical aid 50 元 04-25.
    March:   A registers X (03-01), report-in on time (1/1), one test; B: X not yet on its books, nothing.
    04-01..04-08: A: X closed (handed over), w1 due (deadline 04-04 <= 04-08): test and visit on time, report,
             education and intake evaluation missed; one test (04-02), 100 元, one transfer out. B: nothing.
    04-01..05-31: A as above; B: X under detox, w2 due (05-04): test and visit on time, report and education
             missed; one test (04-20), 50 元, one transfer in; not a registration (A's, 03-01); the quarterly
             evaluation (06-04) is not due. County: X once (detox, in B), dated figures A + B: tests due 2,
             on time 2; reports due 2, missed 2; evaluation 1 missed; 2 tests; 150 元; one transfer in, one out."""
    a_name, b_name = OFFICE, OTHER_OFFICE
    other, x = build_transfer(cli, tmp_path)
    both = [cli.root, other.root]
    codes = ("registered", "registered.detox", "registered.closed", "caseload", "registrations", "tests",
             "duty.test.due", "duty.test.on_time", "duty.visit.due", "duty.visit.on_time", "duty.report.due",
             "duty.report.missed", "duty.education.missed", "duty.evaluation.due", "duty.evaluation.missed",
             "support.assistance.amount", "support.medical.amount", "transfers_in", "transfers_out")

    def fig(c, *period, stores=None):
        data = stats(c, *period, stores=stores)
        v = values(data)
        return {k: v[k] for k in codes if v[k]}, data

    march = ("--from", "2026-03-01", "--to", "2026-03-31")
    a, data = fig(cli, *march)
    assert a == {"registered": 1, "registered.detox": 1, "caseload": 1, "registrations": 1, "tests": 1}
    assert data["indicators"]["execution_rate"]["numerator"] == data["indicators"]["execution_rate"]["denominator"] == 1
    b, data = fig(other, *march)
    assert b == {} and data["indicators"]["execution_rate"]["denominator"] == 0
    assert fig(cli, *march, stores=both)[0] == a

    handover = ("--from", "2026-04-01", "--to", "2026-04-08")
    a_w1 = {"duty.test.due": 1, "duty.test.on_time": 1, "duty.visit.due": 1, "duty.visit.on_time": 1,
            "duty.report.due": 1, "duty.report.missed": 1, "duty.education.missed": 1, "duty.evaluation.due": 1,
            "duty.evaluation.missed": 1, "tests": 1, "support.assistance.amount": 100.0, "transfers_out": 1}
    assert fig(cli, *handover)[0] == {"registered": 1, "registered.closed": 1, **a_w1}
    assert fig(other, *handover)[0] == {}
    assert fig(cli, *handover, stores=both)[0] == {"registered": 1, "registered.closed": 1, **a_w1}

    spring = ("--from", "2026-04-01", "--to", "2026-05-31")
    assert fig(cli, *spring)[0] == {"registered": 1, "registered.closed": 1, **a_w1}
    assert fig(other, *spring)[0] == {
        "registered": 1, "registered.detox": 1, "caseload": 1, "tests": 1, "duty.test.due": 1, "duty.test.on_time": 1,
        "duty.visit.due": 1, "duty.visit.on_time": 1, "duty.report.due": 1, "duty.report.missed": 1,
        "duty.education.missed": 1, "support.medical.amount": 50.0, "transfers_in": 1}
    county, data = fig(cli, *spring, stores=both)
    assert county == {
        "registered": 1, "registered.detox": 1, "caseload": 1, "tests": 2, "duty.test.due": 2, "duty.test.on_time": 2,
        "duty.visit.due": 2, "duty.visit.on_time": 2, "duty.report.due": 2, "duty.report.missed": 2,
        "duty.education.missed": 2, "duty.evaluation.due": 1, "duty.evaluation.missed": 1,
        "support.assistance.amount": 100.0, "support.medical.amount": 50.0, "transfers_in": 1, "transfers_out": 1}
    assert data["duplicates"] == [{"counted": f"{b_name}:{x}", "also": [f"{a_name}:{x}"]}]
    by = stats(cli, *spring, "--by", "store", stores=both)["indicators"]
    assert {k: {g: f["value"] for g, f in by[k]["by"].items()} for k in ("registered", "duty.test.due", "tests",
                                                                          "transfers_in", "transfers_out")} == {
        "registered": {a_name: 0, b_name: 1}, "duty.test.due": {a_name: 1, b_name: 1}, "tests": {a_name: 1, b_name: 1},
        "transfers_in": {a_name: 0, b_name: 1}, "transfers_out": {a_name: 1, b_name: 0}}
    res = cli.ok("stats", *spring, "--format", "json", "--cases", "duty.test.due", "--store", str(cli.root),
                 "--store", str(other.root), store=False)          # each office's window, traced to its store
    assert sorted((r["store"], r["case"]) for r in json.loads(res.stdout)["cases"]) == sorted([(a_name, x), (b_name, x)])



def test_a_person_who_comes_back_by_change_of_place(cli, tmp_path):
    """X of build_transfer (at A 03-05..04-08, at B from 04-09) moves back: B applies 04-27, form 04-28,
    approved 04-29, hands over 05-06; A receives X into its existing folder 05-07 and tests 05-10. A's days
    are up to 04-08 and after 05-06 (its hand-over names A; B's does not), B's 04-09..05-06.
    Period 03-01..06-30 (windows w1 ends 04-04, w2 05-04, w3 06-04; the intake evaluation 04-04, the first
    quarterly one 06-04):
    A: X under detox again, registered by A (03-01); w1 and w3: tests on time (03-20, 05-10), visits 1 on
       time (03-25) of 2, reports and education 0 of 2, evaluations 0 of 2 (intake, quarterly); tests
       03-20, 04-02, 05-10; 100 元; one transfer out (04-08), one transfer in (05-07).
    B: X closed (handed back); w2: test (04-20) and visit (05-02) on time, report and education missed; test
       04-20; 50 元; transfer in 04-09, transfer out 05-06.
    County: X once (under detox, in A); A + B: test windows 3 (3 on time), visits 3 (2), reports 3 missed,
       4 tests, two transfers each way."""
    other, x = build_transfer(cli, tmp_path)
    bundle = tmp_path / "handover" / "back.bundle"
    assert change_place(other, cli, x, "测试镇", "2026-04-27", "2026-05-06", "2026-05-07", bundle) == x
    cli.ok("record", "test", x, "--result", "negative", "--date", "2026-05-10")
    period = ("--from", "2026-03-01", "--to", "2026-06-30")
    pick = ("registered.detox", "registered.closed", "registrations", "tests", "duty.test.due", "duty.test.on_time",
            "duty.visit.due", "duty.visit.on_time", "duty.report.missed", "duty.education.missed",
            "duty.evaluation.missed", "support.assistance.amount", "support.medical.amount", "transfers_in",
            "transfers_out")
    a, b = values(stats(cli, *period)), values(stats(other, *period))
    county = values(stats(cli, *period, stores=[cli.root, other.root]))
    assert {k: a[k] for k in pick} == {
        "registered.detox": 1, "registered.closed": 0, "registrations": 1, "tests": 3, "duty.test.due": 2,
        "duty.test.on_time": 2, "duty.visit.due": 2, "duty.visit.on_time": 1, "duty.report.missed": 2,
        "duty.education.missed": 2, "duty.evaluation.missed": 2, "support.assistance.amount": 100.0,
        "support.medical.amount": 0.0, "transfers_in": 1, "transfers_out": 1}
    assert {k: b[k] for k in pick} == {
        "registered.detox": 0, "registered.closed": 1, "registrations": 0, "tests": 1, "duty.test.due": 1,
        "duty.test.on_time": 1, "duty.visit.due": 1, "duty.visit.on_time": 1, "duty.report.missed": 1,
        "duty.education.missed": 1, "duty.evaluation.missed": 0, "support.assistance.amount": 0.0,
        "support.medical.amount": 50.0, "transfers_in": 1, "transfers_out": 1}
    assert {k: county[k] for k in pick} == {
        "registered.detox": 1, "registered.closed": 0, "registrations": 1, "tests": 4, "duty.test.due": 3,
        "duty.test.on_time": 3, "duty.visit.due": 3, "duty.visit.on_time": 2, "duty.report.missed": 3,
        "duty.education.missed": 3, "duty.evaluation.missed": 2, "support.assistance.amount": 100.0,
        "support.medical.amount": 50.0, "transfers_in": 2, "transfers_out": 2}


def test_receipt_on_the_hand_over_day(cli, tmp_path):
    """The hand-over day is the sending office's last day, the receipt its receiver's: Y (detox, reported 03-02
    at A) is tested at A on 04-08, handed over the same day and received by B the same day. April: A counts the
    test and the transfer out (Y closed there on D2); B only the transfer in (Y under detox there on D2); the
    county one of each, Y once (under detox, in B). The receiving clone's events file sorts before the
    sender's ("2222" < "zzzz"): a same-day receipt still follows its hand-over (the order of a day's records)."""
    other = Cli(tmp_path / "other")
    other.ok("init", str(other.root), "--office", OTHER_OFFICE, store=False)
    for c, origin in ((cli, "zzzz"), (other, "2222")):
        git(c.root, "config", "--local", "aftercare.origin", origin)
    y = cli.add(52, notified_on="2026-02-27", reported_on="2026-03-02")
    cli.ok("record", "test", y, "--result", "negative", "--date", "2026-04-08")
    assert change_place(cli, other, y, "另一镇", "2026-04-01", "2026-04-08", "2026-04-08", tmp_path / "y.bundle") == y
    assert sorted(p.name for p in (case_dir(other.root, y) / "events").iterdir()) == ["2026-2222.yaml", "2026-zzzz.yaml"]
    states = [json.loads(c.ok("show", y, "--format", "json", today="2026-04-08").stdout) for c in (cli, other)]
    assert [(r["status"], r["state"], r["period"]["closed_on"]) for r in states] == [
        ("transferred", "closed", "2026-04-08"), ("active", "detox", None)]
    pick = ("registered", "registered.detox", "registered.closed", "tests", "transfers_in", "transfers_out")
    a, b = values(stats(cli)), values(stats(other))
    county = values(stats(cli, stores=[cli.root, other.root]))
    assert [{k: v[k] for k in pick} for v in (a, b, county)] == [
        {"registered": 1, "registered.detox": 0, "registered.closed": 1, "tests": 1, "transfers_in": 0,
         "transfers_out": 1},
        {"registered": 1, "registered.detox": 1, "registered.closed": 0, "tests": 0, "transfers_in": 1,
         "transfers_out": 0},
        {"registered": 1, "registered.detox": 1, "registered.closed": 0, "tests": 1, "transfers_in": 1,
         "transfers_out": 1}]


def test_two_registrations_of_one_person_in_a_county(cli, tmp_path):
    """Two offices registered the same person on their own (no change of place). January..April 2026 (D2 04-30).
    P: office A, detox reported 01-05, test 01-20 (monthly test window 01-05..02-04: on time), terminated 03-01
       (its next window ends 03-04, after the close: not due); office B registered P anew, rehab reported 04-02
       (first test window 04-02..06-01: not due), test 04-10. The registrations do not overlap: P counts once
       (in B, open) and both offices' work counts: tests due 1 on time 1, tests 2, terminations 1, registrations
       2 (A's 01-05, B's 04-02).
    Q: office A, detox reported 02-01, tests 02-10 and 03-05 (windows ending 02-28, 03-31: on time; 04-30:
       missed); office B registered Q too, detox reported 03-10, nothing recorded (its window ending 04-09:
       missed). Both open: Q counts in A (more recorded) and B's work inside A's days is not counted again:
       the county has A's 3 test windows (2 on time), not B's.
    County: test windows 1 + 3 = 4, on time 1 + 2 = 3; tests 2 + 2 = 4; registered 2 (P in B, Q in A);
    registrations 2 + 1 (Q's registration at B, 03-10, falls in A's days).
    B alone: P (nothing due) and Q (04-09 missed): test windows 1, on time 0; tests 1; registered 2."""
    other = Cli(tmp_path / "other")
    other.ok("init", str(other.root), "--office", OTHER_OFFICE, store=False)
    p = cli.add(53, reported_on="2026-01-05")
    cli.ok("record", "test", p, "--result", "negative", "--date", "2026-01-20")
    cli.ok("terminate", p, "--reason", "imprisonment", "--date", "2026-03-01")
    p_b = other.add(53, measure="rehab", reported_on="2026-04-02")
    other.ok("record", "test", p_b, "--result", "negative", "--date", "2026-04-10")
    q = cli.add(54, reported_on="2026-02-01")
    for day in ("2026-02-10", "2026-03-05"):
        cli.ok("record", "test", q, "--result", "negative", "--date", day)
    other.add(54, reported_on="2026-03-10")
    period = ("--from", "2026-01-01", "--to", "2026-04-30")
    pick = ("registered", "duty.test.due", "duty.test.on_time", "tests", "terminations", "registrations")
    county = values(stats(cli, *period, stores=[cli.root, other.root]))
    assert {k: county[k] for k in pick} == {"registered": 2, "duty.test.due": 4, "duty.test.on_time": 3, "tests": 4,
                                            "terminations": 1, "registrations": 2 + 1}     # P twice, Q once (A's)
    b = values(stats(other, *period))
    assert {k: b[k] for k in pick} == {"registered": 2, "duty.test.due": 1, "duty.test.on_time": 0, "tests": 1,
                                       "terminations": 0, "registrations": 2}


def test_explained_follow_up_windows_by_hand(cli):
    """`duty.followup.explained`: follow-up windows (every 3 months in the first year, PATHWAY.md §2, fixed from
    the start) with a deadline in D1..D2 that are closed by an explanation dated by D2. April 2026, today 05-20.
    U1 follow-up from 2025-04-16: window 2026-01-16..04-15, no record; explained on 04-20 (after its deadline,
       within the period): due in April, explained.
    U2 follow-up from 2025-07-20: window 2026-01-20..04-19, explained only on 05-10 (after D2): as of D2 the
       explanation does not exist, so the window is missed.
    U3 follow-up from 2025-04-25: window 2026-01-25..04-24; a follow-up record on 04-12 was voided (never
       existed), then the window, overdue, was explained on 04-27: explained, not on time.
    U4 follow-up from 2025-03-20: window 2025-12-20..2026-03-19 explained on 04-02: the explanation is dated
       in April but the window's deadline is in March, so April does not count it (and March, whose D2 is
       03-31, sees it missed: the explanation came after that D2).
    April: due U1 U2 U3 = 3; explained U1 U3 = 2; missed U2 = 1; on time 0; rate 0 / 3 = 0.0.
    March: due U4 = 1, missed 1 (explained 0).
    With D2 = 05-31 (period 04-01..05-31): U1 U2 U3 due, all three explained (U2's explanation now exists);
    U4's window is still outside the period. The next windows (U1 07-15, U2 07-19, U3 07-24) are not due by then."""
    u1 = cli.add(61, measure="followup", released_on="2025-04-16")
    u2 = cli.add(62, measure="followup", released_on="2025-07-20")
    u3 = cli.add(63, measure="followup", released_on="2025-04-25")
    u4 = cli.add(64, measure="followup", released_on="2025-03-20")
    cli.ok("explain", u1, "followup", "2026-04-15", "--reason", "本人外出务工，电话未接通", today="2026-04-20")
    cli.ok("explain", u2, "followup", "2026-04-19", "--reason", "家属称其住院", today="2026-05-10")
    cli.ok("record", "followup", u3, "--outcome", "abstinent", "--date", "2026-04-12")
    rec = next(e["id"] for e in json.loads(cli.ok("show", u3, "--format", "json").stdout)["timeline"]
               if e["type"] == "followup")
    cli.ok("void", u3, rec, "--reason", "录入错误")
    cli.ok("explain", u3, "followup", "2026-04-24", "--reason", "本人拒绝见面，已告知家属", today="2026-04-27")
    cli.ok("explain", u4, "followup", "2026-03-19", "--reason", "本人在外地", today="2026-04-02")

    def followup(*period):
        ind = stats(cli, *period)["indicators"]
        return ({s: ind[f"duty.followup.{s}"]["value"] for s in ("due", "on_time", "explained", "missed")},
                (ind["duty.followup.rate"]["numerator"], ind["duty.followup.rate"]["denominator"]))

    assert followup() == ({"due": 3, "on_time": 0, "explained": 2, "missed": 1}, (0, 3))
    assert stats(cli)["indicators"]["duty.followup.rate"]["value"] == 0.0
    res = cli.ok("stats", "--from", D1, "--to", D2, "--format", "json", "--cases", "duty.followup.explained")
    assert sorted(r["case"] for r in json.loads(res.stdout)["cases"]) == sorted([u1, u3])
    res = cli.ok("stats", "--from", D1, "--to", D2, "--format", "json", "--cases", "duty.followup.missed")
    assert [r["case"] for r in json.loads(res.stdout)["cases"]] == [u2]
    assert followup("--from", "2026-03-01", "--to", "2026-03-31") == \
        ({"due": 1, "on_time": 0, "explained": 0, "missed": 1}, (0, 1))
    assert followup("--from", "2026-04-01", "--to", "2026-05-31") == \
        ({"due": 3, "on_time": 0, "explained": 3, "missed": 0}, (0, 3))
