"""The register and the agenda over the whole store, with the read cache.

A case's summary (its register row and its open items) depends only on its files, the rule set in
force, the calendar and the security periods. It is cached per case (`aftercare.store.cache`: a
SQLite file inside `.git/`, plain data only), keyed on every file's (path, mtime_ns, size, inode),
the program version and the office file; the parsed content of each file is cached too, so one new
event re-reads one file. Only the rows a query needs are read, only changed rows are written, and
a missing, stale or damaged cache is rebuilt silently.
"""

from __future__ import annotations

import functools
import gc
import os
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from aftercare.core.model import DueItem, live_agenda
from aftercare.store import Store
from aftercare.store.cache import ReadCache, cache_path
from aftercare.store.stamps import case_file_key, case_of_path, head_key, keys_text
from aftercare.store.store import CaseFiles

HORIZON_DAYS = 62      # open items cached this far ahead of the day computed
FILE_CACHE_MAX = 64    # per-file parse caches are written when few cases changed (not on a full rebuild)


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
    state: str = ""                # the person's state on the path (PATHWAY §1)
    current: str = ""              # the current measure's kind
    state_until: date | None = None    # the state changes by itself on this day (follow-up ends clean)


    def overdue_on(self, day: date) -> int:
        """Open overdue items on `day` (computed per day, not cached)."""
        return sum(1 for it in live_agenda(self.items, self.state, day, 0) if it.status == "overdue")


@dataclass
class Entry:
    keys: tuple
    ruleset: str
    computed: date
    horizon: date
    max_date: date | None
    summary: Summary


def summarise(store: Store, files: CaseFiles, day: date, parsed: dict | None = None, today: date | None = None):
    """Parse, validate, evaluate and summarise one case. Returns (Summary, problems, parsed, max_date)."""
    case, events, problems = store.parse_case_files(files, parsed, today)
    if problems or case is None:
        return None, problems, parsed, None
    from aftercare.core.engine import evaluate_in      # only when a case is (re)computed

    view = evaluate_in(store, case, events, day, open_only=True)     # a summary keeps open items only
    horizon = day + timedelta(days=HORIZON_DAYS)
    items = [it for it in view.path.live if it.open_on(day) and (it.window_start or it.deadline) <= horizon]
    counts = {
        "tests": sum(1 for e in view.events if e.type == "test" and e.get("result") in ("negative", "positive", "pending")),
        "visits": sum(1 for e in view.events if e.type == "visit"),
        "reports": sum(1 for e in view.events if e.type == "report"),
        "refusals": len(view.refusals),
        "absences": len(view.absences),
        "absence_days": view.absence_days,
    }
    s = Summary(case.id, case.name, case.id_number, case.measure, case.worker, view.status, view.start, view.last_day,
                view.risk, counts, items, view.provisional_years, view.closed_on, view.path.state,
                view.path.current.kind, _state_until(view.path))
    max_date = max((e.date for e in events), default=None)
    return s, problems, parsed, max_date


def _state_until(path) -> date | None:
    cur = path.current
    return cur.last_day if cur.kind == "followup" and cur.open else None


# ---------------------------------------------------------------- summaries as plain rows
#
# A cached summary is a JSON list of strings, integers (dates as ordinals) and null, behind a digest
# of that text: a row whose digest does not match (damaged, edited, written by anything but `_encode`)
# is recomputed; a matching row has the shape `_encode` gave it, so decoding checks no field's type.

DIGEST_LEN = 32


def _digest(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode(), digest_size=DIGEST_LEN // 2).hexdigest()


def _o(d: date | None):
    return None if d is None else d.toordinal()


@functools.lru_cache(maxsize=8192)
def _day_of(ordinal: int) -> date:
    return date.fromordinal(ordinal)


def _d(v) -> date | None:
    return None if v is None else _day_of(v)


def _encode(e: Entry) -> str:
    import json

    s = e.summary
    items = [[it.case, it.kind, _o(it.deadline), _o(it.window_start), it.basis, it.document, it.key,
              _o(it.satisfied_on), it.satisfied_by, _o(it.explained_on), it.explanation, it.provisional, it.source,
              it.pauses]
             for it in s.items]
    text = json.dumps([e.ruleset, _o(e.computed), _o(e.horizon), _o(e.max_date),
                       [s.cid, s.name, s.id_number, s.measure, s.worker, s.status, _o(s.start), _o(s.last_day), s.risk,
                        s.counts, items, list(s.provisional_years), _o(s.closed_on), s.state, s.current,
                        _o(s.state_until)]],
                      ensure_ascii=False, separators=(",", ":"))
    return _digest(text) + text


def _decode(keys: tuple, text: str, live: tuple | None = None) -> Entry:
    """`live` = (day, within): keep only the items listed on that day (an agenda needs no others)."""
    import json

    body = text[DIGEST_LEN:]
    if text[:DIGEST_LEN] != _digest(body):
        raise ValueError("digest")
    ruleset, computed, horizon, max_date, s = json.loads(body)
    cid, name, idn, measure, worker, status, start, last, risk, counts, items, years, closed, state, current, until = s
    out = []
    new = object.__new__
    day = _day_of
    for case, kind, dl, ws, basis, doc, key, sat, satby, exp, expl, prov, src, pauses in items:
        d = new(DueItem)
        d.__dict__.update({
            "case": case, "kind": kind, "deadline": day(dl), "window_start": None if ws is None else day(ws),
            "basis": basis, "document": doc, "key": key, "satisfied_on": None if sat is None else day(sat),
            "satisfied_by": satby, "explained_on": None if exp is None else day(exp), "explanation": expl,
            "provisional": prov, "status": "", "source": src, "pauses": pauses})
        if live is None or d.status_on(*live):
            out.append(d)
    summary = Summary(cid, name, idn, measure, worker, status, _d(start), _d(last), risk, counts, out, years, _d(closed),
                      state, current, _d(until))
    return Entry(keys, ruleset, _day_of(computed), _day_of(horizon), _d(max_date), summary)


def _entry(row, keys: tuple, ktext: str | None, live: tuple | None = None):
    """The cached entry of a case when its row is for these very files and reads back cleanly."""
    if row is None or ktext is None or row[1] != ktext:
        return None
    try:
        return _decode(keys, row[2], live)
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None


def _cache(store: Store) -> ReadCache:
    if not store.use_cache:
        return ReadCache(None, "")
    return ReadCache(cache_path(store.git_dir, store.root), store.context_fingerprint())


def summaries(store: Store, day: date, within: int = 0, only: str | None = None, worker: str | None = None,
              today: date | None = None, live_only: bool = False, seen: dict | None = None):
    """Summaries of every case (or one, or one worker's) valid for `day`; returns (summaries, problems).

    A case whose files do not load or whose records fail a content check is left out and its problems
    returned (records dated after `today`, which defaults to the later of `day` and the clock, fail).
    `live_only`: a cached summary keeps only the items listed on `day` (within `within` days), for an agenda.
    `seen`: filled with {cid: (case.yaml's key, the key of all its files, its worker)} as read (a key
    None when a file was too young to trust; the second None for another worker's case not read)."""
    if today is None:
        today = max(day, date.today())
    cache = _cache(store)
    gc_was = gc.isenabled()
    gc.disable()             # tens of thousands of small objects, no cycles: the collector would only rescan them
    try:
        return _summaries(store, cache, day, within, only, worker, today, live_only, seen)
    finally:
        cache.close()
        if gc_was:
            gc.enable()


def _summaries(store: Store, cache: ReadCache, day: date, within: int, only: str | None, worker: str | None,
               today: date, live_only: bool = False, seen: dict | None = None):
    ruleset = store.rules.for_day(day).fingerprint
    now = time.time_ns()
    out, problems = [], []
    if only:
        store.require_case(only)
        ids = [only]
    else:
        ids, problems = store.discover()
    # the cached rows in case-ID order beside the (sorted) case folders: one row in memory at a time;
    # a worker's agenda reads only that worker's rows
    stream = iter(cache.summaries([only], worker).items()) if only else (
        (r[0], r[1:]) for r in cache.iter_summaries(worker))
    nxt = next(stream, None)
    cached_ids: list = []
    put: dict = {}
    file_rows: list = []
    recomputed = 0
    slots: list = []         # in case order: a Summary, or the index in `stale` of a case still to compute
    stale: list = []         # (files, ktext) of each case whose summary is computed afresh
    for cid in ids:
        while nxt is not None and nxt[0] < cid:
            cached_ids.append(nxt[0])
            nxt = next(stream, None)
        row = None
        if nxt is not None and nxt[0] == cid:
            row = nxt[1]
            cached_ids.append(cid)
            nxt = next(stream, None)
        if worker and row is not None and row[0] != worker:
            # another worker's case, and case.yaml (which names the worker) unchanged: not read at all
            try:
                head = case_file_key(os.path.join(store.case_dir(cid), "case.yaml"), now)
            except OSError:
                head = None
            if head is not None and head_key(row[1]) == head:
                if seen is not None:
                    seen[cid] = (head, None, row[0])
                continue
        try:
            files = store.files_of(cid, now)
        except FileNotFoundError:
            continue
        ktext = keys_text(files.keys)
        # a worker's agenda decodes only that worker's rows (a row is for the files as they are now)
        if worker and row is not None and ktext is not None and row[1] == ktext and row[0] != worker:
            if seen is not None:
                seen[cid] = (head_key(ktext), ktext, row[0])
            continue
        e = _entry(row, files.keys, ktext, (day, within) if live_only else None)
        if (e is not None and e.ruleset == ruleset and e.computed <= day
                and (e.max_date is None or e.max_date <= day) and day + timedelta(days=within) <= e.horizon
                and (e.summary.state_until is None or day < e.summary.state_until)):
            s = e.summary
        else:
            slots.append(len(stale))
            stale.append((files, ktext))
            continue
        if seen is not None:
            seen[cid] = (head_key(ktext), ktext, s.worker)
        if worker and s.worker != worker:
            continue
        slots.append(s)
    while nxt is not None:
        cached_ids.append(nxt[0])
        nxt = next(stream, None)
    fresh = _compute_all(store, cache, stale, ruleset, day, today)
    for s in slots:
        if type(s) is int:
            files, ktext = stale[s]
            s, probs, parsed, row = fresh[s]
            if probs:
                problems.extend(probs)
                continue
            recomputed += 1
            if recomputed <= FILE_CACHE_MAX and parsed is not None:
                file_rows.append((files.cid, files.keys, parsed))
            if row is not None:
                put[files.cid] = row
            if seen is not None:
                seen[files.cid] = (head_key(ktext), ktext, s.worker)
            if worker and s.worker != worker:
                continue
        out.append(s)
    drop = [] if only else sorted(set(cached_ids) - set(ids))
    cache.save(put, drop)
    cache.save_files(file_rows)
    return out, problems


def _computed(store: Store, cache: ReadCache, files: CaseFiles, ktext: str | None, ruleset: str, day: date,
              today: date):
    """Summarise one case afresh: (Summary, problems, parsed files, the cache row to write or None)."""
    return _compute(store, files, cache.parsed_files(files.cid, files.keys), cache.enabled, ktext, ruleset, day, today)


def _compute(store: Store, files: CaseFiles, parsed: dict, encode: bool, ktext: str | None, ruleset: str, day: date,
             today: date):
    s, probs, parsed, max_date = summarise(store, files, day, parsed, today)
    row = None
    # a past day, before some of the records: that view is not cached
    if not probs and encode and ktext is not None and (max_date is None or max_date <= day):
        row = (s.worker, ktext, _encode(Entry(files.keys, ruleset, day, day + timedelta(days=HORIZON_DAYS), max_date, s)))
    return s, probs, parsed, row


PARALLEL_MIN = 200     # stale cases from which they are computed in forked workers, one per core (views/parallel.py)


def _compute_all(store: Store, cache: ReadCache, stale: list, ruleset: str, day: date, today: date) -> list:
    """`_computed` of each (files, ktext) in `stale`, in order: in forked workers when there are many (the
    workers read the files themselves, without the cache's parsed files, and send back the parsed files
    only of the first FILE_CACHE_MAX cases, the only ones written back); serially otherwise, or when
    the workers fail."""
    if len(stale) >= PARALLEL_MIN:
        from aftercare.views.parallel import map_in_order

        encode = cache.enabled

        def one(i: int):
            files, ktext = stale[i]
            s, probs, parsed, row = _compute(store, files, {}, encode, ktext, ruleset, day, today)
            return s, probs, parsed if i < FILE_CACHE_MAX else None, row

        got = map_in_order(one, len(stale))
        if got is not None:
            return got
    return [_computed(store, cache, files, ktext, ruleset, day, today) for files, ktext in stale]


def refreshed(store: Store, written: list, today: date):
    """With a write: the summaries of the cases whose files this process just wrote, computed now (while
    git finishes their commit), and the function that keeps them in the cache once the commit is made, so
    that the next `due` reads them warm: `keep(True)` returns {cid: (its Summary or None, the key of its
    files or None)} for each case written; `keep(False)` (the commit failed) keeps nothing. Silent;
    anything that does not fit (a problem, a racy file) is left for the next read to compute."""
    if not store.use_cache:
        return lambda made: {}
    by_case: dict = {}
    for rel in written:
        found = case_of_path(rel)
        if found is not None:
            by_case.setdefault(found[0], set()).add(found[1])
    if not by_case:
        return lambda made: {}
    cache = _cache(store)
    done: dict = {}
    put, file_rows = {}, []
    try:
        ruleset = store.rules.for_day(today).fingerprint
        for cid, mine in sorted(by_case.items()):
            try:
                files = store.files_of(cid, written=frozenset(mine))
            except (FileNotFoundError, NotADirectoryError):
                done[cid] = (None, None)
                continue
            ktext = keys_text(files.keys)
            s, probs, parsed, row = _computed(store, cache, files, ktext, ruleset, today, today)
            done[cid] = (None if probs else s, ktext)
            if row is not None:
                put[cid] = row
                file_rows.append((cid, files.keys, parsed))
    except BaseException:
        cache.close()
        raise

    def keep(made: bool) -> dict:
        try:
            if not made:
                return {}
            cache.save(put, [])
            cache.save_files(file_rows)
            return done
        finally:
            cache.close()

    return keep


@dataclass
class AgendaLine:
    item: DueItem
    name: str
    worker: str


STATUS_ORDER = {"overdue": 0, "due": 1, "upcoming": 2}


def line_order(ln: AgendaLine) -> tuple:
    """An agenda's order: overdue, due, upcoming; then by deadline, case and kind."""
    it = ln.item
    return (STATUS_ORDER[it.status], it.deadline, it.case, it.kind)


def agenda(store: Store, day: date, within: int | None = None, case: str | None = None, worker: str | None = None,
           today: date | None = None, seen: dict | None = None):
    """Open items on `day` for the whole store: (lines sorted overdue → due → upcoming, problems, unknown years)."""
    if within is None:
        within = store.rules.for_day(day).upcoming_days
    sums, problems = summaries(store, day, within, case, worker, today, live_only=True, seen=seen)
    lines = []
    years = set()
    for s in sums:
        if any(i.provisional for i in s.items):      # an open item's deadline rests on a guessed year
            years.update(s.provisional_years)
        # these summaries are this call's own (fresh from the cache or the engine), dropped on return
        lines.extend(AgendaLine(it, s.name, s.worker) for it in live_agenda(s.items, s.state, day, within, consume=True))
    lines.sort(key=line_order)
    return lines, problems, sorted(years)
