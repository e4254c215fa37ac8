"""Many stale cases are computed in forked workers: the same answer, in the same order, as serially; any
failure of the workers falls back to computing serially."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

from conftest import synth_with_demo
from aftercare.store import Store
from aftercare.views import agenda as A
from aftercare.views import parallel as P

TODAY = date(2026, 11, 23)


def _settle(root: Path) -> None:
    """Every file written a minute ago (the cache never trusts a file younger than 2 s)."""
    t = time.time() - 60
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for f in filenames:
            os.utime(Path(dirpath) / f, (t, t))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """16 synthetic persons and the demo's 12 (suspended, on leave, refusals …), one of them damaged."""
    root = synth_with_demo(tmp_path_factory, 16, 7, TODAY)
    damaged = sorted((root / "cases").glob("*/*"))[5] / "case.yaml"
    damaged.write_text(damaged.read_text(encoding="utf-8").replace("measure:", "measure: [", 1), encoding="utf-8")
    _settle(root)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


@pytest.fixture
def store_dir(template, tmp_path):
    root = tmp_path / "s"
    shutil.copytree(template, root, symlinks=True)
    _settle(root)
    return root


def cold(root: Path, **kw):
    """The agenda and the summaries with no read cache (a fresh one is written on the way)."""
    shutil.rmtree(root / ".git" / "aftercare-cache", ignore_errors=True)
    lines = A.agenda(Store(root), TODAY, **kw)
    shutil.rmtree(root / ".git" / "aftercare-cache", ignore_errors=True)
    sums = A.summaries(Store(root), TODAY)
    return lines, sums


@pytest.fixture
def serial(store_dir, monkeypatch):
    monkeypatch.setattr(A, "PARALLEL_MIN", 10**9)
    got = cold(store_dir)
    monkeypatch.setattr(A, "PARALLEL_MIN", 2)
    return got


def pids_seen(monkeypatch, tmp_path) -> Path:
    """Record the process that summarises each case (in a file: the workers are other processes)."""
    log = tmp_path / "pids"
    real = A.summarise

    def spy(*args, **kw):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(*args, **kw)

    monkeypatch.setattr(A, "summarise", spy)
    return log


def test_workers_give_the_serial_answer_in_the_same_order(store_dir, serial, monkeypatch, tmp_path):
    (lines, problems, years), (sums, sum_problems) = serial
    assert len(sums) == 27 and len(sum_problems) == 1          # 16 + 12 persons, one damaged case.yaml
    assert sum_problems[0].path.endswith("/case.yaml")
    log = pids_seen(monkeypatch, tmp_path)
    assert cold(store_dir) == serial
    pids = {int(x) for x in log.read_text().split()}
    assert os.getpid() not in pids and len(pids) >= 2           # computed in two or more other processes
    # the rows the workers' results were cached as read back to the same answer
    assert A.agenda(Store(store_dir), TODAY) == (lines, problems, years)
    warm, warm_problems = A.summaries(Store(store_dir), TODAY)
    assert warm_problems == sum_problems
    # (a cached summary gives its years as a list, a computed one as a tuple: compare the years as lists)
    assert [dict(vars(s), provisional_years=list(s.provisional_years)) for s in warm] == \
        [dict(vars(s), provisional_years=list(s.provisional_years)) for s in sums]


def test_a_worker_agenda_and_a_window_are_the_same_through_workers(store_dir, serial, monkeypatch):
    worker = Store(store_dir).staff[1]["name"]
    monkeypatch.setattr(A, "PARALLEL_MIN", 10**9)
    want = cold(store_dir, within=40, worker=worker)[0]
    monkeypatch.setattr(A, "PARALLEL_MIN", 2)
    assert cold(store_dir, within=40, worker=worker)[0] == want
    assert want[0] and all(ln.worker == worker for ln in want[0])


def test_a_worker_that_raises_falls_back_to_serial(store_dir, serial, monkeypatch):
    parent = os.getpid()
    real = A.summarise

    def fails_in_a_worker(*args, **kw):
        if os.getpid() != parent:
            raise RuntimeError("worker failure")
        return real(*args, **kw)

    monkeypatch.setattr(A, "summarise", fails_in_a_worker)
    assert cold(store_dir) == serial


def test_a_worker_that_dies_falls_back_to_serial(store_dir, serial, monkeypatch):
    parent = os.getpid()
    real = A.summarise

    def dies_in_a_worker(*args, **kw):
        if os.getpid() != parent:
            os._exit(3)
        return real(*args, **kw)

    monkeypatch.setattr(A, "summarise", dies_in_a_worker)
    assert cold(store_dir) == serial


def test_without_fork_or_with_one_core_it_is_serial(store_dir, serial, monkeypatch, tmp_path):
    log = pids_seen(monkeypatch, tmp_path)

    def no_fork(method=None):
        raise ValueError("cannot find context for 'fork'")

    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    assert cold(store_dir) == serial
    monkeypatch.undo()
    log = pids_seen(monkeypatch, tmp_path)
    monkeypatch.setattr(A, "PARALLEL_MIN", 2)
    monkeypatch.setattr(P, "cores", lambda: 1)
    assert cold(store_dir) == serial
    assert {int(x) for x in log.read_text().split()} == {os.getpid()}


def test_map_in_order_keeps_the_order_of_the_list():
    got = P.map_in_order(lambda i: (i * i, os.getpid()), 50, workers=2)
    assert [v for v, _pid in got] == [i * i for i in range(50)]       # 0, 1, 4, … 2401
    assert os.getpid() not in {pid for _v, pid in got}
    assert P.map_in_order(lambda i: i, 1, workers=2) is None          # one item: nothing to share
    assert P.map_in_order(lambda i: i, 50, workers=1) is None         # one core
    assert P.map_in_order(lambda i: (lambda: i), 50, workers=2) is None   # a result that does not pickle


def test_due_through_the_cli_with_many_stale_cases(store_dir, serial, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from aftercare.cli import full_app

    def due():
        shutil.rmtree(store_dir / ".git" / "aftercare-cache", ignore_errors=True)
        res = CliRunner().invoke(full_app(), ["due", "--store", str(store_dir), "--format", "json"],
                                 env={"AFTERCARE_TODAY": TODAY.isoformat()}, catch_exceptions=False)
        return res.exit_code, res.stdout

    log = pids_seen(monkeypatch, tmp_path)
    monkeypatch.setattr(A, "PARALLEL_MIN", 2)
    through_workers = due()
    assert os.getpid() not in {int(x) for x in log.read_text().split()}
    monkeypatch.setattr(A, "PARALLEL_MIN", 10**9)
    assert through_workers == due()
    assert through_workers[0] == 1 and through_workers[1].strip().startswith("[")   # the damaged case: exit 1
