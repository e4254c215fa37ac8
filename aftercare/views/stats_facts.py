"""What the statistics need of one person as of a day D2, read from the engine's facts.

Nothing here computes a window, a deadline or a breach: the engine does (`evaluate_in(store, ...)` on D2,
so records dated after D2 do not exist). This module only copies the engine's answers into a
compact `PersonFacts`, classifies each window and item as of D2, and caches the result per case as
plain JSON (keyed on the case's files, the office file, the program version and D2) in a SQLite file
inside the git directory, beside the read cache (a store that cannot be written is simply not cached).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
import time
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date

from aftercare.core.model import CLOSED_STATES

FACTS_FORMAT = 8
CACHE_DAYS = 4                    # D2 values kept in the cache (a month, the one before, ...)

DUTY_KINDS = ("test", "visit", "report", "education", "evaluation", "followup")
ESCALATION_KINDS = ("warning", "violation-report", "report-in", "leave-return", "release-suggestion", "pickup",
                    "lost-report", "police-filing")
# Register states (PATHWAY.md §1) in display order; `released` stands for a released person until the
# follow-up measure exists in the model.
STATES = ("awaiting", "detox", "rehab", "isolation", "followup", "suspended", "lost", "clean", "closed", "released")
CASELOAD_STATES = ("awaiting", "detox", "rehab", "followup", "lost", "suspended")
TAKEN = ("negative", "positive", "pending")


@dataclass
class PersonFacts:
    store: str
    cid: str
    name: str
    id_number: str
    worker: str
    household: str
    risk: str
    measure: str                  # the current (or last) measure kind
    prior_isolations: int | None
    state: str                    # STATES, on D2
    exists: bool                  # on the books on D2 (registered, decision served or a record by then)
    reg_date: date | None
    report_in: list = field(default_factory=list)   # (deadline, reported_on or None) per measure
    windows: list = field(default_factory=list)     # (kind, deadline, outcome) on_time/made_up/explained/missed
    items: list = field(default_factory=list)       # (kind, deadline, outcome) on_time/late/explained/open
    events: list = field(default_factory=list)      # (type, date, a, b): see _events
    breaches: list = field(default_factory=list)    # (ground, date)
    lost: list = field(default_factory=list)        # (from, to or None): days lost
    followup: tuple | None = None                   # (start, outcome on D2)
    isolations: list = field(default_factory=list)  # (start, end or None) of compulsory isolations, known dates
    also: list = field(default_factory=list)        # (store, case) of the same person in other stores
    records: int = 0                                # windows and records in all (a duplicate's weight)
    # This store's responsibility for the person (see `responsibility`): dated figures (a window or item by its
    # deadline, a record by its date) count only on days inside one of the spans (after, until]: None = every
    # day; `primary` is False for a county's other registration of a person, which adds its dated work but no
    # figure of the person on D2 (`registered`, ...)
    spans: list | None = None
    primary: bool = True

    def owns(self, d: date) -> bool:
        """Whether something dated `d` is this store's work."""
        return self.spans is None or any((a is None or d > a) and (u is None or d <= u) for a, u in self.spans)


def person_state(case, view) -> str:
    """The person's state on the view's day (PATHWAY.md §1) from the engine's status."""
    path = getattr(view, "path", None)      # the path model (PATHWAY.md) names the state itself
    if path is not None and getattr(path, "state", None):
        return path.state
    status = view.status
    if status == "active":
        return case.measure
    if status in ("terminated", "transferred"):
        return "closed"
    return status                       # awaiting, suspended, released


def _visible(events, d2: date) -> list:
    try:
        from aftercare.core.facts import visible_events
    except ImportError:          # an engine without the facts module
        return [e for e in events if e.date <= d2]
    return list(visible_events(events, d2))


def responsibility(events, office: str | None = None) -> tuple:
    """(spans, received) of one store's copy of a case, from all its records (voided ones never exist).

    A case received by change of place (`transfer import`) holds the history of the offices it passed
    through. Each hand-over (`transfer-handover`) ends the days of the office that made it: the days since
    the previous hand-over, up to and including the hand-over day. This store's days are those ended by its
    own hand-overs and, when the case is here now (a receipt after the last hand-over), the days after the
    last hand-over. A hand-over with no receipt after it here is this store's (the case left from here);
    one followed by a receipt is this store's only when it names this store's office (the person came
    back). `spans`: [(after, until)], the days after `after` up to `until` (None: unbounded), or None for
    every day; `received`: the receipt that put the person on this store's books when its first days
    began with one (else None: from the first day on the books)."""
    moves = sorted((e for e in _visible(events, date.max) if e.type in ("transfer-handover", "transfer-in")),
                   key=lambda e: (e.date, e.type == "transfer-in"))    # a same-day receipt follows its hand-over
    spans, start, receipt = [], None, None
    for i, e in enumerate(moves):
        if e.type == "transfer-in":
            receipt = e.date
            continue
        later = any(m.type == "transfer-in" for m in moves[i + 1:])
        if not later or (office and e.get("from") == office):
            spans.append((start, e.date, receipt))
        start, receipt = e.date, None
    if not moves or moves[-1].type == "transfer-in":          # the case is here now
        spans.append((start, None, receipt))
    if spans == [(None, None, None)]:
        return None, None
    return [(a, u) for a, u, _r in spans], (spans[0][2] if spans and spans[0][0] is not None else None)


def extract(store_label: str, case, view, d2: date, events=None, office: str | None = None) -> PersonFacts:
    """Copy the engine's view of one person on D2 into PersonFacts. With the path model (`view.path`),
    every measure's view, the follow-up windows and the path's items are read; `events` are all the
    person's records (the view of one measure holds only that measure's); `office`: the store's office name
    (whose hand-overs are this store's, see `responsibility`)."""
    path = getattr(view, "path", None)
    evs = _visible(events, d2) if events is not None else list(view.events)
    extra = case.extra or {}
    prior = getattr(path, "prior_isolations", None) if path is not None else extra.get("prior_isolations")
    segments = list(getattr(path, "segments", ()) or ()) if path is not None else []
    # on the books from the first of: entry, decision served, a record, a measure's start (a person entered
    # later with a follow-up or an isolation begun earlier was in the office's care from that start)
    first = min([d for d in (case.created_on, case.notified_on, evs[0].date if evs else None,
                             *(sg.start for sg in segments)) if d is not None], default=None)
    views = [sg.view for sg in segments if getattr(sg, "view", None) is not None] if path is not None else [view]
    spans, received = responsibility(events if events is not None else view.events, office)
    pf = PersonFacts(
        store=store_label, cid=case.id, name=case.name, id_number=case.id_number, worker=case.worker or "",
        household=case.household, risk=view.risk,
        measure=segments[-1].kind if segments else case.measure,
        prior_isolations=prior if isinstance(prior, int) else None,
        state=person_state(case, view), reg_date=first, spans=spans,
        exists=first is not None and first <= d2 and (received is None or received <= d2) and spans != [],
    )
    for v in views:
        _measure_windows(pf, v, d2)
    if path is not None:
        _path_facts(pf, path, segments, evs, d2, extra)
    spans = [(v.start, v.closed_on) for v in views if v.start is not None]
    results = {}
    for v in views:
        results.update(getattr(v, "test_results", {}) or {})
    pf.events = _events(evs, spans, results)
    for v in views:
        if v.refusal_breach is not None:
            pf.breaches.append(("refusal", v.refusal_breach.date))
        if v.absence_breach is not None:
            pf.breaches.append(("absence", v.absence_breach.date))
    pf.records = len(pf.events) + len(pf.windows)
    return pf


def _classify(it) -> str:
    if it.satisfied_on is not None:
        return "on_time" if it.satisfied_on <= it.deadline else "late"
    return "explained" if it.explained_on is not None else "open"


def _measure_windows(pf: PersonFacts, v, d2: date) -> None:
    """One community measure's windows (classified as of D2), escalations and report-in."""
    closed_on = v.closed_on
    for it in v.items:
        if it.kind == "report-in":
            pf.report_in.append((it.deadline, it.satisfied_on))
    for kind, wins in v.windows.items():
        for w in wins:
            if w.end > d2:
                continue
            if closed_on is not None and closed_on < w.end:
                continue                 # the measure ended before the deadline
            sat = w.satisfied_by
            if sat is not None and w.makeup:
                outcome = "made_up"
            elif sat is not None:
                outcome = "on_time"
            elif w.explained_by is not None:
                outcome = "explained"
            else:
                outcome = "missed"
            pf.windows.append((kind, w.end, outcome))
    for it in v.items:
        if it.kind in ESCALATION_KINDS and it.deadline <= d2:
            pf.items.append((it.kind, it.deadline, _classify(it)))


def _path_facts(pf: PersonFacts, path, segments: list, evs: list, d2: date, extra) -> None:
    """Follow-up windows, path items, lost periods, isolations and the follow-up outcome (PATHWAY.md)."""
    ends = {str(sg.seq): sg.end for sg in segments if sg.kind == "followup" and sg.start is not None}
    for it in getattr(path, "items", ()):
        if it.deadline > d2:
            continue
        if it.kind == "followup":
            end = ends.get(it.key.split(":")[1]) if it.key.count(":") >= 2 else None
            if end is not None and end < it.deadline:
                continue
            outcome = "on_time" if it.satisfied_on is not None else ("explained" if it.explained_on is not None else "missed")
            pf.windows.append(("followup", it.deadline, outcome))
        elif it.kind in ESCALATION_KINDS:
            pf.items.append((it.kind, it.deadline, _classify(it)))
    pf.lost = [(a, b) for a, b, *_ in getattr(path, "lost", ())]
    for sg in segments:            # the current isolation too: an interval ends where the next one starts
        if sg.kind == "isolation" and sg.start is not None and sg.start <= d2:
            pf.isolations.append((sg.start, sg.end if sg.end is not None and sg.end <= d2 else None))
    for h in extra.get("history") or []:         # prior isolations with known dates (`case history add`)
        if isinstance(h, dict) and h.get("measure") == "isolation" and isinstance(h.get("from"), date) \
                and isinstance(h.get("to"), date) and (h["from"], h["to"]) not in pf.isolations:
            pf.isolations.append((h["from"], h["to"]))
    fus = [sg for sg in segments if sg.kind == "followup" and sg.start is not None and sg.start <= d2]
    if fus:
        sg = fus[-1]
        if sg.outcome == "clean":
            outcome = "clean"
        else:
            recs = [e for e in evs if e.type == "followup" and e.date >= fus[0].start]
            outcome = recs[-1].get("outcome") if recs else "none"
            if outcome not in ("abstinent", "relapsed", "lost", "refused"):
                outcome = "none"
        pf.followup = (sg.start, outcome)


def _events(evs, spans: list, results: dict) -> list:
    """The records the period counts: (type, date, a, b). (Those of a history received by change of place are
    the sending office's: `PersonFacts.owns` leaves them out.)"""
    out = []
    for e in evs:
        t = e.type
        if t == "test":
            res = results.get(e.id)
            result = res.get("result") if res is not None else e.get("result")
            under = any(a <= e.date and (b is None or e.date <= b) for a, b in spans)
            out.append(("test", e.date, result, (bool(e.get("makeup")), under)))
        elif t == "support":
            try:
                amount = float(e.get("amount")) if e.get("amount") not in (None, "") else 0.0
            except (TypeError, ValueError):
                amount = 0.0
            out.append(("support", e.date, e.get("kind") or "other", amount))
        elif t == "violation" and e.get("kind") == "absence":
            out.append(("absence", e.date, int(e.get("days") or 0), None))
        elif t in _SIMPLE:
            out.append((t, e.date, None, None))
    return out


# ---------------------------------------------------------------- plain-data rows (the cache holds no objects)
#
# A row is plain JSON for the person and two BLOBs of sorted 64-bit integers (little-endian) for the
# windows (deadline ordinal << 8 | kind << 3 | outcome) and the records of the common kinds (date ordinal
# << 12 | kind << 4 | flags): a person's windows and records span the whole history (dozens a year),
# a period needs a few of them, and `bisect` finds those without decoding the rest. Records of other
# kinds or with other values (support with its amount, absence with its days) stay in the JSON.

_KINDS = DUTY_KINDS + ESCALATION_KINDS
_OUTCOMES = ("on_time", "made_up", "explained", "missed", "late", "open")
_SIMPLE = ("leave-approve", "release", "terminate", "transfer-in", "transfer-handover", "methadone")
_PACKED_EVENTS = [("test", r) for r in ("negative", "positive", "refused", "evaded", "pending")] + \
    [(t, None) for t in _SIMPLE]
_EVENT_INDEX = {e: i for i, e in enumerate(_PACKED_EVENTS)}
_D = date.fromordinal
_SWAP = sys.byteorder != "little"


def _od(d):
    return None if d is None else d.toordinal()


def _do(n):
    return None if n is None else date.fromordinal(n)


def _pack(ints) -> bytes:
    a = array("q", sorted(ints))
    if _SWAP:
        a.byteswap()
    return a.tobytes()


def _unpack(blob: bytes, since: int, shift: int) -> array:
    """The integers of a packed BLOB whose date ordinal (the bits above `shift`) is `since` or later."""
    a = array("q")
    a.frombytes(blob)
    if _SWAP:
        a.byteswap()
    return a[bisect_left(a, since << shift):] if since else a


def to_row(pf: PersonFacts) -> tuple[str, bytes, bytes]:
    flat_i = []
    for k, d, o in pf.items:
        flat_i += (_KINDS.index(k), d.toordinal(), _OUTCOMES.index(o))
    packed, evs = [], []
    for t, d, a, b in pf.events:
        code = _EVENT_INDEX.get((t, a))
        if t == "test" and code is not None:
            packed.append((d.toordinal() << 12) | (code << 4) | int(b[0]) | 2 * int(b[1]))
        elif code is not None and b is None:
            packed.append((d.toordinal() << 12) | (code << 4))
        else:
            evs.append([t, d.toordinal(), a, [bool(b[0]), bool(b[1])] if t == "test" else b])
    row = [pf.cid, pf.name, pf.id_number, pf.worker, pf.household, pf.risk, pf.measure, pf.prior_isolations,
           pf.state, pf.exists, _od(pf.reg_date), pf.records,
           [[_od(a), _od(b)] for a, b in pf.report_in],
           flat_i, evs, [[g, _od(d)] for g, d in pf.breaches], [[_od(a), _od(b)] for a, b in pf.lost],
           None if pf.followup is None else [_od(pf.followup[0]), pf.followup[1]],
           [[_od(a), _od(b)] for a, b in pf.isolations],
           None if pf.spans is None else [[_od(a), _od(u)] for a, u in pf.spans]]
    wins = _pack((d.toordinal() << 8) | (_KINDS.index(k) << 3) | _OUTCOMES.index(o) for k, d, o in pf.windows)
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")), wins, _pack(packed)


def from_row(label: str, r: list, wins: bytes, packed: bytes, since: int = 0) -> PersonFacts:
    """A cached row back to PersonFacts; windows and records dated before the ordinal `since` are left out
    (the figures of a period starting then never read them)."""
    (cid, name, idn, worker, household, risk, measure, prior, state, exists, reg, records, rep, flat_i, evs,
     breaches, lost, fu, isos, spans) = r
    pf = PersonFacts(label, cid, name, idn, worker, household, risk, measure, prior, state, exists, _do(reg),
                     spans=None if spans is None else [(_do(a), _do(u)) for a, u in spans])
    pf.records = records
    pf.report_in = [(_do(a), _do(b)) for a, b in rep]
    pf.windows = [(_KINDS[(x >> 3) & 31], _D(x >> 8), _OUTCOMES[x & 7]) for x in _unpack(wins, since, 8)]
    pf.items = [(_KINDS[flat_i[i]], _D(flat_i[i + 1]), _OUTCOMES[flat_i[i + 2]]) for i in range(0, len(flat_i), 3)]
    out = []
    for x in _unpack(packed, since, 12):
        t, a = _PACKED_EVENTS[(x >> 4) & 255]
        out.append((t, _D(x >> 12), a, (bool(x & 1), bool(x & 2)) if t == "test" else None))
    for t, d, a, b in evs:
        if d >= since:
            out.append((t, _D(d), a, tuple(b) if t == "test" else b))
    out.sort(key=lambda e: e[1])
    pf.events = out
    pf.breaches = [(g, _D(d)) for g, d in breaches]
    pf.lost = [(_D(a), _do(b)) for a, b in lost]
    pf.followup = None if fu is None else (_D(fu[0]), fu[1])
    pf.isolations = [(_D(a), _do(b)) for a, b in isos]
    return pf


# ---------------------------------------------------------------- loading with the cache


def load_facts(store, label: str, d2: date, since: date | None = None):
    """PersonFacts of every case of `store` as of `d2`: (facts, problems). With `since`, windows and
    records dated before it may be left out (every figure of a period starting on or after it is the same)."""
    from aftercare.store.stamps import keys_text

    cache = StatsCache(store, d2)
    rows = cache.rows()
    office = store.office.get("name") or None
    lo = since.toordinal() if since is not None else 0
    now = time.time_ns()
    out, problems, put = [], [], {}
    ids = store.case_ids()
    for cid in ids:
        try:
            files = store.files_of(cid, now)
        except FileNotFoundError:
            continue
        kt = keys_text(files.keys)
        row = rows.get(cid)
        if row is not None and kt is not None and row[0] == kt:
            try:
                out.append(from_row(label, json.loads(row[1]), row[2], row[3], lo))
                continue
            except (ValueError, TypeError, IndexError, KeyError):
                pass               # a row of the wrong shape is recomputed
        case, events, probs = store.parse_case_files(files)
        if probs or case is None:
            problems.extend(probs)
            continue
        from aftercare.core.engine import evaluate_in      # only for a case the cache does not hold

        view = evaluate_in(store, case, events, d2)
        pf = extract(label, case, view, d2, events, office)
        if kt is not None:
            put[cid] = (kt, *to_row(pf))
        out.append(pf)
    present = set(ids)
    cache.save(put, [c for c in rows if c not in present])
    return out, problems


class StatsCache:
    """Each person's facts on D2 as plain JSON rows in SQLite, inside the git directory beside the read
    cache (`aftercare.store.cache`: never in the work tree, never from git, never executable data).
    Only the CACHE_DAYS most recent D2 are kept; anything unexpected discards the file."""

    SCHEMA = {"meta": "CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
              "facts": ("CREATE TABLE facts (d2 TEXT NOT NULL, cid TEXT NOT NULL, keys TEXT NOT NULL, "
                        "data TEXT NOT NULL, wins BLOB NOT NULL, evs BLOB NOT NULL, PRIMARY KEY (d2, cid))")}

    def __init__(self, store, d2: date):
        from aftercare.store.cache import cache_path, discard_db, open_plain_db

        self.d2 = d2.isoformat()
        self.db = None
        base = cache_path(store.git_dir, store.root) if store.use_cache else None
        if base is None:
            return
        self.path = base.with_name(base.stem + "-stats.sqlite3")
        self.ctx = f"{FACTS_FORMAT}:{store.context_fingerprint()}"
        self.db = open_plain_db(self.path, self.SCHEMA, {"ctx": self.ctx})

    def _discard(self) -> None:
        from aftercare.store.cache import discard_db

        self.db = discard_db(self.path, self.db)

    def rows(self) -> dict:
        if self.db is None:
            return {}
        try:
            return {cid: (k, d, w, e) for cid, k, d, w, e in self.db.execute(
                        "SELECT cid, keys, data, wins, evs FROM facts WHERE d2 = ?", (self.d2,))
                    if isinstance(k, str) and isinstance(d, str) and isinstance(w, bytes) and isinstance(e, bytes)
                    and len(w) % 8 == 0 and len(e) % 8 == 0}
        except sqlite3.Error:
            self._discard()
            return {}

    def save(self, put: dict, drop: list) -> None:
        if self.db is None:
            return
        try:
            if put or drop:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?)",
                                    [(self.d2, cid, *r) for cid, r in put.items()])
                self.db.executemany("DELETE FROM facts WHERE d2 = ? AND cid = ?", [(self.d2, c) for c in drop])
                days = [r[0] for r in self.db.execute("SELECT DISTINCT d2 FROM facts ORDER BY d2 DESC")]
                keep = [self.d2] + [d for d in days if d != self.d2][:CACHE_DAYS - 1]
                self.db.execute(f"DELETE FROM facts WHERE d2 NOT IN ({','.join('?' * len(keep))})", keep)
                self.db.execute("COMMIT")
        except sqlite3.OperationalError:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")        # busy: this result is not kept
        except sqlite3.Error:
            self._discard()
        finally:
            if self.db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self.db.close()
                self.db = None


__all__ = ["PersonFacts", "load_facts", "extract", "person_state", "responsibility", "STATES", "CASELOAD_STATES",
           "DUTY_KINDS", "ESCALATION_KINDS", "CLOSED_STATES"]
