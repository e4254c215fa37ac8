"""find (names, pinyin initials, case IDs, ID-number and phone fragments), names for CASE, shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from aftercare.core.ids import fictional_id_number
from conftest import HAN, committed, refused


def add(cli, name, idn, **opts):
    argv = ["case", "add", "--name", name, "--id-number", idn, "--measure", "detox"]
    for k, v in opts.items():
        argv += ["--" + k.replace("_", "-"), v]
    return cli.ok(*argv).stdout.strip().splitlines()[-1]


@pytest.fixture
def register(cli):
    import random
    from datetime import date

    rng = random.Random(7)
    a = add(cli, "张某某", fictional_id_number(rng, date(1990, 1, 1), "男"), phone="139 1234 5678",
            reported_on="2026-03-05")
    b = add(cli, "曾小明", fictional_id_number(rng, date(1985, 6, 1), "男"), phone="13800001111", reported_on="2026-03-05")
    c = add(cli, "李梅", fictional_id_number(rng, date(1992, 2, 2), "女"), reported_on="2026-03-05")
    d = add(cli, "李梅", fictional_id_number(rng, date(1993, 3, 3), "女"), reported_on="2026-03-05")
    return a, b, c, d


def found(cli, text):
    return [(r["case"], r["matched"]) for r in json.loads(cli.ok("find", text, "--format", "json").stdout)]


def test_find_by_every_key(cli, register):
    a, b, c, d = register
    assert found(cli, "zmm") == [(a, "拼音首字母")]
    assert found(cli, "ZMM") == [(a, "拼音首字母")]
    assert found(cli, "zxm") == [(b, "拼音首字母")] and found(cli, "cxm") == [(b, "拼音首字母")]   # 曾: zeng / ceng
    assert found(cli, "zhang") == [(a, "拼音")]
    assert found(cli, "小明") == [(b, "姓名")]
    assert found(cli, "李梅") == [(c, "姓名"), (d, "姓名")]
    assert found(cli, a) == [(a, "个案编号")]
    assert found(cli, "5678") == [(a, "电话")]                 # phones match without their spaces
    idn = json.loads(cli.ok("show", b, "--format", "json").stdout)["id_number"]
    assert (b, "身份证号") in found(cli, idn[6:14])
    assert found(cli, "567") == []                              # under 4 digits: too vague to be a number search
    out = cli.ok("find", "zmm").stdout
    assert "张某某" in out and "共 1 人" in out


def test_find_refusals(cli, register):
    assert "没有找到" in refused(cli, "find", "nobody")
    assert "要查找的内容" in refused(cli, "find", " ")


def test_a_unique_name_stands_for_its_case(cli, register):
    a = register[0]
    res = committed(cli, "record", "visit", "张某某", "--date", "2026-05-10")
    assert f"按姓名“张某某”找到个案 {a}" in res.stderr
    assert json.loads(cli.ok("show", "张某某", "--format", "json").stdout)["case"] == a
    assert {i["case"] for i in json.loads(cli.ok("due", "--case", "张某某", "--format", "json").stdout)} == {a}


def test_ambiguous_or_unknown_names_are_refused(cli, register):
    c, d = register[2:]
    line = refused(cli, "record", "visit", "李梅", "--date", "2026-05-10")
    assert c in line and d in line and "个案编号" in line
    assert "没有姓名为“王五”" in refused(cli, "show", "王五")


def complete(cli, shell, words, cword=None):
    env = {**os.environ, "_AFTERCARE_COMPLETE": f"complete_{shell}"}
    line = " ".join(words)
    if shell == "bash":
        env.update(COMP_WORDS=line, COMP_CWORD=str(cword if cword is not None else len(words) - 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = line
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    res = subprocess.run([sys.executable, "-m", "aftercare", *words[1:]], capture_output=True, text=True, env=env,
                         cwd=cli.root, timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_completion_offers_case_ids_and_names_from_the_store(cli, register):
    a, b, c, d = register
    assert complete(cli, "bash", ["aftercare", "show", "2026-000"]).split() == [a, b, c, d]
    assert complete(cli, "bash", ["aftercare", "record", "test", a[:-1]]).split() == [x for x in register if x.startswith(a[:-1])]
    zsh = complete(cli, "zsh", ["aftercare", "due", "--case", "2026"])
    assert all(x in zsh for x in register)
    fish = complete(cli, "fish", ["aftercare", "show", "张"])
    assert fish.split("\t") == ["张某某", f"{a}\n"] or fish.strip() == f"张某某\t{a}"


def test_completion_offers_staff_names(cli, register):
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("staff: []", 'staff:\n  - {name: "李娟", role: worker}\n  - "王强"'),
                   encoding="utf-8")
    assert complete(cli, "bash", ["aftercare", "due", "--worker", ""]).split() == ["李娟", "王强"]
    assert complete(cli, "bash", ["aftercare", "due", "--worker", "王"]).split() == ["王强"]


def test_stats_grouping_is_not_completed_with_staff_names(cli, register):
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("staff: []", 'staff:\n  - "王强"'), encoding="utf-8")
    assert "王强" not in complete(cli, "bash", ["aftercare", "stats", "--by", ""])
    assert complete(cli, "bash", ["aftercare", "record", "visit", register[0], "--by", ""]).split() == ["王强"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(cli, shell):
    out = cli.ok("completion", shell, store=False).stdout
    assert "_AFTERCARE_COMPLETE" in out and f"complete_{shell}" in out
    res = cli("completion", "tcsh", store=False)
    assert res.exit_code == 1 and res.stderr.startswith("错误：") and HAN.search(res.stderr)
