"""One language: every usage error of every command is one Chinese line (exit 2), help pages are Chinese."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from aftercare.cli import full_app
from aftercare.cli.usage import _type_of

app = full_app()

HAN = re.compile(r"[\u4e00-\u9fff]")
runner = CliRunner()


def _walk(cmd, path):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _walk(sub, path + [name])


COMMANDS = list(_walk(typer.main.get_command(app), []))
LEAVES = [(p, c) for p, c in COMMANDS if not hasattr(c, "commands")]
GROUPS = [(p, c) for p, c in COMMANDS if hasattr(c, "commands")]


def ids(items):
    return [" ".join(p) or "aftercare" for p, _ in items]


def english_words(line: str, path: list) -> list:
    """English words left once option names, command names and the program's name are taken out."""
    rest = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", line)
    for word in sorted(path + ["aftercare"], key=len, reverse=True):
        rest = rest.replace(word, " ")
    rest = re.sub(r"“[^”]*”", " ", rest)            # the user's own text, quoted back
    return re.findall(r"[A-Za-z]{2,}", rest)


def usage_error(argv: list, path: list, *, exit_code: int = 2) -> str:
    res = runner.invoke(app, argv)
    assert res.exit_code == exit_code, (argv, res.exit_code, res.output)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, (argv, res.stderr)
    line = lines[0]
    assert line.startswith("错误：") and HAN.search(line[3:]), (argv, line)
    assert not english_words(line, path), (argv, line)
    assert res.stdout == "", (argv, res.stdout)
    return line


def required(cmd):
    return [p for p in cmd.params if p.required]


def filler(cmd, leave_out=None) -> list:
    """Arguments and required options with placeholder values, leaving one out."""
    argv = []
    for p in cmd.params:
        if p is leave_out or not p.required:
            continue
        if p.param_type_name == "argument":
            argv.append("x")
        else:
            argv += [p.opts[0], "1"]
    return argv


@pytest.mark.parametrize("path,cmd", LEAVES + GROUPS, ids=ids(LEAVES + GROUPS))
def test_unknown_option_is_one_chinese_line(path, cmd):
    line = usage_error(path + ["--bogus-option"], path)
    assert "--bogus-option" in line and "-h" in line


@pytest.mark.parametrize("path,cmd", LEAVES, ids=ids(LEAVES))
def test_each_missing_required_parameter_is_named_in_chinese(path, cmd):
    params = required(cmd)
    if not params:
        pytest.skip("no required parameter")
    args = [p for p in params if p.param_type_name == "argument"]
    for p in params:
        if p.param_type_name == "argument" and p is not args[-1]:
            continue      # positional: only the last one can be left out while the others are given
        line = usage_error(path + filler(cmd, leave_out=p), path)
        if p.param_type_name == "option":
            assert max(p.opts, key=len) in line and "缺少必填的选项" in line, line
        else:
            assert "缺少参数" in line, line


@pytest.mark.parametrize("path,cmd", LEAVES, ids=ids(LEAVES))
def test_option_without_its_value_and_bad_numbers(path, cmd):
    valued = [p for p in cmd.params if p.param_type_name == "option" and not p.is_flag and p.name != "help"]
    for p in valued:
        line = usage_error(path + filler(cmd) + [p.opts[0]], path)
        assert "需要一个值" in line, line
    for p in valued:
        if _type_of(p)[0] == "integer":          # click's param.type (typer < 0.29) or typer's type_descriptor
            args = [a for a in filler(cmd, leave_out=p)]
            line = usage_error(path + args + [p.opts[0], "abc"], path)
            assert "应为整数" in line, line


@pytest.mark.parametrize("path,cmd", GROUPS, ids=ids(GROUPS))
def test_misspelt_command_suggests_the_right_one(path, cmd):
    name = next(iter(cmd.commands))
    typo = name[:-1] + ("x" if name[-1] != "x" else "y")
    line = usage_error(path + [typo], path + [typo] + list(cmd.commands))
    assert "没有命令" in line
    if len(name) > 3:
        assert f"可能是：{name}" in line or name in line, line


def test_extra_argument_is_refused_in_chinese():
    line = usage_error(["show", "2026-0001", "surplus"], ["show"])
    assert "多余的参数“surplus”" in line


def test_bare_group_prints_chinese_help_and_exits_2():
    for argv in ([], ["case"], ["record"]):
        res = runner.invoke(app, argv)
        assert res.exit_code == 2
        assert res.stderr.startswith("用法：aftercare") and "命令：" in res.stderr


BOILERPLATE = ("Usage", "Options", "Arguments", "Commands", "[required]", "Show this message", "<str>", "TEXT",
               "INTEGER", "PATH", "[default", "Try ")


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=ids(COMMANDS))
def test_help_pages_are_chinese(path, cmd):
    res = runner.invoke(app, path + ["--help"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert out.startswith("用法：aftercare") and "显示本帮助并退出" in out
    for word in BOILERPLATE:
        assert word not in out, (path, word)
    for p in cmd.params:
        if p.required and p.param_type_name == "option":
            assert f"{max(p.opts, key=len)} " in out and "必填" in out


def test_help_shows_chinese_metavars():
    out = runner.invoke(app, ["record", "test", "--help"]).stdout
    assert "用法：aftercare record test [选项] 个案编号" in out
    assert "--date 日期" in out and "--result 结果" in out and "[必填]" in out
    out = runner.invoke(app, ["due", "--help"]).stdout
    assert "--within 天数" in out and "--case 个案编号" in out and "默认：table" in out


def test_help_describes_arguments_and_groupings():
    # an argument's own description (typer < 0.26 on click >= 8.5 loses it unless read from the declaration)
    out = runner.invoke(app, ["void", "--help"]).stdout
    assert "记录编号  要撤销的记录编号（aftercare show 时间线中的编号）  [必填]" in out
    out = runner.invoke(app, ["stats", "--help"]).stdout
    assert "--by 分组" in out and "--by 姓名" not in out          # stats --by groups; it names no person


def test_help_fits_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    from aftercare.cli.text import width

    for path, _ in COMMANDS:
        out = runner.invoke(app, path + ["-h"]).stdout
        assert max(width(ln) for ln in out.splitlines()) <= 80, path
