"""The office's numbers (STATS.md): every indicator, its breakdowns, and the persons behind it.

Each person contributes to each indicator a (numerator, denominator) pair computed from their
`PersonFacts` (the engine's facts on D2) and the period D1..D2; an indicator of a group or of the
office is the sum of its persons' contributions. So every figure, in every breakdown, is traced to
the persons behind it by the same function (`contributions`), and `--cases CODE` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from aftercare.core import model as M
from aftercare.core.dates import add_months
from aftercare.views.stats_facts import CASELOAD_STATES, DUTY_KINDS, ESCALATION_KINDS, STATES, PersonFacts

STAFF_RATIO = 30          # persons per full-time worker (the 30:1 staffing rule)
YEAR_DAYS = 365.25

STATE_LABELS = {"awaiting": "待报到", "detox": "社区戒毒", "rehab": "社区康复", "isolation": "强制隔离戒毒",
                "followup": "后续照管", "suspended": "中止", "lost": "失联", "clean": "戒断三年未复吸",
                "closed": "已结束", "released": "已解除"}
DUTY_LABELS = {"test": "吸毒检测", "visit": "见面访谈/家访", "report": "定期报告", "education": "帮教、劝诫",
               "evaluation": "评估", "followup": "后续照管回访"}
ESCALATION_LABELS = {"warning": "告诫书", "violation-report": "违法/违规行为报告", "report-in": "按期报到",
                     "leave-return": "请假期满销假", "release-suggestion": "解除建议", "pickup": "出所衔接",
                     "lost-report": "失联通报公安", "police-filing": "维持治疗报备"}
TEST_RESULTS = ("negative", "positive", "refused", "evaded", "pending")
SUPPORT_KINDS = tuple(M.SUPPORT_KINDS)
FOLLOWUP_OUTCOMES = ("clean", "abstinent", "relapsed", "lost", "refused", "none")
OUTCOME_LABELS = {"clean": "戒断三年未复吸", "abstinent": "保持操守", "relapsed": "复吸", "lost": "失联",
                  "refused": "拒绝跟进", "none": "尚无回访"}
SECTIONS = {
    "register": "在册情况（截至期末）",
    "control": "执行与管控",
    "duties": "日常工作完成情况（期限在本期内的窗口）",
    "escalations": "报告与处置事项（期限在本期内）",
    "events": "本期事件（记录日期在本期内）",
    "lost": "失联",
    "followup": "后续照管成效（截至期末）",
    "period": "操守期（两次强制隔离戒毒之间）",
}
BY_KEYS = ("worker", "measure", "household", "prior-isolations", "risk", "store")
BY_LABELS = {"worker": "工作人员", "measure": "措施", "household": "户籍", "prior-isolations": "既往强制隔离次数",
             "risk": "风险等级", "store": "案卷库"}


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    section: str
    kind: str = "count"        # count / rate / amount / ratio / period
    level: int = 0             # indentation in the table (a part of the line above)


def _registry() -> list:
    out = [Indicator("registered", "在册人数", "register")]
    out += [Indicator(f"registered.{s}", STATE_LABELS[s], "register", level=1) for s in STATES]
    out += [Indicator("caseload", "在管人数", "register"),
            Indicator("caseload_ratio", f"在管 ÷ {STAFF_RATIO}（{STAFF_RATIO}:1 配备比）", "register", "ratio"),
            Indicator("execution_rate", "执行率（按期报到）", "control", "rate"),
            Indicator("control_rate", "管控率（未失联）", "control", "rate")]
    for k in DUTY_KINDS:
        lab = DUTY_LABELS[k]
        out.append(Indicator(f"duty.{k}.due", f"{lab}：应完成", "duties"))
        out.append(Indicator(f"duty.{k}.on_time", "按时完成", "duties", level=1))
        if k == "test":
            out.append(Indicator(f"duty.{k}.made_up", "补检", "duties", level=1))
        out.append(Indicator(f"duty.{k}.explained", "已书面说明", "duties", level=1))
        out.append(Indicator(f"duty.{k}.missed", "未完成", "duties", level=1))
        out.append(Indicator(f"duty.{k}.rate", "按时完成率", "duties", "rate", level=1))
    for k in ESCALATION_KINDS:
        out.append(Indicator(f"escalation.{k}.due", f"{ESCALATION_LABELS[k]}：应办", "escalations"))
        for sub, lab in (("on_time", "按时"), ("late", "逾期办结"), ("explained", "已书面说明"), ("open", "未办")):
            out.append(Indicator(f"escalation.{k}.{sub}", lab, "escalations", level=1))
    out.append(Indicator("tests", "检测记录", "events"))
    out += [Indicator(f"tests.{r}", M.TEST_RESULTS[r], "events", level=1) for r in TEST_RESULTS]
    out += [Indicator("makeups", "其中补检", "events", level=1),
            Indicator("positives", "戒毒康复期间阳性", "events"),
            Indicator("serious_breaches", "严重违反协议", "events"),
            Indicator("absences", "擅自外出（次）", "events"),
            Indicator("absence_days", "擅自外出（日）", "events")]
    for k in SUPPORT_KINDS:
        out.append(Indicator(f"support.{k}.count", f"{M.SUPPORT_KINDS[k]}（次）", "events"))
        out.append(Indicator(f"support.{k}.amount", "金额（元）", "events", "amount", level=1))
    out += [Indicator("leaves", "准假外出", "events"),
            Indicator("registrations", "新登记", "events"),
            Indicator("releases", "解除", "events"),
            Indicator("terminations", "终止", "events"),
            Indicator("transfers_in", "转入", "events"),
            Indicator("transfers_out", "转出（移交档案）", "events"),
            Indicator("methadone_joined", "参加药物维持治疗", "events"),
            Indicator("lost_now", "期末失联人数", "lost"),
            Indicator("lost_started", "本期宣布失联", "lost"),
            Indicator("found", "本期找回", "lost"),
            Indicator("lost_days", "本期失联人日", "lost"),
            Indicator("followup.cohort", "后续照管人数", "followup")]
    out += [Indicator(f"followup.latest.{o}", OUTCOME_LABELS[o], "followup", level=1) for o in FOLLOWUP_OUTCOMES]
    out += [Indicator("abstinence_rate", "操守率", "followup", "rate"),
            Indicator("relapse_rate_broad", "复吸率（含失联、拒绝）", "followup", "rate"),
            Indicator("clean_3y", "戒断三年未复吸", "followup"),
            Indicator("clean_rate_1_3y", "解戒满1~3年戒断率", "followup", "rate"),
            Indicator("abstinence_period", "操守期（年）", "period", "period")]
    return out


INDICATORS = _registry()
BY_CODE = {i.code: i for i in INDICATORS}


# ---------------------------------------------------------------- one person's contributions


def contributions(pf: PersonFacts, d1: date, d2: date, all_time: bool = False) -> dict:
    """code -> [numerator, denominator] of this person for the period D1..D2 (only non-zero codes).

    Figures of the person on D2 (register, caseload, control, lost now, follow-up outcomes) come from the
    primary registration only; dated figures (windows and items by deadline, records by date, lost days,
    操守期 by the second isolation's start) only from the days this store was responsible for the person
    (`PersonFacts.spans`): a history received by change of place is the sending office's work."""
    c: dict = {}

    def add(code, num=1, den=0):
        v = c.get(code)
        if v is None:
            c[code] = [num, den]
        else:
            v[0] += num
            v[1] += den

    if not pf.exists:
        return c
    if pf.primary:
        _person_figures(pf, d2, add)
    if pf.spans is None:
        _dated(pf, d1, d2, add, None)
    else:
        one = timedelta(days=1)
        for a, u in pf.spans:         # the part of D1..D2 in each span of this store's days
            _dated(pf, d1 if a is None or a < d1 else a + one, d2 if u is None or u > d2 else u, add,
                   a if a is not None and d1 <= a <= d2 else None)
    # 操守期: days between the end of one isolation and the start of the next
    isos = sorted(pf.isolations, key=lambda x: x[0])
    periods = [(b[0] - a[1]).days for a, b in zip(isos, isos[1:])
               if a[1] is not None and (all_time or d1 <= b[0] <= d2) and pf.owns(b[0])]
    if periods:
        c["abstinence_period"] = [periods, 0]
    return c


def _dated(pf: PersonFacts, d1: date, d2: date, add, receipt: date | None) -> None:
    """The dated figures of the days D1..D2 (nothing when D1 > D2); `receipt`: a hand-over day of the
    period on which a receipt here counts too (received the day the other office handed over)."""
    # execution
    for dl, done in pf.report_in:
        if d1 <= dl <= d2:
            add("execution_rate", 1 if done is not None and done <= dl else 0, 1)
    # duties
    for kind, dl, outcome in pf.windows:
        if d1 <= dl <= d2:
            add(f"duty.{kind}.due")
            add(f"duty.{kind}.{outcome}")
            add(f"duty.{kind}.rate", 1 if outcome == "on_time" else 0, 1)
    for kind, dl, outcome in pf.items:
        if d1 <= dl <= d2:
            add(f"escalation.{kind}.due")
            add(f"escalation.{kind}.{outcome}")
    # events of the period
    for t, d, a, b in pf.events:
        if not d1 <= d <= d2 and not (d == receipt and t == "transfer-in"):
            continue
        if t == "test":
            makeup, under = b
            add("tests")
            add(f"tests.{a}")
            if makeup:
                add("makeups")
            if a == "positive" and under:
                add("positives")
        elif t == "support":
            add(f"support.{a}.count")
            add(f"support.{a}.amount", a_amount(b))
        elif t == "absence":
            add("absences")
            add("absence_days", a)
        else:
            code = _EVENT_CODES.get(t)
            if code:
                add(code)
    if pf.reg_date is not None and d1 <= pf.reg_date <= d2:
        add("registrations")
    for _ground, d in pf.breaches:
        if d1 <= d <= d2:
            add("serious_breaches")
    # lost contact
    for a, b in pf.lost:
        if d1 <= a <= d2:
            add("lost_started")
        if b is not None and d1 <= b <= d2:
            add("found")
        last = d2 if b is None else min(d2, b - timedelta(days=1))
        days = (last - max(a, d1)).days + 1
        if days > 0:
            add("lost_days", days)


def _person_figures(pf: PersonFacts, d2: date, add) -> None:
    """The person on D2: register, caseload, control, lost now, follow-up outcomes."""
    st = pf.state
    add("registered")
    add(f"registered.{st}")
    if st in CASELOAD_STATES:
        add("caseload")
        add("caseload_ratio")
    if st in ("detox", "rehab") or (st == "lost" and pf.measure in ("detox", "rehab")):
        add("control_rate", 0 if st == "lost" else 1, 1)
    if st == "lost":
        add("lost_now")
    if pf.followup is not None and pf.followup[0] <= d2:
        start, outcome = pf.followup
        add("followup.cohort")
        add(f"followup.latest.{outcome}")
        add("abstinence_rate", 1 if outcome in ("abstinent", "clean") else 0, 1)
        add("relapse_rate_broad", 1 if outcome in ("relapsed", "lost", "refused") else 0, 1)
        if outcome == "clean":
            add("clean_3y")
        if add_months(d2, -36) <= start <= add_months(d2, -12):
            add("clean_rate_1_3y", 0 if outcome == "relapsed" else 1, 1)


def a_amount(x) -> float:
    return float(x or 0)


_EVENT_CODES = {"leave-approve": "leaves", "release": "releases", "terminate": "terminations",
                "transfer-in": "transfers_in", "transfer-handover": "transfers_out", "methadone": "methadone_joined"}


# ---------------------------------------------------------------- groups and totals


def group_of(pf: PersonFacts, by: str) -> str:
    if by == "worker":
        return pf.worker or "（未指定）"
    if by == "measure":
        return M.MEASURES.get(pf.measure, STATE_LABELS.get(pf.measure, pf.measure))
    if by == "household":
        return M.HOUSEHOLDS.get(pf.household, pf.household)
    if by == "risk":
        return M.RISKS.get(pf.risk, pf.risk)
    if by == "store":
        return pf.store
    if by == "prior-isolations":
        n = pf.prior_isolations
        if n is None:
            return "未登记"
        return "3次以上" if n > 3 else f"{n}次"
    raise ValueError(by)


@dataclass
class Figures:
    """Summed contributions: code -> [numerator, denominator]."""

    sums: dict = field(default_factory=dict)
    persons: int = 0

    def add(self, contrib: dict, primary: bool = True) -> None:
        self.persons += primary
        s = self.sums
        for code, (num, den) in contrib.items():
            v = s.get(code)
            if v is None:
                s[code] = [list(num) if isinstance(num, list) else num, den]
            elif isinstance(num, list):
                v[0].extend(num)
            else:
                v[0] += num
                v[1] += den

    def figure(self, ind: Indicator) -> dict:
        num, den = self.sums.get(ind.code, [0, 0]) if ind.kind != "period" else self.sums.get(ind.code, [[], 0])
        if ind.kind == "rate":
            return {"value": round(num / den, 4) if den else None, "numerator": num, "denominator": den}
        if ind.kind == "ratio":
            return {"value": round(num / STAFF_RATIO, 2), "numerator": num, "denominator": STAFF_RATIO}
        if ind.kind == "amount":
            return {"value": round(num, 2)}
        if ind.kind == "period":
            if not num:
                return {"value": None, "count": 0, "mean": None, "min": None, "max": None}
            years = [d / YEAR_DAYS for d in num]
            mean = round(sum(years) / len(years), 2)
            return {"value": mean, "count": len(years), "mean": mean, "min": round(min(years), 2),
                    "max": round(max(years), 2)}
        return {"value": num}


@dataclass
class StatsResult:
    d1: date
    d2: date
    by: str | None
    total: Figures
    groups: dict                   # group label -> Figures
    stores: list                   # store labels
    duplicates: list               # [(id-less description)]: persons registered in several stores
    all_time: bool = False

    def as_json(self) -> dict:
        out = {}
        for ind in INDICATORS:
            o = {"label": ind.label, "section": ind.section, **self.total.figure(ind)}
            if self.by:
                o["by"] = {g: fig.figure(ind) for g, fig in self.groups.items()}
            out[ind.code] = o
        return {"from": self.d1.isoformat(), "to": self.d2.isoformat(), "by": self.by, "stores": self.stores,
                "all_time_periods": self.all_time,
                "duplicates": [{"counted": f"{d['store']}:{d['case']}", "also": [f"{s}:{c}" for s, c in d["also"]]}
                               for d in self.duplicates],
                "indicators": out}


def compute(facts: list, d1: date, d2: date, by: str | None = None, all_time: bool = False,
            stores: list | None = None, duplicates: list | None = None) -> StatsResult:
    total = Figures()
    groups: dict = {s: Figures() for s in stores or []} if by == "store" else {}
    for pf in facts:
        if not pf.exists:
            continue
        contrib = contributions(pf, d1, d2, all_time)
        total.add(contrib, pf.primary)
        if by:
            g = group_of(pf, by)
            fig = groups.get(g)
            if fig is None:
                fig = groups[g] = Figures()
            fig.add(contrib, pf.primary)
    if by != "store":
        groups = dict(sorted(groups.items()))
    return StatsResult(d1, d2, by, total, groups, stores or [], duplicates or [], all_time)


def behind(facts: list, code: str, d1: date, d2: date, denominator: bool = False, all_time: bool = False) -> list:
    """The persons behind a figure: [(PersonFacts, amount)] with a non-zero numerator (or denominator)."""
    ind = BY_CODE[code]
    out = []
    for pf in facts:
        if not pf.exists:
            continue
        v = contributions(pf, d1, d2, all_time).get(code)
        if v is None:
            continue
        if ind.kind == "period":
            if v[0]:
                out.append((pf, len(v[0])))
            continue
        if denominator and ind.kind == "rate":
            amount = v[1]
        elif denominator and ind.kind == "ratio":
            amount = v[0]
        else:
            amount = v[0]
        if amount:
            out.append((pf, amount))
    return out


def default_period(today: date) -> tuple[date, date]:
    """The last full calendar month before today."""
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1), last
