"""Attack (issue 11.2): a failed file operation is one Chinese line. Today the operating system's English
words are printed inside it ("Not a directory", "No such file or directory"), and the `--output` error
names an internal temporary file (`.tmp-….part`) instead of the file the user asked for."""

from __future__ import annotations

import re

import pytest

from conftest import refused

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
    assert ".part" not in line, line                              # today: …/.tmp-43wm38mr.part
    assert not LATIN_WORD.search(_message(line, blocker, cid)), line   # today: …：Not a directory


def test_init_in_an_impossible_place_is_refused_in_chinese(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    res = cli("init", str(blocker / "store"), store=False)
    assert res.exit_code == 1
    [line] = res.stderr.strip().splitlines()
    assert line.startswith("错误：")
    assert not LATIN_WORD.search(_message(line, blocker / "store")), line   # today: …：Not a directory
