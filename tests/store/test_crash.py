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
    assert f["commands"]["record"]["kill_points"] >= 10 and f["commands"]["case add"]["kill_points"] >= 10
