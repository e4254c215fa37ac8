"""Items: what the office must get done, derived from the facts of a case on a day.

One small pure function per duty or trigger family, each `(facts, calendar) -> [DueItem]`, listed in
`FAMILIES`. A deadline is fixed when its duty arises: each triggered item reads the rules in force on
its trigger's day (or its window's first day), never those of the day asked (RULES.md, issue 10 item 7).
`derive_items` folds the table in order, then closes the office items (warnings, violation reports) with
the records made for them and applies the written explanations. Nothing here reads a record that the
facts did not already select (the records up to the day, voided ones dropped).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Callable, Sequence

from aftercare.core.dates import add_months, birthday_in
from aftercare.core.facts import REFUSALS, Facts, Transfer, absence_days
from aftercare.core.windows import ONE, paused_deadline
from aftercare.core.model import DueItem, Event, RISKS, make_item
from aftercare.core.rules import Deadline, Trigger, Triggers
from aftercare.core.workcal import WorkCalendar

OFFICE_KINDS = ("warning", "violation-report")   # closed by the office's own records, in deadline order


def deadline_after(cal: WorkCalendar, d: date, dl: Deadline) -> tuple[date, bool]:
    """The deadline `dl` after `d` (d not counted), and whether it is provisional."""
    if dl.working_days:
        return cal.add_working_days(d, dl.working_days)
    return d + timedelta(days=dl.days), False


def _item(f: Facts, kind: str, deadline: date, opens: date | None, basis: str, document: int | None, key: str,
          source: str = "", provisional: bool = False) -> DueItem:
    return DueItem(f.case.id, kind, deadline, opens, basis, document, key, provisional=provisional, source=source,
                   pauses=kind in f.ruleset.pause_during_suspension)


def _triggered(f: Facts, cal: WorkCalendar, kind: str, t: Trigger, anchor: date, basis: str,
               window_start: date | None = None, key: str = "", source: Event | None = None) -> DueItem:
    """An item whose deadline runs from `anchor` under trigger `t`, arising from record `source`."""
    deadline, prov = deadline_after(cal, anchor, t.deadline)
    return _item(f, kind, deadline, window_start if window_start is not None else anchor, basis, t.document,
                 key or f"{kind}:{anchor.isoformat()}", source.id if source is not None else "", prov)


def _closed(it: DueItem, e: Event | None) -> DueItem:
    """`it` satisfied by record `e` (unchanged when `e` is None)."""
    return it if e is None else it.but(satisfied_on=e.date, satisfied_by=e.id)


def _first(evs: Sequence[Event], etype: str) -> Event | None:
    return next((e for e in evs if e.type == etype), None)


def _visit_in(evs: Sequence[Event], a: date, b: date) -> Event | None:
    return next((e for e in evs if e.type == "visit" and a <= e.date <= b), None)


# ---------------------------------------------------------------- recurring duties


def window_items(f: Facts, cal: WorkCalendar, open_only: bool = False) -> list:
    """One item per window of each recurring duty and of the evaluations (not one held by a suspension),
    described under the rules in force on the window's first day (those it was cut under). `open_only`:
    none for a window that a record filled (its item is satisfied on the day of the facts, so never open:
    an agenda needs none of them)."""
    rs = f.ruleset
    cid = f.case.id
    out = []
    append = out.append
    paused = rs.pause_during_suspension
    sets = f.rules.sets if f.rules is not None else (rs,)
    rules_on = f.rules_on if len(sets) > 1 else (lambda _d, only=sets[0]: only)
    for kind in rs.duties:
        pauses = kind in paused
        for w in f.windows.get(kind, ()):
            if w.end == date.max or (open_only and w.satisfied_by is not None):
                continue
            then = rules_on(w.start)
            duty = then.duties.get(kind) or rs.duties[kind]
            every = "每月" if w.every == 1 else f"每{w.every}个月"
            sat = w.satisfied_by
            basis = f"第{w.phase}年{every}{duty.label}1次（第{w.index}期 {w.start.isoformat()}至{w.end.isoformat()}）"
            if kind == "test" and sat is None:
                basis += f"；漏检可于{add_months(w.end, rs.makeup_reach_months).isoformat()}前补检"
            if sat is None:
                append(make_item(cid, kind, w.end, w.start, basis, duty.document, key=f"{kind}:{w.index}",
                                 pauses=pauses))
            else:
                append(make_item(cid, kind, w.end, w.start, basis, duty.document, key=f"{kind}:{w.index}",
                                 satisfied_on=sat.date, satisfied_by=sat.id, pauses=pauses))
    for w in f.windows.get("evaluation", ()):
        if w.end == date.max or (open_only and w.satisfied_by is not None):
            continue
        ev = rules_on(w.start).evaluation
        basis = {"intake": f"报到后{ev['intake_months']}个月内初次评估",
                 "quarterly": f"第{w.index}季度评估",
                 "yearly": f"第{w.index}年度评估（该年最后{ev['yearly_months']}个月内）"}[w.sub]
        sat = w.satisfied_by
        out.append(DueItem(cid, "evaluation", w.end, w.start, f"{basis}（{w.start.isoformat()}至{w.end.isoformat()}）",
                           ev.get("document"), f"evaluation:{w.sub}:{w.index}",
                           sat.date if sat else None, sat.id if sat else None, pauses="evaluation" in paused))
    return out


# ---------------------------------------------------------------- report-in


def report_in_items(f: Facts, cal: WorkCalendar) -> list:
    """Report-in within N days of the decision being served; a late one is reported to the police."""
    case = f.case
    if case.notified_on is None:
        return []
    t = f.trigger_on(case.notified_on).report_in
    days = t.deadline.days
    limit = case.notified_on + timedelta(days=days)
    rep = _first(f.events, "report-in")
    out = [_closed(_item(f, "report-in", limit, case.notified_on,
                         f"决定书送达（{case.notified_on.isoformat()}）之日起{days}日内报到", t.document,
                         "report-in"), rep)]
    if rep is None or rep.date > limit:
        # opens the day after the limit; a warning or report is never announced ahead (DueItem.status_on)
        late = f.trigger_on(limit + ONE).late_report_in
        out.append(_triggered(f, cal, "violation-report", late, limit,
                              f"逾期{days}日未报到（期限{limit.isoformat()}），"
                              f"{late.deadline.describe()}通报公安机关",
                              window_start=limit + ONE, key="violation-report:late-report-in"))
    return out


# ---------------------------------------------------------------- breaches


def test_breach_items(f: Facts, cal: WorkCalendar) -> list:
    """Refused/evaded tests (a warning, from the Nth a report) and positive results (a report)."""
    out = []
    n = 0
    for e in f.events:
        if e.type != "test":
            continue
        if e.get("result") in REFUSALS:
            n += 1
            tr = f.trigger_on(e.date)
            warn, serious = tr.refusal_warning, tr.refusal_serious
            what = "拒绝检测" if e.get("result") == "refused" else "逃避检测"
            if n >= serious.count_from:
                out.append(_triggered(f, cal, "violation-report", serious, e.date,
                                      f"第{n}次拒绝或逃避检测（{e.date.isoformat()}{what}），严重违反协议，"
                                      f"{serious.deadline.describe()}报告公安机关", key=f"violation-report:refusal:{e.id}", source=e))
            elif n <= warn.count_upto:
                out.append(_triggered(f, cal, "warning", warn, e.date,
                                      f"第{n}次拒绝或逃避检测（{e.date.isoformat()}{what}），书面告诫",
                                      key=f"warning:refusal:{e.id}", source=e))
        if f.result_of(e) == "positive":
            known = f.result_date(e)
            t = f.trigger_on(known).positive_test
            out.append(_triggered(f, cal, "violation-report", t, known,
                                  f"{e.date.isoformat()}检测结果阳性（{f.case.measure_label}期间吸毒），"
                                  f"{t.deadline.describe()}报告公安机关",
                                  key=f"violation-report:positive:{e.id}", source=e))
    return out


def absence_items(f: Facts, cal: WorkCalendar) -> list:
    """Unauthorised absences: a warning, or a report from the Nth or past the total days."""
    out = []
    total = 0
    for n, e in enumerate(f.absences, 1):
        before = total
        total += absence_days(e)
        tr = f.trigger_on(e.date)
        warn, serious = tr.absence_warning, tr.absence_serious
        if e.type == "lost" and n < serious.count_from:
            out.extend(_lost_items(f, cal, n, e, before, total))
            continue
        if n >= serious.count_from or total > serious.total_days_over:
            why = f"第{n}次擅自外出" if n >= serious.count_from else f"擅自外出累计{total}日，超过{serious.total_days_over}日"
            out.append(_triggered(f, cal, "violation-report", serious, e.date,
                                  f"{why}（{e.date.isoformat()}），严重违反协议，{serious.deadline.describe()}报告公安机关",
                                  key=f"violation-report:absence:{e.id}", source=e))
        elif n <= warn.count_upto:
            out.append(_triggered(f, cal, "warning", warn, e.date,
                                  f"第{n}次擅自外出（{e.date.isoformat()}，{absence_days(e)}日），书面告诫",
                                  key=f"warning:absence:{e.id}", source=e))
    return out


def _lost_items(f: Facts, cal: WorkCalendar, n: int, e: Event, before: int, total: int) -> list:
    """A lost period under the measure (PATHWAY §4): the report when the absence days pass the total (for a
    person still lost, on the day they would: lost on L with none before, day 31 is L + 30), else a warning
    served once the person is found (the next working day after the found date)."""
    tr = f.trigger_on(e.date)
    warn, serious = tr.absence_warning, tr.absence_serious
    over = serious.total_days_over
    found = e.get("found_on")
    if found is None or total > over:
        reach = e.date + timedelta(days=max(over - before, 0))       # the day the total passes `over`
        return [_triggered(f, cal, "violation-report", serious, reach,
                           f"{e.date.isoformat()}失联，擅自外出累计超过{over}日（第{over - before + 1}日：{reach.isoformat()}），"
                           f"严重违反协议，{serious.deadline.describe()}报告公安机关",
                           key=f"violation-report:absence:{e.id}", source=e)]
    if n <= warn.count_upto:
        return [_triggered(f, cal, "warning", warn, found,
                           f"第{n}次擅自外出（{e.date.isoformat()}失联，{found.isoformat()}找回，{absence_days(e)}日），书面告诫",
                           key=f"warning:absence:{e.id}", source=e)]
    return []


# ---------------------------------------------------------------- leave, delegated tests, change of place


def leave_return_items(f: Facts, cal: WorkCalendar) -> list:
    """An approved leave must end with a return by its last day."""
    return [_closed(_item(f, "leave-return", lv.end, lv.start,
                          f"准假外出{lv.start.isoformat()}至{lv.end.isoformat()}（{lv.request.get('destination', '')}），"
                          "期满按时销假", f.trigger_on(lv.decided.date).leave_return.document, f"leave-return:{lv.id}",
                          lv.id), lv.returned)
            for lv in f.leaves if lv.approved]


def delegated_result_items(f: Facts, cal: WorkCalendar) -> list:
    """A test delegated to the police of another place: its result comes back within N working days."""
    out = []
    for e in f.events:
        if e.type == "test" and e.get("delegated_to"):
            t = f.trigger_on(e.date).delegated_test
            out.append(_closed(_triggered(f, cal, "delegated-test-result", t, e.date,
                                          f"委托{e.get('delegated_to')}检测（{e.date.isoformat()}），"
                                          f"{t.deadline.describe()}反馈结果",
                                          key=f"delegated-test-result:{e.id}", source=e), f.test_results.get(e.id)))
    return out


def transfer_items(f: Facts, cal: WorkCalendar) -> list:
    """The latest application for a change of place: the form; once approved, report-in there and the archive."""
    if not f.transfers:
        return []
    tr: Transfer = f.transfers[-1]
    ap = tr.apply

    def mk(kind: str, trig: Trigger, anchor: date, basis: str, closer: str) -> DueItem:
        return _closed(_triggered(f, cal, kind, trig, anchor, basis, key=f"{kind}:{ap.id}", source=ap), tr.get(closer))

    form = f.trigger_on(ap.date).transfer_form
    out = [mk("transfer-form", form, ap.date,
              f"变更执行地申请（{ap.date.isoformat()}，迁往{ap.get('to', '')}），"
              f"{form.deadline.describe()}填写审批表", "transfer-form")]
    appr = tr.get("transfer-approve")
    if appr is not None:
        t = f.trigger_on(appr.date)
        out.append(mk("transfer-report-in", t.transfer_report_in, appr.date,
                      f"变更执行地已批准（{appr.date.isoformat()}），{t.transfer_report_in.deadline.describe()}到新执行地报到",
                      "transfer-report-in"))
        out.append(mk("archive-transfer", t.archive_transfer, appr.date,
                      f"变更执行地已批准（{appr.date.isoformat()}），{t.archive_transfer.deadline.describe()}移交档案",
                      "transfer-handover"))
    return out


# ---------------------------------------------------------------- the period's end and the 三必访


def release_suggestion_items(f: Facts, cal: WorkCalendar) -> list:
    """The release suggestion to the police, N days before the period's last day."""
    if f.start is None or f.last_day is None:
        return []
    t = _opening_rules(f, f.last_day, lambda t: t.release_suggestion.days_before_end
                       + t.release_suggestion.opens_days_before).release_suggestion
    dl = f.last_day - timedelta(days=t.days_before_end)
    return [_closed(_item(f, "release-suggestion", dl, dl - timedelta(days=t.opens_days_before),
                          f"期满（{f.last_day.isoformat()}）前{t.days_before_end}日向公安机关提出解除建议", t.document,
                          "release-suggestion"), _first(f.events, "release-suggestion"))]


def _opening_rules(f: Facts, end: date, lead_days: Callable[[Triggers], int]) -> Triggers:
    """The triggers in force when a window ending on `end` opens (its length, `lead_days`, is itself a rule:
    taken from the rules of `end`, then of the day it gives)."""
    return f.trigger_on(end - timedelta(days=lead_days(f.trigger_on(end))))


def _visit_end(f: Facts) -> date:
    return f.last_day or f.day


def birthday_visit_items(f: Facts, cal: WorkCalendar) -> list:
    """A visit on each birthday inside the period (the window opens N days before)."""
    if f.start is None:
        return []
    last = _visit_end(f)
    out = []
    for year in range(f.start.year, last.year + 1):
        b = birthday_in(f.case.birth_date, year)
        if f.start <= b <= last:
            t = _opening_rules(f, b, lambda t: t.birthday_visit.opens_days_before).birthday_visit
            a = b - timedelta(days=t.opens_days_before)
            out.append(_closed(_item(f, "birthday-visit", b, a, f"生日必访（{b.isoformat()}生日）", t.document,
                                     f"birthday-visit:{year}"), _visit_in(f.events, a, b)))
    return out


def security_visit_items(f: Facts, cal: WorkCalendar) -> list:
    """A visit in each major security period, for persons of the risk levels listed."""
    if f.start is None:
        return []
    last = _visit_end(f)
    out = []
    for sp in f.security:
        if sp.end < f.start or sp.start > last:
            continue
        t = f.trigger_on(sp.start).security_visit
        risk = f.risk_on(sp.start)
        if risk not in t.risks:
            continue
        out.append(_closed(_item(f, "security-visit", sp.end, sp.start,
                                 f"重大安保期必访（{sp.name}，{sp.start.isoformat()}至{sp.end.isoformat()}，"
                                 f"风险等级{RISKS.get(risk, risk)}）", t.document,
                                 f"security-visit:{sp.name}:{sp.start.year}"), _visit_in(f.events, sp.start, sp.end)))
    return out


def family_change_visit_items(f: Facts, cal: WorkCalendar) -> list:
    """A visit within N days of a family crisis."""
    if f.start is None:
        return []
    out = []
    for e in f.events:
        if e.type == "family-change":
            t = f.trigger_on(e.date).family_change_visit
            dl = e.date + timedelta(days=t.deadline.days)
            out.append(_closed(_item(f, "family-change-visit", dl, e.date,
                                     f"家庭重大变故必访（{e.date.isoformat()}），{t.deadline.describe()}走访", t.document,
                                     f"family-change-visit:{e.id}", e.id), _visit_in(f.events, e.date, dl)))
    return out


# ---------------------------------------------------------------- the table, and what is applied after it

Family = Callable[[Facts, WorkCalendar], list]

FAMILIES: tuple[tuple[str, Family], ...] = (
    ("windows", window_items),
    ("report-in", report_in_items),
    ("test-breaches", test_breach_items),
    ("absences", absence_items),
    ("leave-return", leave_return_items),
    ("delegated-test-result", delegated_result_items),
    ("transfer", transfer_items),
    ("release-suggestion", release_suggestion_items),
    ("birthday-visit", birthday_visit_items),
    ("security-visit", security_visit_items),
    ("family-change-visit", family_change_visit_items),
)


def derive_items(f: Facts, cal: WorkCalendar, open_only: bool = False) -> list:
    """Every item of the case (satisfied or not): the table folded, office records and explanations applied,
    nothing whose window opens after the case closed. `open_only`: without the items of the windows that
    records filled (see `window_items`); every other item is as without it."""
    items: list[DueItem] = []
    for _name, family in FAMILIES:
        items.extend(window_items(f, cal, True) if open_only and family is window_items else family(f, cal))
    unpaused = [it.deadline for it in items]
    items = pause_for_suspensions(items, f)
    items = close_office_items(items, f.events)
    items = apply_explanations(items, f.events, unpaused)
    return cut_at_close(items, f.closed_on)


def pause_for_suspensions(items: list, f: Facts) -> list:
    """Items that need the person move later by the days suspended after they opened (RULES.md §1).

    The recurring windows already follow the period's clock (facts); items addressed to the police or
    another office (not in `pause_during_suspension`) keep their deadlines.
    """
    if not f.suspensions:
        return items
    recurring = set(f.ruleset.duties) | {"evaluation"}
    out = []
    for it in items:
        if it.pauses and it.kind not in recurring:
            dl = paused_deadline(it.window_start or it.deadline, it.deadline, f.suspensions)
            if dl != it.deadline:
                it = it.but(deadline=dl)
        out.append(it)
    return out


def close_office_items(items: list, evs: Sequence[Event]) -> list:
    """Give each warning / violation-report record to the earliest open item of its kind it can close.

    The office items are taken in deadline order and put back in the places they held among the items.
    """
    places = [i for i, it in enumerate(items) if it.kind in OFFICE_KINDS and it.satisfied_on is None]
    if not places:
        return items
    office = sorted((items[i] for i in places), key=lambda it: (it.deadline, it.window_start or it.deadline))
    records = {k: [e for e in evs if e.type == k] for k in OFFICE_KINDS}
    used: set[str] = set()
    out = list(items)
    for i, it in zip(places, office):
        rec = next((e for e in records[it.kind] if e.id not in used
                    and (it.window_start is None or e.date >= it.window_start)), None)
        if rec is not None:
            used.add(rec.id)
        out[i] = _closed(it, rec)
    return out


def apply_explanations(items: list, evs: Sequence[Event], unpaused: Sequence[date] = ()) -> list:
    """Each written explanation closes the first open item of its kind and deadline.

    `unpaused[i]` is item i's deadline before a suspension moved it: an explanation written against
    that deadline (before the move was known) still finds its item.
    """
    exps = [e for e in evs if e.type == "explanation"]
    if not exps:
        return items
    used: set[int] = set()
    out = list(items)
    for e in exps:
        kind, deadline = e.get("item"), e.get("deadline")
        for i, it in enumerate(out):
            if i in used or it.kind != kind or it.satisfied_on is not None:
                continue
            if it.deadline != deadline and (i >= len(unpaused) or unpaused[i] != deadline):
                continue
            used.add(i)
            out[i] = it.but(explained_on=e.date, explanation=str(e.get("reason", "")))
            break
    return out


def cut_at_close(items: list, closed_on: date | None) -> list:
    """Nothing is due after the case closes: drop items whose window opens after the close."""
    if closed_on is None:
        return items
    return [it for it in items if (it.window_start or it.deadline) <= closed_on]
