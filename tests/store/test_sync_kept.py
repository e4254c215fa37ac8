"""Issue 9 (nothing lost): a commit made on the detached HEAD that a killed `sync` left.

The next command puts the branch back and takes such a commit along (a cherry-pick, with the YAML
merge driver). One that cannot be taken along — it changes the same field as a local commit, to
another value — was aborted and skipped silently: reachable from no ref, `git gc` deletes it. It is
now kept under `refs/aftercare/kept/<commit>`, said in one line, reported by `check` until it is
re-applied (`aftercare kept apply`) or dropped (`aftercare kept drop`)."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import Cli, committed, git, refused, show_json, case_dir, case_path
from test_sync_interrupted import _killed_sync, _pair, _visits, killed_with_a_record_on_each_side


def _on_the_detached_head(c: Cli, *args: str) -> str:
    """A command run while the killed sync's state still stands — as one that does not repair it
    would (an older aftercare; a commit made by hand): it commits onto the detached HEAD."""
    assert subprocess.run(["git", "-C", str(c.root), "symbolic-ref", "-q", "HEAD"]).returncode != 0  # detached
    journal = c.root / ".git" / "aftercare-sync.json"
    aside = journal.with_name("aftercare-sync.aside")
    journal.rename(aside)
    try:
        c.ok(*args)
    finally:
        aside.rename(journal)
    return git(c.root, "rev-parse", "HEAD")


def _kept(c: Cli) -> list:
    out = git(c.root, "for-each-ref", "--format=%(refname)", "refs/aftercare/kept/")
    return out.split()


def test_a_record_made_on_the_detached_head_is_taken_onto_the_branch_once(tmp_path):
    a, b, cid, branch = killed_with_a_record_on_each_side(tmp_path)
    made = _on_the_detached_head(a, "record", "visit", cid, "--date", "2026-05-11", "--note", "甲二")
    res = a("show", cid)                                                  # the next command repairs
    assert res.exit_code == 0, res.output
    assert "中断后另做的 1 条提交已接回分支" in res.stderr
    assert git(a.root, "symbolic-ref", "--short", "HEAD") == branch
    assert _visits(a, cid) == ["见面访谈；乙", "见面访谈；甲一", "见面访谈；甲二"]
    subject = git(a.root, "log", "-1", "--format=%s", made)
    assert git(a.root, "log", "--format=%s", branch).splitlines().count(subject) == 1      # committed once
    events = "".join(p.read_text(encoding="utf-8") for p in (case_dir(a.root, cid) / "events").glob("*.yaml"))
    assert events.count("甲二") == 1 and events.count("甲一") == 1
    assert _kept(a) == [] and git(a.root, "status", "--porcelain") == "" and a("check").exit_code == 0
    a.ok("sync")
    b.ok("sync")
    assert _visits(b, cid) == ["见面访谈；乙", "见面访谈；甲一", "见面访谈；甲二"]


def _phone(c: Cli, cid: str) -> str:
    return show_json(c, cid)["phone"]


def _conflicting_commit_after_a_killed_sync(tmp_path):
    """Here the phone set to 137…, not yet replayed when the sync is killed; on the detached HEAD it
    is set again, to 136… (the remote changed the address meanwhile): that commit cannot be put on
    top of the branch without choosing between 137… and 136…."""
    a, b, cid = _pair(tmp_path)
    a.ok("case", "set", cid, "--phone", "13500000000")      # the phone both offices start from
    a.ok("sync")
    b.ok("sync")
    b.ok("case", "set", cid, "--address", "某某村5组")
    b.ok("sync")
    a.ok("case", "set", cid, "--phone", "13700000001")
    _killed_sync(a.root, tmp_path)
    made = _on_the_detached_head(a, "case", "set", cid, "--phone", "13600000003")
    return a, b, cid, made


def test_a_commit_that_cannot_be_taken_along_is_kept_under_a_ref_said_and_reported(tmp_path):
    a, _b, cid, made = _conflicting_commit_after_a_killed_sync(tmp_path)
    res = a("show", cid)                                      # the next command repairs
    assert res.exit_code == 0, res.output
    notice = [ln for ln in res.stderr.splitlines() if made[:7] in ln]
    assert len(notice) == 1, res.stderr                      # today: not a word about it
    line = notice[0]
    assert line.startswith("注意：中断后另做的提交") and f"个案 {cid}" in line
    assert "phone在分支上是 13700000001，该提交改成了 13600000003" in line
    assert f"refs/aftercare/kept/{made}" in line and f"aftercare kept apply {made[:7]}" in line
    assert f"aftercare kept drop {made[:7]}" in line
    # the branch: as after a completed sync (the remote's address, this office's phone)
    assert git(a.root, "symbolic-ref", "--short", "HEAD") and git(a.root, "status", "--porcelain") == ""
    shown = show_json(a, cid)
    assert (shown["phone"], shown["address"]) == ("13700000001", "某某村5组")
    # the commit is kept by a ref, so git gc keeps it and its content
    assert _kept(a) == [f"refs/aftercare/kept/{made}"]       # today: []
    subprocess.run(["git", "-C", str(a.root), "gc", "-q", "--prune=now"], check=True)
    kept_file = git(a.root, "show", f"refs/aftercare/kept/{made}:{case_path(cid)}/case.yaml")
    assert "13600000003" in kept_file
    # check reports it until it is dealt with
    res = a("check")
    assert res.exit_code == 1
    [problem] = [ln for ln in res.stdout.splitlines() if made[:7] in ln]
    assert problem.startswith(f"{case_path(cid)}/case.yaml:1: 中断的同步之后做的提交 {made[:7]}")
    assert f"aftercare kept apply {made[:7]}" in problem
    listed = a.ok("kept", "list").stdout
    assert made[:7] in listed and "+phone: '13600000003'" in listed.replace('"', "'") and cid in listed


def test_a_kept_commit_is_applied_once_the_branch_agrees_or_dropped(tmp_path):
    a, _b, cid, made = _conflicting_commit_after_a_killed_sync(tmp_path)
    a.ok("show", cid)
    short = made[:7]
    # apply while the branch still says 137…: refused, the field and both values, nothing changed
    line = refused(a, "kept", "apply", short)
    assert f"个案 {cid} 的 phone在分支上是 13700000001，该提交改成了 13600000003" in line
    assert _kept(a) == [f"refs/aftercare/kept/{made}"]
    # the user decides 136… is right, sets it, and the kept commit is then already on the branch
    a.ok("case", "set", cid, "--phone", "13600000003")
    before = a.commits()
    res = a.ok("kept", "apply", short)
    assert "无需接回" in res.stdout and a.commits() == before
    assert _kept(a) == [] and a("check").exit_code == 0 and _phone(a, cid) == "13600000003"
    assert refused(a, "kept", "apply", short).startswith(f"错误：没有保存的提交“{short}”")


def test_a_kept_commit_applies_as_one_commit_once_it_no_longer_collides(tmp_path):
    a, _b, cid, made = _conflicting_commit_after_a_killed_sync(tmp_path)
    a.ok("show", cid)
    a.ok("case", "set", cid, "--phone", "13500000000")        # 137… was the mistake: back to where 136… started
    res = committed(a, "kept", "apply", made[:7])
    assert res.stdout.startswith(f"已把保存的提交 {made[:7]}")
    assert _phone(a, cid) == "13600000003" and _kept(a) == [] and a("check").exit_code == 0
    # the re-applied commit keeps its recorder and its message
    assert git(a.root, "log", "-1", "--format=%an%x1f%s") == git(a.root, "log", "-1", "--format=%an%x1f%s", made)


def test_a_kept_commit_is_dropped_after_the_user_dealt_with_it(tmp_path):
    a, _b, cid, made = _conflicting_commit_after_a_killed_sync(tmp_path)
    a.ok("show", cid)
    before = a.commits()
    res = a.ok("kept", "drop", made[:7])
    assert res.stdout.startswith(f"已放弃保存的提交 {made[:7]}") and a.commits() == before
    assert _kept(a) == [] and a("check").exit_code == 0 and a.ok("kept", "list").stdout.strip() == "没有保存的提交"
    assert refused(a, "kept", "drop", made[:7]).startswith(f"错误：没有保存的提交“{made[:7]}”")


@pytest.mark.parametrize("hook", ["prepare-commit-msg", "post-commit"])
def test_a_repair_killed_while_it_takes_commits_along_loses_and_duplicates_nothing(tmp_path, hook):
    """The repair itself killed: after the redone rebase (one replay: the 1st commit hook) and the
    first of two records made on the detached HEAD (the 2nd), while it cherry-picks the second (the
    3rd) — done in the index and files but not committed (prepare-commit-msg), or committed
    (post-commit). The first, already taken along, must not be lost when the repair starts over."""
    a, b, cid, branch = killed_with_a_record_on_each_side(tmp_path)
    first = _on_the_detached_head(a, "record", "visit", cid, "--date", "2026-05-11", "--note", "甲二")
    second = _on_the_detached_head(a, "record", "visit", cid, "--date", "2026-05-12", "--note", "甲三")
    _killed_sync(a.root, tmp_path, hook, 3, ("due",))               # the next command, killed in its repair
    assert _kept(a) == sorted(f"refs/aftercare/kept/{c}" for c in (first, second))    # both still kept
    res = a("show", cid)                                              # the command after it repairs again
    assert res.exit_code == 0 and "中断后另做的 2 条提交已接回分支" in res.stderr, res.output
    assert git(a.root, "symbolic-ref", "--short", "HEAD") == branch and git(a.root, "status", "--porcelain") == ""
    assert _visits(a, cid) == ["见面访谈；乙", "见面访谈；甲一", "见面访谈；甲三", "见面访谈；甲二"]   # (sorted by code point)
    subjects = git(a.root, "log", "--format=%s").splitlines()
    assert all(subjects.count(git(a.root, "log", "-1", "--format=%s", c)) == 1 for c in (first, second))
    assert _kept(a) == [] and a("check").exit_code == 0


@pytest.mark.parametrize("hook", ["prepare-commit-msg", "post-commit"])
def test_a_kept_apply_killed_in_its_cherry_pick_is_completed_by_the_next_command(tmp_path, hook):
    a, _b, cid, made = _conflicting_commit_after_a_killed_sync(tmp_path)
    a.ok("show", cid)
    a.ok("case", "set", cid, "--phone", "13500000000")
    before = a.commits()
    _killed_sync(a.root, tmp_path, hook, 1, ("kept", "apply", made[:7]))
    res = a("show", cid)
    assert res.exit_code == 0 and "上一次接回保存的提交（aftercare kept apply）被中断" in res.stderr, res.output
    assert a.commits() == before + 1 and _phone(a, cid) == "13600000003"
    assert git(a.root, "status", "--porcelain") == "" and _kept(a) == [] and a("check").exit_code == 0
    assert not (a.root / ".git" / "CHERRY_PICK_HEAD").exists()
