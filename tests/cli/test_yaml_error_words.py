"""Issues 9.9, 9.10, 11.2: a hand-edit mistake in a YAML file is reported as `path:line: message` in
Chinese (libyaml's English — "could not find expected ':'", "found a tab character that violates
indentation", ... — is translated; a problem the table does not know keeps the original in parentheses)."""

from __future__ import annotations

import re

import pytest

from conftest import git, case_dir

from aftercare.store.yamlio import YamlProblem, parse, yaml_words

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("bad, words", [
    ('- id: "x\n  type: visit\n', "引号没有闭合"),          # an unclosed quote
    ("- id: x\n\ttype: visit\n", "用了制表符（跳格键）"),       # a tab for indentation
    ("- id: x\n type: visit\n", "缩进不一致"),               # a wrong indentation
    ("- id: x\n  note: a: b\n", "此处不能出现“键: 值”"),      # a colon inside a value
])
def test_a_yaml_syntax_mistake_is_reported_in_chinese(cli, bad, words):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    [f] = (case_dir(cli.root, cid) / "events").glob("*.yaml")
    f.write_text(f.read_text() + bad)
    git(cli.root, "commit", "-qam", "hand edit")
    res = cli("check")
    assert res.exit_code == 1
    [line] = [l for l in res.output.splitlines() if l.startswith("cases/")]
    # after `path:line`, before the hint (`提示：…`, which names the command `git checkout` to run)
    message, hint = line.split(": ", 1)[1].split("  提示：")
    assert hint == "用编辑器打开该行修正格式，或用 git checkout 恢复该文件", line
    assert not LATIN_WORD.search(message.replace("YAML", "")), line
    assert message.startswith("YAML 格式错误：" + words), line


@pytest.mark.parametrize("text", ["a: [1, 2\n", "a: {b: 1\n", 'a: "\\q"\n', "@a: 1\n", "a: b\n- c\n", "? a\n? b\nc",
                                  "[a, b]]\n", "a: &\n", "a: x\n\t\n"])
def test_the_usual_libyaml_problems_have_chinese_words(text):
    with pytest.raises(YamlProblem) as caught:
        parse(text.encode(), "cases/x.yaml")
    message = caught.value.problem.message
    assert message.startswith("YAML 格式错误：") and not LATIN_WORD.search(message.replace("YAML", "")), message


def test_a_problem_the_table_does_not_know_keeps_the_original_words():
    assert yaml_words("found something new") == "无法识别的格式问题（found something new）"
