"""Tables that fit the terminal (80 columns), colour only on a terminal, quiet pipes, due --limit / --brief."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date

import pytest
from rich.console import Console

from aftercare.cli import present
from aftercare.cli.output import console_sink, table, terminal_sink, to_text
from aftercare.cli.text import width, wrap
from aftercare.core.model import DueItem
from aftercare.views.agenda import AgendaLine
from conftest import staff

DAY = date(2026, 5, 20)
LONG = "第2年每2个月吸毒检测1次（第17期 2026-03-25至2026-05-24）；漏检可于2026-08-24前补检，并请同时核对委托检测结果"


def line(status, deadline, kind="test", basis=LONG, name="测试人", worker="王工作员"):
    it = DueItem("2026-0001", kind, deadline, None, basis, 8, key=f"{kind}:1").with_status(status)
    return AgendaLine(it, name, worker)


LINES = [line("overdue", date(2026, 5, 10)), line("due", DAY, "visit"), line("due", date(2026, 5, 30), "report"),
         line("upcoming", date(2026, 6, 30), "education")]


def render(console, fn, *args):
    sink = console_sink(console)
    fn(sink, *args)
    sink.flush()
    return console.file.getvalue()


def plain_console(cols=80):
    return Console(width=cols, file=io.StringIO(), force_terminal=False, color_system=None)


@pytest.mark.parametrize("cols", [80, 100, 60])
def test_agenda_fits_the_width_and_never_wraps_to_column_0(cols):
    out = render(plain_console(cols), present.agenda, LINES, DAY)
    rows = out.splitlines()
    assert max(width(r) for r in rows) <= cols
    for r in rows:
        # every line is a heading, the header, the rule, a row starting with its date, or indented
        assert (r == "" or r.startswith(("【", "期限", "─", "2026-", " "))), r
    text = "".join(r.strip() for r in rows)
    assert "漏检可于2026-08-24前补检，并请同时核对委托检测结果" in text.replace(" ", "")     # the rule survives whole


def test_wide_terminal_keeps_one_line_per_item():
    out = render(plain_console(250), present.agenda, LINES, DAY)
    assert sum(1 for r in out.splitlines() if LONG in r) == 4


def test_colours_on_a_terminal_only():
    tty = Console(width=80, file=io.StringIO(), force_terminal=True, color_system="standard")
    out = render(tty, present.agenda, LINES, DAY)
    assert any("\x1b[31m" in r and "2026-05-10" in r for r in out.splitlines())    # overdue: red
    assert not any("\x1b[31m" in r and d in r for r in out.splitlines() for d in ("2026-05-20", "2026-05-30", "2026-06-30"))
    assert any("\x1b[1m" in r and "2026-05-20" in r for r in out.splitlines())      # due today: bold
    assert any("\x1b[2m" in r and "2026-06-30" in r for r in out.splitlines())      # upcoming: dim
    assert not any("\x1b[" in r and "2026-05-30" in r for r in out.splitlines())    # due later: plain
    no_color = Console(width=80, file=io.StringIO(), force_terminal=True, color_system="standard", no_color=True)
    assert "\x1b[3" not in render(no_color, present.agenda, LINES, DAY)
    assert "\x1b[" not in render(plain_console(), present.agenda, LINES, DAY)


def test_terminal_sink_respects_no_color_and_pipes(monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)
    assert (terminal_sink().color, terminal_sink().cols) == (False, None)
    monkeypatch.setenv("COLUMNS", "80")
    assert terminal_sink().cols == 80


def test_table_folds_a_column_under_its_row_when_wrapping_is_not_enough():
    rows = [["2026-0001", "甲" * 30, "乙" * 30]]
    out = to_text(table, ["编号", "甲列", "说明"], rows, flex=(1,), fold=2, cols=40)
    lines = out.splitlines()
    assert max(width(x) for x in lines) <= 40
    assert "".join(x.strip() for x in lines if x.startswith("    ")).count("乙") == 30
    assert all(x.startswith(("编号", "─", "2026-0001", " ")) for x in lines)


def test_wrap_keeps_latin_words_and_cjk_width():
    assert wrap("abc defg 一二三四", 8) == ["abc defg", "一二三四"]
    assert wrap("abc defgh 一二", 8) == ["abc", "defgh 一", "二"]
    assert all(width(x) <= 8 for x in wrap("第2年每2个月吸毒检测1次（第17期 2026-03-25至2026-05-24）", 8))


def test_brief_is_one_line_per_person(cli):
    staff(cli, "李娟", "王强")
    a = cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05", worker="李娟")
    b = cli.add(2, measure="rehab", notified_on="2026-05-01", worker="王强")
    out = cli.ok("due", "--brief").stdout.splitlines()
    # b: notified 05-01 → report-in overdue since 05-16 (4 days on 05-20); violation report due 05-20, this week
    mine = [x for x in out if x.startswith(b)]
    assert len(mine) == 1
    assert "逾期：报到（4天）" in mine[0] and "本周：" in mine[0] and "（5月20日）" in mine[0]
    assert sum(1 for x in out if x.startswith(a)) <= 1
    assert out[-1].startswith("2026-05-20：") and "本周至 2026-05-24" in out[-1]
    assert "--brief" in cli("due", "--brief", "--format", "json").stderr


def test_limit_cuts_after_sorting(cli):
    cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05")
    cli.add(2, measure="rehab", notified_on="2026-05-01")
    full = json.loads(cli.ok("due", "--format", "json").stdout)
    cut = json.loads(cli.ok("due", "--format", "json", "--limit", "2").stdout)
    assert cut == full[:2] and len(full) > 2
    out = cli.ok("due", "--limit", "1").stdout
    assert f"另有 {len(full) - 1} 项未列出" in out
    assert "--limit" in cli("due", "--limit", "0").stderr


def test_limit_applies_to_brief_as_persons(cli):
    # three people notified 05-01 who never reported in: each has the report-in overdue since 05-16
    # (4 days on 05-20), one overdue item each, so the brief's order is by case ID
    ids = [cli.add(seed, measure="rehab", notified_on="2026-05-01") for seed in (1, 2, 3)]
    full = cli.ok("due", "--brief").stdout.splitlines()
    assert [x.split()[0] for x in full[:-1]] == ids
    out = cli.ok("due", "--brief", "--limit", "2").stdout.splitlines()
    assert out[:-1] == full[:2]                       # the first two persons, lines unchanged
    assert out[-1] == "2026-05-20：3 人有事项，其中 3 人有逾期（本周至 2026-05-24）；另有 1 人未列出（--limit）"
    assert cli.ok("due", "--brief", "--limit", "3").stdout.splitlines() == full       # nobody left out: no note
    assert "--limit" in cli("due", "--brief", "--limit", "0").stderr


def test_commands_fit_80_columns_through_the_cli(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    staff(cli, "李娟")
    a = cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05", worker="李娟", address="某某县某某镇某某村" * 4)
    cli.ok("record", "visit", a, "--date", "2026-05-10", "--note", "家中情况稳定，母亲反映本人近期按时上班，情绪平稳" * 2)
    for argv in (["due"], ["case", "list"], ["show", a], ["log"], ["due", "--brief"]):
        out = cli.ok(*argv).stdout
        assert max(width(x) for x in out.splitlines()) <= 80, (argv, out)
        assert "\x1b[" not in out


def test_log_speaks_chinese_and_keeps_the_commit_message(cli):
    a = cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05")
    cli.ok("record", "test", a, "--date", "2026-05-10", "--result", "negative")
    cli.ok("record", "visit", a, "--date", "2026-05-11", "--kind", "home")
    out = cli.ok("log", "--limit", "3").stdout
    assert f"记录 {a} 吸毒检测（阴性） 2026-05-10" in out
    assert f"Record test for {a} on 2026-05-10 (negative)" in out
    assert f"记录 {a} 见面访谈/家访（家访） 2026-05-11" in out
    assert f"登记个案 {a}（社区戒毒）" in out


def test_describe_unknown_subject_is_other():
    from aftercare.cli.auditlog import describe

    assert describe("Something new") == "其他操作"
    assert describe("Record test for 2026-0002 on 2026-05-10 (refused, makeup)") == "记录 2026-0002 吸毒检测（拒绝检测，补检） 2026-05-10"
    assert describe("Suspend case 2026-0002 on 2026-05-10 (arrest)") == "中止 2026-0002（逮捕） 2026-05-10"


def test_due_into_a_closed_pipe_is_quiet(cli):
    cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05")
    env = {**os.environ, "AFTERCARE_TODAY": "2026-05-20"}
    proc = subprocess.Popen([sys.executable, "-m", "aftercare", "due", "--within", "400", "--store", str(cli.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()                       # the reader is gone before anything is written (| head, quitting less)
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert err == "" and proc.returncode in (0, 141)
