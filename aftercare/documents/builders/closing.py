"""Documents 17–18: evaluations and the release notice."""

from __future__ import annotations

from datetime import timedelta

from aftercare.core import model as M
from aftercare.documents.builders.breaches import breach_facts
from aftercare.documents.catalogue import doc as _doc
from aftercare.documents.context import CaseFacts, txt


def _covered(v, e) -> tuple:
    """The period an evaluation covers: the engine's window of its kind — the first month (intake), the
    quarter, the year — so that the forms of one kind tile the period without gaps or overlaps. An
    evaluation outside every window covers the time since the one before."""
    wins = v.windows.get("evaluation", [])
    w = next((x for x in wins if x.satisfied_by is not None and x.satisfied_by.id == e.id), None)
    if w is None:
        return None, None, None
    a = w.start
    if w.sub == "yearly":                  # the engine's yearly window is the month to do it in; the form covers the year
        before = [x.end for x in wins if x.sub == "yearly" and x.index == w.index - 1]
        a = before[0] + timedelta(days=1) if before else v.start
    return w, a, w.end


def _b17_evaluations(f: CaseFacts):
    evs = f.of_type("evaluation")
    for e in evs:
        v = f.on(e.date)                   # as known on the evaluation's day
        kind = v.eval_kinds.get(e.id) or e.get("kind") or ""
        w, a, b = _covered(v, e)
        if w is None:
            prev = [x for x in evs if x.date < e.date]
            a, b = (prev[-1].date + timedelta(days=1) if prev else (v.start or e.date)), e.date
        cut = min(b, e.date)                 # the facts of the window that existed on the form's day
        period = [x for x in v.events if a <= x.date <= cut]
        tests = []
        for x in period:
            if x.type == "test":
                r = v.result_of(x)
                tests.append({"date": x.date, "result": M.TEST_RESULTS.get(r, txt(r)), "code": r,
                              "method": M.TEST_METHODS.get(x.get("method"), "")})
        due = [x for x in v.windows.get("test", []) if a <= x.end <= cut]
        counts = {"due": len(due), "done": sum(1 for x in due if x.satisfied_by is not None),
                  "makeup": sum(1 for x in due if x.makeup)}
        visits = [x for x in period if x.type == "visit"]
        reports = [x for x in period if x.type == "report"]
        breaches = [breach_facts(f, x) for x in v.breach_records(cut) if x.date >= a]
        supports = [x for x in period if x.type in ("support", "education")]
        risk = e.get("risk")
        yield _doc(e.date, M.EVALUATION_KINDS.get(kind, "评估"), e=e, kind=kind,
                   kind_label=M.EVALUATION_KINDS.get(kind, ""), period_start=a, period_end=b, counted_to=cut,
                   window=w, test_windows=counts,
                   tests=tests, visits=visits, reports=reports, breaches=breaches, supports=supports,
                   risk=M.RISKS.get(risk, "") if risk else "", risk_code=risk or "", result=txt(e.get("result")),
                   by=txt(e.get("by")), reasons=txt(e.get("reasons")), next_steps=txt(e.get("next_steps")),
                   cooperation=txt(e.get("cooperation")), work=txt(e.get("work")), family=txt(e.get("family")))
    if not evs:
        yield _doc(None, blank=True, e=None, kind="", kind_label="", period_start=None, period_end=None,
                   counted_to=None, window=None, test_windows=None,
                   tests=[], visits=[], reports=[], breaches=[], supports=[], risk="", risk_code="", result="", by="",
                   reasons="", next_steps="", cooperation="", work="", family="")


def _b18_release(f: CaseFacts):
    v = f.view
    if v.closed_by is not None and v.closed_by.type == "terminate":
        return                       # a terminated measure is not released: no release notice (seed 002)
    e = v.closed_by if v.closed_by is not None and v.closed_by.type == "release" else None
    yield _doc(e.date if e else None, blank=e is None, e=e, released_on=e.date if e else None,
               notice_no=txt(e.get("notice_no")) if e else "", issued_by=txt(e.get("issued_by")) if e else "",
               notified_on=e.get("notified_on") if e else None, early=bool(e.get("early")) if e else False,
               early_reason=txt(e.get("reason")) if e else "", period_end=v.last_day)

