"""Issue 11.2: a failed file operation is one Chinese line: the operating system's reason in Chinese words
(not "Not a directory", "No such file or directory"), naming the file the user asked for (not an internal
temporary `.tmp-….part` file). The user's own path may be named in the line, in whatever letters it has."""

from __future__ import annotations

import errno
import re

import pytest

from conftest import refused

from aftercare.cli.common import os_error_line

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _message(line: str, *paths) -> str:
    for p in paths:
        line = line.replace(str(p), "")
    return line


@pytest.mark.parametrize("argv", [
    ("render", "{cid}", "--out", "{file}/documents"),
    ("due", "--format", "csv", "--output", "{file}/agenda.csv"),
    ("case", "list", "--format", "xlsx", "--output", "{file}/register.xlsx"),
])
def test_an_output_under_a_file_is_refused_in_chinese(cli, tmp_path, argv):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    args = [a.format(cid=cid, file=blocker) for a in argv]
    line = refused(cli, *args)
    assert ".part" not in line, line
    assert "路径中有一段不是文件夹" in line, line
    given = args[args.index("--out" if "--out" in args else "--output") + 1]
    assert given in line, line                                    # the path the user gave, not a temporary file
    assert not LATIN_WORD.search(_message(line, given, blocker, cid)), line


def test_init_in_an_impossible_place_is_refused_in_chinese(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    res = cli("init", str(blocker / "store"), store=False)
    assert res.exit_code == 1
    [line] = res.stderr.strip().splitlines()
    assert line.startswith("错误：")
    assert "路径中有一段不是文件夹" in line, line
    assert not LATIN_WORD.search(_message(line, blocker / "store")), line


@pytest.mark.parametrize("code, words", [
    (errno.ENOENT, "文件或文件夹不存在"),
    (errno.ENOTDIR, "路径中有一段不是文件夹"),
    (errno.EACCES, "没有权限"),
    (errno.EPERM, "没有权限（操作不被允许）"),
    (errno.EEXIST, "已存在同名的文件或文件夹"),
    (errno.EISDIR, "这是一个文件夹，不是文件"),
    (errno.EROFS, "只读文件系统，不能写入"),
    (errno.ENAMETOOLONG, "文件名或路径太长"),
])
def test_the_common_os_errors_read_in_chinese(code, words):
    line = os_error_line(OSError(code, "English words", "/srv/x.csv"))
    assert line == f"错误：文件操作失败（/srv/x.csv）：{words}"


def test_a_full_disk_says_nothing_was_changed():
    line = os_error_line(OSError(errno.ENOSPC, "No space left on device", "/srv/x.csv"))
    assert line == "错误：磁盘空间已满（/srv/x.csv）；未做任何更改，请腾出空间后重试"


def test_an_unusual_os_error_keeps_the_systems_words_in_parentheses():
    line = os_error_line(OSError(errno.ECHILD, "No child processes", "/srv/x.csv"))
    assert line == "错误：文件操作失败（/srv/x.csv）：操作系统报告错误（No child processes）"
