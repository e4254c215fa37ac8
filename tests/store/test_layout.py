"""Issue 16: case folders in buckets (cases/<ID without its last two characters>xx/<ID>/), and stores of
the old layout (cases/<ID>/): read unchanged, moved by the first write in one commit of their own, two
clones on different layouts syncing without conflict, a killed move finished or undone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import Cli, case_dir, case_path, git, person, show_json
from test_sync_same_file import _pair

MOVE = "Move case folders into buckets (store layout 2): {n} case{s}"


def _old_layout(root: Path) -> None:
    """Every case folder back to cases/<ID>/, committed: a store as the program before buckets wrote it."""
    for bucket in sorted((root / "cases").iterdir()):
        for folder in sorted(bucket.iterdir()):
            if folder.name != bucket.name:
                git(root, "mv", str(folder.relative_to(root)), "cases/")
        own = bucket / bucket.name              # an ID ending in "xx" is its bucket's name: its files move up
        for item in sorted(own.iterdir()) if own.exists() else ():
            git(root, "mv", str(item.relative_to(root)), str(bucket.relative_to(root)))
        if own.exists():
            own.rmdir()
        if not any(bucket.iterdir()):
            bucket.rmdir()
    git(root, "commit", "-qm", "Written by the program before buckets")


def _folders(root: Path) -> list:
    """The folders directly in cases/ (buckets, or old-layout case folders)."""
    return sorted(p.name for p in (root / "cases").iterdir())


def _events(root: Path) -> list:
    """Every record of every events file in the work tree: (case ID, file name, record id), sorted."""
    out = []
    for f in (root / "cases").rglob("events/*.yaml"):
        for r in yaml.safe_load(f.read_text(encoding="utf-8")) or []:
            out.append((f.parent.parent.name, f.name, r["id"]))
    return sorted(out)


def _blobs(root: Path, rev: str) -> list:
    """The blob ids of every file of a commit, sorted (what a move must keep byte for byte)."""
    return sorted(line.split()[2] for line in git(root, "ls-tree", "-r", rev).splitlines())


def _store(cli: Cli) -> list:
    """Three persons with records (2026-0001 … 2026-0003)."""
    ids = [cli.add(seed, notified_on="2026-03-02", reported_on="2026-03-05") for seed in (1, 2, 3)]
    cli.ok("record", "visit", ids[0], "--date", "2026-04-10", "--note", "首次家访")
    cli.ok("record", "test", ids[1], "--date", "2026-04-12", "--result", "negative")
    return ids


def test_the_bucket_of_a_case_is_its_id_without_the_last_two_characters_then_xx(cli):
    ids = _store(cli)
    assert ids == ["2026-0001", "2026-0002", "2026-0003"]
    assert _folders(cli.root) == ["2026-00xx"]
    assert sorted(p.name for p in (cli.root / "cases" / "2026-00xx").iterdir()) == ids
    # every case file is tracked under its bucket
    files = git(cli.root, "ls-files", "cases").splitlines()
    assert files and all(f.startswith("cases/2026-00xx/2026-000") for f in files)


@pytest.mark.parametrize("cid, bucket", [("7", "xx"), ("AB", "xx"), ("A-1", "Axx"), ("2026-00xx", "2026-00xx"),
                                          ("ZZxx", "ZZxx"), ("2026-10000", "2026-100xx")])
def test_short_ids_and_ids_ending_in_xx_have_their_bucket(cli, cid, bucket):
    # "7", "AB": 1-2 characters -> "xx"; "2026-00xx" is its own bucket's name (the bucket holds it
    # beside 2026-0001 ...): cases/2026-00xx/2026-00xx/
    name, idn = person(40)
    cli.ok("case", "add", "--name", name, "--id-number", idn, "--measure", "detox", "--reported-on", "2026-03-05",
           "--id", cid)
    other = cli.add(41, reported_on="2026-03-05")                  # 2026-0001, in cases/2026-00xx
    assert case_path(cid) == f"cases/{bucket}/{cid}"
    assert (case_dir(cli.root, cid) / "case.yaml").is_file() and (case_dir(cli.root, other) / "case.yaml").is_file()
    assert show_json(cli, cid)["name"] == name
    cli.ok("record", "visit", cid, "--date", "2026-04-01", "--kind", "phone")
    assert len(list((case_dir(cli.root, cid) / "events").glob("*.yaml"))) == 1
    assert cli("check").exit_code == 0
    listed = {r["case"] for r in json.loads(cli.ok("case", "list", "--format", "json").stdout)}
    assert listed == {cid, other}
    # the same store in the old layout reads the same, and the move puts every folder back in its bucket
    before = show_json(cli, cid)
    _old_layout(cli.root)
    assert sorted(_folders(cli.root)) == sorted([cid, other])
    assert show_json(cli, cid) == before
    res = cli.ok("migrate")
    assert "2 个个案文件夹" in res.stdout
    assert (case_dir(cli.root, cid) / "case.yaml").is_file() and (case_dir(cli.root, other) / "case.yaml").is_file()
    assert show_json(cli, cid) == before
    assert git(cli.root, "status", "--porcelain") == "" and cli("check").exit_code == 0


def test_an_old_layout_store_reads_unchanged_and_its_first_record_moves_it_in_one_commit(cli):
    ids = _store(cli)
    due_before = cli.ok("due", "--format", "json", "--within", "60").stdout
    shows = {c: show_json(cli, c) for c in ids}
    _old_layout(cli.root)
    assert _folders(cli.root) == ids
    head, events = git(cli.root, "rev-parse", "HEAD"), _events(cli.root)
    # read commands work unchanged on the old layout
    assert cli.ok("due", "--format", "json", "--within", "60").stdout == due_before
    assert {c: show_json(cli, c) for c in ids} == shows
    res = cli("check")
    assert res.exit_code == 0
    assert res.stdout.splitlines() == [
        "cases:0: 警告：3 个个案文件夹仍按旧方式直接放在 cases 下（如 cases/2026-0001），应放在分组文件夹中（如 "
        "cases/2026-00xx/2026-0001）  提示：运行 aftercare migrate（或任一写入命令）自动移动，单独一次提交，不改动任何内容"]
    assert git(cli.root, "rev-parse", "HEAD") == head                 # a read moves nothing
    # the first write: the move as its own commit, then the record's
    res = cli.ok("record", "visit", ids[2], "--date", "2026-05-19", "--kind", "phone")
    assert "已把 3 个个案文件夹移入分组文件夹" in res.stderr
    assert cli.commits() == int(git(cli.root, "rev-list", "--count", head)) + 2
    assert git(cli.root, "log", "-2", "--format=%s").splitlines() == [
        f"Record visit for {ids[2]} on 2026-05-19 (phone)", MOVE.format(n=3, s="s")]
    moved = git(cli.root, "rev-parse", "HEAD~1")
    assert git(cli.root, "rev-parse", "HEAD~2") == head
    # the move only renames: the same blobs under new paths, each file 100 % similar
    assert _blobs(cli.root, head) == _blobs(cli.root, moved)
    status = git(cli.root, "diff", "--name-status", "-M", head, moved).splitlines()
    assert status and all(s.startswith("R100\tcases/2026-000") for s in status)
    assert sorted(git(cli.root, "ls-tree", "--name-only", moved, "cases/").splitlines()) == ["cases/2026-00xx"]
    # every record kept (plus the new one), the work tree clean, all buckets, no notice the second time
    after = _events(cli.root)
    assert [e for e in after if e not in events] == [(ids[2], e[1], e[2]) for e in after if e not in events]
    assert len(after) == len(events) + 1 and set(events) <= set(after)
    assert _folders(cli.root) == ["2026-00xx"]
    assert git(cli.root, "status", "--porcelain") == ""
    res = cli.ok("record", "visit", ids[2], "--date", "2026-05-20", "--kind", "phone")
    assert "分组" not in res.stderr
    assert cli("check").exit_code == 0 and cli("check").stdout == ""
    # the audit trail of a case reaches back past the move
    log = cli.ok("log", ids[0]).stdout
    assert "案卷库布局升级：3 个个案文件夹移入分组文件夹（内容未改动）" in log
    assert f"Record visit for {ids[0]} on 2026-04-10" in log and f"Register case {ids[0]}" in log


def test_migrate_says_when_there_is_nothing_to_move(cli):
    _store(cli)
    before = cli.commits()
    res = cli.ok("migrate")
    assert res.stdout.strip() == "案卷库的个案文件夹都已在分组文件夹中（cases/<分组>/<编号>/），无需移动"
    assert cli.commits() == before


def test_a_half_moved_store_reads_both_layouts(cli):
    ids = _store(cli)
    shows = {c: show_json(cli, c) for c in ids}
    git(cli.root, "mv", case_path(ids[1]), "cases/")                 # one case back in the old layout
    git(cli.root, "commit", "-qm", "One folder by the old program")
    assert _folders(cli.root) == [ids[1], "2026-00xx"]
    assert {c: show_json(cli, c) for c in ids} == shows
    listed = [r["case"] for r in json.loads(cli.ok("case", "list", "--format", "json").stdout)]
    assert listed == ids
    res = cli.ok("case", "set", ids[1], "--phone", "13900000000")
    assert git(cli.root, "log", "-2", "--format=%s").splitlines()[1] == MOVE.format(n=1, s="")
    assert _folders(cli.root) == ["2026-00xx"] and show_json(cli, ids[1])["phone"] == "13900000000"
    assert git(cli.root, "status", "--porcelain") == ""


def test_an_old_layout_folder_of_a_case_also_in_its_bucket_is_merged_file_by_file(cli):
    """An office on the old program recorded for the person (its own events file): the folder came in by
    a merge beside the bucket's. The move joins them; every record of both is kept."""
    cid = _store(cli)[0]
    old = cli.root / "cases" / cid
    (old / "events").mkdir(parents=True)
    shutil.copy(case_dir(cli.root, cid) / "case.yaml", old / "case.yaml")
    (old / "events" / "2026-oldo.yaml").write_text('- id: "od1"\n  type: "visit"\n  date: 2026-05-01\n'
                                                   '  kind: "home"\n', encoding="utf-8")
    git(cli.root, "add", "-A")
    git(cli.root, "commit", "-qm", "Merged from an office on the old program")
    events = _events(cli.root)
    # read: the bucket's folder, and the other one named as a problem (its records are not read yet)
    res = cli("check")
    assert res.exit_code == 1
    assert (f"cases/{cid}:0: 个案 {cid} 另有旧位置的文件夹 cases/{cid}（新位置 {case_path(cid)}），旧文件夹中的记录未读入"
            f"  提示：运行 aftercare migrate（或任一写入命令）把两处合并到 {case_path(cid)}") in res.stdout.splitlines()
    cli.ok("migrate")
    assert git(cli.root, "log", "-1", "--format=%s") == MOVE.format(n=1, s="")
    assert not old.exists() and _folders(cli.root) == ["2026-00xx"]
    assert _events(cli.root) == events
    assert "od1" in {e["id"] for e in show_json(cli, cid)["timeline"]}
    assert git(cli.root, "status", "--porcelain") == "" and cli("check").exit_code == 0


def test_the_same_file_with_other_contents_in_both_folders_is_refused_naming_the_folder(cli):
    cid = _store(cli)[0]
    old = cli.root / "cases" / cid
    shutil.copytree(case_dir(cli.root, cid), old)
    [f] = (old / "events").glob("*.yaml")
    f.write_text(f.read_text(encoding="utf-8") + '- id: "od2"\n  type: "visit"\n  date: 2026-05-01\n  kind: "home"\n',
                 encoding="utf-8")
    git(cli.root, "add", "-A")
    git(cli.root, "commit", "-qm", "Merged from an office on the old program")
    head, events = git(cli.root, "rev-parse", "HEAD"), _events(cli.root)
    for args in (["migrate"], ["record", "visit", cid, "--date", "2026-05-19", "--kind", "phone"]):
        res = cli(*args)
        assert res.exit_code == 1
        [line] = res.stderr.strip().splitlines()
        assert line == (f"错误：个案 {cid} 有两个文件夹：旧位置 cases/{cid} 与分组中的 {case_path(cid)}，两处都有 {f.name} 而内容不同"
                        f"（{case_path(cid)}/events/{f.name}），无法自动合并，未做任何更改；请核对两份，把应保留的内容并入 "
                        f"{case_path(cid)} 后删去旧文件夹（git rm -r cases/{cid}，git commit），再运行 aftercare migrate")
        assert git(cli.root, "rev-parse", "HEAD") == head and _events(cli.root) == events
        assert git(cli.root, "status", "--porcelain") == ""


def test_check_names_what_does_not_belong_in_cases_and_its_buckets(cli):
    cid = _store(cli)[0]
    (cli.root / "cases" / "说明.txt").write_text("x", encoding="utf-8")                  # a file in cases/
    (cli.root / "cases" / "2026-00xx" / "名单.txt").write_text("x", encoding="utf-8")     # a file in a bucket
    (cli.root / "cases" / "2025-01xx").mkdir()
    shutil.copytree(case_dir(cli.root, cid), cli.root / "cases" / "2025-01xx" / "2025-0001")   # in another's bucket
    (cli.root / "cases" / "2025-01xx" / "2025-0101").mkdir()                                  # no case.yaml
    (cli.root / "cases" / "2025-01xx" / "a b").mkdir()                                        # no case ID
    (cli.root / "cases" / "某 某").mkdir()                                                    # neither bucket nor ID
    git(cli.root, "add", "-A")
    git(cli.root, "commit", "-qm", "Hand-made folders")
    res = cli("check", "--format", "json")
    assert res.exit_code == 1
    got = {(p["path"], p["code"], p["message"], p["hint"]) for p in json.loads(res.stdout)["problems"]}
    assert got == {
        ("cases/说明.txt", "stray-file", "cases 目录下只应有分组文件夹", "移走该文件"),
        ("cases/2026-00xx/名单.txt", "stray-file", "分组文件夹 cases/2026-00xx 下只应有个案文件夹", "移走该文件"),
        ("cases/2025-01xx/2025-0001", "wrong-bucket", "个案文件夹 2025-0001 不属于分组 2025-01xx，应在 cases/2025-00xx/2025-0001",
         "用 git mv cases/2025-01xx/2025-0001 cases/2025-00xx/2025-0001 移过去并提交"),
        ("cases/2025-01xx/2025-0101/case.yaml", "missing-case-file", "个案文件夹缺少 case.yaml", "恢复该文件"),
        ("cases/2025-01xx/a b", "bad-case-id",
         "个案编号“a b”不合规：只能用字母、数字、- 和 _（不含 /、..、空格或控制字符），最长 40 个字符", "重命名该文件夹"),
        ("cases/某 某", "bad-case-id",
         "cases 下的文件夹“某 某”既不是分组文件夹（个案编号去掉末两位加 xx，如 2026-00xx）也不是个案文件夹（个案编号“某 某”不合规："
         "只能用字母、数字、- 和 _（不含 /、..、空格或控制字符），最长 40 个字符）", "重命名或移走该文件夹"),
    }
    # `due` lists the sound cases and names each problem; a write does not move the misplaced folders
    assert cli("due").exit_code == 1
    before = cli.commits()
    cli.ok("record", "visit", cid, "--date", "2026-05-19", "--kind", "phone")
    assert cli.commits() == before + 1 and (cli.root / "cases" / "某 某").is_dir()


# ---------------------------------------------------------------- two clones on different layouts


def _old_program_record(c: Cli, cid: str, origin: str, rid: str, day: str, note: str) -> None:
    """A record as the program before buckets wrote it: appended to cases/<id>/events/<year>-<origin>.yaml."""
    f = c.root / "cases" / cid / "events" / f"{day[:4]}-{origin}.yaml"
    f.parent.mkdir(parents=True, exist_ok=True)
    old = f.read_text(encoding="utf-8") if f.exists() else "# aftercare 事件记录\n"
    f.write_text(old + f'- id: "{rid}"\n  type: "visit"\n  date: {day}\n  kind: "home"\n  note: "{note}"\n',
                 encoding="utf-8")
    git(c.root, "add", "-A")
    git(c.root, "commit", "-qm", f"Record visit for {cid} on {day} (home)")


def _old_program_case(c: Cli, cid: str, source: Path) -> None:
    """A new person registered by the program before buckets: cases/<id>/case.yaml (another's, with the
    name and ID number of person 7)."""
    (c.root / "cases" / cid).mkdir(parents=True)
    body = yaml.safe_load(source.read_text(encoding="utf-8"))
    name, idn = person(7)
    text = source.read_text(encoding="utf-8").replace(body["name"], name).replace(body["id_number"], idn)
    (c.root / "cases" / cid / "case.yaml").write_text(text, encoding="utf-8")
    git(c.root, "add", "-A")
    git(c.root, "commit", "-qm", f"Register case {cid} (detox)")


def _all_records(c: Cli) -> list:
    return sorted((e[0], e[2]) for e in _events(c.root))


def _synced_both_ways(a: Cli, b: Cli) -> None:
    for first, second in ((a, b), (b, a), (a, b)):
        res = first("sync")
        assert res.exit_code == 0, res.output
    assert git(a.root, "rev-parse", "HEAD") == git(b.root, "rev-parse", "HEAD")
    for c in (a, b):
        assert git(c.root, "status", "--porcelain") == ""
        assert c("check").exit_code == 0, c("check").output


@pytest.mark.parametrize("who_first", ["migrated", "old"])
def test_a_migrated_clone_and_an_old_layout_clone_sync_without_conflict(tmp_path, who_first):
    """A moved its folders and records; B (still the old program's layout, written by hand with files and
    git) records for the same person and registers a new one. Each syncs (B with this program, which
    moves B's folders first): every record once, no conflict, every folder in its bucket."""
    a, b, cid = _pair(tmp_path)
    _old_layout(a.root)
    git(a.root, "push", "-q", "origin", "HEAD")            # the remote holds the old layout
    git(b.root, "pull", "-q")
    assert _folders(b.root) == [cid]
    a.ok("record", "visit", cid, "--date", "2026-05-19", "--kind", "phone", "--note", "甲")
    assert _folders(a.root) == ["2026-00xx"]               # A moved (its first write)
    _old_program_record(b, cid, "bbbb", "bb1", "2026-05-18", "乙")
    _old_program_case(b, "2026-0002", b.root / "cases" / cid / "case.yaml")
    if who_first == "old":
        git(b.root, "push", "-q", "origin", "HEAD")          # as the old program's sync would
    else:
        a.ok("sync")
    expected = sorted(set(_all_records(a)) | set(_all_records(b)))
    _synced_both_ways(a, b)
    for c in (a, b):
        assert _all_records(c) == expected                  # every record present once
        assert _folders(c.root) == ["2026-00xx"]
        assert sorted(p.name for p in (c.root / "cases" / "2026-00xx").iterdir()) == [cid, "2026-0002"]
        assert {e["id"] for e in show_json(c, cid)["timeline"]} >= {"bb1"}
        said = [e["summary"] for e in show_json(c, cid)["timeline"]]
        assert "电话访谈；甲" in said and "家访；乙" in said, said


def test_two_clones_that_both_moved_sync_without_conflict(tmp_path):
    a, b, cid = _pair(tmp_path)
    _old_layout(a.root)
    git(a.root, "push", "-q", "origin", "HEAD")
    git(b.root, "pull", "-q")
    a.ok("record", "visit", cid, "--date", "2026-05-19", "--kind", "phone", "--note", "甲")
    b.ok("record", "visit", cid, "--date", "2026-05-18", "--kind", "home", "--note", "乙")
    assert git(a.root, "log", "-2", "--format=%s").splitlines()[1] == MOVE.format(n=1, s="")
    assert git(b.root, "log", "-2", "--format=%s").splitlines()[1] == MOVE.format(n=1, s="")
    expected = sorted(set(_all_records(a)) | set(_all_records(b)))
    _synced_both_ways(a, b)
    for c in (a, b):
        assert _all_records(c) == expected and _folders(c.root) == ["2026-00xx"]
        said = [e["summary"] for e in show_json(c, cid)["timeline"]]
        assert "电话访谈；甲" in said and "家访；乙" in said, said


# ---------------------------------------------------------------- a killed move


def _kill_points(tmp_path: Path, template: Path, args: list) -> list:
    """The git subcommands of `args` on a copy of the store, as (subcommand, n-th call); the git wrapper
    of bench/crash_test.py put in tmp_path/bin."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from crash_test import WRAPPER, _trace

    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    (bindir / "git").write_text(WRAPPER.replace("@GIT@", shutil.which("git")))
    (bindir / "git").chmod(0o755)
    root = tmp_path / "trace"
    shutil.copytree(template, root)
    steps = _trace(root, args, tmp_path / "log", {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"})
    shutil.rmtree(root)
    return steps


def _run(root: Path, args: list, bindir: Path | None, extra: dict | None = None):
    env = dict(os.environ, AFTERCARE_TODAY="2026-05-20", **(extra or {}))
    if bindir is not None:
        env["PATH"] = f"{bindir}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run([sys.executable, "-m", "aftercare", *args, "--store", str(root)], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_a_move_killed_at_any_git_step_is_finished_or_undone_by_the_next_command(tmp_path):
    c = Cli(tmp_path / "template")
    c.ok("init", str(c.root), store=False)
    ids = _store(c)
    _old_layout(c.root)
    head, events = git(c.root, "rev-parse", "HEAD"), _events(c.root)
    args = ["record", "visit", ids[2], "--date", "2026-05-19", "--kind", "phone", "--note", "被中断的记录"]
    steps = _kill_points(tmp_path, c.root, args)
    moving = steps[:steps.index(("update-ref", 1)) + 4]         # the move's steps, and a few of the record's
    assert ("mktree", 1) in moving and ("commit-tree", 1) in moving
    outcomes = set()
    for n, (sub, nth) in enumerate(moving):
        for when in ("before", "after") + (("during",) if sub == "update-index" else ()):
            root = tmp_path / f"s{n}{when}"
            shutil.copytree(c.root, root)
            res = _run(root, args, tmp_path / "bin", {"AFTERCARE_CRASH_AT": sub, "AFTERCARE_CRASH_NTH": str(nth),
                                                     "AFTERCARE_CRASH_WHEN": when,
                                                     "AFTERCARE_CRASH_COUNTER": str(root / ".git" / "counter")})
            assert res.returncode == -9, (sub, nth, when, res.stderr)
            # the next command (a read) finds the old commit with the old files, or the new with the new
            res = _run(root, ["due"], None)
            assert res.returncode == 0, (sub, nth, when, res.stderr)
            subject = git(root, "log", "-1", "--format=%s")
            if subject == MOVE.format(n=3, s="s"):
                outcomes.add("moved")
                assert _folders(root) == ["2026-00xx"], (sub, when)
            else:
                outcomes.add("old")
                assert git(root, "rev-parse", "HEAD") == head and _folders(root) == ids, (sub, when, subject)
            assert git(root, "status", "--porcelain", "--untracked-files=all") == "", (sub, nth, when)
            assert _events(root) == events, (sub, nth, when)
            # and the next write goes through: everything kept, all in buckets
            res = _run(root, args, None)
            assert res.returncode == 0, (sub, nth, when, res.stderr)
            assert _folders(root) == ["2026-00xx"] and git(root, "status", "--porcelain") == ""
            assert len(_events(root)) == len(events) + 1 and set(events) <= set(_events(root))
            assert git(root, "log", "-2", "--format=%s").splitlines()[1] == MOVE.format(n=3, s="s")
            shutil.rmtree(root)
    assert outcomes == {"moved", "old"}


# ---------------------------------------------------------------- a hand-over across the move


def test_a_hand_over_after_the_move_carries_the_history_written_before_it(tmp_path, monkeypatch):
    """A store whose whole history is in the old layout (rewritten so, as the program before buckets
    made it); its first write (the hand-over) moves it: the bundle still holds every commit of the case
    from before the move (the move itself, which changes no content, is left out), and the receiving
    office shows the whole history."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "actions"))
    from test_transfer import OFFICE_A, OFFICE_B, approved, imported, log_rows, new_store

    a = new_store(tmp_path, "A", OFFICE_A)
    a.today = "2025-01-10"
    cid = a.add(1, notified_on="2025-01-06", reported_on="2025-01-10")
    a.ok("record", "test", cid, "--date", "2025-02-20", "--result", "negative", today="2025-02-20")
    approved(a, cid)
    # the whole history rewritten into the old layout (cases/<id>/ in every commit)
    env = dict(os.environ, FILTER_BRANCH_SQUELCH_WARNING="1")
    subprocess.run(["git", "filter-branch", "-f", "--tree-filter",
                    'for d in cases/*xx/*; do [ -d "$d" ] && mv "$d" cases/; done; rmdir cases/*xx 2>/dev/null; true',
                    "HEAD"], cwd=a.root, env=env, check=True, capture_output=True)
    subprocess.run(["git", "update-ref", "-d", "refs/original/refs/heads/" + git(a.root, "symbolic-ref", "--short",
                                                                                  "HEAD")], cwd=a.root, check=True)
    assert git(a.root, "ls-tree", "--name-only", "HEAD", "cases/") == f"cases/{cid}"
    assert _folders(a.root) == [cid] and git(a.root, "status", "--porcelain") == ""
    before = log_rows(a, cid, "2025-03-14")
    assert len(before) == 5                        # registration with its report-in, test, apply, form, approve
    bundle = tmp_path / f"{cid}.bundle"
    res = a("transfer", "handover", cid, "--date", "2025-03-18", "--bundle", str(bundle), today="2025-03-18")
    assert res.exit_code == 0 and res.stdout.strip().splitlines()[-1] == str(bundle), res.output
    assert git(a.root, "log", "-2", "--format=%s").splitlines() == [f"Hand over case {cid} to the new place on 2025-03-18",
                                                                     MOVE.format(n=1, s="")]
    log_a = log_rows(a, cid, "2025-03-18")
    assert log_a[1] == ("测试员", MOVE.format(n=1, s="")) and log_a[2:] == before
    b = new_store(tmp_path, "B", OFFICE_B)
    imported(b, str(bundle), "--date", "2025-03-19", "--from", OFFICE_A, today="2025-03-19")
    assert (case_dir(b.root, cid) / "case.yaml").is_file()
    log_b = log_rows(b, cid, "2025-03-19")
    moved_out = [row for row in log_a if row[1] != MOVE.format(n=1, s="")]
    assert log_b[1:] == [(f"{who}（转自{OFFICE_A}）", subject) for who, subject in moved_out]
    assert show_json(b, cid, "2025-03-19")["timeline"][:-1] == show_json(a, cid, "2025-03-18")["timeline"]
