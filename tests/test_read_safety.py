"""Reading is safe: the cache never runs code and never comes from git; a hostile file never crashes a
command (issue 9 items 3 and 9), and a damaged case never hides the others."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git


@pytest.fixture
def case(cli) -> str:
    return cli.add(1, reported_on="2026-03-02")

STORE_CACHE = ".aftercare-cache"       # where earlier versions kept their pickle cache


def run(root: Path, *args: str, today: str = "2026-05-20") -> subprocess.CompletedProcess:
    env = dict(os.environ, AFTERCARE_TODAY=today)
    return subprocess.run([sys.executable, "-m", "aftercare", *args, "--store", str(root)], env=env,
                          capture_output=True, text=True, timeout=120)


class _Payload:
    """A pickle that creates a file when it is loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_committed_pickle_cache_never_runs_and_check_reports_it(cli, case, tmp_path):
    marker = tmp_path / "pwned"
    evil = pickle.dumps({"format": 3, "ctx": "x", "cases": _Payload(marker)})
    cache = cli.root / STORE_CACHE
    (cache / "files").mkdir(parents=True)
    (cache / "summaries.pickle").write_bytes(evil)
    (cache / "files" / f"{case}.pickle").write_bytes(evil)
    git(cli.root, "add", "-f", STORE_CACHE)
    git(cli.root, "commit", "-q", "-m", "Add cache")
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(cli.root), str(other)], check=True)
    assert (other / STORE_CACHE / "summaries.pickle").is_file()
    for args in (["due"], ["due", "--case", case], ["show", case], ["case", "list"], ["check"]):
        res = run(other, *args)
        assert not marker.exists(), f"{args} ran code from the cache"
        assert "Traceback" not in res.stderr, res.stderr
    res = run(other, "check")
    assert res.returncode == 1
    out = res.stdout + res.stderr
    assert f"{STORE_CACHE}/summaries.pickle:1:" in out and f"{STORE_CACHE}/files/{case}.pickle:1:" in out, out
    assert "缓存" in out
    # and the agenda is right: the same as without any cache
    assert run(other, "due", "--format", "json").stdout == run(other, "--no-cache", "due", "--format", "json").stdout


def test_the_cache_lives_inside_git_and_nothing_of_it_in_the_work_tree(cli, case):
    res = run(cli.root, "due")
    assert res.returncode == 0, res.stderr
    assert not (cli.root / STORE_CACHE).exists()
    assert list((cli.root / ".git" / "aftercare-cache").glob("*.sqlite3"))
    assert git(cli.root, "status", "--porcelain", "--ignored") == ""
