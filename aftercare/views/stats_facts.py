"""What the statistics need of one person as of a day D2, read from the engine's facts.

Nothing here computes a window, a deadline or a breach: the engine does (`store.evaluate` on D2,
so records dated after D2 do not exist). This module only copies the engine's answers into a
compact, picklable `PersonFacts`, classifies each window and item as of D2, and caches the result
per case (keyed on the case's files, the office file, the program version and D2) in the store's
`.aftercare-cache/` (git-ignored; a read-only store simply is not cached).
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from datetime import date

from aftercare.core.model import CLOSED_STATES
from aftercare.store.fsutil import atomic_write, ensure_dir
from aftercare.store.store import CACHE_DIR

FACTS_FORMAT = 1
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
    report_in: tuple | None = None                  # (deadline, reported_on or None)
    windows: list = field(default_factory=list)     # (kind, deadline, outcome) on_time/made_up/explained/missed
    items: list = field(default_factory=list)       # (kind, deadline, outcome) on_time/late/explained/open
    events: list = field(default_factory=list)      # (type, date, a, b): see _events
    breaches: list = field(default_factory=list)    # (ground, date)
    lost: list = field(default_factory=list)        # (from, to or None): days lost
    followup: tuple | None = None                   # (start, outcome on D2)
    isolations: list = field(default_factory=list)  # (start, end) of compulsory isolations, known dates
    also: list = field(default_factory=list)        # (store, case) of the same person in other stores


def person_state(case, view) -> str:
    """The person's state on the view's day (PATHWAY.md §1) from the engine's status."""
    st = getattr(view, "state", None)       # the pathway model names the state itself
    if st:
        return st
    status = view.status
    if status == "active":
        return case.measure
    if status in ("terminated", "transferred"):
        return "closed"
    return status                       # awaiting, suspended, released


def extract(store_label: str, case, view, d2: date) -> PersonFacts:
    """Copy the engine's view of one person on D2 into PersonFacts."""
    events = view.events                 # only records dated on or before D2
    first = min([d for d in (case.created_on, case.notified_on, events[0].date if events else None) if d is not None],
                default=None)
    extra = case.extra or {}
    prior = extra.get("prior_isolations")
    pf = PersonFacts(
        store=store_label, cid=case.id, name=case.name, id_number=case.id_number, worker=case.worker or "",
        household=case.household, risk=view.risk, measure=case.measure,
        prior_isolations=prior if isinstance(prior, int) else None,
        state=person_state(case, view), exists=first is not None and first <= d2, reg_date=first,
    )
    closed_on = view.closed_on
    for it in view.items:
        if it.kind == "report-in":
            pf.report_in = (it.deadline, it.satisfied_on)
    # recurring duties: every window with a known deadline on or before D2, classified as of D2
    for kind, wins in view.windows.items():
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
    for it in view.items:
        if it.kind not in ESCALATION_KINDS or it.deadline > d2:
            continue
        if it.satisfied_on is not None:
            outcome = "on_time" if it.satisfied_on <= it.deadline else "late"
        elif it.explained_on is not None:
            outcome = "explained"
        else:
            outcome = "open"
        pf.items.append((it.kind, it.deadline, outcome))
    pf.events = _events(view, case)
    if view.refusal_breach is not None:
        pf.breaches.append(("refusal", view.refusal_breach.date))
    if view.absence_breach is not None:
        pf.breaches.append(("absence", view.absence_breach.date))
    return pf


def _events(view, case) -> list:
    """The records the period counts: (type, date, a, b)."""
    out = []
    start, closed_on = view.start, view.closed_on
    results = view.test_results
    for e in view.events:
        t = e.type
        if t == "test":
            res = results.get(e.id)
            result = res.get("result") if res is not None else e.get("result")
            under = start is not None and start <= e.date and (closed_on is None or e.date <= closed_on)
            out.append(("test", e.date, result, (bool(e.get("makeup")), under)))
        elif t == "support":
            try:
                amount = float(e.get("amount")) if e.get("amount") not in (None, "") else 0.0
            except (TypeError, ValueError):
                amount = 0.0
            out.append(("support", e.date, e.get("kind") or "other", amount))
        elif t == "violation" and e.get("kind") == "absence":
            out.append(("absence", e.date, int(e.get("days") or 0), None))
        elif t in ("leave-approve", "release", "terminate", "transfer-in", "transfer-handover", "methadone",
                   "lost", "found"):
            out.append((t, e.date, None, None))
    return out


# ---------------------------------------------------------------- loading with the cache


def load_facts(store, label: str, d2: date):
    """PersonFacts of every case of `store` as of `d2`: (facts, problems)."""
    cache = _StatsCache(store, d2)
    now = time.time_ns()
    out, problems = [], []
    for cid in store.case_ids():
        try:
            files = store.files_of(cid, now)
        except FileNotFoundError:
            continue
        hit = cache.get(cid, files.keys)
        if hit is not None:
            hit.store = label
            out.append(hit)
            continue
        case, events, probs = store.parse_case_files(files)
        if probs or case is None:
            problems.extend(probs)
            continue
        view = store.evaluate(case, events, d2)
        pf = extract(label, case, view, d2)
        cache.put(cid, files.keys, pf)
        out.append(pf)
    cache.save()
    return out, problems


class _StatsCache:
    """One pickle per D2 (`stats-<D2>.pickle`); the CACHE_DAYS most recent days are kept."""

    def __init__(self, store, d2: date):
        self.dir = store.root / CACHE_DIR
        self.path = self.dir / f"stats-{d2.isoformat()}.pickle"
        self.enabled = store.use_cache
        self.ctx = (FACTS_FORMAT, store.context_fingerprint())
        self.entries: dict = {}
        self.dirty = False
        if self.enabled:
            try:
                with open(self.path, "rb") as fh:
                    data = pickle.load(fh)
                if data.get("ctx") == self.ctx:
                    self.entries = data["cases"]
            except Exception:  # noqa: BLE001 - a missing or corrupt cache is rebuilt silently
                self.entries = {}

    def get(self, cid: str, keys: tuple):
        e = self.entries.get(cid)
        if e is not None and e[0] == keys:
            return e[1]
        return None

    def put(self, cid: str, keys: tuple, pf: PersonFacts) -> None:
        if self.enabled and all(len(k) > 2 for k in keys):
            self.entries[cid] = (keys, pf)
            self.dirty = True

    def save(self) -> None:
        if not (self.enabled and self.dirty):
            return
        try:
            ensure_dir(self.dir)
            atomic_write(self.path, durable=False, data=pickle.dumps({"ctx": self.ctx, "cases": self.entries},
                                                                     protocol=pickle.HIGHEST_PROTOCOL))
            old = sorted(self.dir.glob("stats-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
            for p in old[CACHE_DAYS:]:
                p.unlink(missing_ok=True)
        except OSError:
            pass   # a read-only store still answers


__all__ = ["PersonFacts", "load_facts", "extract", "person_state", "STATES", "CASELOAD_STATES", "DUTY_KINDS",
           "ESCALATION_KINDS", "CLOSED_STATES"]
