"""A person's path, measure by measure, in the store's own format.

Each measure is registered with the actions' own checks (`actions.pathway.measure_fields`: case.yaml's
fields for `case add` / `case start`), read back by the store's parser (`store.schema.case_from`), and
its records are made by the store's record builder (`store.store.new_record`, as `record` appends
them). What a measure's dates are is asked of the rules and the engine: the report-in limit is the
rules' deadline (`items.deadline_after`), the period's last day is the engine's (`facts.period`, with
the suspensions), the archive hand-over is due when the engine's `archive-transfer` item says, and the
follow-up years are the rules file's. The walk then hands the whole path to duties.py, which asks the
engine what the office had to do.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from aftercare.actions.pathway import measure_fields
from aftercare.core.dates import add_months
from aftercare.core.facts import case_facts, period
from aftercare.core.windows import Suspension
from aftercare.core.ids import new_event_id
from aftercare.core.items import deadline_after, transfer_items
from aftercare.core.model import RISKS, Event
from aftercare.store.schema import case_from
from aftercare.store.stamps import case_rel
from aftercare.store.store import new_record

from . import texts
from .office import CLINIC, FACILITY, POLICE, TOWNSHIP
from .people import COMMUNITY, Incident, Person, Stage, rand_day

ONE = timedelta(days=1)
FOREVER = date.max


class Seg:
    """One realised stretch of the path: a recorded measure, or the follow-up its release opened."""

    def __init__(self, seq: int, kind: str, case, stage: Stage, derived: bool = False):
        self.seq, self.kind, self.case, self.stage, self.derived = seq, kind, case, stage, derived
        self.opened: date | None = None  # the day it was registered (records of the office from then on)
        self.start: date | None = None   # the first day of it: report-in, entered, released on
        self.end: date | None = None     # the day it ended (its closing record's day)
        self.until: date | None = None   # its records come before this day (the next measure opened)
        self.last_day: date | None = None
        self.away: list = []             # [from, to) spans the person cannot be met
        self.held: list = []             # [from, to) spans suspended
        self.incident_of: dict = {}      # record id -> the Incident it belongs to

    @property
    def bound(self) -> date:
        """The first day no record of this stretch may carry (except its own closing record)."""
        return min(self.end or FOREVER, self.until or FOREVER)

    def free(self, d: date) -> bool:
        return not any(a <= d < b for a, b in self.away)


class Walk:
    def __init__(self, store, person: Person, rng: random.Random, today: date):
        self.store, self.p, self.rng, self.today = store, person, rng, today
        self.rules, self.cal = store.rules, store.calendar
        self.body: dict = {}
        self.events: list = []          # Event, in the order made (their `line`)
        self.records: list = []         # the store's records, same order
        self.taken: set = set()
        self.segs: list = []
        self.case = None
        self.risks: list = []             # (day, risk): the person's risk as evaluations changed it
        self.methadone = False            # joined methadone maintenance and not left it (across measures)

    def risk_on(self, d: date) -> str:
        return next((r for day, r in reversed(self.risks) if day <= d), self.p.risk)

    def seg(self, seq: int, kind: str) -> Seg | None:
        return next((s for s in self.segs if s.seq == seq and s.kind == kind), None)

    def seg_of_item(self, it) -> Seg | None:
        """The stretch of the path a path item belongs to (by its kind and the day it opens)."""
        kinds = {"pickup": ("isolation",), "followup": ("followup",)}.get(it.kind)
        d = it.window_start or it.deadline
        found = None
        for s in self.segs:
            if (kinds is None or s.kind in kinds) and s.opened is not None and s.opened <= d:
                found = s
        return found

    # ---------------------------------------------------------------- records and days

    def add(self, seg: Seg, d: date, etype: str, fields: dict | None = None) -> str:
        eid = new_event_id(self.taken, self.rng)
        self.taken.add(eid)
        rec = new_record(seg.case, eid, etype, d, fields or {})
        self.events.append(Event(eid, etype, d, {k: v for k, v in rec.items() if k not in ("id", "type", "date")},
                                 "", len(self.records)))
        self.records.append(rec)
        return eid

    def sorted_events(self) -> list:
        return sorted(self.events, key=lambda e: (e.date, e.line))

    def person_ok(self, seg: Seg, d: date) -> bool:
        """The person can be met on `d` in this stretch (records that need the person)."""
        return (seg.start is not None and seg.start <= d <= self.today and d < seg.bound and seg.kind != "isolation"
                and seg.free(d))

    def office_ok(self, seg: Seg, d: date) -> bool:
        """The office can record on `d` in this stretch (its own records)."""
        return seg.opened is not None and seg.opened <= d <= self.today and d < seg.bound

    def day(self, seg: Seg, a: date, b: date, person: bool = True) -> date | None:
        ok = self.person_ok if person else self.office_ok
        for _ in range(8):
            d = rand_day(self.rng, a, b)
            if ok(seg, d):
                return d
        return None

    # ---------------------------------------------------------------- measures

    def case_now(self):
        problems: list = []
        case = case_from(self.p.case_id, self.body, case_rel(self.p.case_id) + "/case.yaml", lambda _k: 1, problems)
        if case is None or problems:
            raise ValueError(f"synthetic case {self.p.case_id} does not read back: {[str(x) for x in problems]}")
        return case

    def register(self, st: Stage, fields: dict, began: date, first: bool, derived_from: Seg | None = None,
                 registered: date | None = None) -> Seg:
        """The measure in case.yaml as `case add` (the first) or `case start` (a later one) writes it."""
        p = self.p
        if derived_from is not None:
            seg = Seg(derived_from.seq, st.kind, derived_from.case, st, derived=True)
        else:
            if first:
                self.body = {"name": p.name, "id_number": p.id_number, "sex": p.sex, "birth_date": p.birth,
                             "measure": st.kind, **fields, "phone": p.phone, "address": p.address,
                             "household": p.household, "risk": p.risk, "worker": p.worker,
                             "registered_on": min(self.today, st.registered or registered or began), **p.file}
            else:
                self.body.setdefault("later_measures", []).append({"kind": st.kind, "opened_on": began, **fields})
                for prev in self.segs:
                    prev.until = prev.until or began
            self.case = self.case_now()
            seg = Seg(len(self.case.path), st.kind, self.case, st)
        seg.opened = began if not first else self.body["registered_on"]
        self.segs.append(seg)
        return seg

    def run(self) -> None:
        begin: date | None = None
        prev: Seg | None = None
        for i, st in enumerate(self.p.stages):
            if st.kind in COMMUNITY:
                ended = self.community(st, begin, i == 0)
            elif st.kind == "isolation":
                ended = self.isolation(st, begin, i == 0)
            else:
                derived = prev is not None and prev.kind in COMMUNITY and prev.kind in \
                    self.rules.for_day(begin).path.followup_after
                ended = self.followup(st, begin, i == 0, prev if derived else None)
            prev = self.segs[-1] if self.segs else None
            if ended is None:
                break
            begin = ended

    def community(self, st: Stage, begin: date | None, first: bool) -> date | None:
        rng, today, p = self.rng, self.today, self.p
        notified = st.notified or begin + timedelta(days=rng.randint(1, 20))
        if notified > today:
            return None
        decided = st.decided or max(notified - timedelta(days=rng.randint(0, 4)), begin + ONE if begin else date.min)
        label = "社戒" if st.kind == "detox" else "社康"
        fields, _rep, began = measure_fields(
            self.store, st.kind, today, p.birth, term_months=st.term, notified_on=notified.isoformat(),
            decided_on=decided.isoformat(), decision_no=f"示公（禁）{label}决字〔{decided.year}〕{p.key % 997 + 1}号",
            decided_by=POLICE)
        seg = self.register(st, fields, began, first, registered=notified)
        # report-in: inside the rules' limit (a few after it)
        limit, _prov = deadline_after(self.cal, notified, self.rules.for_day(notified).trigger.report_in.deadline)
        rep = st.report_in
        if rep is None and not st.awaiting:
            rep = (limit + timedelta(days=rng.randint(1, 25)) if st.late
                   else notified + timedelta(days=int((limit - notified).days * rng.random() ** 1.7)))
        if rep is None or rep > today:
            return None                                    # awaited: the path stops here for now
        seg.start = rep
        self.add(seg, rep, "report-in", {"place": f"{TOWNSHIP}社区戒毒（康复）工作办公室"})
        base = period(rep, st.term, (), today)["last_day"]
        span = (min(today, base) - rep).days
        planned = None          # the day a termination or a change of place falls on (before any suspension)
        if st.end.startswith("terminate:") or st.end == "transfer":
            planned = st.end_day or (rep + timedelta(days=60 + int(st.at * (span - 80))) if span > 120 else None)
        susp, convicted = self.suspension(seg, st, min(today, base, planned or FOREVER),
                                          planned if st.end.startswith("terminate:") else None)
        seg.last_day = period(rep, st.term, susp, today)["last_day"]
        close = convicted or self.planned_end(seg, st, planned)
        if close is not None:
            seg.end = close[1]
        active_to = min(today, seg.last_day or today)
        hi = min(active_to, seg.bound - ONE)
        if st.end == "terminate:isolation" and close is not None and close[0] == "terminate" \
                and not any(x.kind == "positive" for x in st.incidents):
            st.incidents.append(Incident("positive", close[1] - timedelta(days=rng.randint(10, 40))))
        self.incidents(seg, st, rep + timedelta(days=20), hi)
        self.supports(seg, rep, hi)
        if close is None:
            return None
        how, d = close[0], close[1]
        if how == "terminate":
            reason = close[2]
            notes = {"imprisonment": "收监执行刑罚", "isolation": "被决定强制隔离戒毒",
                     "compulsory-education": "被责令强制性教育措施", "deceased": "因病死亡", "moved-away": "迁出本地"}
            self.add(seg, d, "terminate", {"reason": reason, "note": notes.get(reason)})
            return d if reason == "isolation" else None
        if how == "release":
            self.add(seg, d, "release", {"notice_no": f"示公禁解字〔{d.year}〕{rng.randint(1, 999)}号",
                                         "notified_on": d, "issued_by": POLICE})
            return d
        self.add(seg, d, "transfer-handover", {"to": "新执行地社区戒毒（康复）工作办公室"})
        return None                                        # transferred out: the path goes on elsewhere

    def suspension(self, seg: Seg, st: Stage, limit: date, ends: date | None) -> tuple:
        """The suspend (and resume) records, starting before `limit` (today, the period's end, a planned end) and,
        for a measure to be terminated on `ends`, not resumed after it; returns the suspensions for the period,
        and a conviction's end."""
        if st.suspension is None:
            return (), None
        rng, today = self.rng, self.today
        s, reason, days, convicted = st.suspension
        span = (limit - seg.start).days
        if s is None:
            if span <= 120:
                return (), None
            s = seg.start + timedelta(days=rng.randint(60, span - 20))
        if s > today:
            return (), None
        back = s + timedelta(days=days) if days else None
        end = None
        if convicted and reason == "arrest":
            t = s + timedelta(days=rng.randint(20, 200))
            if t <= today:
                back, end = None, ("terminate", t, "imprisonment")
        if back is not None and (back > today or (ends is not None and back >= ends)):
            back = None                            # still held today, or when the measure is ended
        self.add(seg, s, "suspend", {"reason": reason, "note": "因涉嫌违法被公安机关" + ("拘留" if reason == "detention" else "逮捕")})
        if back is not None:
            self.add(seg, back, "resume", {"note": "释放后恢复执行"})
        seg.away.append((s, back or FOREVER))
        seg.held.append((s, back or FOREVER))
        return (Suspension(s, back, None),), end

    def planned_end(self, seg: Seg, st: Stage, planned: date | None) -> tuple | None:
        if st.end.startswith("terminate:"):
            return ("terminate", planned, st.end.split(":", 1)[1]) if planned is not None and planned <= self.today else None
        if st.end == "transfer" and planned is not None and seg.seq == 1 and seg.free(planned):
            return self.transfer(seg, planned)
        if st.end == "release" and seg.last_day is not None:
            d = seg.last_day + timedelta(days=self.rng.randint(1, 4))
            return ("release", d) if d <= self.today else None
        return None

    def transfer(self, seg: Seg, applied: date) -> tuple | None:
        """A change of place: applied, approved by the police; handed over when the engine's item is due."""
        rng = self.rng
        if not self.office_ok(seg, applied):
            return None
        self.add(seg, applied, "transfer-apply", {"to": rng.choice(texts.DESTINATIONS), "reason": "家庭住址变更",
                                                  "proof": "居住证明"})
        approved = applied + timedelta(days=rng.randint(7, 20))
        if approved > self.today:
            return None
        self.add(seg, approved, "transfer-approve", {"by": POLICE})
        seg.away.append((approved, FOREVER))               # the person lives at the new place now
        facts = case_facts(seg.case, self.sorted_events(), self.rules, self.cal, self.today, self.store.security)
        item = next(it for it in transfer_items(facts, self.cal) if it.kind == "archive-transfer")
        d = rand_day(rng, approved + timedelta(days=2), item.deadline)
        return ("transfer", d) if d <= self.today else None

    def isolation(self, st: Stage, begin: date | None, first: bool) -> date | None:
        rng, today = self.rng, self.today
        entered = st.entered or begin + timedelta(days=rng.randint(1, 10))
        if entered > today:
            return None
        expected = add_months(entered, st.months) - timedelta(days=st.early)
        fields, _rep, began = measure_fields(self.store, "isolation", today, self.p.birth, facility=FACILITY,
                                             entered_on=entered.isoformat(), expected_release=expected.isoformat())
        seg = self.register(st, fields, began, first)
        seg.start, seg.last_day = entered, expected
        if expected > today:
            return None
        seg.end = expected
        return expected

    def followup(self, st: Stage, begin: date | None, first: bool, released: Seg | None) -> date | None:
        rng, today = self.rng, self.today
        if released is not None:
            seg = self.register(st, {}, begin, False, derived_from=released)
            seg.opened = start = begin
        else:
            start = st.released_on or begin
            fields, _rep, began = measure_fields(self.store, "followup", today, self.p.birth,
                                                 released_on=start.isoformat(), released_from=FACILITY)
            seg = self.register(st, fields, began, first)
        seg.start = start + ONE if released is not None else start      # the release day is the measure's own
        seg.last_day = add_months(start, 12 * self.rules.for_day(start).path.followup_years) - ONE
        hi = min(today, seg.last_day)
        span = (hi - seg.start).days
        relapse = None
        if st.end == "relapse":
            d = st.end_day or (seg.start + timedelta(days=30 + int(st.at * (span - 30))) if span > 40 else None)
            if d is not None and d <= hi and self.person_ok(seg, d):
                relapse = d                     # the relapse first: whatever else happens comes before it
                self.add(seg, d, "followup", {"outcome": "relapsed", "method": rng.choice(("visit", "test")),
                                              "note": texts.FOLLOWUP_NOTES["relapsed"][0], "by": self.p.worker})
                seg.end = d
        self.incidents(seg, st, seg.start + timedelta(days=10), min(hi, seg.bound - ONE))
        return relapse

    # ---------------------------------------------------------------- what happens during a measure

    def incidents(self, seg: Seg, st: Stage, lo: date, hi: date) -> None:
        """Spans first (leave, lost, absence: the person is away), then single days."""
        order = {"lost": 0, "leave": 1, "absence": 2}
        for inc in sorted(st.incidents, key=lambda x: order.get(x.kind, 3)):
            if hi < lo and inc.day is None:
                continue
            getattr(self, "_" + inc.kind if inc.kind not in ("refused", "evaded") else "_refusal")(seg, inc, lo, hi)

    def _when(self, seg: Seg, inc: Incident, lo: date, hi: date, person: bool = True) -> date | None:
        if inc.day is not None:
            ok = self.person_ok if person else self.office_ok
            return inc.day if ok(seg, inc.day) else None
        return self.day(seg, lo, hi, person)

    def _refusal(self, seg, inc, lo, hi):
        d = self._when(seg, inc, lo, hi)
        if d is None:
            return
        seg.incident_of[self.add(seg, d, "test", {"result": inc.kind, "method": "urine"})] = inc
        if self.rng.random() < 0.5:
            f = self.day(seg, d + ONE, min(hi, d + timedelta(days=5)))
            if f is not None:
                self.add(seg, f, "test", {"result": "negative", "method": "urine", "forced": True})

    def _positive(self, seg, inc, lo, hi):
        d = self._when(seg, inc, lo, hi)
        if d is not None:
            seg.incident_of[self.add(seg, d, "test", {"result": "positive", "method": "urine"})] = inc

    def _absence(self, seg, inc, lo, hi):
        d = self._when(seg, inc, lo, hi)
        if d is not None:
            seg.incident_of[self.add(seg, d, "violation", {"kind": "absence", "days": inc.days,
                                                           "note": "未经请假离开本县"})] = inc
            seg.away.append((d, d + timedelta(days=inc.days)))

    def _risk(self, seg, inc, lo, hi):
        """An evaluation that changes the risk level (after an incident, a change at home …)."""
        d = self._when(seg, inc, lo, hi)
        if d is not None:
            risk = self.rng.choice([r for r in RISKS if r != self.risk_on(d)])
            self.add(seg, d, "evaluation", {"result": self.rng.choice(texts.EVAL_RESULTS), "risk": risk, "by": self.p.worker})
            self.risks = sorted(self.risks + [(d, risk)])

    def _family(self, seg, inc, lo, hi):
        d = self._when(seg, inc, lo, hi)
        if d is not None:
            self.add(seg, d, "family-change", {"note": self.rng.choice(texts.FAMILY_CRISES)})

    def _referral(self, seg, inc, lo, hi):
        d = self._when(seg, inc, lo, hi)
        if d is not None:
            kind = self.rng.choice(("voluntary-detox", "rehab-venue"))
            self.add(seg, d, "referral", {"kind": kind, "place": "示范县自愿戒毒医院" if kind == "voluntary-detox"
                                          else "示范县戒毒康复场所", "note": "经劝导同意"})

    def _methadone(self, seg, inc, lo, hi):
        d = self._when(seg, inc, lo, hi)
        if d is None or self.methadone:
            return
        self.methadone = True
        seg.incident_of[self.add(seg, d, "methadone", {"clinic": CLINIC, "registration_no": f"MMT-{d.year}-{self.rng.randint(1, 999):03d}"})] = inc
        end = d + timedelta(days=self.rng.randint(60, 400))
        if self.rng.random() < 0.3 and end <= hi:
            self.methadone = False
            self.add(seg, end, "methadone-end", {"reason": self.rng.choice(("本人申请退出", "转至其他门诊", "违反门诊规定"))})

    def _lost(self, seg, inc, lo, hi):
        d = self._when(seg, inc, lo, hi)
        if d is None:
            return
        found = d + timedelta(days=inc.days or self.rng.randint(3, 60))
        if not inc.found or found > self.today:
            if seg.bound != FOREVER or (seg.last_day is not None and seg.last_day < self.today and seg.kind in COMMUNITY):
                return                         # a measure that ends (or ended) cannot leave the person lost
            found = None
        elif found >= seg.bound:
            return
        if seg.kind == "followup" and self.rng.random() < 0.5:
            eid = self.add(seg, d, "followup", {"outcome": "lost", "method": "visit",
                                                "note": self.rng.choice(texts.FOLLOWUP_NOTES["lost"]), "by": self.p.worker})
        else:
            eid = self.add(seg, d, "lost", {"note": "多次联系未果，下落不明"})
        seg.incident_of[eid] = inc
        if found is not None:
            self.add(seg, found, "found", {"how": self.rng.choice(texts.FOUND_HOW)})
        seg.away.append((d, found or FOREVER))

    def _leave(self, seg, inc, lo, hi):
        rng = self.rng
        if inc.day is None and hi < lo + timedelta(days=7):
            return
        start = inc.day or rand_day(rng, lo + timedelta(days=7), max(lo + timedelta(days=7), hi))
        rs = self.rules.for_day(start)
        end = start + timedelta(days=max(inc.days, rs.leave_min_days) - 1)
        asked = inc.asked or start - timedelta(days=rng.choice((0, 1, 2, 3, 3, 5, 7)))
        if not (self.person_ok(seg, asked) and asked <= start) or (start <= self.today and not self.person_ok(seg, start)):
            return
        if end >= seg.bound or (seg.last_day is not None and end > seg.last_day) or \
                any(a <= end and start < b for a, b in seg.away):
            return
        late = (start - asked).days < self.rules.for_day(asked).leave_ask_days_before
        lid = self.add(seg, asked, "leave-request", {"from": start, "to": end, "destination": rng.choice(texts.DESTINATIONS),
                                                     "reason": rng.choice(texts.LEAVE_REASONS), "late": late or None,
                                                     "phone": self.p.phone})
        decided = min(start, asked + timedelta(days=rng.randint(0, 1)))
        if not self.office_ok(seg, decided):
            seg.away.append((start, end + ONE))           # asked; the decision is still to come
            return
        if inc.deny:
            self.add(seg, decided, "leave-deny", {"leave": lid, "by": POLICE, "note": "外出理由不充分"})
            return
        self.add(seg, decided, "leave-approve", {"leave": lid, "by": self.p.worker})
        seg.incident_of[lid] = inc
        seg.away.append((start, end + ONE))

    def supports(self, seg: Seg, lo: date, hi: date) -> None:
        rng = self.rng
        years = max(0.0, (hi - lo).days / 365.25)
        for _ in range(int(years * self.p.supports_per_year + rng.random())):
            d = self.day(seg, lo, hi)
            if d is None:
                continue
            kind = rng.choice(tuple(texts.SUPPORT))
            note, amount = texts.SUPPORT[kind]
            self.add(seg, d, "support", {"kind": kind, "amount": rng.randrange(amount[0], amount[1], 50) if amount else None,
                                         "note": note, "by": self.p.worker})
