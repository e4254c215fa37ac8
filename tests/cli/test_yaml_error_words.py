"""Attack (issues 9.9, 9.10, 11.2): hand-edited and git-restored files.

A hand-edit mistake is reported as `path:line: message` — in Chinese: today the message is libyaml's English
("could not find expected ':'", "found a tab character that violates indentation", ...).
"""

from __future__ import annotations

import re

import pytest

from conftest import git

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("bad", [
    '- id: "x\n  type: visit\n',          # an unclosed quote
    "- id: x\n\ttype: visit\n",           # a tab for indentation
    "- id: x\n type: visit\n",            # a wrong indentation
    "- id: x\n  note: a: b\n",            # a colon inside a value
])
def test_a_yaml_syntax_mistake_is_reported_in_chinese(cli, bad):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    [f] = (cli.root / "cases" / cid / "events").glob("*.yaml")
    f.write_text(f.read_text() + bad)
    git(cli.root, "commit", "-qam", "hand edit")
    res = cli("check")
    assert res.exit_code == 1
    [line] = [l for l in res.output.splitlines() if l.startswith("cases/")]
    message = line.split(": ", 1)[1]        # after `path:line`
    assert not LATIN_WORD.search(message.replace("YAML", "")), line   # today: 'YAML 格式错误：found a tab character…'
