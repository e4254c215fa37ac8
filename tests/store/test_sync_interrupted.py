"""Attack (issue 9.5 / 9.2): a `sync` killed while git rebases.

The kill leaves git's rebase half done (detached HEAD at the remote's tip, the local commits not yet
replayed). Today the next command does not notice: `record` commits onto the detached HEAD, `show`
no longer shows the local records that were being replayed, `check` is silent, every later `sync` is
refused (当前不在任何分支上（detached HEAD）), and `git rebase --abort` — what `git status` advises — throws
the new record away. A crash must leave the old state or the new one, completed or rolled back by
the next command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import Cli, git, person, show_json, case_dir, case_path
from test_sync_same_file import _pair as pair


def _pair(tmp_path):
    return pair(tmp_path, notified_on="2026-03-01", reported_on="2026-03-02")


def _killed_sync(root, tmp_path, hook: str = "post-checkout", nth: int = 1, args: tuple = ("sync",)):
    """Run `sync` (or `args`) as a process and kill it (git included) while git is inside its rebase,
    merge or cherry-pick: at the n-th run of a git hook (post-checkout: the rebase's checkout;
    post-commit: a commit replayed or picked; prepare-commit-msg: a pick done in the index and files,
    not committed; pre-merge-commit: the merge likewise; post-merge: the merge committed)."""
    reached = tmp_path / "reached"
    count = tmp_path / "hook-count"
    reached.unlink(missing_ok=True)
    count.unlink(missing_ok=True)
    hook_file = root / ".git" / "hooks" / hook
    hook_file.write_text(f"#!/bin/sh\necho x >> '{count}'\n"
                         f"if [ $(wc -l < '{count}') -ge {nth} ]; then touch '{reached}'; sleep 60; fi\n")
    hook_file.chmod(0o755)
    env = dict(os.environ, AFTERCARE_TODAY="2026-05-20")
    proc = subprocess.Popen([sys.executable, "-m", "aftercare", *args, "--store", str(root)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        if reached.exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert reached.exists(), f"{args[0]} never reached the {hook} hook"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    hook_file.unlink()


def _visits(c: Cli, cid: str) -> list:
    return sorted(e["summary"] for e in json.loads(c.ok("show", cid, "--format", "json").stdout)["timeline"]
                  if e["type"] == "visit")


def killed_with_a_record_on_each_side(tmp_path) -> tuple[Cli, Cli, str, str]:
    """Office B recorded 乙 and synced; office A recorded 甲一 and its sync was killed at the rebase's
    checkout (detached HEAD at B's tip, 甲一 not yet replayed). Returns A, B, the case, A's branch."""
    a, b, cid = _pair(tmp_path)
    b.ok("record", "visit", cid, "--date", "2026-04-10", "--note", "乙")
    b.ok("sync")
    a.ok("record", "visit", cid, "--date", "2026-05-10", "--note", "甲一")
    branch = git(a.root, "symbolic-ref", "--short", "HEAD")
    _killed_sync(a.root, tmp_path)
    return a, b, cid, branch


def test_a_sync_killed_during_its_rebase_loses_nothing(tmp_path):
    a, b, cid, branch = killed_with_a_record_on_each_side(tmp_path)
    a.ok("record", "visit", cid, "--date", "2026-05-12", "--note", "甲二")    # the next command
    assert _visits(a, cid) == ["见面访谈；乙", "见面访谈；甲一", "见面访谈；甲二"]   # today: 甲一 missing
    assert git(a.root, "symbolic-ref", "--short", "HEAD") == branch                # today: detached HEAD
    a.ok("sync")                                                                    # today: exit 1, detached HEAD
    b.ok("sync")
    assert _visits(b, cid) == ["见面访谈；乙", "见面访谈；甲一", "见面访谈；甲二"]
    assert git(a.root, "status", "--porcelain") == "" and a("check").exit_code == 0


def _staff(c: Cli) -> set:
    return {s["name"] for s in json.loads(c.ok("staff", "list", "--format", "json").stdout)}


def _tidy(c: Cli, branch: str) -> None:
    """On its branch, nothing half done: no rebase, merge or cherry-pick, no change outside a commit."""
    g = c.root / ".git"
    assert git(c.root, "symbolic-ref", "--short", "HEAD") == branch
    assert not any((g / n).exists() for n in ("MERGE_HEAD", "CHERRY_PICK_HEAD", "rebase-merge", "rebase-apply",
                                               "aftercare-sync.json"))
    assert git(c.root, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(c.root, "for-each-ref", "refs/aftercare/kept/") == ""


def _to_be_merged(tmp_path) -> tuple[Cli, Cli, str, str]:
    """Both offices registered a new person as 2026-0002 (with a visit) and added a worker; B has
    synced: A's sync renumbers its case and joins by a merge (aftercare.yaml by the YAML driver)."""
    a, b, cid = _pair(tmp_path)
    a.ok("staff", "add", "王强")
    b.ok("staff", "add", "赵敏")
    assert a.add(11, worker="王强", reported_on="2026-05-01") == b.add(12, worker="赵敏", reported_on="2026-05-02") == "2026-0002"
    a.ok("record", "visit", "2026-0002", "--date", "2026-05-10", "--note", "甲")
    b.ok("record", "visit", "2026-0002", "--date", "2026-05-11", "--note", "乙")
    b.ok("sync")
    return a, b, cid, git(a.root, "symbolic-ref", "--short", "HEAD")


@pytest.mark.parametrize("hook", ["pre-merge-commit", "post-merge"])
def test_a_sync_killed_in_its_merge_loses_nothing(tmp_path, hook):
    """The merge of a sync that renumbered a case (the same new number registered on both sides), with
    the staff list changed on both sides (merged by the YAML driver): killed with the merge done in the
    index and the files but not committed (pre-merge-commit), or just after its commit."""
    a, b, cid, branch = _to_be_merged(tmp_path)
    mine, theirs = person(11), person(12)
    _killed_sync(a.root, tmp_path, hook)
    if hook == "pre-merge-commit":
        assert git(a.root, "status", "--porcelain")                          # killed half merged (index, files)
    res = a("record", "visit", cid, "--date", "2026-05-12", "--note", "甲二")     # the next command
    assert res.exit_code == 0, res.output
    _tidy(a, branch)
    a.ok("sync")
    b.ok("sync")
    for c in (a, b):
        _tidy(c, branch)
        assert c("check").exit_code == 0
        assert _staff(c) == {"李娟", "王强", "赵敏"}
        ids = {show_json(c, x)["id_number"]: x for x in ("2026-0002", "2026-0003")}
        assert set(ids) == {mine[1], theirs[1]}                           # both persons, once each
        assert _visits(c, ids[mine[1]]) == ["见面访谈；甲"] and _visits(c, ids[theirs[1]]) == ["见面访谈；乙"]
        assert _visits(c, cid) == ["见面访谈；甲二"]
    assert git(a.root, "rev-parse", "HEAD") == git(b.root, "rev-parse", "HEAD")


def test_a_sync_killed_after_replaying_a_merged_commit_keeps_no_false_commit(tmp_path):
    """Killed in its rebase after the first local commit was replayed — a staff list that the YAML
    driver merged (so the replay's patch differs from the original's): the replay is recognised as
    one (not kept as a commit made after the kill), and nothing is duplicated."""
    a, b, cid = _pair(tmp_path)
    b.ok("staff", "add", "赵敏")
    b.ok("sync")
    a.ok("staff", "add", "王强")
    a.ok("record", "visit", cid, "--date", "2026-05-10", "--note", "甲一")
    recorded = git(a.root, "log", "-1", "--format=%s")
    branch = git(a.root, "symbolic-ref", "--short", "HEAD")
    _killed_sync(a.root, tmp_path, "post-commit", 1)
    assert subprocess.run(["git", "-C", str(a.root), "symbolic-ref", "-q", "HEAD"]).returncode != 0   # detached
    res = a("show", cid)
    assert res.exit_code == 0 and "接回" not in res.stderr and "kept" not in res.stderr, res.stderr
    _tidy(a, branch)
    subjects = git(a.root, "log", "--format=%s").splitlines()
    assert subjects.count("Add a staff member (worker)") == 3 and subjects.count(recorded) == 1   # 李娟, 赵敏, 王强
    assert _staff(a) == {"李娟", "王强", "赵敏"} and _visits(a, cid) == ["见面访谈；甲一"]
    a.ok("sync")
    b.ok("sync")
    assert _staff(b) == {"李娟", "王强", "赵敏"} and _visits(b, cid) == ["见面访谈；甲一"]


def test_a_sync_killed_right_after_its_renumbering_commit_leaves_no_empty_case_folder(tmp_path):
    """Killed (by a git wrapper, bench/crash_test.py's) just after the commit that moved this office's
    new case 2026-0002 to 2026-0003: the emptied folder cases/2026-0002/ went with the commit (before:
    it stayed, and read as a case without case.yaml until the next sync filled it)."""
    import shutil
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from crash_test import WRAPPER

    a, b, _cid = _pair(tmp_path)
    assert a.add(11, reported_on="2026-05-01") == b.add(12, reported_on="2026-05-02") == "2026-0002"
    b.ok("sync")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "git").write_text(WRAPPER.replace("@GIT@", shutil.which("git")))
    (bindir / "git").chmod(0o755)
    env = dict(os.environ, AFTERCARE_TODAY="2026-05-20", PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
               AFTERCARE_CRASH_AT="update-ref", AFTERCARE_CRASH_NTH="1", AFTERCARE_CRASH_WHEN="after",
               AFTERCARE_CRASH_COUNTER=str(tmp_path / "counter"))
    res = subprocess.run([sys.executable, "-m", "aftercare", "sync", "--store", str(a.root)], env=env,
                         capture_output=True)
    assert res.returncode == -9                                        # killed right after the renumbering commit
    assert git(a.root, "log", "-1", "--format=%s").startswith("Renumber case 2026-0002 to 2026-0003")
    res = a("check")                                                   # the next command
    assert res.exit_code == 0, res.output                              # before: cases/2026-0002 without case.yaml
    assert not case_dir(a.root, "2026-0002").exists()


def test_an_uncommitted_edit_survives_a_sync_killed_in_its_merge(tmp_path):
    """git's merge set the edit aside (merge.autoStash, .git/MERGE_AUTOSTASH) before it was killed
    half merged: the repair undoes the half merge and puts the edit back, then redoes the merge."""
    a, _b, cid, branch = _to_be_merged(tmp_path)
    edited = case_dir(a.root, cid) / "case.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# 手工备注，尚未提交\n", encoding="utf-8")
    _killed_sync(a.root, tmp_path, "pre-merge-commit")
    assert (a.root / ".git" / "MERGE_AUTOSTASH").exists()
    res = a("due")
    assert res.exit_code == 0 and "已在本机完成与远程记录的合并" in res.stderr, res.output
    assert git(a.root, "symbolic-ref", "--short", "HEAD") == branch
    assert git(a.root, "status", "--porcelain") == f"M {case_path(cid)}/case.yaml"      # the edit, and only it
    assert edited.read_text(encoding="utf-8").endswith("# 手工备注，尚未提交\n")
    assert git(a.root, "stash", "list") == "" and not (a.root / ".git" / "MERGE_AUTOSTASH").exists()
    assert _staff(a) == {"李娟", "王强", "赵敏"}
    assert {show_json(a, x)["id_number"] for x in ("2026-0002", "2026-0003")} == {person(11)[1], person(12)[1]}
