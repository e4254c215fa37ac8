"""The register and the agenda over the whole store, with the read cache.

A case's summary (its register row and its open items) depends only on its files, the rule set in
force, the calendar and the security periods. It is cached per case, keyed on every file's
(path, mtime_ns, size, inode), the program version and the office file; the parsed content of each
file is cached too, so one new event re-reads one file. The cache lives in `<store>/.aftercare-cache/`
(git-ignored), is written atomically, and is rebuilt silently when missing, stale or corrupt.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from aftercare.core.engine import agenda_items
from aftercare.core.model import CLOSED_STATES, DueItem
from aftercare.store import Store
from aftercare.store.fsutil import atomic_write, ensure_dir
from aftercare.store.store import CACHE_DIR, CaseFiles

HORIZON_DAYS = 62      # open items cached this far ahead of the day computed
FILE_CACHE_MAX = 64    # per-file parse caches are written when few cases changed (not on a full rebuild)
CACHE_FORMAT = 3


@dataclass
class Summary:
    cid: str
    name: str
    id_number: str
    measure: str
    worker: str
    status: str
    start: date | None
    last_day: date | None
    risk: str
    counts: dict
    items: list                    # open DueItems whose window opens before the horizon
    provisional_years: list = field(default_factory=list)
    closed_on: date | None = None


    def overdue_on(self, day: date) -> int:
        """Open overdue items on `day` (computed per day, not cached)."""
        return sum(1 for it in agenda_items(self.items, self.status, day, 0) if it.status == "overdue")


@dataclass
class Entry:
    keys: tuple
    ruleset: str
    computed: date
    horizon: date
    max_date: date | None
    summary: Summary


def summarise(store: Store, files: CaseFiles, day: date, parsed: dict | None = None):
    """Parse, evaluate and summarise one case. Returns (Summary, problems, parsed, max_date)."""
    case, events, problems = store.parse_case_files(files, parsed)
    if problems or case is None:
        return None, problems, parsed, None
    view = store.evaluate(case, events, day)
    horizon = day + timedelta(days=HORIZON_DAYS)
    items = [] if view.closed else [it for it in view.items if it.open_on(day) and (it.window_start or it.deadline) <= horizon]
    counts = {
        "tests": sum(1 for e in view.events if e.type == "test" and e.get("result") in ("negative", "positive", "pending")),
        "visits": sum(1 for e in view.events if e.type == "visit"),
        "reports": sum(1 for e in view.events if e.type == "report"),
        "refusals": len(view.refusals),
        "absences": len(view.absences),
        "absence_days": view.absence_days,
    }
    s = Summary(case.id, case.name, case.id_number, case.measure, case.worker, view.status, view.start, view.last_day,
                view.risk, counts, items, view.provisional_years, view.closed_on)
    max_date = max((e.date for e in events), default=None)
    return s, problems, parsed, max_date


class Cache:
    def __init__(self, store: Store):
        self.store = store
        self.dir = store.root / CACHE_DIR
        self.enabled = store.use_cache
        self.ctx = store.context_fingerprint()
        self.entries: dict = {}
        self.dirty = False
        if self.enabled:
            self._load()

    def _load(self) -> None:
        try:
            with open(self.dir / "summaries.pickle", "rb") as fh:
                data = pickle.load(fh)
            if data.get("format") == CACHE_FORMAT and data.get("ctx") == self.ctx:
                self.entries = data["cases"]
        except Exception:  # noqa: BLE001 - a missing or corrupt cache is rebuilt silently
            self.entries = {}

    def save(self) -> None:
        if not (self.enabled and self.dirty):
            return
        try:
            ensure_dir(self.dir)
            atomic_write(self.dir / "summaries.pickle", durable=False, data=
                         pickle.dumps({"format": CACHE_FORMAT, "ctx": self.ctx, "cases": self.entries},
                                      protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a read-only store still answers; the cache is only an accelerator

    def parsed_files(self, cid: str, keys: tuple) -> dict:
        """Parsed content of the case's files whose key has not changed."""
        if not self.enabled:
            return {}
        try:
            with open(self.dir / "files" / f"{cid}.pickle", "rb") as fh:
                data = pickle.load(fh)
            if data.get("ctx") != self.ctx:
                return {}
            current = {k[0]: k for k in keys}
            return {rel: raw for rel, (k, raw) in data["files"].items() if current.get(rel) == k}
        except Exception:  # noqa: BLE001
            return {}

    def save_files(self, cid: str, keys: tuple, parsed: dict) -> None:
        if not self.enabled:
            return
        try:
            ensure_dir(self.dir / "files")
            files = {k[0]: (k, parsed[k[0]]) for k in keys if k[0] in parsed and len(k) > 2}
            atomic_write(self.dir / "files" / f"{cid}.pickle", durable=False, data=
                         pickle.dumps({"ctx": self.ctx, "files": files}, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass


def summaries(store: Store, day: date, within: int = 0, only: str | None = None, worker: str | None = None):
    """Summaries of every case (or one) valid for `day`; returns (summaries, problems)."""
    cache = Cache(store)
    ruleset = store.rules.for_day(day).fingerprint
    now = time.time_ns()
    out, problems = [], []
    ids = [only] if only else store.case_ids()
    if only:
        store.require_case(only)
    recomputed = 0
    for cid in ids:
        try:
            files = store.files_of(cid, now)
        except FileNotFoundError:
            continue
        e = cache.entries.get(cid) if cache.enabled else None
        if (e is not None and e.keys == files.keys and e.ruleset == ruleset and e.computed <= day
                and (e.max_date is None or e.max_date <= day) and day + timedelta(days=within) <= e.horizon
                and all(len(k) > 2 for k in files.keys)):
            s = e.summary
        else:
            parsed = cache.parsed_files(cid, files.keys)
            s, probs, parsed, max_date = summarise(store, files, day, parsed)
            if probs:
                problems.extend(probs)
                cache.entries.pop(cid, None)
                continue
            recomputed += 1
            if recomputed <= FILE_CACHE_MAX:
                cache.save_files(cid, files.keys, parsed)
            # a past day, before some of the records: that view is not cached
            if max_date is None or max_date <= day:
                cache.entries[cid] = Entry(files.keys, ruleset, day, day + timedelta(days=HORIZON_DAYS), max_date, s)
                cache.dirty = True
        if worker and s.worker != worker:
            continue
        out.append(s)
    if not only:
        gone = set(cache.entries) - set(ids)
        for cid in gone:
            cache.entries.pop(cid, None)
            cache.dirty = True
    cache.save()
    return out, problems


@dataclass
class AgendaLine:
    item: DueItem
    name: str
    worker: str


def agenda(store: Store, day: date, within: int | None = None, case: str | None = None, worker: str | None = None):
    """Open items on `day` for the whole store: (lines sorted overdue → due → upcoming, problems, unknown years)."""
    if within is None:
        within = store.rules.for_day(day).upcoming_days
    sums, problems = summaries(store, day, within, case, worker)
    lines = []
    years = set()
    for s in sums:
        if s.status in CLOSED_STATES:
            continue
        lines.extend(AgendaLine(it, s.name, s.worker) for it in agenda_items(s.items, s.status, day, within))
        if any(i.provisional for i in s.items):      # an open item's deadline rests on a guessed year
            years.update(s.provisional_years)
    order = {"overdue": 0, "due": 1, "upcoming": 2}
    lines.sort(key=lambda ln: (order[ln.item.status], ln.item.deadline, ln.item.case, ln.item.kind))
    return lines, problems, sorted(years)
