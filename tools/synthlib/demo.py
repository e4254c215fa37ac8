"""The twelve persons of the shipped demo store (`cases/`, seen on 2026-11-23): every kind of situation.

Their days are given; what the office did about them is asked of the engine like for any other person
(duties.py), with the demo's diligence.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from aftercare.core.ids import fictional_id_number, fictional_name, fictional_phone

from . import office, texts
from .people import Incident, Person, Stage

DEMO_TODAY = date(2026, 11, 23)
DEMO_SEED = 20261123
D = date.fromisoformat


def plans(today: date = DEMO_TODAY) -> list:
    """Twelve fictional persons chosen so that the agenda on `today` shows every kind of situation."""
    staff = office.staff(random.Random(f"aftercare-synth:{DEMO_SEED}"), 3)
    w = [s["name"] for s in staff]

    def person(key, worker, measure="detox", term=36, report_in=None, notified=None, risk="low", birth=None, sex="男",
               incidents=(), end="release", **kw) -> Person:
        r = random.Random(f"{DEMO_SEED}:person:{key}")
        p = Person(key, risk=risk, worker=worker, sex=sex)
        p.birth = birth or date(r.randint(1972, 2001), r.randint(1, 12), r.randint(1, 28))
        p.name = fictional_name(r)
        p.id_number = fictional_id_number(r, p.birth, p.sex)
        p.phone = fictional_phone(r)
        p.address = texts.address(r, office.TOWNSHIP)
        notified = notified or (report_in - timedelta(days=r.randint(1, 6)) if report_in else None)
        st = Stage(measure, term=term, notified=notified, decided=notified - timedelta(days=r.randint(0, 3)),
                   report_in=report_in, awaiting=report_in is None, late_response=kw.pop("late_response", "ontime"),
                   end=end, incidents=list(incidents))
        for k in ("suspension", "end_day", "release_suggestion"):
            if k in kw:
                setattr(st, k, kw.pop(k))
        p.stages = [st]
        if end == "release":
            p.stages.append(Stage("followup", end="clean"))
        p.diligence, p.explain_rate, p.makeup_rate, p.supports_per_year = 0.93, 1.0, 0.6, 1
        for k, v in kw.items():
            setattr(p, k, v)
        return p

    return [
        # awaiting report-in: the decision was served a week ago
        person(1, w[0], notified=D("2026-11-16")),
        # early in the period, diligent; the next month's windows open within the week
        person(2, w[0], report_in=D("2026-09-28"), diligence=0.98),
        # two refusals: the first answered by a warning, the second (last Thursday) not yet
        person(3, w[1], report_in=D("2026-05-12"), risk="medium", diligence=0.9,
               incidents=[Incident("refused", D("2026-07-20"), response="ontime"),
                          Incident("evaded", D("2026-11-19"), response="none")]),
        # 社区康复, with a leave approved and running today
        person(4, w[1], measure="rehab", report_in=D("2025-03-17"),
               incidents=[Incident("leave", D("2025-08-03"), days=8, asked=D("2025-08-01"), back=D("2025-08-10")),
                          Incident("leave", D("2026-11-19"), days=10, asked=D("2026-11-17"))]),
        # suspended: arrested in September, not yet resumed
        person(5, w[2], report_in=D("2025-01-08"), risk="high", suspension=(D("2026-09-10"), "arrest", None, False)),
        # released after the last day, now in follow-up care
        person(6, w[2], report_in=D("2023-06-05"), sex="女"),
        # late in the period: the release suggestion is due this week
        person(7, w[0], report_in=D("2023-12-10"), diligence=0.95, release_suggestion=False),
        # 社区康复 of 24 months
        person(8, w[1], measure="rehab", term=24, report_in=D("2025-02-20"), sex="女", birth=D("1990-11-27")),
        # a positive test last week, the violation report still to send; a missed window to make up
        person(9, w[2], report_in=D("2026-01-26"), risk="medium", diligence=0.8, makeup_rate=0.0,
               incidents=[Incident("positive", D("2026-11-20"), response="none")]),
        # reported 24 days after the decision was served: late report-in, reported to the police
        person(10, w[0], report_in=D("2026-08-25"), notified=D("2026-08-01"), late_response="late"),
        # medium risk, birthday at the end of the week, an absence last year
        person(11, w[2], report_in=D("2024-07-15"), risk="medium", birth=D("1986-11-29"),
               incidents=[Incident("absence", D("2025-04-02"), days=3, response="ontime")],
               suspension=(D("2025-06-10"), "detention", 10, False)),
        # terminated: compulsory isolation after a positive test
        person(12, w[1], report_in=D("2024-03-04"), end="terminate:compulsory-education", end_day=D("2025-05-28"),
               incidents=[Incident("positive", D("2025-05-06"), response="ontime")]),
    ]
