"""staff add / list / remove and the checked --worker (issue 10 item 4)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import Cli, committed, git, person, refused, staff


def roster(cli) -> list:
    return json.loads(cli.ok("staff", "list", "--format", "json").stdout)


def test_add_list_remove(cli):
    assert "名单为空" in cli.ok("staff", "list").stdout
    cfg = cli.root / "aftercare.yaml"
    res = committed(cli, "staff", "add", "李娟", "--phone", "13800000000")
    assert "李娟" in res.stdout
    committed(cli, "staff", "add", "王强", "--role", "police")
    assert roster(cli) == [{"name": "李娟", "role": "worker", "phone": "13800000000", "cases": 0},
                           {"name": "王强", "role": "police", "phone": "", "cases": 0}]
    text = cfg.read_text()
    assert "# 工作人员：name 姓名" in text and "# aftercare 案卷库配置" in text       # comments kept
    assert yaml.safe_load(text)["staff"][0] == {"name": "李娟", "role": "worker", "phone": "13800000000"}
    assert "李娟" not in git(cli.root, "log", "-1", "--format=%B")                 # no name in a commit message
    out = cli.ok("staff", "list").stdout
    assert "专职社工" in out and "社区民警" in out and "共 2 人" in out
    committed(cli, "staff", "remove", "王强")
    assert [r["name"] for r in roster(cli)] == ["李娟"]


def test_refusals(cli):
    staff(cli, "李娟")
    assert "已在名单上" in refused(cli, "staff", "add", "李娟")
    assert "职务" in refused(cli, "staff", "add", "王强", "--role", "boss")
    assert "姓名不能为空" in refused(cli, "staff", "add", " ")
    assert refused(cli, "staff", "remove", "李绢") == "错误：没有工作人员“李绢”；是否指：李娟？"
    cid = cli.add(1, worker="李娟")
    msg = refused(cli, "staff", "remove", "李娟")
    assert cid in msg and "case set" in msg
    committed(cli, "staff", "add", "王强")
    committed(cli, "case", "set", cid, "--worker", "王强")
    committed(cli, "staff", "remove", "李娟")


def test_every_worker_option_is_checked(cli):
    staff(cli, "李娟", "王强")
    expected = "错误：没有工作人员“李绢”；是否指：李娟？"
    name, idn = person(2)
    assert refused(cli, "case", "add", "--name", name, "--id-number", idn, "--measure", "detox", "--worker", "李绢") == expected
    cid = cli.add(3, worker="李娟")
    assert refused(cli, "case", "set", cid, "--worker", "李绢") == expected
    assert refused(cli, "case", "list", "--worker", "李绢") == expected
    assert refused(cli, "due", "--worker", "李绢") == expected
    far = refused(cli, "due", "--worker", "张三")
    assert "李娟、王强" in far and "staff add" in far
    assert [r["case"] for r in json.loads(cli.ok("case", "list", "--worker", "李娟", "--format", "json").stdout)] == [cid]


def test_an_empty_list_says_how_to_fill_it(cli):
    msg = refused(cli, "due", "--worker", "李娟")
    assert "名单为空" in msg and "aftercare staff add 李娟" in msg


def test_hand_written_entries_stay_valid(cli):
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("staff: []", "staff:\n  - {name: 周俊辉, role: 专职社工}\n  - 韩强"))
    git(cli.root, "commit", "-qam", "staff by hand")
    assert roster(cli) == [{"name": "周俊辉", "role": "专职社工", "phone": "", "cases": 0},
                           {"name": "韩强", "role": "", "phone": "", "cases": 0}]
    cli.add(1, worker="韩强")
    committed(cli, "staff", "add", "邓飞桂", "--role", "police")
    assert [r["name"] for r in roster(cli)] == ["周俊辉", "韩强", "邓飞桂"]


def test_the_shipped_demo_store_names_only_listed_workers(tmp_path):
    demo = Path(__file__).resolve().parents[2] / "cases"
    copy = tmp_path / "demo"
    shutil.copytree(demo, copy)
    names = {r["name"] for r in json.loads(Cli(copy).ok("staff", "list", "--format", "json").stdout)}
    workers = {yaml.safe_load(p.read_text())["worker"] for p in (copy / "cases").glob("*/*/case.yaml")}
    assert workers and workers <= names


@pytest.mark.slow
def test_aftercare_demo_names_only_listed_workers(tmp_path):
    d = Cli(tmp_path / "demo")
    d.ok("demo", str(d.root), store=False)
    rows = json.loads(d.ok("staff", "list", "--format", "json").stdout)
    workers = {yaml.safe_load(p.read_text())["worker"] for p in (d.root / "cases").glob("*/*/case.yaml")}
    assert workers and workers <= {r["name"] for r in rows}
    for w in workers:
        d.ok("due", "--worker", w)
