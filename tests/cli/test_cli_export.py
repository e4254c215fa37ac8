"""Exports: ICS checked by two parsers (icalendar, ics), CSV bytes for Excel, xlsx read back with openpyxl."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date

import pytest

from conftest import person, staff


@pytest.fixture
def agenda(cli):
    staff(cli, "李娟", "王强")
    a = cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05", worker="李娟")
    b = cli.add(2, measure="rehab", notified_on="2026-05-01", worker="王强")
    cli.ok("record", "test", a, "--date", "2026-05-12", "--result", "positive")
    return a, b


def items(cli, *args):
    return json.loads(cli.ok("due", "--format", "json", *args).stdout)


def test_ics_is_valid_for_two_parsers_with_all_day_events(cli, agenda):
    text = cli.ok("due", "--format", "ics").stdout
    got = items(cli)
    from icalendar import Calendar

    cal = Calendar.from_ical(text)
    assert str(cal["VERSION"]) == "2.0" and "aftercare" in str(cal["PRODID"])
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == len(got) and not [c for c in cal.walk() if c.name == "VTODO"]
    for ev in events:
        assert ev.get("dtstamp") is not None and ev.get("uid")
        start = ev.decoded("dtstart")
        assert type(start) is date                                      # all day, not a time
        assert (ev.decoded("dtend") - start).days == 1
    assert sorted(e.decoded("dtstart").isoformat() for e in events) == sorted(i["deadline"] for i in got)
    assert len({str(e["uid"]) for e in events}) == len(events)

    import ics

    second = ics.Calendar(text)
    assert len(second.events) == len(got)
    assert sorted(e.begin.date().isoformat() for e in second.events) == sorted(i["deadline"] for i in got)
    assert all(e.all_day for e in second.events)


def test_ics_todo_on_request(cli, agenda):
    text = cli.ok("due", "--format", "ics", "--ics-todo").stdout
    got = items(cli)
    from icalendar import Calendar

    todos = [c for c in Calendar.from_ical(text).walk() if c.name == "VTODO"]
    assert len(todos) == len(got)
    assert all(t.get("dtstamp") is not None and t.decoded("due").isoformat() in {i["deadline"] for i in got} for t in todos)
    import ics

    assert len(ics.Calendar(text).todos) == len(got)


def test_ics_keeps_names_and_health_details_out_unless_asked(cli, agenda):
    a, b = agenda
    name_a = person(1)[0]
    plain = cli.ok("due", "--format", "ics").stdout
    from icalendar import Calendar

    unfold = "".join(str(c.get("description", "")) + str(c.get("summary", "")) for c in Calendar.from_ical(plain).walk())
    assert name_a not in unfold and "阳性" not in unfold
    assert "报送违法/违规行为报告" in unfold and "应办：" in unfold and "依据：" in unfold
    detailed = cli.ok("due", "--format", "ics", "--detail").stdout
    unfold = "".join(str(c.get("description", "")) + str(c.get("summary", "")) for c in Calendar.from_ical(detailed).walk())
    assert name_a in unfold and "阳性" in unfold
    assert "--detail" in cli("due", "--detail").stderr


def test_ics_uid_survives_a_suspension_that_moves_the_deadline(cli):
    a = cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05")
    from icalendar import Calendar

    def uids(day):
        text = cli.ok("due", "--format", "ics", "--on", day, "--within", "60", today=day).stdout
        return {str(e["uid"]): e.decoded("dtstart") for e in Calendar.from_ical(text).walk() if e.name == "VEVENT"}

    before = uids("2026-05-20")
    cli.ok("suspend", a, "--date", "2026-05-21", "--reason", "detention", today="2026-05-21")
    cli.ok("resume", a, "--date", "2026-05-31", today="2026-05-31")
    after = uids("2026-05-31")
    # the 3rd monthly test window (2026-05-05 … 2026-06-04) is open across the suspension: 10 days later
    uid = next(u for u, d in before.items() if d == date(2026, 6, 4) and ".test-" in u)
    assert after[uid] == date(2026, 6, 14)


def test_csv_opens_in_excel(cli, agenda):
    res = cli.ok("due", "--format", "csv")
    data = res.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["个案编号", "姓名", "工作人员", "事项", "状态", "期限", "开始日期", "依据", "文书", "期限暂定"]
    got = items(cli)
    assert len(rows) == len(got)
    words = {"overdue": "逾期", "due": "待办", "upcoming": "即将到期"}
    assert [r["状态"] for r in rows] == [words[i["status"]] for i in got]
    assert rows[0]["事项"] == got[0]["label"] and "report-in" not in data.decode("utf-8-sig")
    reg = cli.ok("case", "list", "--format", "csv").stdout_bytes
    assert reg.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(reg.decode("utf-8-sig"))))
    assert lines[0][:5] == ["个案编号", "姓名", "措施", "工作人员", "状态"] and {r[2] for r in lines[1:]} == {"社区戒毒", "社区康复"}


def test_xlsx_reads_back(cli, agenda, tmp_path):
    from openpyxl import load_workbook

    res = cli.ok("due", "--format", "xlsx")
    wb = load_workbook(io.BytesIO(res.stdout_bytes))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    got = items(cli)
    assert rows[0][:4] == ("个案编号", "姓名", "工作人员", "事项") and len(rows) == len(got) + 1
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    assert ws.column_dimensions["H"].width > ws.column_dimensions["E"].width      # the rule is wider than the status
    for i, it in enumerate(got, start=2):
        marked = ws.cell(i, 1).fill.fgColor.rgb.endswith("FFC7CE")
        assert marked == (it["status"] == "overdue")
    out = tmp_path / "名册.xlsx"
    cli.ok("case", "list", "--format", "xlsx", "--output", str(out))
    reg = list(load_workbook(out).active.iter_rows(values_only=True))
    assert reg[0][0] == "个案编号" and len(reg) == 3


def test_heavy_imports_load_only_where_used(tmp_path):
    env = {**os.environ}
    # the modules are listed by an exit handler: the program ends its process itself (cli.leave)
    code = ("import atexit, sys, runpy; sys.argv = ['aftercare'] + sys.argv[1:]\n"
            "heavy = ('openpyxl', 'icalendar', 'pypinyin', 'jinja2', 'weasyprint', 'rich')\n"
            "atexit.register(lambda: sys.stderr.write('HEAVY=' + ','.join(m for m in heavy if m in sys.modules)))\n"
            "runpy.run_module('aftercare', run_name='__main__')\n")
    res = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert res.stderr.strip().endswith("HEAVY="), res.stderr
