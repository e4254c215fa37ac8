"""Synthetic case stores: fictional persons with realistic histories, reproducible from a seed.

Used by the benchmarks (`bench/bench_scale.py`), by the tests and to build the shipped demo store
(`cases/`, see `bench/make_demo.py`). Every person is fictional and generated from code
(`aftercare.core.ids.fictional_*`); no real person is involved.

    python -m aftercare.synth DIR --cases 2000 --seed 1 --today 2026-11-23 [--no-git]
    python -m aftercare.synth --demo [DIR]           # the demo store (default: ./cases)

The store files are written by the store's own writer (`aftercare.store.store.write_case_bulk`: the
same case.yaml and events files, one per year for one origin, that `case add` and `record` write),
without a commit per record: a county of 20,000 persons holds about three million events. Then, with `git=True`, one `git add -A` and one
commit, and `aftercare.origin` set to another origin, as a second clone would be.

The histories follow the default rules (`aftercare.core.rules`) in force on `today`: report-in a few days
after the decision is served (a few late), fixed windows for tests, visits, reports, education and
evaluations with most windows done on time and some missed (some of them explained, missed tests
sometimes made up by a hair test), refusals and absences answered by a warning (the third by a
violation report), rare positive tests, leave (request → approval → return), suspensions,
terminations, transfers, and release after the last day. No event is dated after `today`, none
that needs the person falls before report-in, inside a suspension, or on or after the case's close.
"""

from __future__ import annotations

import functools
import os
import random
import subprocess
import sys
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from aftercare.core.dates import add_months as _add_months, birthday_in
from aftercare.core.engine import Clock
from aftercare.core.ids import fictional_id_number, fictional_name, fictional_phone
from aftercare.core.rules import load_rules
from aftercare.store import yamlio
from aftercare.store.store import CONFIG, EVENT_HEADER, GITIGNORE, write_case_bulk  # noqa: F401 (EVENT_HEADER: tests)
from aftercare.core.workcal import WorkCalendar

ONE = timedelta(days=1)
add_months = functools.lru_cache(maxsize=65536)(_add_months)
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"    # as aftercare.core.ids (event ids, origins)
FILE_ORIGIN = "syn1"                             # the origin named in the generated event files
DEFAULT_OFFICE = "云溪镇社区戒毒（康复）工作办公室"
TOWNSHIP = "云溪镇"
COUNTY = "示范县"
POLICE = "示范县公安局"
SECURITY_PERIODS = (
    ("国庆节", date(2025, 10, 1), date(2025, 10, 8)),
    ("全国两会", date(2026, 3, 3), date(2026, 3, 12)),
    ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
)

_VILLAGES = ("桃源村", "石桥村", "新塘村", "荷花村", "枫林村", "长岭村", "白沙社区", "龙泉村", "竹山村", "向阳社区",
             "金盆村", "柳湾村")
_ROLES = ("专职社工", "专职社工", "社区民警", "禁毒专干", "村（居）委干部")
_VISIT_NOTES = ("情绪稳定，按时报告", "在本地务工，表现良好", "家属反映近况正常", "谈心谈话，讲解协议要求",
                "近期找到工作，鼓励坚持", "身体状况一般，督促按时检测", "与家人关系有所改善", "提醒外出须请假")
_EDU_NOTES = ("禁毒法律法规学习", "毒品危害警示教育", "心理疏导", "职业技能培训动员", "家庭帮教座谈",
              "社区戒毒协议条款讲解")
_EVAL_RESULTS = ("戒断情况良好", "基本稳定", "需加强管控", "复吸风险较低", "心理状态平稳")
_EXPLAIN = ("本人住院治疗，无法见面，有医院证明", "工作人员调整交接期间漏记，已补谈并说明", "本人在外地务工，经电话联系确认情况",
            "自然灾害封路无法入户，已电话联系", "家中有丧事，经本人申请延后")
_DESTINATIONS = ("广东省东莞市", "湖南省长沙市", "浙江省义乌市", "广东省深圳市", "湖南省衡阳市", "江西省萍乡市")
_LEAVE_REASONS = ("务工", "探亲", "就医", "处理家事")
_FAMILY = ("父亲病故", "配偶提出离婚", "家中房屋失火", "母亲重病住院", "子女辍学")
_SUPPORT = {"study": ("参加禁毒知识学习班", None), "assistance": ("发放临时救助金", (300, 2000)),
            "medical": ("协助办理医疗救助", (200, 1500)), "employment": ("推荐到本镇企业就业", None)}


# ---------------------------------------------------------------- plans


@dataclass
class Plan:
    """What happens to one person; the history is drawn from it."""

    key: int                                  # position in generation order (seeds the case's RNG)
    measure: str = "detox"
    term: int = 36
    birth: date = date(1985, 1, 1)
    sex: str = "男"
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    household: str = "local"
    risk: str = "low"
    worker: str = ""
    decided_on: date | None = None
    notified_on: date | None = None
    report_in: date | None = None
    late_report_response: str = "ontime"      # violation report after a late report-in: ontime / late / none
    diligence: float = 0.9                    # chance that a window's record is made
    explain_rate: float = 0.5                 # chance that a missed window (older than 30 days) is explained
    makeup_rate: float = 0.4                  # chance that a missed test window is made up
    suspension: tuple | None = None           # (from, reason, resumed on or None)
    close: tuple | None = None                # ("terminate", day, reason) / ("transfer", applied on) / ("release", None)
    refusals: list = field(default_factory=list)   # (day, refused|evaded, response ontime|late|none)
    positives: list = field(default_factory=list)  # (day, response)
    absences: list = field(default_factory=list)   # (day, days, response)
    leaves: list = field(default_factory=list)     # (asked, from, to, approve|deny, returned on or None)
    family: list = field(default_factory=list)     # (day, note)
    supports_per_year: float = 1.5
    release_suggestion: bool = True
    case_id: str = ""


def _rand_date(rng: random.Random, a: date, b: date) -> date:
    return a + timedelta(days=rng.randint(0, max(0, (b - a).days)))


def _plan(rng: random.Random, key: int, today: date, staff: list, closed_share: float | None) -> Plan:
    p = Plan(key)
    p.measure = "detox" if rng.random() < 0.75 else "rehab"
    p.term = 24 if p.measure == "rehab" and rng.random() < 0.25 else 36
    # about a third of the register has finished its period (start more than `term` months ago)
    earliest = today - timedelta(days=int(365.25 * 4.5))
    period_end_start = add_months(today, -p.term) - timedelta(days=10)
    r = rng.random()
    if closed_share is None:
        awaiting = r < 0.015
        start = None if awaiting else _rand_date(rng, earliest, today - timedelta(days=3))
    else:
        awaiting = False
        if rng.random() < closed_share:
            start = _rand_date(rng, earliest, max(earliest, period_end_start))
            p.close = ("release", None)
        else:
            start = _rand_date(rng, period_end_start + timedelta(days=40), today - timedelta(days=3))
    p.sex = "男" if rng.random() < 0.85 else "女"
    age = rng.randint(20, 55)
    ref = start or today
    p.birth = date(ref.year - age, 1, 1) + timedelta(days=rng.randint(0, 364))
    p.name = fictional_name(rng)
    p.id_number = fictional_id_number(rng, p.birth, p.sex)
    p.phone = fictional_phone(rng)
    p.address = f"{TOWNSHIP}{rng.choice(_VILLAGES)}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
    p.household = "local" if rng.random() < 0.9 else "nonlocal"
    p.risk = rng.choices(("low", "medium", "high"), (70, 22, 8))[0]
    p.worker = rng.choice(staff)["name"] if staff else ""
    p.diligence = min(0.99, max(0.55, rng.gauss(0.9, 0.06)))
    p.explain_rate = rng.uniform(0.3, 0.8)
    if awaiting:
        p.notified_on = today - timedelta(days=rng.randint(1, 22))
        p.decided_on = p.notified_on - timedelta(days=rng.randint(0, 4))
        if p.notified_on + timedelta(days=15) < today:
            p.late_report_response = rng.choice(("ontime", "late", "none"))
        return p
    delay = rng.randint(16, 40) if rng.random() < 0.05 else rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5, 7, 9, 12, 14))
    p.report_in = start
    p.notified_on = start - timedelta(days=delay)
    p.decided_on = p.notified_on - timedelta(days=rng.randint(0, 4))
    p.late_report_response = "ontime" if rng.random() < 0.8 else "late"
    base_last = add_months(start, p.term) - ONE
    active_to = min(today, base_last)
    span = (active_to - start).days
    # suspension (detention: days; arrest: months), some still running today
    if span > 120 and rng.random() < 0.06 and p.close is None:
        s = start + timedelta(days=rng.randint(60, span - 20))
        if rng.random() < 0.7:
            reason, dur = "detention", rng.randint(5, 15)
        else:
            reason, dur = "arrest", rng.randint(30, 240)
        back = s + timedelta(days=dur)
        p.suspension = (s, reason, back if back <= today else None)
        if reason == "arrest" and rng.random() < 0.35:
            # convicted while suspended: imprisonment ends the measure
            t = s + timedelta(days=rng.randint(20, 200))
            if t <= today:
                p.suspension = (s, reason, None)
                p.close = ("terminate", t, "imprisonment")
    if p.close is None and span > 120 and closed_share is None:
        r = rng.random()
        if r < 0.03:
            t = start + timedelta(days=rng.randint(60, span))
            p.close = ("terminate", t, "compulsory-education")
            p.positives.append((t - timedelta(days=rng.randint(10, 40)), "ontime"))
        elif r < 0.045:
            p.close = ("transfer", start + timedelta(days=rng.randint(60, span)))
    # breaches and leave, at random days (the history keeps only days the person could be met)
    def some_days(k):
        return sorted(_rand_date(rng, start + timedelta(days=20), max(start + timedelta(days=20), active_to))
                      for _ in range(k))

    nref = rng.choices((0, 1, 2, 3), (88, 8, 3, 1))[0]
    for d in some_days(nref):
        resp = "ontime" if rng.random() < 0.8 else "late"
        if (today - d).days < 6 and rng.random() < 0.5:
            resp = "none"
        p.refusals.append((d, "refused" if rng.random() < 0.6 else "evaded", resp))
    if rng.random() < 0.03:
        p.positives.extend((d, "ontime" if rng.random() < 0.85 else "late") for d in some_days(1))
    nabs = rng.choices((0, 1, 2, 3), (92, 6, 1.5, 0.5))[0]
    for d in some_days(nabs):
        p.absences.append((d, rng.randint(1, 12), "ontime" if rng.random() < 0.8 else "late"))
    nleave = rng.choices((0, 1, 2, 3), (72, 18, 7, 3))[0]
    for d in some_days(nleave):
        length = rng.randint(3, 20)
        asked = d - timedelta(days=rng.choice((0, 1, 2, 3, 3, 5, 7)))
        outcome = "deny" if rng.random() < 0.08 else "approve"
        back = d + timedelta(days=length - 1 + rng.choice((0, 0, 0, 0, -1, -2, 1, 3)))
        p.leaves.append((asked, d, d + timedelta(days=length - 1), outcome, max(back, d)))
    if rng.random() < 0.05:
        p.family.extend((d, rng.choice(_FAMILY)) for d in some_days(1))
    p.supports_per_year = rng.choice((0, 0.5, 1, 1.5, 2, 3))
    if p.close is None and closed_share is None:
        p.close = ("release", None)      # released after the last day, if that has come
    return p


# ---------------------------------------------------------------- histories


class _History:
    """Builds one case's events from its plan."""

    def __init__(self, plan: Plan, rng: random.Random, today: date, rs, cal: WorkCalendar, security):
        self.p, self.rng, self.today, self.rs, self.cal, self.security = plan, rng, today, rs, cal, security
        self.events: list = []          # (date, seq, type, fields)
        self.taken: set = set()
        self.seq = 0
        self.status = "awaiting"
        self.wins: list = []            # (item kind, window start, deadline, evaluation kind) of every window
        self.covered: set = set()       # test windows made up

    # -- helpers

    def add(self, d: date, etype: str, fields: dict | None = None) -> str:
        eid = ""
        while not eid or eid in self.taken:
            eid = "".join(self.rng.choice(ALPHABET) for _ in range(6))
        self.taken.add(eid)
        self.seq += 1
        self.events.append((d, self.seq, etype, eid, {k: v for k, v in (fields or {}).items() if v is not None and v != ""}))
        return eid

    def person_ok(self, d: date) -> bool:
        if self.start is None or d < self.start or d > self.person_until:
            return False
        s = self.p.suspension
        if s is not None and s[0] <= d and (s[2] is None or d < s[2]):
            return False
        return True

    def office_ok(self, d: date) -> bool:
        return d <= self.today and (self.close_on is None or d < self.close_on)

    def pick(self, a: date, b: date, ok=None) -> date | None:
        ok = ok or self.person_ok
        for _ in range(6):
            d = _rand_date(self.rng, a, b)
            if ok(d):
                return d
        return None

    def intended(self, a: date, b: date) -> date | None:
        """The day a window's record is made: any day of it the person can be met; may be after today."""
        for _ in range(6):
            d = _rand_date(self.rng, a, b)
            if d > self.today:
                return d if self.close_on is None and d <= (self.last_day or d) else None
            if self.person_ok(d):
                return d
        return None

    def next_workday(self, d: date, n: int = 1) -> date:
        return self.cal.add_working_days(d, n)[0]

    def respond(self, trigger: date, etype: str, response: str, deadline: date, note: str) -> None:
        if response == "none":
            return
        d = deadline if response == "ontime" else deadline + timedelta(days=self.rng.randint(1, 6))
        if self.rng.random() < 0.5 and response == "ontime":
            d = max(trigger, deadline - ONE)
        if self.office_ok(d):
            self.add(d, etype, {"note": note})

    # -- the whole history

    def build(self) -> list:
        p, rng, today, rs = self.p, self.rng, self.today, self.rs
        self.start = p.report_in if p.report_in and p.report_in <= today else None
        self.close_on = None
        limit = p.notified_on + timedelta(days=rs.triggers["report-in"].deadline.days) if p.notified_on else None
        # a report-in later than the limit: the office reports it to the police
        if limit is not None and (self.start is None or self.start > limit) and today > limit:
            vr_dl = self.next_workday(limit, rs.triggers["late-report-in"].deadline.working_days)
            if self.start is None:
                self.respond(limit + ONE, "violation-report", p.late_report_response, vr_dl, "逾期未报到，已通报公安机关")
        if self.start is None:
            return self.events
        self.status = "active"
        self.add(self.start, "report-in", {"place": f"{TOWNSHIP}社区戒毒（康复）工作办公室"})
        if limit is not None and self.start > limit:
            vr_dl = self.next_workday(limit, rs.triggers["late-report-in"].deadline.working_days)
            self.respond(limit + ONE, "violation-report", p.late_report_response, vr_dl, "逾期未报到，已通报公安机关")
        susp = p.suspension
        closed, open_from = [], None
        if susp is not None:
            if susp[2] is not None:
                closed = [(susp[0], susp[2])]
            else:
                open_from = susp[0]
        clock = Clock(closed, open_from)
        base_last = add_months(self.start, p.term) - ONE
        self.last_day = None if open_from else base_last + sum(((r - s) for s, r in closed), timedelta(0))
        # the close, and the last day the person can be met
        close = p.close
        person_until = min(today, self.last_day or today)
        transfer_at = None
        if close and close[0] == "terminate" and close[1] <= today:
            self.close_on = close[1]
        elif close and close[0] == "transfer" and self.person_ok_range(close[1], person_until):
            transfer_at = close[1]
        elif close and close[0] in ("release", "transfer") and self.last_day is not None:
            d = self.last_day + timedelta(days=rng.randint(1, 4))
            if d <= today:
                self.close_on = d
        if self.close_on is not None:
            person_until = min(person_until, self.close_on - ONE)
        if transfer_at is not None:
            approve = transfer_at + timedelta(days=rng.randint(7, 20))
            handover = approve + timedelta(days=rng.randint(2, 7))
            if handover <= today:
                self.close_on = handover
            person_until = min(person_until, approve)
        self.person_until = person_until
        if susp is not None and susp[0] <= person_until:
            self.add(susp[0], "suspend", {"reason": susp[1], "note": "因涉嫌违法被公安机关" + ("拘留" if susp[1] == "detention" else "逮捕")})
            if susp[2] is not None and susp[2] <= person_until:
                self.add(susp[2], "resume", {"note": "释放后恢复执行"})
        self.recurring(clock)
        self.evaluations(clock)
        self.breaches()
        self.leave()
        self.visits_for_occasions()
        self.supports()
        self.explain_gaps()
        if transfer_at is not None:
            self.transfer(transfer_at)
        if self.last_day is not None and p.release_suggestion:
            rsug = rs.triggers["release-suggestion"]
            dl = self.last_day - timedelta(days=rsug["days_before_end"])
            d = _rand_date(rng, dl - timedelta(days=rsug["opens_days_before"]), dl)
            if self.office_ok(d) and rng.random() < 0.95:
                self.add(d, "release-suggestion", {"note": "期满前向公安机关提出解除建议"})
        if self.close_on is not None:
            if close[0] == "terminate":
                self.add(self.close_on, "terminate", {"reason": close[2],
                                                      "note": "收监执行刑罚" if close[2] == "imprisonment" else "被责令强制隔离戒毒"})
            elif close[0] in ("release", "transfer") and transfer_at is None:
                n = rng.randint(1, 999)
                self.add(self.close_on, "release", {"notice_no": f"示公禁解字〔{self.close_on.year}〕{n}号",
                                                    "notified_on": self.close_on, "issued_by": POLICE})
        self.events = [e for e in self.events if e[0] <= today and (self.close_on is None or e[0] < self.close_on
                                                                   or e[2] in ("terminate", "release", "transfer-handover"))]
        return self.events

    def person_ok_range(self, a: date, b: date) -> bool:
        return a <= b and self.person_ok_tmp(a)

    def person_ok_tmp(self, d: date) -> bool:
        s = self.p.suspension
        return self.start <= d and not (s is not None and s[0] <= d and (s[2] is None or d < s[2]))

    # -- recurring duties

    def windows(self, phases, clock: Clock) -> list:
        start, term = self.start, self.p.term
        out, offset = [], 0
        for ph in phases:
            for m in range(offset, offset + ph.months, ph.every):
                if m >= term:
                    break
                a = clock.real(add_months(start, m))
                b = clock.real(add_months(start, min(m + ph.every, term)) - ONE)
                if a is None or b is None:
                    continue
                out.append((a, b))
            offset += ph.months
            if offset >= term:
                break
        return out

    def missed(self, kind: str, a: date, b: date) -> None:
        """A window with no record: sometimes the record comes a few days late (in the next window)."""
        rng = self.rng
        if rng.random() < 0.25:
            d = b + timedelta(days=rng.randint(1, 10))
            if self.person_ok(d):
                self._record(kind, d)

    def explain_gaps(self) -> None:
        """Items missed more than a month ago: the office closed some with a written explanation."""
        rng, today = self.rng, self.today
        taken = {"test": [], "visit": [], "report": [], "education": []}
        evals: dict = {}
        for d, _s, t, _i, f in self.events:
            if t == "test" and f["result"] in ("negative", "positive") and not f.get("makeup"):
                taken["test"].append(d)
            elif t in ("visit", "report"):
                taken["visit"].append(d)
                if t == "report":
                    taken["report"].append(d)
            elif t == "education":
                taken["education"].append(d)
            elif t == "evaluation":
                evals.setdefault(f["kind"], []).append(d)
        visits = sorted(d for d, _s, t, _i, _f in self.events if t == "visit")
        for days in (*taken.values(), *evals.values()):
            days.sort()
        for kind, a, b, sub in self.wins:
            if (today - b).days <= 30 or b > self.person_until or (kind == "test" and (a, b) in self.covered):
                continue
            days = evals.get(sub, []) if kind == "evaluation" else taken.get(kind, visits)
            i = bisect_left(days, a)
            if i < len(days) and days[i] <= b:
                continue
            if rng.random() < self.p.explain_rate:
                d = b + timedelta(days=rng.randint(3, 30))
                if self.office_ok(d):
                    self.add(d, "explanation", {"item": kind, "deadline": b, "reason": rng.choice(_EXPLAIN)})

    def _record(self, duty: str, d: date, **extra) -> str:
        rng, worker = self.rng, self.p.worker
        if duty == "test":
            f = {"result": extra.get("result", "negative"),
                 "method": extra.get("method") or ("urine" if rng.random() < 0.9 else rng.choice(("saliva", "blood"))),
                 "makeup": extra.get("makeup"), "forced": extra.get("forced")}
            if rng.random() < 0.3:
                f["by"] = worker
            return self.add(d, "test", f)
        if duty == "visit":
            vk = extra.get("kind") or rng.choices(("talk", "home", "phone"), (60, 30, 10))[0]
            f = {"kind": vk, "by": worker, "note": extra.get("note") or (rng.choice(_VISIT_NOTES) if rng.random() < 0.6 else None)}
            if vk == "home":
                f["met"] = rng.choice(("本人", "本人及家属", "家属"))
            return self.add(d, "visit", f)
        if duty == "report":
            return self.add(d, "report", {"note": "本人书面报告近期情况" if rng.random() < 0.4 else None})
        if duty == "education":
            return self.add(d, "education", {"note": rng.choice(_EDU_NOTES), "by": worker})
        raise ValueError(duty)

    def recurring(self, clock: Clock) -> None:
        rng, p = self.rng, self.p
        refusal_days = {d: (res, resp) for d, res, resp in p.refusals if self.person_ok(d)}
        positive_days = {d: resp for d, resp in p.positives if self.person_ok(d)}
        tests = []            # test windows that ended before today
        for kind, duty in self.rs.duties.items():
            for a, b in self.windows(duty.phases(p.measure, p.term), clock):
                if a > self.person_until:
                    break
                if kind == "test" and b < self.today and b <= self.person_until:
                    tests.append((a, b))
                self.wins.append((kind, a, b, ""))
                if kind == "test":
                    special = [d for d in list(refusal_days) + list(positive_days) if a <= d <= b]
                    if special:
                        for d in sorted(special):
                            if d in positive_days:
                                self._record("test", d, result="positive")
                                self.respond(d, "violation-report", positive_days[d],
                                             d + timedelta(days=self.rs.triggers["positive-test"].deadline.days),
                                             "检测结果阳性，已报告公安机关")
                            else:
                                self.refusal(d, *refusal_days[d])
                                if rng.random() < 0.5:
                                    f = self.pick(d + ONE, min(b, d + timedelta(days=5)))
                                    if f is not None:
                                        self._record("test", f, forced=True)
                        continue
                if rng.random() < p.diligence:
                    d = self.intended(a, b)
                    if d is not None:
                        if d <= self.today:
                            self._record(kind, d)
                        continue        # done, or (the current window) not yet
                if b >= self.today:
                    continue
                if b < self.today and b <= self.person_until:
                    self.missed(kind, a, b)
        # make-up hair tests for some missed test windows (each reaches the earliest missed one)
        reach = self.rs.makeup_reach_months
        covered = self.covered
        done = {d for d, _s, t, _i, f in self.events if t == "test" and f["result"] in ("negative", "positive")}
        missed = [(a, b) for a, b in tests if not any(a <= d <= b for d in done)]
        for a, b in missed:
            if rng.random() >= p.makeup_rate:
                continue
            d = self.pick(b + ONE, min(add_months(b, reach), b + timedelta(days=45)))
            if d is None:
                continue
            # the make-up counts for the earliest missed window within reach: it must be this one
            # (an earlier missed window, even an explained one, would take it)
            if any(w[1] < b and w not in covered and d <= add_months(w[1], reach) for w in missed):
                continue
            covered.add((a, b))
            self._record("test", d, method="hair", makeup=True)

    def refusal(self, d: date, result: str, response: str) -> None:
        self._record("test", d, result=result)
        n = sum(1 for e in self.events if e[2] == "test" and e[4]["result"] in ("refused", "evaded"))
        tr = self.rs.triggers
        if n >= tr["refusal-serious"]["count_from"]:
            dl = d + timedelta(days=tr["refusal-serious"].deadline.days)
            self.respond(d, "violation-report", response, dl, f"第{n}次拒绝或逃避检测，严重违反协议，已报告公安机关")
        elif n <= tr["refusal-warning"]["count_upto"]:
            dl = self.next_workday(d, tr["refusal-warning"].deadline.working_days)
            self.respond(d, "warning", response, dl, f"第{n}次拒绝或逃避检测，书面告诫")

    def evaluations(self, clock: Clock) -> None:
        rng, p = self.rng, self.p
        ev = self.rs.evaluation
        start, term = self.start, p.term
        raw = [("intake", 0, min(int(ev["intake_months"]), term))]
        q = int(ev["quarter_months"])
        raw += [("quarterly", m, min(m + q, term)) for m in range(0, term, q)]
        ym = int(ev["yearly_months"])
        for y in range(1, (term + 11) // 12 + 1):
            end_m = min(12 * y, term)
            raw.append(("yearly", end_m - ym, end_m))
        risk = p.risk
        wins = []
        for sub, m0, m1 in raw:
            a = clock.real(add_months(start, m0))
            b = clock.real(add_months(start, m1) - ONE)
            if a is None or b is None:
                continue
            wins.append((b, a, sub))
        wins.sort()
        for b, a, sub in wins:
            if a > self.person_until:
                continue
            self.wins.append(("evaluation", a, b, sub))
            if rng.random() < p.diligence:
                lo = a if sub != "quarterly" else a + timedelta(days=min(20, (b - a).days))
                d = self.intended(lo, b) or self.intended(a, b)
                if d is not None and d > self.today:
                    continue
                if d is not None:
                    if sub != "quarterly" or rng.random() < 0.15:
                        if rng.random() < 0.12:
                            risk = rng.choice(("low", "medium", "high"))
                        r = risk
                    else:
                        r = None
                    self.add(d, "evaluation", {"kind": sub, "result": rng.choice(_EVAL_RESULTS), "risk": r,
                                               "by": p.worker})
                    continue
                if b >= self.today:
                    continue

    # -- breaches, leave, occasions

    def breaches(self) -> None:
        tr = self.rs.triggers
        n, total = 0, 0
        for d, days, response in self.p.absences:
            if not self.person_ok(d):
                continue
            self.add(d, "violation", {"kind": "absence", "days": days, "note": "未经请假离开本县"})
            n += 1
            total += days
            if n >= tr["absence-serious"]["count_from"] or total > tr["absence-serious"]["total_days_over"]:
                self.respond(d, "violation-report", response, d + timedelta(days=tr["absence-serious"].deadline.days),
                             "擅自外出，严重违反协议，已报告公安机关")
            elif n <= tr["absence-warning"]["count_upto"]:
                self.respond(d, "warning", response, self.next_workday(d, tr["absence-warning"].deadline.working_days),
                             f"第{n}次擅自外出，书面告诫")

    def leave(self) -> None:
        rng = self.rng
        taken: list = []
        s = self.p.suspension
        for asked, a, b, outcome, back in self.p.leaves:
            if not (self.person_ok(asked) and asked <= a <= b) or (a <= self.today and not self.person_ok(a)):
                continue
            if (self.close_on is not None and b >= self.close_on) or (self.last_day is not None and b > self.last_day):
                continue
            if s is not None and s[0] <= b and (s[2] is None or a < s[2]):
                continue
            if any(x <= b and a <= y for x, y in taken):
                continue
            taken.append((a, b))
            late = (a - asked).days < self.rs.leave_ask_days_before or None
            lid = self.add(asked, "leave-request", {"from": a, "to": b, "destination": rng.choice(_DESTINATIONS),
                                                     "reason": rng.choice(_LEAVE_REASONS), "late": late,
                                                     "phone": self.p.phone})
            dec = min(a, asked + timedelta(days=rng.randint(0, 1)))
            if not self.office_ok(dec):
                continue
            if outcome == "deny":
                self.add(dec, "leave-deny", {"leave": lid, "by": POLICE, "note": "外出理由不充分"})
                continue
            self.add(dec, "leave-approve", {"leave": lid, "by": self.p.worker})
            if back is not None and self.office_ok(back) and back <= self.person_until and back >= a \
                    and self.person_ok_tmp(back):
                self.add(back, "leave-return", {"leave": lid})

    def visits_for_occasions(self) -> None:
        """三必访: birthdays, security periods (medium/high risk), family crises."""
        rng, p = self.rng, self.p
        visit_days = [e[0] for e in self.events if e[2] == "visit"]
        bt = self.rs.triggers["birthday-visit"]
        for year in range(self.start.year, self.person_until.year + 1):
            b = birthday_in(p.birth, year)
            a = b - timedelta(days=bt["opens_days_before"])
            if b < self.start or b > self.person_until:
                continue
            self.wins.append(("birthday-visit", a, b, ""))
            if any(a <= d <= b for d in visit_days):
                continue
            d = self.pick(a, b) if rng.random() < 0.85 else None
            if d is not None:
                self._record("visit", d, kind="home", note="生日走访，送上祝福")
        risks = self.rs.triggers["security-visit"]["risks"]
        for name, a, b in self.security:
            if b < self.start or a > self.person_until:
                continue
            risk = p.risk
            for e in sorted(self.events):
                if e[0] > a:
                    break
                if e[2] == "evaluation" and e[4].get("risk"):
                    risk = e[4]["risk"]
            if risk not in risks:
                continue
            if b <= self.person_until:
                self.wins.append(("security-visit", a, b, ""))
            if any(a <= d <= b for d in visit_days):
                continue
            d = self.pick(a, b) if rng.random() < 0.85 else None
            if d is not None:
                self._record("visit", d, kind="home", note=f"{name}安保期间走访")
        fv = self.rs.triggers["family-change-visit"]
        for d, note in p.family:
            if not self.person_ok(d):
                continue
            self.add(d, "family-change", {"note": note})
            if rng.random() < 0.85:
                v = self.pick(d, d + timedelta(days=fv.deadline.days))
                if v is not None:
                    self._record("visit", v, kind="home", note="家庭变故走访，了解困难")

    def supports(self) -> None:
        rng, p = self.rng, self.p
        years = max(0.0, (self.person_until - self.start).days / 365.25)
        n = int(years * p.supports_per_year + rng.random())
        for _ in range(n):
            d = self.pick(self.start, self.person_until)
            if d is None:
                continue
            kind = rng.choice(tuple(_SUPPORT))
            note, amount = _SUPPORT[kind]
            self.add(d, "support", {"kind": kind, "amount": rng.randrange(amount[0], amount[1], 50) if amount else None,
                                    "note": note, "by": p.worker})

    def transfer(self, ap: date) -> None:
        rng = self.rng
        if not self.office_ok(ap):
            return
        self.add(ap, "transfer-apply", {"to": rng.choice(_DESTINATIONS), "reason": "家庭住址变更", "proof": "居住证明"})
        f = self.next_workday(ap, rng.randint(1, 3))
        if self.office_ok(f):
            self.add(f, "transfer-form", {"opinion": "同意变更，报公安机关审批"})
        appr = ap + timedelta(days=rng.randint(7, 20))
        if self.office_ok(appr) and appr > f:
            self.add(appr, "transfer-approve", {"by": POLICE})
        else:
            return
        # the person reports at the new place, then the archive is handed over (closes the case here)
        if self.close_on is not None:
            r = appr + timedelta(days=rng.randint(1, max(1, (self.close_on - appr).days - 1)))
            if r < self.close_on:
                self.add(r, "transfer-report-in", {"note": "已到新执行地报到"})
            self.add(self.close_on, "transfer-handover", {"to": "新执行地社区戒毒（康复）工作办公室"})


# ---------------------------------------------------------------- writing


def _office_yaml(office: str, staff: list, security) -> str:
    body = yamlio.emit_mapping({"office": {"name": office, "township": TOWNSHIP, "county": COUNTY}})
    return ("# aftercare 案卷库配置（合成数据：人员均为程序生成的虚构人物）\n" + body
            + "# 工作人员：name 姓名，role 职务，phone 电话\n" + yamlio.emit_mapping({"staff": staff})
            + "# 规则覆盖（见 README“规则”）：\nrules: []\n"
            + "# 国务院每年公布的节假日与调休上班日（chinesecalendar 尚不知道的年份）：\ncalendar: {}\n"
            + "# 重大安保期（中、高风险人员必访）\n"
            + yamlio.emit_mapping({"security_periods": [{"name": n, "from": a, "to": b} for n, a, b in security]}))


def _case_body(p: Plan) -> dict:
    dec_no = f"示公（禁）{'社戒' if p.measure == 'detox' else '社康'}决字〔{(p.decided_on or p.notified_on).year}〕{p.key % 997 + 1}号"
    body = {
        "name": p.name, "id_number": p.id_number, "sex": p.sex, "birth_date": p.birth, "measure": p.measure,
        "term_months": p.term,
        "decision": {k: v for k, v in (("number", dec_no), ("decided_by", POLICE), ("decided_on", p.decided_on),
                                       ("notified_on", p.notified_on)) if v},
        "phone": p.phone, "address": p.address, "household": p.household, "risk": p.risk, "worker": p.worker,
        "registered_on": p.notified_on or p.report_in,
    }
    return body


def _write(path: Path, text: str) -> int:
    data = text.encode()
    with open(path, "wb") as fh:
        fh.write(data)
    return len(data)


def _staff(rng: random.Random, n: int) -> list:
    names, out = set(), []
    while len(out) < n:
        name = fictional_name(rng)
        if name in names:
            continue
        names.add(name)
        out.append({"name": name, "role": _ROLES[len(out) % len(_ROLES)], "phone": fictional_phone(rng)})
    return out


def _status(h: _History, plan: Plan) -> str:
    types = {e[2] for e in h.events}
    if "terminate" in types:
        return "terminated"
    if "release" in types:
        return "released"
    if "transfer-handover" in types:
        return "transferred"
    if h.start is None:
        return "awaiting"
    s = plan.suspension
    if s is not None and "suspend" in types and "resume" not in types:
        return "suspended"
    return "active"


def generate(root: Path, n_cases: int, seed: int, today: date, *, git: bool = True, office: str = DEFAULT_OFFICE,
             closed_share: float | None = None, plans: list | None = None, origin: str = FILE_ORIGIN) -> dict:
    """Write a synthetic store of `n_cases` fictional persons into `root` (created; must not hold a store).

    Same arguments → byte-identical files. `closed_share` forces that share of cases to be finished
    (released) and the others active; `plans` (used by the demo) gives each case's plan instead of
    drawing it. Returns statistics: cases per status (and their IDs), events, files, bytes, seconds.
    """
    t0 = time.perf_counter()
    root = Path(root)
    if (root / CONFIG).exists():
        raise FileExistsError(f"{root / CONFIG} exists: refusing to overwrite a store")
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    rng = random.Random(f"aftercare-synth:{seed}")
    rs = load_rules().for_day(today)
    cal = WorkCalendar()
    if plans is not None:
        n_cases = len(plans)
    staff = _staff(rng, max(3, round(n_cases / 30)))
    if plans is None:
        plans = [_plan(random.Random(f"{seed}:plan:{i}"), i, today, staff, closed_share) for i in range(n_cases)]
    # unique ID numbers (the register refuses duplicates)
    seen: set = set()
    for p in plans:
        r = random.Random(f"{seed}:idn:{p.key}")
        while p.id_number in seen or not p.id_number:
            p.id_number = fictional_id_number(r, p.birth, p.sex)
        seen.add(p.id_number)
    # case IDs by registration year, numbered in order of registration
    per_year: dict = {}
    for p in sorted(plans, key=lambda p: (p.notified_on or p.report_in, p.key)):
        if p.case_id:
            continue
        y = (p.notified_on or p.report_in).year
        per_year[y] = per_year.get(y, 0) + 1
        p.case_id = f"{y}-{per_year[y]:04d}"
    stats = {"cases": 0, "events": 0, "files": 0, "bytes": 0, "status": {}, "case_ids": {}}
    nbytes = _write(root / CONFIG, _office_yaml(office, staff, SECURITY_PERIODS))
    nbytes += _write(root / ".gitignore", GITIGNORE)
    (root / "cases").mkdir(exist_ok=True)
    nfiles = 2
    for p in sorted(plans, key=lambda p: p.case_id):
        h = _History(p, random.Random(f"{seed}:history:{p.key}"), today, rs, cal, SECURITY_PERIODS)
        events = sorted(h.build(), key=lambda e: (e[0], e[1]))
        records = [{"id": eid, "type": etype, "date": day, **fields} for day, _seq, etype, eid, fields in events]
        files, size = write_case_bulk(root, p.case_id, _case_body(p), records, origin)   # the files the actions write
        nfiles += files
        nbytes += size
        st = _status(h, p)
        stats["status"][st] = stats["status"].get(st, 0) + 1
        stats["case_ids"].setdefault(st, []).append(p.case_id)
        stats["cases"] += 1
        stats["events"] += len(events)
    stats["files"], stats["bytes"] = nfiles, nbytes
    stats["write_seconds"] = round(time.perf_counter() - t0, 2)
    if git:
        _git_commit(root, rng, n_cases, seed)
    stats["seconds"] = round(time.perf_counter() - t0, 2)
    return stats


def _git_commit(root: Path, rng: random.Random, n: int, seed: int) -> None:
    env = dict(os.environ)
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(k, None)
    env.setdefault("GIT_AUTHOR_NAME", "aftercare synth")
    env.setdefault("GIT_AUTHOR_EMAIL", "synth@example.invalid")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])

    def run(*args):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)

    run("init", "-q")
    run("config", "core.sharedRepository", "0600")
    run("config", "feature.manyFiles", "true")
    run("add", "-A")
    run("commit", "-q", "--no-verify", "-m", f"Synthetic store: {n} fictional cases (seed {seed})")
    # later records go to a file of another origin, as on a second clone
    run("config", "aftercare.origin", "".join(rng.choice(ALPHABET) for _ in range(4)))


# ---------------------------------------------------------------- the demo store

DEMO_TODAY = date(2026, 11, 23)
DEMO_SEED = 20261123


def demo_plans(today: date = DEMO_TODAY) -> list:
    """Twelve fictional persons chosen so that the agenda on `today` shows every kind of situation."""
    staff = _staff(random.Random(f"aftercare-synth:{DEMO_SEED}"), 3)
    w = [s["name"] for s in staff]
    D = date.fromisoformat

    def person(key, worker, measure="detox", term=36, report_in=None, notified=None, risk="low", birth=None,
               sex="男", **kw):
        r = random.Random(f"{DEMO_SEED}:person:{key}")
        p = Plan(key, measure=measure, term=term, risk=risk, worker=worker, sex=sex)
        p.birth = birth or date(r.randint(1972, 2001), r.randint(1, 12), r.randint(1, 28))
        p.name = fictional_name(r)
        p.id_number = fictional_id_number(r, p.birth, p.sex)
        p.phone = fictional_phone(r)
        p.address = f"{TOWNSHIP}{r.choice(_VILLAGES)}{r.randint(1, 12)}组{r.randint(1, 80)}号"
        p.report_in = report_in
        p.notified_on = notified or (report_in - timedelta(days=r.randint(1, 6)) if report_in else None)
        p.decided_on = p.notified_on - timedelta(days=r.randint(0, 3)) if p.notified_on else None
        p.diligence, p.explain_rate, p.makeup_rate, p.supports_per_year = 0.93, 1.0, 0.6, 1
        p.close = ("release", None)
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
               refusals=[(D("2026-07-20"), "refused", "ontime"), (D("2026-11-19"), "evaded", "none")]),
        # 社区康复, with a leave approved and running today
        person(4, w[1], measure="rehab", report_in=D("2025-03-17"),
               leaves=[(D("2025-08-01"), D("2025-08-03"), D("2025-08-10"), "approve", D("2025-08-10")),
                       (D("2026-11-17"), D("2026-11-19"), D("2026-11-28"), "approve", None)]),
        # suspended: arrested in September, not yet resumed
        person(5, w[2], report_in=D("2025-01-08"), risk="high", suspension=(D("2026-09-10"), "arrest", None)),
        # released after the last day
        person(6, w[2], report_in=D("2023-06-05"), sex="女"),
        # late in the period: the release suggestion is due this week
        person(7, w[0], report_in=D("2023-12-10"), diligence=0.95, release_suggestion=False),
        # 社区康复 of 24 months
        person(8, w[1], measure="rehab", term=24, report_in=D("2025-02-20"), sex="女",
               birth=D("1990-11-27")),
        # a positive test last week, the violation report still to send; a missed window to make up
        person(9, w[2], report_in=D("2026-01-26"), risk="medium", diligence=0.8, makeup_rate=0.0,
               positives=[(D("2026-11-20"), "none")]),
        # reported 24 days after the decision was served: late report-in, reported to the police
        person(10, w[0], report_in=D("2026-08-25"), notified=D("2026-08-01"), late_report_response="late"),
        # medium risk, birthday at the end of the week, an absence last year
        person(11, w[2], report_in=D("2024-07-15"), risk="medium", birth=D("1986-11-29"),
               absences=[(D("2025-04-02"), 3, "ontime")], suspension=(D("2025-06-10"), "detention", D("2025-06-20"))),
        # terminated: compulsory isolation after a positive test
        person(12, w[1], report_in=D("2024-03-04"),
               positives=[(D("2025-05-06"), "ontime")], close=("terminate", D("2025-05-28"), "compulsory-education")),
    ]


def generate_demo(root: Path) -> dict:
    """The shipped demo store (`cases/`): 12 fictional persons, `today` 2026-11-23, no git of its own."""
    return generate(root, 0, DEMO_SEED, DEMO_TODAY, git=False, plans=demo_plans(), origin="demo")


def main(argv: list | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m aftercare.synth", description="Write a synthetic store of fictional cases.")
    ap.add_argument("root", nargs="?", help="the store folder to create")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--today", default=DEMO_TODAY.isoformat(), help="the day the histories end (YYYY-MM-DD)")
    ap.add_argument("--no-git", action="store_true", help="do not make a git repository and commit")
    ap.add_argument("--closed-share", type=float, default=None, help="share of finished cases (default: natural mix)")
    ap.add_argument("--demo", action="store_true", help="write the demo store (default folder: ./cases)")
    args = ap.parse_args(argv)
    if args.demo:
        stats = generate_demo(Path(args.root or "cases"))
    else:
        if not args.root:
            ap.error("the store folder is required")
        stats = generate(Path(args.root), args.cases, args.seed, date.fromisoformat(args.today), git=not args.no_git,
                         closed_share=args.closed_share)
    stats.pop("case_ids")
    print(stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
