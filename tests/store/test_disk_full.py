"""Issue 9 item 6 on a real full disk: a store on a small tmpfs in a private mount namespace,
filled to within 0 B, 4 KiB, 8 KiB, ... of full, then `record` and `case add` (bench/disk_full.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).resolve().parents[2] / "bench" / "disk_full.py"


@pytest.mark.slow
def test_a_full_disk_loses_nothing_leaves_nothing_and_a_retry_records_once():
    res = subprocess.run([sys.executable, str(DRIVER)], capture_output=True, text=True, timeout=900)
    if res.returncode == 77:
        pytest.skip(res.stdout.strip())
    lines = [json.loads(ln) for ln in res.stdout.splitlines() if ln.startswith("{")]
    attempts = [r for r in lines if "summary" not in r]
    summary = lines[-1]["summary"]
    assert res.returncode == 0, res.stdout + res.stderr
    for r in attempts:
        assert r["ok"], r
    for kind in ("record", "case add"):
        mine = [r for r in attempts if r["command"] == kind]
        # the disk was full at least once for each command, and with enough room it went through
        assert mine[0]["outcome"] == "refused" and mine[-1]["outcome"] == "recorded", mine
        assert all("磁盘空间已满" in r["stderr"] and "未做任何更改" in r["stderr"]
                   for r in mine if r["outcome"] == "refused"), mine
    assert summary["lost"] == summary["duplicated"] == summary["left_behind"] == summary["not_one_line"] == 0
