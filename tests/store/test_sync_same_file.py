"""Attack (issues 9.2 / 9.8): two offices that change the same shared file between syncs.

Every record of both sides must survive a sync, and a sync that cannot complete must not stay stuck
forever with advice that does not fit (the message speaks of two cases registered under one number)."""

from __future__ import annotations

import json
import subprocess

from conftest import Cli, git


def _pair(tmp_path, notified_on: str = "2026-05-01", reported_on: str = "2026-05-02") -> tuple[Cli, Cli, str]:
    """Office clone A with a remote, and clone B made with git clone; one case on both."""
    a = Cli(tmp_path / "A")
    a.ok("init", str(a.root), store=False)
    a.ok("staff", "add", "李娟")
    cid = a.add(1, notified_on=notified_on, reported_on=reported_on, worker="李娟")
    bare = tmp_path / "A.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git(a.root, "remote", "add", "origin", str(bare))
    a.ok("sync")
    b = Cli(tmp_path / "B", today=a.today)
    subprocess.run(["git", "clone", "-q", str(bare), str(b.root)], check=True)
    return a, b, cid


def _converged(a: Cli, b: Cli) -> None:
    for c in (a, b):
        assert git(c.root, "status", "--porcelain") == ""
        assert c("check").exit_code == 0
    assert git(a.root, "rev-parse", "HEAD") == git(b.root, "rev-parse", "HEAD")


def test_two_offices_adding_staff_both_keep_their_staff_after_sync(tmp_path):
    a, b, cid = _pair(tmp_path)
    a.ok("record", "visit", cid, "--date", "2026-05-19", "--note", "甲记录")
    a.ok("staff", "add", "王强")
    b.ok("staff", "add", "赵敏")
    b.ok("sync")
    res = a("sync")          # today: exit 1, 同步冲突（aftercare.yaml）… 两处同时登记了相同编号的个案
    assert res.exit_code == 0, res.output
    b.ok("sync")
    _converged(a, b)
    for c in (a, b):
        names = {s["name"] for s in json.loads(c.ok("staff", "list", "--format", "json").stdout)}
        assert {"李娟", "王强", "赵敏"} <= names
        visits = json.loads(c.ok("show", cid, "--format", "json").stdout)["timeline"]
        assert [e["summary"] for e in visits if e["type"] == "visit"] == ["见面访谈；甲记录"]


def test_two_offices_correcting_different_fields_of_one_case_both_survive_sync(tmp_path):
    a, b, cid = _pair(tmp_path)
    a.ok("case", "set", cid, "--phone", "13800000001")
    b.ok("case", "set", cid, "--address", "某某村5组")
    b.ok("sync")
    res = a("sync")          # today: exit 1, 同步冲突（cases/…/case.yaml）, and every later sync the same
    assert res.exit_code == 0, res.output
    b.ok("sync")
    _converged(a, b)
    for c in (a, b):
        shown = json.loads(c.ok("show", cid, "--format", "json").stdout)
        assert shown["phone"] == "13800000001" and shown["address"] == "某某村5组"


def test_the_same_field_changed_to_two_values_is_refused_with_the_field_and_both_values_and_not_stuck(tmp_path):
    a, b, cid = _pair(tmp_path)
    a.ok("case", "set", cid, "--phone", "13800000001")
    b.ok("case", "set", cid, "--phone", "13900000002")
    b.ok("sync")
    head = git(a.root, "rev-parse", "HEAD")
    res = a("sync")
    assert res.exit_code == 1
    [line] = res.stderr.strip().splitlines()
    assert line.startswith("错误：同步冲突：") and f"个案 {cid} 的 phone" in line
    assert "本处：13800000001" in line and "远程：13900000002" in line and f"aftercare case set {cid}" in line
    assert "相同编号" not in line                                    # not the advice for a case-number collision
    assert git(a.root, "rev-parse", "HEAD") == head and git(a.root, "status", "--porcelain") == ""
    assert git(a.root, "symbolic-ref", "--short", "HEAD")            # on its branch, nothing half done
    a.ok("case", "set", cid, "--phone", "13900000002")               # what the message says to do
    a.ok("sync")
    b.ok("sync")
    _converged(a, b)
    assert json.loads(a.ok("show", cid, "--format", "json").stdout)["phone"] == "13900000002"
