"""The rules engine: pure functions from (case, events, rules, calendar, day) to facts and items.

Nothing here touches files or the clock: `day` is always a parameter. `evaluate` computes the facts
of the case on `day` first (core/facts.py), then the items from them (core/items.py), and returns both
as one frozen `CaseView`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from aftercare.core.facts import Facts, SecurityPeriod, case_facts  # noqa: F401 (API)
from aftercare.core.items import derive_items
from aftercare.core.model import CLOSED_STATES, Case, DueItem, Event
from aftercare.core.rules import Rules
from aftercare.core.workcal import WorkCalendar

@dataclass(frozen=True)
class CaseView(Facts):
    """The facts of one case on one day, and every item derived from them (satisfied or not)."""

    items: tuple = ()
    provisional_years: tuple = ()      # years without holiday data that some deadline crosses

    def agenda(self, within: int, day: date | None = None) -> list:
        return agenda_items(self.items, self.status, day or self.day, within)


def evaluate(case: Case, events: Sequence[Event], rules: Rules, cal: WorkCalendar, day: date,
             security: Sequence[SecurityPeriod] = (), open_only: bool = False) -> CaseView:
    """`open_only`: the view's items leave out the windows that records filled (`items.derive_items`): for
    an agenda, which lists open items only; compliance and the documents need them all."""
    facts = case_facts(case, events, rules, cal, day, security)
    items = tuple(derive_items(facts, cal, open_only))
    years = sorted({y for it in items if it.provisional
                    for y in range((it.window_start or it.deadline).year, it.deadline.year + 1) if not cal.knows(y)})
    return CaseView(**facts.__dict__, items=items, provisional_years=tuple(years))


def evaluate_in(office, case: Case, events: Sequence[Event], day: date, open_only: bool = False) -> CaseView:
    """`evaluate` under an office's rules, calendar and security periods (anything with `rules`,
    `calendar` and `security`, e.g. a `Store`): the one way the other layers ask the engine. The view
    is of the person's whole path (core/path.py): the latest community measure with `path` beside it."""
    from aftercare.core.path import evaluate as evaluate_path

    return evaluate_path(case, events, office.rules, office.calendar, day, office.security, open_only)


def agenda_items(items: Iterable[DueItem], status: str, day: date, within: int) -> list:
    """The items to list on `day`: open ones, with their status filled in; while the measure is suspended,
    none of those that need the person (`DueItem.pauses`, from the rules' `pause_during_suspension`)."""
    if status in CLOSED_STATES:
        return []
    suspended = status == "suspended"
    out = []
    for it in items:
        if suspended and it.pauses:
            continue
        st = it.status_on(day, within)
        if st:
            out.append(it.with_status(st))
    return out


def compliance(view: CaseView) -> dict:
    """Per duty: windows satisfied / overdue / explained / due now / still to come."""
    out: dict[str, dict] = {}
    for it in view.items:
        row = out.setdefault(it.kind, {"satisfied": 0, "overdue": 0, "explained": 0, "due": 0, "upcoming": 0,
                                       "makeup": 0})
        if it.satisfied_on is not None and it.satisfied_on <= view.day:
            row["satisfied"] += 1
        elif it.explained_on is not None and it.explained_on <= view.day:
            row["explained"] += 1
        elif view.day > it.deadline:
            row["overdue"] += 1
        elif it.window_start is None or it.window_start <= view.day:
            row["due"] += 1
        else:
            row["upcoming"] += 1
    for w in view.windows.get("test", ()):
        if w.makeup:
            out.setdefault("test", {}).setdefault("makeup", 0)
            out["test"]["makeup"] += 1
    return out
