"""Lost contact as unauthorised absence under a community measure (PATHWAY §4), for the facts."""

from __future__ import annotations

from datetime import date
from typing import Sequence

from aftercare.core.model import Event


def lost_as_absences(evs: Sequence[Event], day: date, closed_on: date | None = None) -> list:
    """The records with lost periods under the measure turned into absences (PATHWAY §4): a declaration
    (`lost`) counts as one unauthorised absence; its days run from the lost date (day 1) to the day before
    the found date (`found_on`), or to `day` while the person is still lost (`ongoing`)."""
    if not any(e.type == "lost" for e in evs):
        return list(evs)
    out: list = []
    lost: Event | None = None
    at = 0
    for e in evs:
        if e.type == "lost" and lost is None and (closed_on is None or e.date <= closed_on):
            lost, at = e, len(out)
            out.append(e)
        elif e.type == "found" and lost is not None:
            out[at] = Event(lost.id, "lost", lost.date, {**lost.data, "days": (e.date - lost.date).days,
                                                          "found_on": e.date}, lost.file, lost.line)
            lost = None
            out.append(e)
        else:
            out.append(e)
    if lost is not None:
        out[at] = Event(lost.id, "lost", lost.date, {**lost.data, "days": (day - lost.date).days + 1, "ongoing": True},
                        lost.file, lost.line)
    return out


def is_absence(e: Event) -> bool:
    return (e.type == "violation" and e.get("kind") == "absence") or (e.type == "lost" and e.get("days") is not None)
