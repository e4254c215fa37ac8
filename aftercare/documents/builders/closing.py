"""Documents 17–18: evaluations and the release notice."""

from __future__ import annotations

from datetime import timedelta

from aftercare.core import model as M
from aftercare.documents.builders.breaches import breach_facts
from aftercare.documents.catalogue import doc as _doc
from aftercare.documents.context import CaseFacts, txt


def _b17_evaluations(f: CaseFacts):
    v = f.view
    evs = f.of_type("evaluation")
    wins = {w.satisfied_by.id: w for w in v.windows.get("evaluation", []) if w.satisfied_by is not None}
    for e in evs:
        kind = v.eval_kinds.get(e.id) or e.get("kind") or ""
        w = wins.get(e.id)
        a = w.start if w else None
        b = min(w.end, e.date) if w else e.date
        if a is None:
            prev = [x for x in evs if x.date < e.date]
            a = prev[-1].date + timedelta(days=1) if prev else (v.start or e.date)
        period = [x for x in f.events if a <= x.date <= b]
        tests = []
        for x in period:
            if x.type == "test":
                res = v.test_results.get(x.id)
                r = res.get("result") if res is not None else x.get("result")
                tests.append({"date": x.date, "result": M.TEST_RESULTS.get(r, txt(r)), "code": r,
                              "method": M.TEST_METHODS.get(x.get("method"), "")})
        visits = [x for x in period if x.type == "visit"]
        reports = [x for x in period if x.type == "report"]
        breaches = [breach_facts(f, x) for x in period
                    if (x.type == "test" and x.get("result") in ("refused", "evaded", "positive")) or x.type == "violation"]
        supports = [x for x in period if x.type in ("support", "education")]
        risk = e.get("risk")
        yield _doc(e.date, M.EVALUATION_KINDS.get(kind, "评估"), e=e, kind=kind,
                   kind_label=M.EVALUATION_KINDS.get(kind, ""), period_start=a, period_end=b, window=w,
                   tests=tests, visits=visits, reports=reports, breaches=breaches, supports=supports,
                   risk=M.RISKS.get(risk, "") if risk else "", risk_code=risk or "", result=txt(e.get("result")),
                   by=txt(e.get("by")), reasons=txt(e.get("reasons")), next_steps=txt(e.get("next_steps")),
                   cooperation=txt(e.get("cooperation")), work=txt(e.get("work")), family=txt(e.get("family")))
    if not evs:
        yield _doc(None, blank=True, e=None, kind="", kind_label="", period_start=None, period_end=None, window=None,
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

