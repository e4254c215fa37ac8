"""The case store through the command line: register, record, refusals, nothing lost, check, log, sync."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from aftercare.core.ids import id_check_digit
from conftest import Cli, committed, git, person, refused, staff, case_dir, case_path

TODAY = "2026-05-20"


@pytest.fixture
def case(cli) -> str:
    staff(cli, "李娟", "王强")
    return cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05", worker="李娟", phone="13800000000")


def status_clean(root: Path) -> bool:
    return git(root, "status", "--porcelain") == ""




# ---------------------------------------------------------------- init


def test_init_creates_store_with_first_commit(cli):
    root = cli.root
    assert (root / "aftercare.yaml").is_file() and (root / ".gitignore").is_file()
    assert cli.commits() == 1
    assert "out/" in (root / ".gitignore").read_text()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "aftercare.yaml").stat().st_mode) == 0o600


def test_init_refuses_existing_store(cli):
    res = cli("init", str(cli.root), store=False)
    assert res.exit_code == 1 and "已经是" in res.stderr
    assert cli.commits() == 1


def test_store_found_from_subfolder_and_env(cli, case, monkeypatch):
    sub = case_dir(cli.root, case)
    monkeypatch.chdir(sub)
    res = cli("case", "list", store=False)
    assert res.exit_code == 0 and case in res.stdout
    monkeypatch.chdir(cli.root.parent)
    monkeypatch.setenv("AFTERCARE_STORE", str(cli.root))
    res = cli.runner.invoke(__import__("aftercare.cli", fromlist=["app"]).app, ["case", "list"],
                            env={"AFTERCARE_TODAY": TODAY, "AFTERCARE_STORE": str(cli.root)})
    assert res.exit_code == 0 and case in res.stdout
    monkeypatch.delenv("AFTERCARE_STORE")
    res = cli("case", "list", store=False)
    assert res.exit_code == 1 and "找不到案卷库" in res.stderr


# ---------------------------------------------------------------- case add


def test_case_add_derives_birth_and_sex_and_prints_id_last(cli):
    name, idn = person(7)
    res = cli.ok("case", "add", "--name", name, "--id-number", idn, "--measure", "rehab", "--term-months", "24",
                 "--notified-on", "2026-04-01", "--decision-no", "X公(X)决字[2026]第7号", "--household", "nonlocal",
                 "--risk", "medium")
    cid = res.stdout.strip().splitlines()[-1]
    assert cid == "2026-0001"
    data = yaml.safe_load((case_dir(cli.root, cid) / "case.yaml").read_text())
    assert data["birth_date"].isoformat() == "1990-01-01" and data["sex"] == "男"
    assert data["term_months"] == 24 and data["decision"]["number"] == "X公(X)决字[2026]第7号"
    assert stat.S_IMODE((case_dir(cli.root, cid) / "case.yaml").stat().st_mode) == 0o600
    assert stat.S_IMODE((case_dir(cli.root, cid)).stat().st_mode) == 0o700
    assert cli.add(8) == "2026-0002"
    assert cli.add(9, id="JD-001") == "JD-001"


@pytest.mark.parametrize("args,fragment", [
    (["--id-number", "430421199001010015"], "校验位"),
    (["--id-number", "4304211990010100"], "位数"),
    (["--id-number", "43042119901301001" + id_check_digit("43042119901301001")], "出生日期"),
    (["--measure", "jail"], "措施"),
    (["--household", "mars"], "户籍"),
    (["--risk", "extreme"], "风险"),
    (["--reported-on", "2026-02-30"], "真实存在"),
    (["--reported-on", "03/05"], "无法识别"),          # 2026/03/05 is accepted since issue 10 item 8; no year is ambiguous
    (["--reported-on", "2027-01-01"], "之后"),
    (["--notified-on", "2026-03-10", "--reported-on", "2026-03-05"], "早于"),
    (["--term-months", "40", "--measure", "rehab"], "期限"),
    (["--term-months", "24"], "社区戒毒期限"),
    (["--id", "a/b"], "不合规"),
    (["--id", ".."], "不合规"),
    (["--id", "a b"], "不合规"),
    (["--id", "a\x01b"], "不合规"),
    (["--name", ""], "姓名"),
])
def test_case_add_refusals(cli, args, fragment):
    name, idn = person(3)
    base = {"--name": name, "--id-number": idn, "--measure": "detox"}
    argv = ["case", "add"]
    opts = dict(base)
    it = iter(args)
    for k in it:
        opts[k] = next(it)
    for k, v in opts.items():
        argv += [k, v]
    msg = refused(cli, *argv)
    assert fragment in msg
    assert not case_dir(cli.root, "2026-0001").exists()


def test_duplicate_person_and_duplicate_id_refused(cli, case):
    name, idn = person(1)
    assert "重复登记" in refused(cli, "case", "add", "--name", "别名", "--id-number", idn, "--measure", "detox")
    name2, idn2 = person(2)
    assert "已被使用" in refused(cli, "case", "add", "--name", name2, "--id-number", idn2, "--measure", "detox",
                               "--id", case)


# ---------------------------------------------------------------- record


RECORDS = [
    ["record", "test", "{c}", "--date", "2026-05-10", "--result", "negative", "--method", "urine", "--by", "王警官"],
    ["record", "visit", "{c}", "--date", "2026-05-11", "--kind", "home", "--note", "家中情况稳定"],
    ["record", "report", "{c}", "--date", "2026-05-12"],
    ["record", "education", "{c}", "--date", "2026-05-12", "--note", "法治教育"],
    ["record", "support", "{c}", "--date", "2026-05-13", "--kind", "assistance", "--amount", "500", "--note", "临时救助"],
    ["record", "evaluation", "{c}", "--date", "2026-05-14", "--result", "稳定", "--risk", "medium"],
    ["record", "violation", "{c}", "--date", "2026-05-15", "--kind", "absence", "--days", "3"],
    ["record", "family-change", "{c}", "--date", "2026-05-16", "--note", "母亲病重"],
    ["record", "warning", "{c}", "--date", "2026-05-16"],
    ["record", "violation-report", "{c}", "--date", "2026-05-17"],
    ["record", "release-suggestion", "{c}", "--date", "2026-05-18"],
]


def test_every_record_kind_makes_one_commit_without_personal_data(cli, case):
    name, idn = person(1)
    n = cli.commits()
    for argv in RECORDS:
        res = cli.ok(*[a.format(c=case) for a in argv])
        n += 1
        assert cli.commits() == n
        assert status_clean(cli.root)
        subject = git(cli.root, "log", "-1", "--format=%s")
        assert case in subject and argv[1] in subject
        assert "已记录" in res.stdout
    messages = git(cli.root, "log", "--format=%B")
    assert name not in messages and idn not in messages and "13800000000" not in messages
    shown = json.loads(cli.ok("show", case, "--format", "json").stdout)
    types = [e["type"] for e in shown["timeline"]]
    for argv in RECORDS:
        assert argv[1] in types
    assert shown["risk"] == "medium" and shown["violations"]["absence_days"] == 3


@pytest.mark.parametrize("argv,fragment", [
    (["record", "test", "NOPE", "--result", "negative"], "没有编号"),
    (["record", "test", "../etc", "--result", "negative"], "不合规"),
    (["record", "test", "{c}", "--date", "2026-13-01", "--result", "negative"], "真实存在"),
    (["record", "test", "{c}", "--date", "2026-05-21", "--result", "negative"], "之后"),
    (["record", "test", "{c}", "--date", "2026-03-01", "--result", "negative"], "早于报到"),
    (["record", "test", "{c}", "--result", "maybe"], "检测结果"),
    (["record", "test", "{c}", "--result", "negative", "--method", "breath"], "检测方式"),
    (["record", "test", "{c}", "--result", "pending"], "委托"),
    (["record", "test", "{c}", "--result", "refused", "--makeup"], "补检"),
    (["record", "test", "{c}", "--date", "2026-03-20", "--result", "negative", "--makeup"], "没有可补检"),
    (["record", "visit", "{c}", "--kind", "dream"], "访谈方式"),
    (["record", "support", "{c}", "--kind", "study", "--amount", "五百"], "不是数字"),
    (["record", "support", "{c}", "--kind", "gift"], "帮扶类别"),
    (["record", "evaluation", "{c}", "--kind", "monthly"], "评估类别"),
    (["record", "violation", "{c}", "--kind", "absence", "--days", "two"], "不是整数"),
    (["record", "violation", "{c}", "--kind", "theft"], "违规类别"),
    (["record", "report-in", "{c}", "--date", "2026-05-01"], "重复报到"),
    (["record", "family-change", "{c}", "--note", ""], "家庭重大变故"),
    (["explain", "{c}", "visit", "2026-06-04", "--reason", "x"], "尚未到期"),
    (["explain", "{c}", "visit", "2026-04-05", "--reason", "x"], "没有期限"),
])
def test_record_refusals(cli, case, argv, fragment):
    msg = refused(cli, *[a.format(c=case) for a in argv])
    assert fragment in msg


def test_record_before_report_in_and_before_decision(cli):
    cid = cli.add(4, decided_on="2026-04-01", notified_on="2026-04-02")
    assert "尚未报到" in refused(cli, "record", "visit", cid, "--date", "2026-04-10")
    assert "早于决定书" in refused(cli, "record", "report-in", cid, "--date", "2026-04-01")
    cli.ok("record", "report-in", cid, "--date", "2026-04-03")


def test_explain_closes_overdue_item(cli, case):
    res = cli.ok("explain", case, "visit", "2026-04-04", "--reason", "本人住院治疗，无法访谈")
    assert "已记录情况说明" in res.stdout
    items = json.loads(cli.ok("due", "--case", case, "--format", "json").stdout)
    assert ("visit", "2026-04-04") not in {(i["kind"], i["deadline"]) for i in items}
    shown = json.loads(cli.ok("show", case, "--format", "json").stdout)
    assert shown["compliance"]["visit"]["explained"] == 1 and shown["gaps"][0]["reason"].startswith("本人住院")


# 社区戒毒 reported 2026-03-05: the first windows of test, visit, report and education are 03-05..04-04 and the
# intake evaluation is due by 04-04 (1 month); all overdue on 05-20. `explain` takes the Chinese words of the
# item kinds, the same table as `record` (model.WORDS), and names the item in Chinese in its reply.
@pytest.mark.parametrize("word,label", [("检测", "吸毒检测"), ("尿检", "吸毒检测"), ("家访", "见面访谈/家访"),
                                        ("走访", "见面访谈/家访"), ("谈话", "见面访谈/家访"), ("报告", "定期报告"),
                                        ("教育", "帮教、劝诫"), ("帮教", "帮教、劝诫"), ("评估", "评估")])
def test_explain_takes_the_chinese_word_of_a_kind(cli, case, word, label):
    res = committed(cli, "explain", case, word, "2026-04-04", "--reason", "本人住院治疗")
    assert f"{label}（期限 2026-04-04）" in res.stdout
    kind = {"吸毒检测": "test", "见面访谈/家访": "visit", "定期报告": "report", "帮教、劝诫": "education",
            "评估": "evaluation"}[label]
    shown = json.loads(cli.ok("show", case, "--format", "json").stdout)
    assert shown["compliance"][kind]["explained"] == 1
    assert [(g["kind"], g["deadline"]) for g in shown["gaps"]] == [(kind, "2026-04-04")]


def test_explain_refuses_a_word_it_does_not_know_with_the_accepted_forms(cli, case):
    msg = refused(cli, "explain", case, "探望", "2026-04-04", "--reason", "x")
    assert msg.startswith("错误：事项类别“探望”无效，应为：")
    for form in ("test（吸毒检测）", "visit（见面访谈/家访）", "检测", "家访", "谈话", "报告", "教育"):
        assert form in msg, form


# ---------------------------------------------------------------- nothing lost


def test_twenty_concurrent_writers_lose_nothing(cli, case):
    env = dict(os.environ, AFTERCARE_TODAY=TODAY)
    procs = [subprocess.Popen([sys.executable, "-m", "aftercare", "record", "visit", case, "--date", "2026-05-19",
                               "--note", f"第{i}次", "--store", str(cli.root)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(20)]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0] * 20, [p.stderr.read().decode() for p in procs]
    shown = json.loads(cli.ok("show", case, "--format", "json").stdout)
    visits = [e for e in shown["timeline"] if e["type"] == "visit"]
    assert len(visits) == 20
    assert sorted(e["summary"] for e in visits) == sorted(f"见面访谈；第{i}次" for i in range(20))
    assert git(cli.root, "rev-list", "--count", "HEAD", "--", f"{case_path(case)}/events") == "21"  # + report-in
    assert status_clean(cli.root)


def test_failed_commit_without_identity_leaves_store_as_before(cli, case, tmp_path, monkeypatch):
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "none"))
    monkeypatch.setenv("EMAIL", "")
    files = sorted(str(p) for p in cli.root.rglob("*") if ".git" not in p.parts)
    data = {p: Path(p).read_bytes() for p in files if Path(p).is_file()}
    msg = refused(cli, "record", "visit", case)
    assert "git" in msg and "用户名" in msg
    assert sorted(str(p) for p in cli.root.rglob("*") if ".git" not in p.parts) == files
    assert all(Path(p).read_bytes() == b for p, b in data.items())


def test_failed_commit_with_locked_index_leaves_store_as_before(cli, case):
    lock = cli.root / ".git" / "index.lock"
    # a git command at work holds its lock file open (one that no process holds is stale: cleared)
    holder = subprocess.Popen(["sh", "-c", f"exec 3>'{lock}'; sleep 60"])
    for _ in range(100):
        if lock.exists():
            break
        __import__("time").sleep(0.05)
    before = {p: p.read_bytes() for p in cli.root.rglob("*.yaml")}
    try:
        res = cli("record", "visit", case)
    finally:
        holder.kill()
        holder.wait()
    assert res.exit_code == 1 and "index.lock" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    lock.unlink()
    assert {p: p.read_bytes() for p in cli.root.rglob("*.yaml")} == before
    assert status_clean(cli.root)


def _run_cli(root: Path, *args: str, timeout: float = 20):
    env = dict(os.environ, AFTERCARE_TODAY=TODAY)
    return subprocess.run([sys.executable, "-m", "aftercare", *args, "--store", str(root)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_alias_bomb_refused_without_expansion(cli, case):
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        bomb.append(f"{chr(97 + i)}: &{chr(97 + i)} [*{chr(96 + i)},*{chr(96 + i)},*{chr(96 + i)},*{chr(96 + i)},"
                    f"*{chr(96 + i)},*{chr(96 + i)},*{chr(96 + i)},*{chr(96 + i)},*{chr(96 + i)}]")
    path = case_dir(cli.root, case) / "case.yaml"
    path.write_text("\n".join(bomb) + "\n")
    res = _run_cli(cli.root, "due")       # a timeout here would mean the bomb went off
    assert res.returncode == 1
    assert f"{case_path(case)}/case.yaml:1:" in res.stderr and "别名" in res.stderr


def test_huge_value_refused(cli, case):
    path = case_dir(cli.root, case) / "events" / "2026-zzzz.yaml"
    path.write_text("- id: big\n  type: visit\n  date: 2026-05-01\n  note: \"" + "x" * (10 * 1024 * 1024) + "\"\n")
    res = _run_cli(cli.root, "show", case)
    assert res.returncode == 1 and "文件过大" in res.stderr and "2026-zzzz.yaml:1:" in res.stderr


# ---------------------------------------------------------------- check and broken files


def test_check_silent_when_clean(cli, case):
    res = cli("check")
    assert res.exit_code == 0 and res.output == ""


def test_broken_yaml_reported_with_path_and_line_everywhere(cli, case):
    cli.ok("record", "visit", case, "--date", "2026-05-19")
    ev = next((case_dir(cli.root, case) / "events").glob("*.yaml"))
    lines = ev.read_text().splitlines()
    lines.insert(6, "  date: [unclosed")
    ev.write_text("\n".join(lines) + "\n")
    rel = f"{case_path(case)}/events/{ev.name}"
    res = cli("check")
    assert res.exit_code == 1
    assert res.stdout.splitlines()[0].startswith(f"{rel}:")
    line_no = int(res.stdout.splitlines()[0].split(":")[1])
    assert 6 <= line_no <= 8
    for argv in (["due"], ["show", case], ["case", "list"], ["record", "visit", case]):
        r = cli(*argv)
        assert r.exit_code == 1 and r.stderr.startswith(f"{rel}:"), (argv, r.stderr)
        assert "Traceback" not in r.output


def test_check_reports_every_problem(cli, case):
    other = cli.add(2, reported_on="2026-03-05")
    (case_dir(cli.root, case) / "case.yaml").write_text(
        (case_dir(cli.root, case) / "case.yaml").read_text().replace('measure: "detox"', 'measure: "jail"'))
    ev = next((case_dir(cli.root, other) / "events").glob("*.yaml"))
    ev.write_text(ev.read_text() + '- id: "x1"\n  type: "teleport"\n  date: 2026-04-01\n')
    (ev.parent / "2026-hand.yaml").write_text('- id: "x2"\n  type: "visit"\n  date: 2026-04-31\n')
    res = cli("check")
    assert res.exit_code == 1
    out = res.stdout.splitlines()
    assert any(l.startswith(f"{case_path(case)}/case.yaml:") and "jail" in l for l in out)
    assert any(l.startswith(f"{case_path(other)}/events/") and "teleport" in l for l in out)
    assert any(l.startswith(f"{case_path(other)}/events/2026-hand.yaml:3:") and "2026-04-31" in l for l in out)


def test_malformed_rule_override_gives_path_line(cli, case):
    cfg = cli.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text().replace("rules: []", "rules:\n  - duties:\n      test:\n        schedule:\n"
                                           "          detox: [{months: 12, every: 5}]"))
    res = cli("due")
    assert res.exit_code == 1 and res.stderr.startswith("aftercare.yaml:") and "规则" in res.stderr


# ---------------------------------------------------------------- list, show, log


def test_case_list_filters_and_json(cli, case):
    other = cli.add(2, worker="王强")
    res = cli.ok("case", "list")
    assert case in res.stdout and other in res.stdout and "共 2 人" in res.stdout
    rows = json.loads(cli.ok("case", "list", "--worker", "李娟", "--format", "json").stdout)
    assert [r["case"] for r in rows] == [case] and rows[0]["status"] == "active"
    rows = json.loads(cli.ok("case", "list", "--status", "awaiting", "--format", "json").stdout)
    assert [r["case"] for r in rows] == [other]
    assert "状态" in refused(cli, "case", "list", "--status", "jail")


def test_log_shows_author_and_actions(cli, case):
    cli.ok("record", "test", case, "--date", "2026-05-10", "--result", "negative")
    res = cli.ok("log", case)
    assert "测试员" in res.stdout and f"Record test for {case} on 2026-05-10 (negative)" in res.stdout
    assert "Initialise" not in res.stdout
    assert "Initialise" in cli.ok("log").stdout


def test_show_json_facts(cli, case):
    shown = json.loads(cli.ok("show", case, "--format", "json").stdout)
    assert shown["period"]["start"] == "2026-03-05" and shown["period"]["last_day"] == "2029-03-04"
    assert shown["status"] == "active" and shown["compliance"]["test"]["overdue"] == 2


# ---------------------------------------------------------------- sync


def second_clone(cli, tmp_path) -> Cli:
    """Give the store a bare remote, push to it, and clone a second office's copy."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git(cli.root, "remote", "add", "origin", str(bare))
    assert "推送" in cli.ok("sync").stdout
    other = tmp_path / "clone2"
    subprocess.run(["git", "clone", "-q", str(bare), str(other)], check=True)
    return Cli(other)


def test_two_clones_record_same_case_and_sync_without_conflict(cli, case, tmp_path):
    b = second_clone(cli, tmp_path)
    other = b.root
    cli.ok("record", "visit", case, "--date", "2026-05-18", "--note", "甲地记录")
    cli.ok("record", "test", case, "--date", "2026-05-18", "--result", "negative")
    b.ok("record", "visit", case, "--date", "2026-05-19", "--note", "乙地记录")
    b.ok("record", "education", case, "--date", "2026-05-19")
    cli.ok("sync")
    b.ok("sync")
    cli.ok("sync")
    for store in (cli, b):
        shown = json.loads(store.ok("show", case, "--format", "json").stdout)
        notes = sorted(e["summary"] for e in shown["timeline"] if e["type"] == "visit")
        assert notes == ["见面访谈；乙地记录", "见面访谈；甲地记录"]
        assert {"test", "education"} <= {e["type"] for e in shown["timeline"]}
        assert status_clean(store.root)
        assert store("check").exit_code == 0
    assert git(cli.root, "rev-parse", "HEAD") == git(other, "rev-parse", "HEAD")


def test_sync_without_remote_is_refused(cli, case):
    assert "远程仓库" in refused(cli, "sync")


# ---------------------------------------------------------------- help and README


def _commands():
    from aftercare.cli import full_app
    import typer.main

    group = typer.main.get_command(full_app())
    out = []
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            out += [(f"{name} {sub}", c) for sub, c in cmd.commands.items()]
        else:
            out.append((name, cmd))
    return out


def test_every_command_has_help_and_is_in_readme():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    cmds = _commands()
    assert len(cmds) > 30
    for name, cmd in cmds:
        assert (cmd.help or "").strip(), f"{name} has no help text"
        assert f"aftercare {name}" in readme, f"{name} missing from README"


def test_help_runs_fast_enough_to_be_usable():
    res = subprocess.run([sys.executable, "-m", "aftercare", "--help"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0 and "due" in res.stdout


def test_case_numbers_continue_across_synced_clones(cli, case, tmp_path):
    b = second_clone(cli, tmp_path)
    assert b.add(5) == "2026-0002"
    b.ok("sync")
    cli.ok("sync")
    assert cli.add(6) == "2026-0003"


def test_same_new_case_number_on_two_clones_is_renumbered_on_sync(cli, case, tmp_path):
    b = second_clone(cli, tmp_path)
    other = b.root
    name_a, idn_a = person(11)
    name_b, idn_b = person(12)
    a_id = cli.add(11, reported_on="2026-05-01")
    b_id = b.add(12, reported_on="2026-05-02")
    assert a_id == b_id == "2026-0002"
    cli.ok("record", "visit", a_id, "--date", "2026-05-10", "--note", "甲")
    b.ok("record", "visit", b_id, "--date", "2026-05-11", "--note", "乙")
    cli.ok("sync")
    res = b.ok("sync")
    assert "已改为 2026-0003" in res.stdout
    cli.ok("sync")
    for store in (cli, b):
        assert store("check").exit_code == 0
        assert git(store.root, "status", "--porcelain") == ""
        first = json.loads(store.ok("show", "2026-0002", "--format", "json").stdout)
        second = json.loads(store.ok("show", "2026-0003", "--format", "json").stdout)
        assert (first["id_number"], second["id_number"]) == (idn_a, idn_b)
        assert [e["summary"] for e in first["timeline"] if e["type"] == "visit"] == ["见面访谈；甲"]
        assert [e["summary"] for e in second["timeline"] if e["type"] == "visit"] == ["见面访谈；乙"]
    assert git(cli.root, "rev-parse", "HEAD") == git(other, "rev-parse", "HEAD")


def test_case_set_keeps_comments_and_hand_fields(cli, case):
    path = case_dir(cli.root, case) / "case.yaml"
    path.write_text(path.read_text() + "# 手工补充\nethnicity: \"汉族\"  # 民族\n")
    git(cli.root, "commit", "-qam", f"Complete case {case} by hand")
    cli.ok("case", "set", case, "--phone", "no", "--worker", "王强", "--address", "21:00")
    text = path.read_text()
    assert "# 手工补充" in text and "# 民族" in text and "# 社区戒毒（康复）人员基本信息" in text
    data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    assert (data["phone"], data["worker"], data["address"], data["ethnicity"]) == ("no", "王强", "21:00", "汉族")
    assert git(cli.root, "log", "-1", "--format=%s") == f"Update case {case}: phone, address, worker"
    rows = json.loads(cli.ok("case", "list", "--worker", "王强", "--format", "json").stdout)
    assert [r["case"] for r in rows] == [case]
    assert "没有要修改" in refused(cli, "case", "set", case)
    assert "相同" in refused(cli, "case", "set", case, "--worker", "王强")
    assert "风险等级" in refused(cli, "case", "set", case, "--risk", "extreme")
    assert "没有编号" in refused(cli, "case", "set", "NOPE", "--phone", "1")


def test_init_inside_another_repository_makes_its_own(tmp_path):
    outer = tmp_path / "outer"
    outer.mkdir()
    subprocess.run(["git", "init", "-q", str(outer)], check=True)
    c = Cli(outer / "store")
    c.ok("init", str(c.root), store=False)
    assert (c.root / ".git").is_dir() and c.commits() == 1
    assert git(outer, "rev-list", "--all", "--count") == "0"


def test_split_indexes_stay_split_and_clean_through_records_and_sync(cli, case, tmp_path, monkeypatch):
    """Two offices whose git indexes were split by their first commits (a county's store: the threshold
    lowered here to 0 bytes) record the same person and sync both ways: every record in both, nothing
    uncommitted, the indexes still split."""
    from aftercare.store import gitops
    from test_gitops_commit import index_is_split

    monkeypatch.setattr(gitops, "SPLIT_BYTES", 0)
    b = second_clone(cli, tmp_path)
    cli.ok("record", "visit", case, "--date", "2026-05-18", "--note", "甲地记录")
    b.ok("record", "visit", case, "--date", "2026-05-19", "--note", "乙地记录")
    assert index_is_split(cli.root / ".git") and index_is_split(b.root / ".git")
    cli.ok("sync")
    b.ok("sync")
    cli.ok("sync")
    for store in (cli, b):
        shown = json.loads(store.ok("show", case, "--format", "json").stdout)
        assert sorted(e["summary"] for e in shown["timeline"] if e["type"] == "visit") == ["见面访谈；乙地记录",
                                                                                         "见面访谈；甲地记录"]
        assert status_clean(store.root) and store("check").exit_code == 0 and index_is_split(store.root / ".git")
    assert git(cli.root, "rev-parse", "HEAD") == git(b.root, "rev-parse", "HEAD")
