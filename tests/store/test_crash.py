"""Issue 9 items 5-6: kill `record` and `case add` at every git step (bench/crash_test.py) and count."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


@pytest.mark.slow
def test_kill_at_every_git_step_loses_nothing(tmp_path, capsys):
    from crash_test import run

    f = run(tmp_path)
    with capsys.disabled():
        print(f"\ncrash test: {f['runs']} kills, {f['completed']} completed, {f['rolled_back']} rolled back, "
              f"{f['lost']} lost, {f['duplicated']} duplicated, {f['uncommitted']} uncommitted, {f['swept']} swept")
    assert f["where"] == []
    assert (f["lost"], f["duplicated"], f["uncommitted"], f["swept"], f["check"]) == (0, 0, 0, 0, 0)
    assert f["killed"] >= 0.9 * f["runs"] and f["completed"] + f["rolled_back"] == f["runs"]
    # every git step of a write was a kill point: a commit is these six git processes (gitops.Git.commit;
    # HEAD and aftercare.origin are read from .git's files; the first three run side by side: the index
    # update while the trees are read and the files hashed), each killed before, after and, for the
    # index update, while holding the index lock
    six = ["cat-file", "hash-object", "update-index", "mktree", "commit-tree", "update-ref"]
    for command in ("record", "case add"):
        steps = f["commands"][command]["steps"]
        at = {step: steps.index(step) for step in six}
        assert sorted(steps) == sorted(six), (command, steps)
        assert max(at["cat-file"], at["hash-object"]) < at["mktree"] < at["commit-tree"] < at["update-ref"], steps
        assert at["update-index"] < at["update-ref"], (command, steps)
    assert f["runs"] == 2 * (2 * 6 + 1)


@pytest.mark.slow
def test_kill_sync_at_every_git_step_loses_nothing(tmp_path, capsys):
    """A sync that renumbers and merges (aftercare.yaml merged by the YAML driver), and one that
    rebases: killed at each git step (before, after, holding the index lock), then the next command
    (a record) and `sync` again: every record of both offices once, nothing half done, pushed."""
    from crash_test import run_sync

    f = run_sync(tmp_path)
    with capsys.disabled():
        print(f"\nsync crash test: {f['runs']} kills, {f['completed']} joined, {f['rolled_back']} as before the sync, "
              f"{f['lost']} lost, {f['duplicated']} duplicated, {f['left']} left half done, {f['stuck']} stuck")
    assert f["where"] == []
    assert (f["lost"], f["duplicated"], f["left"], f["stuck"], f["check"]) == (0, 0, 0, 0, 0)
    assert f["killed"] == f["runs"] and f["completed"] + f["rolled_back"] == f["runs"]
    assert f["kinds"]["merge"]["kill_points"] >= 20 and f["kinds"]["rebase"]["kill_points"] >= 10
