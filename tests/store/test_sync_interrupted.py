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

from conftest import Cli, git
from test_sync_same_file import _pair as pair


def _pair(tmp_path):
    return pair(tmp_path, notified_on="2026-03-01", reported_on="2026-03-02")


def _killed_sync(root, tmp_path):
    """Run `sync` as a process and kill it while git is inside its rebase (at the rebase's checkout)."""
    reached = tmp_path / "reached"
    hook = root / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch '{reached}'\nsleep 60\n")
    hook.chmod(0o755)
    env = dict(os.environ, AFTERCARE_TODAY="2026-05-20")
    proc = subprocess.Popen([sys.executable, "-m", "aftercare", "sync", "--store", str(root)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        if reached.exists():
            break
        time.sleep(0.05)
    assert reached.exists(), "sync never reached the rebase"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    hook.unlink()


def _visits(c: Cli, cid: str) -> list:
    return sorted(e["summary"] for e in json.loads(c.ok("show", cid, "--format", "json").stdout)["timeline"]
                  if e["type"] == "visit")


def test_a_sync_killed_during_its_rebase_loses_nothing(tmp_path):
    a, b, cid = _pair(tmp_path)
    b.ok("record", "visit", cid, "--date", "2026-04-10", "--note", "乙")
    b.ok("sync")
    a.ok("record", "visit", cid, "--date", "2026-05-10", "--note", "甲一")
    branch = git(a.root, "symbolic-ref", "--short", "HEAD")
    _killed_sync(a.root, tmp_path)
    a.ok("record", "visit", cid, "--date", "2026-05-12", "--note", "甲二")    # the next command
    assert _visits(a, cid) == ["见面访谈；乙", "见面访谈；甲一", "见面访谈；甲二"]   # today: 甲一 missing
    assert git(a.root, "symbolic-ref", "--short", "HEAD") == branch                # today: detached HEAD
    a.ok("sync")                                                                    # today: exit 1, detached HEAD
    b.ok("sync")
    assert _visits(b, cid) == ["见面访谈；乙", "见面访谈；甲一", "见面访谈；甲二"]
    assert git(a.root, "status", "--porcelain") == "" and a("check").exit_code == 0
