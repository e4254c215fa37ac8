"""A write refreshes the read cache for the cases it wrote: the next `due` reads them warm."""

from __future__ import annotations

import os
import time
from datetime import date
from types import SimpleNamespace

import aftercare.views.agenda as A
from aftercare.store import Store
from aftercare.store.store import RACY_FINE_NS, RACY_NS, _key
from conftest import show_json, case_dir


def _settle(root):
    past = time.time() - 60
    for f in (root / "cases").rglob("*.yaml"):
        os.utime(f, (past, past))                   # no file is "racy" any more


def test_the_next_due_reads_the_written_case_from_the_cache(cli, monkeypatch):
    a = cli.add(8, reported_on="2026-04-01")
    cli.ok("record", "test", a, "--date", "2026-05-18", "--result", "pending", "--delegated-to", "长沙市某派出所")
    _settle(cli.root)
    lines, _, _ = A.agenda(Store(cli.root), date(2026, 5, 20))
    # the delegated result is due 7 days after the sample: 05-18 + 7 = 05-25
    assert [(ln.item.kind, ln.item.deadline) for ln in lines if ln.item.case == a and "delegated" in ln.item.kind] \
        == [("delegated-test-result", date(2026, 5, 25))]
    cli.ok("record", "test", a, "--date", "2026-05-18", "--result", "negative")      # the write refreshes the row
    # the next command comes later: past the racy window of the new file's time (0.1 s, or 2 s where
    # the file system keeps whole seconds)
    newest = max(f.stat().st_mtime_ns for f in (case_dir(cli.root, a)).rglob("*.yaml"))
    time.sleep(((RACY_FINE_NS if newest % 10 ** 9 else RACY_NS) + 50_000_000) / 1e9)
    computed = []
    real = A.summarise
    monkeypatch.setattr(A, "summarise", lambda store, files, *r: computed.append(files.cid) or real(store, files, *r))
    lines, _, _ = A.agenda(Store(cli.root), date(2026, 5, 20))
    assert computed == []                                          # nothing recomputed: the row was fresh
    assert not [ln for ln in lines if ln.item.kind == "delegated-test-result"]
    assert lines == A.agenda(Store(cli.root, use_cache=False), date(2026, 5, 20))[0]


def test_a_failing_refresh_never_fails_the_write(cli, monkeypatch):
    """The refresh fails while git commits (summarising), or once the commit is made (keeping)."""
    a = cli.add(8, reported_on="2026-04-01")
    before = cli.commits()

    def broken(*_a, **_k):
        raise RuntimeError("cache broken")

    def broken_keep(*_a, **_k):
        return broken

    for failing, day in ((broken, "2026-05-18"), (broken_keep, "2026-05-19")):
        monkeypatch.setattr(A, "refreshed", failing)
        cli.ok("record", "visit", a, "--date", day)
    assert cli.commits() == before + 2
    shown = show_json(cli, a)
    assert [e["date"] for e in shown["timeline"] if e["type"] == "visit"] == ["2026-05-18", "2026-05-19"]


def test_which_file_times_are_trusted():
    s = 1_790_000_000 * 10 ** 9                   # a whole second
    fine = SimpleNamespace(st_mtime_ns=s + 123_456_789, st_size=10, st_ino=7)
    coarse = SimpleNamespace(st_mtime_ns=s, st_size=10, st_ino=7)
    m = fine.st_mtime_ns
    assert _key("e.yaml", fine, m + 50_000_000) == ("e.yaml", None)            # 0.05 s: may still change unseen
    assert _key("e.yaml", fine, m + 50_000_000, written=True) == ("e.yaml", m, 10, 7)   # renamed in by us
    assert _key("e.yaml", fine, m + 150_000_000) == ("e.yaml", m, 10, 7)       # past 0.1 s
    assert _key("e.yaml", coarse, s + 1_000_000_000) == ("e.yaml", None)      # whole seconds: 2 s
    assert _key("e.yaml", coarse, s + 1_000_000_000, written=True) == ("e.yaml", None)
    assert _key("e.yaml", coarse, s + 2_100_000_000) == ("e.yaml", s, 10, 7)
