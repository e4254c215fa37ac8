"""The read cache is keyed on the program's code, not only its version number (issue 16: a changed
engine must never serve summaries computed by the old one)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import aftercare

from conftest import git


def meta(root: Path) -> dict:
    (db,) = (root / ".git" / "aftercare-cache").glob("*.sqlite3")
    with sqlite3.connect(db) as c:
        return dict(c.execute("SELECT k, v FROM meta"))


def test_a_changed_engine_module_starts_the_cache_again(cli, tmp_path):
    cli.add(1, reported_on="2026-03-05")
    pkg = tmp_path / "copy"
    shutil.copytree(Path(aftercare.__file__).parent, pkg / "aftercare",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(pkg), "AFTERCARE_TODAY": "2026-05-20"}

    def due() -> str:
        res = subprocess.run([sys.executable, "-m", "aftercare", "due", "--store", str(cli.root), "--format", "json"],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        return res.stdout

    first = due()
    key = meta(cli.root)
    assert due() == first and meta(cli.root) == key          # unchanged code: the same cache
    items = pkg / "aftercare" / "core" / "items.py"
    st = items.stat()
    os.utime(items, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))   # the engine changed (same version number)
    assert due() == first
    assert meta(cli.root) != key, "the cache kept the key of the old engine"
    assert git(cli.root, "status", "--porcelain") == ""
