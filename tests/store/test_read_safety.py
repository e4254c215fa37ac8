"""Reading is safe: the cache never runs code and never comes from git; a hostile file never crashes a
command (issue 9 items 3 and 9), and a damaged case never hides the others."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git, case_dir, case_path


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


# ---------------------------------------------------------------- hostile files: a problem, never a crash

DEEP = "[" * 100_000 + "]" * 100_000


def _agenda_case(cli) -> str:
    """A second case with something due on TODAY (report-in long ago, nothing recorded since)."""
    return cli.add(2, reported_on="2026-01-05")


@pytest.mark.parametrize("where", ["events", "case"])
def test_deep_nesting_is_a_problem_not_a_crash(cli, case, where):
    good = _agenda_case(cli)
    cdir = case_dir(cli.root, case)
    if where == "events":
        bad = cdir / "events" / "2026-deep.yaml"
        bad.write_text('- id: "d1"\n  type: "visit"\n  date: 2026-04-01\n  note: ' + DEEP + "\n")
        line = 4
    else:
        bad = cdir / "case.yaml"
        bad.write_text(bad.read_text() + "extra: " + DEEP + "\n")
        line = len(bad.read_text().splitlines())
    rel = str(bad.relative_to(cli.root))
    for args in (["check"], ["due"], ["case", "list"], ["show", case], ["record", "visit", case],
                 ["render", case, "--out", str(cli.root.parent / "out")], ["due", "--case", case]):
        res = run(cli.root, *args)
        assert res.returncode == 1, (args, res.returncode, res.stderr[-500:])
        out = res.stdout + res.stderr
        assert f"{rel}:{line}:" in out and "嵌套" in out, (args, out[-500:])
        assert "Traceback" not in out
    # the other cases still show: the agenda and the register list the good case, with the problem on stderr
    res = run(cli.root, "due", "--format", "json")
    import json

    items = json.loads(res.stdout)
    assert {it["case"] for it in items} == {good}, items
    assert res.stderr.startswith(f"{rel}:{line}:")
    res = run(cli.root, "case", "list", "--format", "json")
    assert [c["case"] for c in json.loads(res.stdout)] == [good]
    # and the good case can still be recorded
    res = run(cli.root, "record", "visit", good)
    assert res.returncode == 0, res.stderr


def test_compact_nesting_is_refused_too(cli, case):
    bad = case_dir(cli.root, case) / "events" / "2026-deep.yaml"
    bad.write_text("- " * 60_000 + "x\n")
    res = run(cli.root, "check")
    assert res.returncode == 1 and f"{case_path(case)}/events/2026-deep.yaml:1:" in res.stdout, res.stdout[-300:]


def test_duplicate_key_is_refused_with_path_and_line(cli, case):
    path = case_dir(cli.root, case) / "case.yaml"
    text = path.read_text()
    lines = text.splitlines()
    name_line = next(i for i, ln in enumerate(lines) if ln.startswith("name:")) + 1
    path.write_text(text + 'name: "另一个名字"\n')
    dup = len(lines) + 1
    for args in (["check"], ["show", case], ["due"]):
        res = run(cli.root, *args)
        assert res.returncode == 1
        out = res.stdout + res.stderr
        assert f"{case_path(case)}/case.yaml:{dup}:" in out and "name" in out and "两次" in out, (args, out)
    assert name_line < dup
    # in an events file too (a hand edit that repeats a field)
    path.write_text(text)
    ev = next((case_dir(cli.root, case) / "events").glob("*.yaml"))
    ev.write_text(ev.read_text() + '- id: "h1"\n  type: "visit"\n  date: 2026-04-01\n  date: 2026-04-02\n')
    n = len(ev.read_text().splitlines())
    res = run(cli.root, "check")
    assert res.returncode == 1 and f"{case_path(case)}/events/{ev.name}:{n}:" in res.stdout, res.stdout


def test_the_store_reads_without_the_engine(cli, case):
    """The load pipeline (discover, parse, validate) lives in the store, which never imports the engine."""
    code = ("import sys; from aftercare.store import Store; s = Store(sys.argv[1]); ids, probs = s.discover(); "
            "[s.load_case(c) for c in ids]; "
            "bad = [m for m in sys.modules if m.split('.')[:3] in (['aftercare', 'core', 'engine'], "
            "['aftercare', 'core', 'facts'], ['aftercare', 'core', 'items'])]; print(len(ids), len(probs), bad)")
    res = subprocess.run([sys.executable, "-c", code, str(cli.root)], capture_output=True, text=True, cwd=cli.root)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["1", "0", "[]"], res.stdout


@pytest.mark.parametrize("bad, what", [(b'  note: "a\x00b"\n', "#x0000"), (b'  note: "\xff\xfe"\n', "UTF-8")])
def test_nul_and_invalid_utf8_are_one_problem_at_their_line(cli, case, bad, what):
    """Issue 9 item 11: a NUL byte or invalid UTF-8 is reported once, on one line, at the line where it
    stands (before: at line 1, over two lines, in English)."""
    ev = next((case_dir(cli.root, case) / "events").glob("*.yaml"))
    good = ev.read_bytes()
    ev.write_bytes(good + b'- id: "h1"\n  type: "visit"\n  date: 2026-04-01\n' + bad)
    n = len(good.splitlines()) + 4          # three lines of the record, then the bad one
    res = run(cli.root, "check")
    assert res.returncode == 1
    hits = [ln for ln in res.stdout.splitlines() if ln.startswith(f"{case_path(case)}/events/{ev.name}:") and ("编码" in ln or "控制字符" in ln)]
    assert len(hits) == 1, res.stdout
    assert hits[0].startswith(f"{case_path(case)}/events/{ev.name}:{n}:") and what in hits[0], hits[0]
    assert "in \"<byte string>\"" not in res.stdout and "position" not in res.stdout
