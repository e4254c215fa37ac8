"""Who the synthetic persons are and what happens to them: behaviour and chance, never a rule number.

A `Person` has a path of `Stage`s (PATHWAY §1): measures in order, each with the `Incident`s that happen
during it (a refused test, an absence, a leave, lost contact ...) and how it ends. A stage's dates are
left open (None) where the walk draws them inside what the engine allows; the demo gives them all.
What the office must do about any of it is never planned here: the walk asks the engine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from aftercare.core.dates import add_months
from aftercare.core.ids import fictional_id_number, fictional_name, fictional_phone

from . import texts

COMMUNITY = ("detox", "rehab")


@dataclass
class Incident:
    """Something the person does or that happens to them. `day` None: drawn by the walk."""

    kind: str                      # refused / evaded / positive / absence / leave / family / lost / methadone /
                                   # referral / risk (an evaluation that changes the risk level)
    day: date | None = None
    days: int = 0                  # absence, leave: its length; lost: days until found (0: drawn)
    response: str | None = None    # how the office answers the items it raises: ontime / late / none (None: by chance)
    asked: date | None = None      # leave: asked on
    deny: bool = False             # leave: refused
    back: date | None = None       # leave: the return (None: drawn around its last day)
    found: bool = True             # lost: found again (if that day has come)


@dataclass
class Stage:
    """One measure of the path and how it ends (`end`: release / terminate:<reason> / transfer / relapse / clean)."""

    kind: str                      # detox / rehab / isolation / followup
    term: int = 0                  # detox, rehab: months
    notified: date | None = None   # detox, rehab: decision served (None: after the previous stage)
    decided: date | None = None
    report_in: date | None = None  # None: a day of the engine's report-in window (or after it, if `late`)
    awaiting: bool = False         # not reported in yet
    late: bool = False
    late_response: str | None = None
    entered: date | None = None    # isolation: entered the facility (None: after the previous stage)
    months: int = 24               # isolation: expected stay
    early: int = 0                 # isolation: released this many days before the expected day
    released_on: date | None = None  # followup registered as the first measure
    registered: date | None = None   # the first measure's registration day (None: its start)
    suspension: tuple | None = None  # (day or None, detention/arrest, days or None (still suspended), convicted)
    end: str = "release"
    end_day: date | None = None
    at: float = 0.5                # where in the stage the end falls when drawn (0 … 1)
    incidents: list = field(default_factory=list)
    release_suggestion: bool = True


@dataclass
class Person:
    key: int                       # position in generation order (seeds the person's randomness)
    name: str = ""
    id_number: str = ""
    sex: str = "男"
    birth: date = date(1985, 1, 1)
    phone: str = ""
    address: str = ""
    household: str = "local"
    risk: str = "low"
    worker: str = ""
    diligence: float = 0.9         # chance that a due record is made
    explain_rate: float = 0.5      # chance that a missed duty (over a month old) is explained
    makeup_rate: float = 0.4       # chance that a missed test window is made up
    supports_per_year: float = 1.5
    stages: list = field(default_factory=list)
    file: dict = field(default_factory=dict)     # more of the person file (document 2): drug types, family …
    case_id: str = ""

    @property
    def registered(self) -> date:
        """The day the person was registered (numbers the case IDs in order)."""
        st = self.stages[0]
        return st.registered or st.notified or st.report_in or st.entered or st.released_on


def rand_day(rng: random.Random, a: date, b: date) -> date:
    return a + timedelta(days=rng.randint(0, max(0, (b - a).days)))


def terms(rs, kind: str) -> list:
    """The terms the rules know for a measure: the default one, and (rehab) those with their own schedule."""
    out = {rs.term_default(kind)}
    if kind == "rehab":
        out |= {t for duty in rs.duties.values() for t in duty.by_term.get(kind, {}) if t <= rs.term_max(kind)}
    return sorted(out)


def identity(rng: random.Random, p: Person, ref: date, township: str) -> None:
    p.sex = "男" if rng.random() < 0.85 else "女"
    age = rng.randint(20, 55)
    p.birth = date(ref.year - age, 1, 1) + timedelta(days=rng.randint(0, 364))
    p.name = fictional_name(rng)
    p.id_number = fictional_id_number(rng, p.birth, p.sex)
    p.phone = fictional_phone(rng)
    p.address = texts.address(rng, township)


def _count(rng: random.Random, weights: tuple) -> int:
    return rng.choices(range(len(weights)), weights)[0]


def _community(rng: random.Random, kind: str, rs, closed: bool | None) -> Stage:
    """A detox or rehab stage with its incidents (days drawn later, inside the stage)."""
    default = rs.term_default(kind)
    others = [t for t in terms(rs, kind) if t != default]
    st = Stage(kind, term=rng.choice(others) if others and rng.random() < 0.25 else default)
    st.late = rng.random() < 0.05
    st.late_response = "ontime" if rng.random() < 0.8 else "late"
    free = closed is None            # the natural mix: suspensions, terminations and transfers happen
    if free and rng.random() < 0.06:
        if rng.random() < 0.7:
            st.suspension = (None, "detention", rng.randint(5, 15), False)
        else:
            st.suspension = (None, "arrest", rng.randint(30, 240), rng.random() < 0.35)
    if free:
        r = rng.random()
        st.end = ("terminate:isolation" if r < 0.04 else "terminate:compulsory-education" if r < 0.045
                  else "transfer" if r < 0.06 else "terminate:moved-away" if r < 0.063
                  else "terminate:deceased" if r < 0.065 else "release")
        st.at = rng.random()
    inc = st.incidents
    inc += [Incident("refused" if rng.random() < 0.6 else "evaded") for _ in range(_count(rng, (88, 8, 3, 1)))]
    if rng.random() < 0.03:
        inc.append(Incident("positive"))
    inc += [Incident("absence", days=rng.randint(1, 12)) for _ in range(_count(rng, (92, 6, 1.5, 0.5)))]
    inc += [Incident("leave", days=rng.randint(3, 20), deny=rng.random() < 0.08) for _ in range(_count(rng, (72, 18, 7, 3)))]
    if rng.random() < 0.05:
        inc.append(Incident("family"))
    inc += [Incident("risk") for _ in range(_count(rng, (62, 28, 10)))]
    if rng.random() < 0.03:
        inc.append(Incident("lost", days=rng.randint(3, 60)))
    if rng.random() < 0.04:
        inc.append(Incident("methadone"))
    if rng.random() < 0.015:
        inc.append(Incident("referral"))
    return st


def _followup(rng: random.Random, relapse: float = 0.22) -> Stage:
    st = Stage("followup", end="relapse" if rng.random() < relapse else "clean", at=rng.random())
    if rng.random() < 0.2:
        st.incidents.append(Incident("lost", days=rng.randint(20, 300), found=rng.random() < 0.5))
    if rng.random() < 0.03:
        st.incidents.append(Incident("methadone"))
    return st


def _after(rng: random.Random, st: Stage, rs, relapse: float = 0.22) -> Stage | None:
    """The stage that follows `st` when it ends as planned (None: the path ends there)."""
    if st.kind in COMMUNITY:
        if st.end == "release":
            return _followup(rng, relapse)
        if st.end == "terminate:isolation":
            return Stage("isolation", months=rng.choice((18, 21, 24)), early=rng.choice((0, 0, 30, 60, 90)))
        return None
    if st.kind == "isolation":
        return _community(rng, "rehab", rs, None) if rng.random() < 0.7 else Stage("followup", end="clean")
    if st.end == "relapse":
        if rng.random() < 0.6:
            return Stage("isolation", months=rng.choice((18, 21, 24)), early=rng.choice((0, 0, 30, 60, 90)))
        return _community(rng, "detox", rs, None)
    return None


def draw(rng: random.Random, key: int, today: date, staff: list, rs, closed_share: float | None,
         township: str) -> Person:
    """A random person of a township's register (`closed_share`: that share finished, the others active)."""
    p = Person(key)
    earliest = today - timedelta(days=int(365.25 * 4.5))
    r = rng.random()
    closed = None if closed_share is None else rng.random() < closed_share
    if closed is None and r < 0.04:                       # registered while in compulsory isolation
        first = Stage("isolation", entered=rand_day(rng, today - timedelta(days=900), today - timedelta(days=30)),
                      months=rng.choice((18, 21, 24)), early=rng.choice((0, 0, 30, 60, 90)))
        first.registered = min(today, first.entered + timedelta(days=rng.randint(5, 60)))
    elif closed is None and r < 0.08:                     # registered in follow-up care after a release
        first = _followup(rng)
        first.released_on = rand_day(rng, today - timedelta(days=1400), today - timedelta(days=10))
        first.registered = min(today, first.released_on + timedelta(days=rng.randint(0, 30)))
    elif closed is None and r < 0.15:                    # a longer path: relapsed years ago, on a later measure now
        first = _community(rng, "detox", rs, None)
        first.notified = rand_day(rng, today - timedelta(days=int(365.25 * 8)), earliest)
        first.end, first.at, first.suspension = ("terminate:isolation" if r < 0.125 else "release"), rng.uniform(0.1, 0.6), None
    else:
        first = _community(rng, "detox" if rng.random() < 0.75 else "rehab", rs, closed)
        if closed is None:
            first.awaiting = r < 0.095                   # 1.5 %: the decision served, report-in awaited
            first.notified = (today - timedelta(days=rng.randint(1, 22)) if first.awaiting
                              else rand_day(rng, earliest, today - timedelta(days=3)))
        else:
            ends = add_months(today, -first.term) - timedelta(days=10)
            first.notified = (rand_day(rng, earliest, max(earliest, ends)) if closed
                              else rand_day(rng, ends + timedelta(days=40), today - timedelta(days=3)))
            first.late = False
    p.stages = [first]
    while len(p.stages) < 8:
        nxt = _after(rng, p.stages[-1], rs, relapse=0.6 if len(p.stages) == 1 and first.notified
                     and first.notified < earliest else 0.22)
        if nxt is None:
            break
        p.stages.append(nxt)
    identity(rng, p, first.registered or first.notified, township)
    p.household = "local" if rng.random() < 0.9 else "nonlocal"
    p.risk = rng.choices(("low", "medium", "high"), (70, 22, 8))[0]
    p.worker = rng.choice(staff)["name"] if staff else ""
    p.diligence = min(0.99, max(0.55, rng.gauss(0.9, 0.06)))
    p.explain_rate = rng.uniform(0.3, 0.8)
    p.supports_per_year = rng.choice((0, 0.5, 1, 1.5, 2, 3))
    p.file = person_file(rng, p, first.kind != "detox" and first.kind != "rehab")
    return p


def person_file(rng: random.Random, p: Person, returning: bool) -> dict:
    """The rest of the person file (document 2): some fields, a family member, earlier isolations."""
    out = {"ethnicity": rng.choice(texts.ETHNICITIES), "education": rng.choice(texts.EDUCATION),
           "marital": rng.choice(texts.MARITAL), "employment": rng.choice(texts.EMPLOYMENT),
           "drug_types": list(rng.choice(texts.DRUGS)),
           "first_use": str(min(p.registered.year, p.birth.year + rng.randint(16, 35)))}
    if rng.random() < 0.6:
        out["family"] = [{"name": fictional_name(rng), "relation": rng.choice(texts.RELATIONS), "phone": fictional_phone(rng)}]
    if rng.random() < (0.4 if returning else 0.15):
        history, end = [], p.registered - timedelta(days=rng.randint(200, 1500))
        for _ in range(rng.choice((1, 1, 2))):
            start = add_months(end, -rng.choice((12, 18, 24)))
            if start <= p.birth + timedelta(days=365 * 18):
                break
            history.insert(0, {"measure": "isolation", "from": start, "to": end})
            end = start - timedelta(days=rng.randint(200, 1500))
        if history:
            out["history"] = history
            out["prior_isolations"] = len(history) + (1 if rng.random() < 0.2 else 0)
    return out
