"""Documents 6–10: the late report-in notice, visits, test notices, the test record, the support record."""

from __future__ import annotations

from datetime import date

from aftercare.core import model as M
from aftercare.core.dates import add_months, cn
from aftercare.documents.catalogue import doc as _doc
from aftercare.documents.context import CaseFacts, every_text, money, txt


def _b06_late_notice(f: CaseFacts):
    it = next((i for i in f.view.items if i.kind == "report-in"), None)
    if it is None:
        return
    done = it.satisfied_on
    if (done is not None and done > it.deadline) or (done is None and f.today > it.deadline):
        yield _doc(None, deadline=it.deadline, reported_on=done)


def _b07_visits(f: CaseFacts):
    visits = f.of_type("visit")
    reports = {e.date for e in f.of_type("report")}
    for e in visits:
        kind = e.get("kind") or "talk"
        yield _doc(e.date, f"{cn(e.date)} {M.VISIT_KINDS.get(kind, kind)}", e=e, kind=kind,
                   kind_label=M.VISIT_KINDS.get(kind, kind), counts_as_report=e.date in reports,
                   met=txt(e.get("met")), by=txt(e.get("by")), place=txt(e.get("place")), note=txt(e.get("note")),
                   problems=txt(e.get("problems")), followup=txt(e.get("followup")),
                   participants=txt(e.get("participants")))
    if not visits:
        yield _doc(None, blank=True, e=None, kind="", kind_label="", counts_as_report=False, met="", by="",
                   place="", note="", problems="", followup="", participants="")


def _b08_test_notices(f: CaseFacts):
    v = f.view
    upto = f.today if v.closed_on is None else min(f.today, v.closed_on)
    wins = [w for w in v.windows.get("test", []) if w.start <= upto]
    reach = f.rules["makeup_months"]
    place = txt(f.case.extra.get("test_place")) or f.person["address_police"]
    for w in wins:
        end = None if w.end == date.max else w.end
        yield _doc(w.start, f"第{w.index}期", w=w, index=w.index, start=w.start, end=end,
                   makeup_until=add_months(end, reach) if end else None, place=place,
                   every=every_text(w.every), year=w.phase)
    if not wins:
        yield _doc(None, blank=True, w=None, index=None, start=None, end=None, makeup_until=None, place=place,
                   every="", year=None)


def _b09_tests(f: CaseFacts):
    v = f.view
    makeup_ids = {w.satisfied_by.id for w in v.windows.get("test", []) if w.makeup and w.satisfied_by}
    # methadone maintenance (PATHWAY §5): the tests taken while on it are marked, and the header says so
    methadone = [(j.date, end.date if end else None) for j, end in (v.path.methadone if getattr(v, "path", None) else ())]
    on_now = v.path.methadone[-1][0] if getattr(v, "path", None) and v.path.on_methadone else None
    rows = []
    for e in f.of_type("test"):
        result = v.result_of(e)
        res = v.test_results.get(e.id)            # a delegated test's result that came back later
        flags = []
        if e.get("makeup"):
            flags.append("补检")
        if e.get("forced"):
            flags.append("强制检测")
        if e.get("delegated_to"):
            flags.append(f"委托{txt(e.get('delegated_to'))}")
        remark = []
        if res is not None:
            remark.append(f"{cn(res.date)}反馈结果")
        if e.get("makeup") and e.id not in makeup_ids:
            remark.append("未计入漏检窗口")
        if any(a <= e.date and (b is None or e.date < b) for a, b in methadone):
            remark.append("维持治疗中")
        rows.append({"date": e.date, "place": txt(e.get("place")), "method": M.TEST_METHODS.get(e.get("method"), txt(e.get("method"))),
                     "result": M.TEST_RESULTS.get(result, txt(result)), "result_code": result, "by": txt(e.get("by")),
                     "makeup": bool(e.get("makeup")), "forced": bool(e.get("forced")),
                     "delegated_to": txt(e.get("delegated_to")), "flags": flags, "remark": "；".join(remark), "e": e})
    yield _doc(rows[0]["date"] if rows else None, blank=f.view.start is None, rows=rows, date_text=_span(rows),
               methadone=f"维持治疗中（自{cn(on_now.date)}，{txt(on_now.get('clinic'))}）" if on_now else "")


def _span(rows: list) -> str:
    if not rows:
        return ""
    a, b = rows[0]["date"], rows[-1]["date"]
    return cn(a) if a == b else f"{cn(a)}至{cn(b)}"


def _b10_support(f: CaseFacts):
    rows = []
    for e in f.of_type("support", "education"):
        if e.type == "support":
            kind = e.get("kind")
            cat = M.SUPPORT_KINDS.get(kind, txt(kind))
            amount = e.get("amount")
            result = f"{money(amount)}元" if amount not in (None, "") else txt(e.get("result"))
        else:
            kind, cat, result = "education", "帮教、劝诫", txt(e.get("result"))
        rows.append({"date": e.date, "kind": kind, "category": cat, "content": txt(e.get("note")),
                     "by": txt(e.get("by")), "result": result, "amount": e.get("amount"), "e": e})
    yield _doc(rows[0]["date"] if rows else None, blank=f.view.start is None, rows=rows, date_text=_span(rows))
