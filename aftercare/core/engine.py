"""The rules engine: pure functions from (case, events, rules, calendar, day) to windows and items.

Nothing here touches files or the clock: `day` is always a parameter. Every number comes from
the rule set in force on `day`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Iterable, Sequence

from aftercare.core.dates import add_months, birthday_in
from aftercare.core.model import CLOSED_STATES, Case, DueItem, Event
from aftercare.core.rules import Deadline, Rules, RuleSet
from aftercare.core.workcal import WorkCalendar

ONE = timedelta(days=1)
TAKEN = ("negative", "positive", "pending")
REFUSALS = ("refused", "evaded")
# Items that need the person; while the case is suspended they are not listed.
PERSON_ITEMS = ("test", "visit", "report", "education", "evaluation", "leave-return", "birthday-visit",
                "security-visit", "family-change-visit", "transfer-report-in", "report-in")
CN_NUM = "零一二三四五六七八九十"


def cn_count(n: int) -> str:
    return CN_NUM[n] if 0 <= n <= 10 else str(n)


@dataclass(frozen=True)
class SecurityPeriod:
    name: str
    start: date
    end: date


@dataclass
class Window:
    duty: str            # test / visit / report / education / evaluation
    index: int           # 1-based within the duty (or within the evaluation kind)
    start: date
    end: date            # deadline: the window's last day
    phase: int = 0       # year of the period (1-based) for recurring duties
    every: int = 0       # months per window
    sub: str = ""        # evaluation kind: intake / quarterly / yearly
    satisfied_by: Event | None = None
    makeup: bool = False
    explained_by: Event | None = None

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


@dataclass
class Leave:
    request: Event
    start: date
    end: date
    state: str = "requested"     # requested / approved / denied / returned
    decided: Event | None = None
    returned: Event | None = None
    late_request: bool = False

    @property
    def id(self) -> str:
        return self.request.id


@dataclass
class CaseView:
    """Everything the engine knows about one case on one day."""

    case: Case
    day: date
    ruleset: RuleSet
    events: list
    status: str = "awaiting"
    start: date | None = None
    base_last: date | None = None
    last_day: date | None = None
    suspensions: list = field(default_factory=list)   # (start, end or None, event)
    suspended_days: int = 0
    closed_on: date | None = None
    closed_by: Event | None = None
    windows: dict = field(default_factory=dict)       # duty -> [Window]
    items: list = field(default_factory=list)         # DueItem, satisfied or not
    refusals: list = field(default_factory=list)
    absences: list = field(default_factory=list)
    absence_days: int = 0
    refusal_breach: Event | None = None
    absence_breach: Event | None = None
    leaves: list = field(default_factory=list)
    risk: str = "low"
    transfer: dict = field(default_factory=dict)
    eval_kinds: dict = field(default_factory=dict)    # event id -> intake/quarterly/yearly
    test_results: dict = field(default_factory=dict)  # pending test id -> result event
    provisional_years: list = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATES

    @property
    def days_left(self) -> int | None:
        if self.last_day is None:
            return None
        return (self.last_day - self.day).days

    def window_of(self, duty: str, d: date) -> Window | None:
        for w in self.windows.get(duty, ()):
            if w.contains(d):
                return w
        return None

    def agenda(self, within: int, day: date | None = None) -> list:
        return agenda_items(self.items, self.status, day or self.day, within)


def agenda_items(items: Iterable[DueItem], status: str, day: date, within: int) -> list:
    """The items to list on `day`: open ones, with their status filled in."""
    if status in CLOSED_STATES:
        return []
    out = []
    for it in items:
        if status == "suspended" and it.kind in PERSON_ITEMS:
            continue
        st = it.status_on(day, within)
        if st:
            out.append(it.with_status(st))
    return out


# ---------------------------------------------------------------- clock with suspensions


class Clock:
    """Maps dates of the unsuspended clock to calendar dates (suspended days push later)."""

    def __init__(self, closed: Sequence[tuple], open_from: date | None):
        self.closed = closed          # [(S, R)] resume R: days S..R-1 suspended
        self.open_from = open_from    # an ongoing suspension's first day

    def real(self, d: date) -> date | None:
        for s, r in self.closed:
            if d >= s:
                d = d + (r - s)
        if self.open_from is not None and d >= self.open_from:
            return None
        return d


# ---------------------------------------------------------------- the evaluation


def evaluate(case: Case, events: Sequence[Event], rules: Rules, cal: WorkCalendar, day: date,
             security: Sequence[SecurityPeriod] = ()) -> CaseView:
    rs = rules.for_day(day)
    evs = [e for e in events if e.date <= day]
    view = CaseView(case=case, day=day, ruleset=rs, events=evs, risk=case.risk)
    _lifecycle(view)
    _period(view, rs)
    clock = Clock([(s, r) for s, r, _e in view.suspensions if r is not None],
                  next((s for s, r, _e in view.suspensions if r is None), None))
    items: list[DueItem] = []
    if view.start is not None:
        for kind, duty in rs.duties.items():
            view.windows[kind] = _recurring_windows(view, duty.phases(case.measure, case.term_months), kind, clock)
        view.windows["evaluation"] = _evaluation_windows(view, rs, clock)
        _assign_records(view, rs)
        for kind in list(rs.duties) + ["evaluation"]:
            items.extend(_window_items(view, rs, kind))
    items.extend(_triggered_items(view, rs, cal, security))
    items = _apply_explanations(view, items)
    view.items = _cut_at_close(view, items)
    view.provisional_years = sorted({y for it in view.items if it.provisional
                                     for y in range((it.window_start or it.deadline).year, it.deadline.year + 1)
                                     if not cal.knows(y)})
    return view


def _lifecycle(view: CaseView) -> None:
    susp_open = None
    transferred_out = None
    for e in view.events:
        t = e.type
        if t == "report-in" and view.start is None:
            view.start = e.date
        elif t == "suspend" and susp_open is None:
            susp_open = e
        elif t == "resume" and susp_open is not None:
            view.suspensions.append((susp_open.date, e.date, susp_open))
            susp_open = None
        elif t in ("terminate", "release") and view.closed_on is None:
            view.closed_on, view.closed_by = e.date, e
        elif t == "transfer-handover":
            transferred_out = e
        elif t == "transfer-in":
            transferred_out = None
        elif t == "evaluation" and e.get("risk"):
            view.risk = e.get("risk")
    if susp_open is not None:
        view.suspensions.append((susp_open.date, None, susp_open))
    if view.closed_on is None and transferred_out is not None:
        view.closed_on, view.closed_by = transferred_out.date, transferred_out
    if view.closed_by is not None:
        view.status = {"terminate": "terminated", "release": "released"}.get(view.closed_by.type, "transferred")
    elif susp_open is not None:
        view.status = "suspended"
    elif view.start is not None:
        view.status = "active"
    else:
        view.status = "awaiting"


def _period(view: CaseView, rs: RuleSet) -> None:
    if view.start is None:
        return
    view.base_last = add_months(view.start, view.case.term_months) - ONE
    last = view.base_last
    counted = []
    for s, r, e in view.suspensions:
        if s > last:
            continue          # after the period's end: it cannot move the period
        counted.append((s, r, e))
        if r is None:
            last = None
            view.suspended_days += (view.day - s).days
            break
        last += r - s
        view.suspended_days += (r - s).days
    view.suspensions = counted
    view.last_day = last


def _recurring_windows(view: CaseView, phases, kind: str, clock: Clock) -> list:
    start, term = view.start, view.case.term_months
    out = []
    offset = 0
    idx = 0
    for year_no, ph in enumerate(phases, 1):
        for m in range(offset, offset + ph.months, ph.every):
            if m >= term:
                break
            a = add_months(start, m)
            b = add_months(start, min(m + ph.every, term)) - ONE
            ra, rb = clock.real(a), clock.real(b)
            idx += 1
            if ra is None or rb is None:
                # inside an ongoing suspension: start and end are not known yet
                if ra is not None:
                    out.append(Window(kind, idx, ra, date.max, phase=_year_of(m), every=ph.every))
                continue
            out.append(Window(kind, idx, ra, rb, phase=_year_of(m), every=ph.every))
        offset += ph.months
        if offset >= term:
            break
    return out


def _year_of(month_offset: int) -> int:
    return month_offset // 12 + 1


def _evaluation_windows(view: CaseView, rs: RuleSet, clock: Clock) -> list:
    ev = rs.evaluation
    start, term = view.start, view.case.term_months
    raw = [("intake", 1, 0, min(int(ev["intake_months"]), term))]
    q = int(ev["quarter_months"])
    for i, m in enumerate(range(0, term, q), 1):
        raw.append(("quarterly", i, m, min(m + q, term)))
    ym = int(ev["yearly_months"])
    for y in range(1, (term + 11) // 12 + 1):
        end_m = min(12 * y, term)
        if end_m - ym < 0 or (y > 1 and end_m <= 12 * (y - 1)):
            continue
        raw.append(("yearly", y, end_m - ym, end_m))
    out = []
    for sub, i, m0, m1 in raw:
        a = clock.real(add_months(start, m0))
        b = clock.real(add_months(start, m1) - ONE)
        if a is None:
            continue
        out.append(Window("evaluation", i, a, b if b is not None else date.max, phase=_year_of(m0), sub=sub))
    out.sort(key=lambda w: (w.end, w.start))
    return out


def _assign_records(view: CaseView, rs: RuleSet) -> None:
    """Give each qualifying record to the window it satisfies (at most one per duty)."""
    # results of delegated tests that came back later
    for e in view.events:
        if e.type == "test-result" and e.get("of"):
            view.test_results[e.get("of")] = e
    explained = {}   # test window deadline -> explanation date (a make-up cannot reach an explained window)
    for e in view.events:
        if e.type == "explanation" and e.get("item") == "test":
            explained.setdefault(e.get("deadline"), e)
    for w in view.windows.get("test", []):
        if w.end in explained:
            w.explained_by = explained[w.end]
    for kind, duty in rs.duties.items():
        wins = view.windows.get(kind, [])
        starts = [w.start for w in wins]
        for e in view.events:
            if kind == "test" and e.type == "test":
                if _effective_result(view, e) not in duty.qualifies.get("test", {}).get("result", TAKEN):
                    continue
                if e.get("makeup"):
                    _assign_makeup(view, wins, e, rs)
                    continue
            elif not duty.qualifies_event(e):
                continue
            i = bisect_right(starts, e.date) - 1
            if i >= 0 and wins[i].contains(e.date) and wins[i].satisfied_by is None:
                wins[i].satisfied_by = e
    ewins = view.windows.get("evaluation", [])
    for e in view.events:
        if e.type != "evaluation":
            continue
        want = e.get("kind")
        for w in ewins:
            if w.satisfied_by is None and w.contains(e.date) and (not want or w.sub == want):
                w.satisfied_by = e
                view.eval_kinds[e.id] = w.sub
                break


def _effective_result(view: CaseView, e: Event) -> str:
    res = view.test_results.get(e.id)
    return res.get("result") if res is not None else e.get("result")


def makeup_target(wins: Sequence[Window], d: date, reach_months: int) -> Window | None:
    """The earliest missed window a make-up test on `d` can reach, or None."""
    for w in wins:
        if w.end >= d:
            break
        if w.satisfied_by is not None:
            continue
        if w.explained_by is not None and w.explained_by.date <= d:
            continue
        if d <= add_months(w.end, reach_months):
            return w
    return None


def _assign_makeup(view: CaseView, wins: list, e: Event, rs: RuleSet) -> None:
    w = makeup_target(wins, e.date, rs.makeup_reach_months)
    if w is not None:
        w.satisfied_by = e
        w.makeup = True


def _window_items(view: CaseView, rs: RuleSet, kind: str) -> list:
    out = []
    if kind == "evaluation":
        label = rs.evaluation.get("label", "评估")
        doc = rs.evaluation.get("document")
    else:
        duty = rs.duties[kind]
        label, doc = duty.label, duty.document
    for w in view.windows.get(kind, []):
        if w.end == date.max:
            continue
        rng = f"{w.start.isoformat()}至{w.end.isoformat()}"
        if kind == "evaluation":
            basis = {"intake": f"报到后{rs.evaluation['intake_months']}个月内初次评估",
                     "quarterly": f"第{w.index}季度评估",
                     "yearly": f"第{w.index}年度评估（该年最后{rs.evaluation['yearly_months']}个月内）"}[w.sub]
            basis += f"（{rng}）"
            key = f"evaluation:{w.sub}:{w.index}"
        else:
            every = "每月" if w.every == 1 else f"每{w.every}个月"
            basis = f"第{w.phase}年{every}{label}1次（第{w.index}期 {rng}）"
            if kind == "test" and w.satisfied_by is None:
                basis += f"；漏检可于{add_months(w.end, rs.makeup_reach_months).isoformat()}前补检"
            key = f"{kind}:{w.index}"
        sat = w.satisfied_by
        out.append(DueItem(view.case.id, kind, w.end, w.start, basis, doc, key=key,
                           satisfied_on=sat.date if sat else None, satisfied_by=sat.id if sat else None))
    return out


def _deadline(cal: WorkCalendar, d: date, dl: Deadline) -> tuple[date, bool]:
    if dl.working_days:
        return cal.add_working_days(d, dl.working_days)
    return d + timedelta(days=dl.days), False


class _Closer:
    """Matches office records (warning, violation-report, …) to the earliest open items."""

    def __init__(self, events: Sequence[Event], etype: str):
        self.records = [e for e in events if e.type == etype]
        self.used: set = set()

    def close(self, item: DueItem) -> DueItem:
        for e in self.records:
            if e.id in self.used:
                continue
            if item.window_start is not None and e.date < item.window_start:
                continue
            self.used.add(e.id)
            return replace(item, satisfied_on=e.date, satisfied_by=e.id)
        return item


def _visit_in(events: Sequence[Event], a: date, b: date) -> Event | None:
    for e in events:
        if e.type == "visit" and a <= e.date <= b:
            return e
    return None


def _triggered_items(view: CaseView, rs: RuleSet, cal: WorkCalendar, security) -> list:
    case, evs, tr = view.case, view.events, rs.triggers
    cid = case.id
    items: list[DueItem] = []
    office_items: list[DueItem] = []   # warnings and violation reports, closed in deadline order

    def item(kind, trig, anchor, basis, window_start=None, key="", deadline=None):
        t = tr[trig]
        prov = False
        if deadline is None:
            deadline, prov = _deadline(cal, anchor, t.deadline)
        return DueItem(cid, kind, deadline, window_start if window_start is not None else anchor, basis,
                       t.document, key=key or f"{kind}:{anchor.isoformat()}", provisional=prov)

    # report-in within N days of the decision being served
    if case.notified_on is not None:
        t = tr["report-in"]
        limit = case.notified_on + timedelta(days=t.deadline.days)
        rep = next((e for e in evs if e.type == "report-in"), None)
        it = DueItem(cid, "report-in", limit, case.notified_on,
                     f"决定书送达（{case.notified_on.isoformat()}）之日起{t.deadline.days}日内报到", t.document,
                     key="report-in", satisfied_on=rep.date if rep else None, satisfied_by=rep.id if rep else None)
        items.append(it)
        if rep is None or rep.date > limit:
            # opens the day after the limit; a warning or report is never announced ahead (DueItem.status_on)
            office_items.append(item("violation-report", "late-report-in", limit,
                                     f"逾期{t.deadline.days}日未报到（期限{limit.isoformat()}），"
                                     f"{tr['late-report-in'].deadline.describe()}通报公安机关",
                                     window_start=limit + ONE, key="violation-report:late-report-in"))

    # refused / evaded tests and positive results, counted over the whole period
    warn_t, serious_t = tr["refusal-warning"], tr["refusal-serious"]
    n = 0
    for e in evs:
        if e.type == "test" and e.get("result") in REFUSALS:
            n += 1
            view.refusals.append(e)
            what = "拒绝检测" if e.get("result") == "refused" else "逃避检测"
            if n >= serious_t["count_from"]:
                if view.refusal_breach is None:
                    view.refusal_breach = e
                office_items.append(item("violation-report", "refusal-serious", e.date,
                                         f"第{n}次拒绝或逃避检测（{e.date.isoformat()}{what}），严重违反协议，"
                                         f"{serious_t.deadline.describe()}报告公安机关", key=f"violation-report:refusal:{e.id}"))
            elif n <= warn_t["count_upto"]:
                office_items.append(item("warning", "refusal-warning", e.date,
                                         f"第{n}次拒绝或逃避检测（{e.date.isoformat()}{what}），书面告诫",
                                         key=f"warning:refusal:{e.id}"))
        if e.type == "test" and _effective_result(view, e) == "positive":
            when = view.test_results[e.id].date if e.id in view.test_results else e.date
            office_items.append(item("violation-report", "positive-test", when,
                                     f"{e.date.isoformat()}检测结果阳性（{case.measure_label}期间吸毒），"
                                     f"{tr['positive-test'].deadline.describe()}报告公安机关",
                                     key=f"violation-report:positive:{e.id}"))

    # unauthorised absences: count and total days
    aw, asr = tr["absence-warning"], tr["absence-serious"]
    n = 0
    for e in evs:
        if e.type == "violation" and e.get("kind") == "absence":
            n += 1
            view.absences.append(e)
            view.absence_days += int(e.get("days") or 0)
            if n >= asr["count_from"] or view.absence_days > asr["total_days_over"]:
                if view.absence_breach is None:
                    view.absence_breach = e
                why = f"第{n}次擅自外出" if n >= asr["count_from"] else f"擅自外出累计{view.absence_days}日，超过{asr['total_days_over']}日"
                office_items.append(item("violation-report", "absence-serious", e.date,
                                         f"{why}（{e.date.isoformat()}），严重违反协议，"
                                         f"{asr.deadline.describe()}报告公安机关", key=f"violation-report:absence:{e.id}"))
            elif n <= aw["count_upto"]:
                office_items.append(item("warning", "absence-warning", e.date,
                                         f"第{n}次擅自外出（{e.date.isoformat()}，{int(e.get('days') or 0)}日），书面告诫",
                                         key=f"warning:absence:{e.id}"))

    office_items.sort(key=lambda it: (it.deadline, it.window_start or it.deadline))
    closers = {"warning": _Closer(evs, "warning"), "violation-report": _Closer(evs, "violation-report")}
    items.extend(closers[it.kind].close(it) for it in office_items)

    # leave: an approved leave must end with a return
    items.extend(_leave_items(view, rs))

    # tests delegated to the police of another place: the result comes back within N working days
    dt = tr["delegated-test"]
    for e in evs:
        if e.type == "test" and e.get("delegated_to"):
            res = view.test_results.get(e.id)
            it = item("delegated-test-result", "delegated-test", e.date,
                      f"委托{e.get('delegated_to')}检测（{e.date.isoformat()}），{dt.deadline.describe()}反馈结果",
                      key=f"delegated-test-result:{e.id}")
            if res is not None:
                it = replace(it, satisfied_on=res.date, satisfied_by=res.id)
            items.append(it)

    # change of place
    items.extend(_transfer_items(view, rs, cal))

    if view.start is None:
        return items
    end = view.last_day
    # release suggestion before the period's last day
    if end is not None:
        t = tr["release-suggestion"]
        dl = end - timedelta(days=t["days_before_end"])
        sug = next((e for e in evs if e.type == "release-suggestion"), None)
        items.append(DueItem(cid, "release-suggestion", dl, dl - timedelta(days=t["opens_days_before"]),
                             f"期满（{end.isoformat()}）前{t['days_before_end']}日向公安机关提出解除建议", t.document,
                             key="release-suggestion", satisfied_on=sug.date if sug else None,
                             satisfied_by=sug.id if sug else None))
    # 三必访: birthdays, security periods (medium/high risk), family crises
    t = tr["birthday-visit"]
    last = end or view.day
    for year in range(view.start.year, last.year + 1):
        b = birthday_in(case.birth_date, year)
        if view.start <= b <= last:
            a = b - timedelta(days=t["opens_days_before"])
            v = _visit_in(evs, a, b)
            items.append(DueItem(cid, "birthday-visit", b, a, f"生日必访（{b.isoformat()}生日）", t.document,
                                 key=f"birthday-visit:{year}", satisfied_on=v.date if v else None,
                                 satisfied_by=v.id if v else None))
    t = tr["security-visit"]
    for sp in security:
        if sp.end < view.start or sp.start > last:
            continue
        risk = _risk_on(view, sp.start)
        if risk not in t["risks"]:
            continue
        v = _visit_in(evs, sp.start, sp.end)
        items.append(DueItem(cid, "security-visit", sp.end, sp.start,
                             f"重大安保期必访（{sp.name}，{sp.start.isoformat()}至{sp.end.isoformat()}，风险等级{_risk_cn(risk)}）",
                             t.document, key=f"security-visit:{sp.start.isoformat()}",
                             satisfied_on=v.date if v else None, satisfied_by=v.id if v else None))
    t = tr["family-change-visit"]
    for e in evs:
        if e.type == "family-change":
            dl = e.date + timedelta(days=t.deadline.days)
            v = _visit_in(evs, e.date, dl)
            items.append(DueItem(cid, "family-change-visit", dl, e.date,
                                 f"家庭重大变故必访（{e.date.isoformat()}），{t.deadline.describe()}走访", t.document,
                                 key=f"family-change-visit:{e.id}", satisfied_on=v.date if v else None,
                                 satisfied_by=v.id if v else None))
    return items


def _risk_cn(risk: str) -> str:
    return {"low": "低", "medium": "中", "high": "高"}.get(risk, risk)


def _risk_on(view: CaseView, d: date) -> str:
    risk = view.case.risk
    for e in view.events:
        if e.date > d:
            break
        if e.type == "evaluation" and e.get("risk"):
            risk = e.get("risk")
    return risk


def _leave_items(view: CaseView, rs: RuleSet) -> list:
    by_id: dict[str, Leave] = {}
    for e in view.events:
        if e.type == "leave-request":
            lv = Leave(e, e.get("from"), e.get("to"), late_request=bool(e.get("late")))
            by_id[e.id] = lv
            view.leaves.append(lv)
        elif e.type in ("leave-approve", "leave-deny", "leave-return"):
            lv = by_id.get(e.get("leave"))
            if lv is None:
                continue
            if e.type == "leave-return":
                lv.returned, lv.state = e, "returned"
            else:
                lv.decided = e
                lv.state = "approved" if e.type == "leave-approve" else "denied"
    out = []
    t = rs.triggers["leave-return"]
    for lv in view.leaves:
        if lv.decided is None or lv.decided.type != "leave-approve":
            continue
        ret = lv.returned
        out.append(DueItem(view.case.id, "leave-return", lv.end, lv.start,
                           f"准假外出{lv.start.isoformat()}至{lv.end.isoformat()}（{lv.request.get('destination', '')}），期满按时销假",
                           t.document, key=f"leave-return:{lv.id}", satisfied_on=ret.date if ret else None,
                           satisfied_by=ret.id if ret else None))
    return out


def _transfer_items(view: CaseView, rs: RuleSet, cal: WorkCalendar) -> list:
    tr = rs.triggers
    out = []
    state: dict = {}
    for e in view.events:
        if e.type == "transfer-apply":
            state = {"apply": e, "state": "applied"}
        elif e.type in ("transfer-form", "transfer-approve", "transfer-refuse", "transfer-report-in",
                        "transfer-handover", "transfer-in") and state:
            state[e.type] = e
            state["state"] = {"transfer-form": state["state"], "transfer-approve": "approved",
                              "transfer-refuse": "refused", "transfer-report-in": state["state"],
                              "transfer-handover": "handed-over", "transfer-in": "received"}[e.type]
    view.transfer = state
    ap = state.get("apply")
    if ap is None:
        return out
    cid = view.case.id

    def mk(kind, trig, anchor, basis, closer):
        t = tr[trig]
        dl, prov = _deadline(cal, anchor, t.deadline)
        c = state.get(closer)
        return DueItem(cid, kind, dl, anchor, basis, t.document, key=f"{kind}:{ap.id}", provisional=prov,
                       satisfied_on=c.date if c else None, satisfied_by=c.id if c else None)

    out.append(mk("transfer-form", "transfer-form", ap.date,
                  f"变更执行地申请（{ap.date.isoformat()}，迁往{ap.get('to', '')}），"
                  f"{tr['transfer-form'].deadline.describe()}填写审批表", "transfer-form"))
    appr = state.get("transfer-approve")
    if appr is not None:
        out.append(mk("transfer-report-in", "transfer-report-in", appr.date,
                      f"变更执行地已批准（{appr.date.isoformat()}），{tr['transfer-report-in'].deadline.describe()}到新执行地报到",
                      "transfer-report-in"))
        out.append(mk("archive-transfer", "archive-transfer", appr.date,
                      f"变更执行地已批准（{appr.date.isoformat()}），{tr['archive-transfer'].deadline.describe()}移交档案",
                      "transfer-handover"))
    return out


def _apply_explanations(view: CaseView, items: list) -> list:
    exps = [e for e in view.events if e.type == "explanation"]
    if not exps:
        return items
    used = set()
    out = list(items)
    for e in exps:
        for i, it in enumerate(out):
            if i in used or it.kind != e.get("item") or it.deadline != e.get("deadline"):
                continue
            if it.satisfied_on is not None:
                continue
            used.add(i)
            out[i] = replace(it, explained_on=e.date, explanation=str(e.get("reason", "")))
            for w in view.windows.get(it.kind, ()):
                if w.end == it.deadline and w.satisfied_by is None:
                    w.explained_by = e
                    break
            break
    return out


def _cut_at_close(view: CaseView, items: list) -> list:
    """Nothing is due after the case closes: drop items whose window opens after the close."""
    if view.closed_on is None:
        return items
    c = view.closed_on
    return [it for it in items if (it.window_start or it.deadline) <= c]


# ---------------------------------------------------------------- compliance summary


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
