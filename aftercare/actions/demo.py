"""`aftercare demo DIR`: a fresh, writable demo store of fictional persons, built through the
library's own write path (the same action functions the commands call, one commit per action),
with every date relative to today, so that its agenda looks like a real morning on any day.

Each person is a `DemoPerson`: how to register them, and a list of steps (days before today, the
action). `keep_up` records the routine duties (tests, reports, education, evaluations, the 三必访
visits) that the rules ask for up to a day, from the engine's own windows; the steps add what makes
each person's situation (a refusal, a leave, a suspension, ...). To show a new situation, append a
person to `PERSONS` (the numbering of case IDs follows the order of registration).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from aftercare.actions import cases, lifecycle, pathway, records
from aftercare.store import yamlio
from aftercare.core.ids import check_id_number, fictional_id_number, fictional_name, fictional_phone
from aftercare.core.engine import evaluate_in

SEED = 20261123
OFFICE = "云溪镇社区戒毒（康复）工作办公室"
TOWNSHIP = "云溪镇"
COUNTY = "示范县"
POLICE = "示范县公安局"
WORKERS = ("周俊辉", "邓飞桂", "韩强")
STAFF = ((WORKERS[0], "专职社工"), (WORKERS[1], "专职社工"), (WORKERS[2], "社区民警"))
_VILLAGES = ("桃源村", "石桥村", "新塘村", "荷花村", "枫林村", "长岭村", "白沙社区", "龙泉村")
ROUTINE = ("test", "report", "education", "evaluation")      # visits: a report counts as one (RULES.md)


@dataclass
class DemoPerson:
    """One fictional person. Days are counted back from today (30 = thirty days ago)."""
    key: int
    what: str                          # the situation shown (a comment for the reader of this file)
    measure: str = "detox"
    worker: int = 0
    notified: int | None = None        # decision served, days ago
    report_in: int | None = None       # reported in, days ago (None: still awaited)
    term: int | None = None
    risk: str = "low"
    sex: str = "男"
    birthday_in: int | None = None     # birthday this many days from today (a 三必访 visit)
    kept_until: int = 3                # routine duties done up to this many days ago
    steps: list = field(default_factory=list)   # [(days ago, fn(store, cid, day, today))]


def keep_up(store, cid: str, until: date, rng: random.Random, skip: tuple = ()) -> int:
    """Record the routine duties whose windows opened by `until`, one record per open window,
    on a day inside it; and the birthday visits due by then. Returns the number of records."""
    case, events = store.load_case(cid)
    view = evaluate_in(store, case, events, until)
    todo = []
    for kind in ROUTINE:
        if kind in skip:
            continue
        for w in view.windows.get(kind, []):
            if w.satisfied_by is None and w.explained_by is None and w.start <= until:
                todo.append((_pick(rng, max(w.start, view.start), min(w.end, until)), kind, w))
    for it in view.items:
        if it.kind == "birthday-visit" and it.satisfied_on is None and it.deadline <= until:
            todo.append((_pick(rng, it.window_start or it.deadline, it.deadline), "birthday-visit", None))
    done = 0
    for d, kind, w in sorted(todo, key=lambda t: (t[0], t[1])):
        iso = d.isoformat()
        if _suspended_on(view, d):
            continue
        if kind == "test":
            records.record_test(store, cid, iso, "negative", d, method=rng.choice(("urine", "urine", "hair")),
                                by=WORKERS[2])
        elif kind == "report":
            records.record_simple(store, cid, "report", iso, d, note=rng.choice(_REPORTS))
        elif kind == "education":
            records.record_simple(store, cid, "education", iso, d, note=rng.choice(_EDUCATION))
        elif kind == "evaluation":
            if w.satisfied_by is None:
                records.record_simple(store, cid, "evaluation", iso, d, kind=w.sub, result=rng.choice(_EVALUATIONS))
        else:
            records.record_simple(store, cid, "visit", iso, d, kind="home", note="生日走访，本人情况稳定", met="本人、家属")
        done += 1
    return done


def _suspended_on(view, d: date) -> bool:
    return any(s <= d and (r is None or d < r) for s, r, _e in view.suspensions)


def _pick(rng: random.Random, a: date, b: date) -> date:
    if b <= a:
        return a
    return a + timedelta(days=rng.randint(0, min((b - a).days, 9)))


_REPORTS = ("在本地务工，按时报告", "情绪稳定，生活规律", "在家照顾老人，无异常", "找到临时工作，收入稳定")
_EDUCATION = ("禁毒法律法规学习", "毒品危害警示教育", "心理疏导", "家庭帮教座谈")
_EVALUATIONS = ("戒断情况良好", "基本稳定", "复吸风险较低", "心理状态平稳")


# ---------------------------------------------------------------- steps (what makes a situation)


# a step is fn(store, case ID, the step's day, the demo's today); each records on the step's day


def test(result: str, **kw) -> Callable:
    return lambda s, cid, d, today: records.record_test(s, cid, d.isoformat(), result, d, **kw)


def simple(etype: str, **kw) -> Callable:
    return lambda s, cid, d, today: records.record_simple(s, cid, etype, d.isoformat(), d, **kw)


def leave(days_from: int, days_to: int, destination: str, decision: str | None = "approve",
          returned: int | None = None) -> Callable:
    """A leave asked on the step's day, from/to days relative to today; decided the same day."""
    def run(s, cid, d, today):
        res = lifecycle.leave_request(s, cid, (today + timedelta(days=days_from)).isoformat(),
                                      (today + timedelta(days=days_to)).isoformat(), destination, d,
                                      reason="探亲", date_text=d.isoformat())
        if decision:
            lifecycle.leave_decide(s, cid, res.event_id, decision, d.isoformat(), d, by="示范县公安局云溪派出所")
        if returned is not None:
            back = today - timedelta(days=returned)
            lifecycle.leave_decide(s, cid, res.event_id, "return", back.isoformat(), back)
    return run


def suspend(reason: str) -> Callable:
    return lambda s, cid, d, today: lifecycle.suspend(s, cid, d.isoformat(), reason, d, note="公安机关通知")


def terminate(reason: str) -> Callable:
    return lambda s, cid, d, today: lifecycle.terminate(s, cid, d.isoformat(), reason, d)


def release() -> Callable:
    return lambda s, cid, d, today: lifecycle.release(s, cid, d.isoformat(), d, notice_no=f"示公解字[{d.year}]第{d.day}号",
                                                      notified_on=d.isoformat(), issued_by=POLICE)


def isolation(expected_in: int) -> Callable:
    """Compulsory isolation entered on the step's day, expected release `expected_in` days from today."""
    return lambda s, cid, d, today: pathway.case_start(
        s, cid, "isolation", d, facility="示范县强制隔离戒毒所", entered_on=d.isoformat(),
        expected_release=(today + timedelta(days=expected_in)).isoformat())


def followup(outcome: str, method: str = "visit") -> Callable:
    return lambda s, cid, d, today: pathway.record_followup(s, cid, d.isoformat(), outcome, d, method=method,
                                                            by=WORKERS[0])


def contact(result: str, via: str) -> Callable:
    return lambda s, cid, d, today: pathway.record_contact(s, cid, d.isoformat(), result, d, via=via)


def methadone() -> Callable:
    return lambda s, cid, d, today: pathway.record_methadone(s, cid, d.isoformat(), "示范县美沙酮维持治疗门诊", d,
                                                             registration_no=f"MMT-{d.year}-{d.day:03d}")


def police_filing() -> Callable:
    return lambda s, cid, d, today: pathway.record_police_filing(s, cid, d.isoformat(), d, note="已报示范县公安局备案")


def person_file(*isolations: tuple) -> Callable:
    """Earlier isolations (years ago, from/to), drug types, a family member and the work group."""
    def run(s, cid, d, today):
        for a, b in isolations:
            pathway.history_add(s, cid, "isolation", date(today.year - a, 3, 1).isoformat(),
                                date(today.year - b, 2, 28).isoformat(), d)
        pathway.set_person(s, cid, d, drug_types=["methamphetamine"], first_use=str(today.year - 12),
                           ethnicity="汉族", education="初中")
        pathway.family(s, cid, "add", d, "赵秀英", "母亲", "13800000002")
        pathway.group(s, cid, "add", d, "police", "钱警官", "13800000004")
    return run


PERSONS: list[DemoPerson] = [
    DemoPerson(1, "awaiting report-in: the decision was served a week ago", worker=0, notified=7),
    DemoPerson(2, "early in the period, diligent", worker=0, report_in=62, kept_until=0),
    DemoPerson(3, "two refusals: the first answered by a warning, the second (this week) not yet",
               worker=1, report_in=100, risk="medium",
               steps=[(70, test("refused")), (69, simple("warning", note="第一次拒绝检测")),
                      (4, test("evaded"))]),
    DemoPerson(4, "社区康复, with a leave approved and running today", measure="rehab", worker=1, report_in=130,
               steps=[(6, leave(-3, 5, "湖南省长沙市"))]),
    DemoPerson(5, "suspended: arrested three weeks ago, not yet resumed", worker=2, report_in=95, risk="high",
               kept_until=22, steps=[(21, suspend("arrest"))]),
    DemoPerson(6, "released after a short 社区康复 term", measure="rehab", term=3, worker=2, report_in=125, sex="女",
               kept_until=34, steps=[(40, simple("release-suggestion", note="期满前提出解除建议")), (30, release())]),
    DemoPerson(7, "late in the period: the release suggestion is due this week", measure="rehab", term=4, worker=0,
               report_in=102, kept_until=2),
    DemoPerson(8, "社区康复 of 24 months", measure="rehab", term=24, worker=1, report_in=75, sex="女"),
    DemoPerson(9, "a positive test last week, the violation report still to send; a test window missed",
               worker=2, report_in=96, risk="medium", kept_until=6,
               steps=[(6, test("positive", method="urine"))]),
    DemoPerson(10, "reported 24 days after the decision was served: the late report-in was reported",
               worker=0, notified=45, report_in=21, steps=[(19, simple("violation-report", note="逾期报到"))]),
    DemoPerson(11, "medium risk, birthday at the end of the week, an absence a month ago", worker=2, report_in=80,
               risk="medium", birthday_in=4,
               steps=[(40, simple("violation", kind="absence", days=3, note="未请假外出三日")),
                      (39, simple("warning", note="擅自外出"))]),
    DemoPerson(12, "terminated: compulsory isolation after a positive test", worker=1, report_in=100,
               kept_until=40, steps=[(45, test("positive")), (44, simple("violation-report", note="检测阳性")),
                                     (35, terminate("compulsory-education"))]),
    # a person's whole path (PATHWAY.md)
    DemoPerson(13, "in compulsory isolation since last year: the pick-up at the gate is this week", worker=2,
               report_in=520, kept_until=500,
               steps=[(490, test("positive")), (489, simple("violation-report", note="检测阳性")),
                      (480, terminate("isolation")), (478, isolation(3))]),
    DemoPerson(14, "follow-up care after 社区康复, abstinent at every 回访", measure="rehab", term=3, worker=0,
               report_in=400, kept_until=306,
               steps=[(305, release()), (290, followup("abstinent")), (200, followup("abstinent", "phone")),
                      (110, followup("abstinent", "test"))]),
    DemoPerson(15, "follow-up care, lost since a 回访 that found no one; reported to the police", measure="rehab",
               term=3, worker=1, report_in=330, kept_until=236,
               steps=[(235, release()), (200, followup("abstinent")), (100, followup("lost", "family")),
                      (99, contact("unreachable", "police"))]),
    DemoPerson(16, "社区戒毒 on methadone maintenance, filed with the police", worker=1, report_in=200,
               steps=[(150, methadone()), (146, police_filing())]),
    DemoPerson(17, "two earlier compulsory isolations before this 社区戒毒", worker=0, report_in=50, risk="medium",
               steps=[(49, person_file((9, 7), (5, 3)))]),
]


def _register(store, p: DemoPerson, today: date) -> str:
    rng = random.Random(f"{SEED}:person:{p.key}")
    name = fictional_name(rng)
    if p.birthday_in is not None:
        bday = today + timedelta(days=p.birthday_in)
        birth = date(rng.randint(1990, 2000), bday.month, bday.day if (bday.month, bday.day) != (2, 29) else 28)
    else:
        birth = date(rng.randint(1990, 2001), rng.randint(1, 12), rng.randint(1, 28))
    idn = fictional_id_number(rng, birth, p.sex)
    while check_id_number(idn):          # a region code that did not exist yet: draw another
        idn = fictional_id_number(rng, birth, p.sex)
    rep = today - timedelta(days=p.report_in) if p.report_in is not None else None
    notified = today - timedelta(days=p.notified) if p.notified is not None else (rep - timedelta(days=rng.randint(1, 6)))
    decided = notified - timedelta(days=rng.randint(0, 3))
    res = cases.add_case(
        store, name=name, id_number=idn, measure=p.measure, today=notified, notified_on=notified.isoformat(),
        decided_on=decided.isoformat(), decision_no=f"示公({decided.year})决字第{rng.randint(10, 400)}号",
        decided_by=POLICE, phone=fictional_phone(rng),
        address=f"{TOWNSHIP}{rng.choice(_VILLAGES)}{rng.randint(1, 12)}组{rng.randint(1, 80)}号",
        risk=p.risk, term_months=p.term, worker=WORKERS[p.worker])
    if rep is not None:
        records.record_report_in(store, res.case, rep.isoformat(), rep, place=f"{TOWNSHIP}社区戒毒（康复）工作办公室")
    return res.case


def build(root: Path, today: date, persons: list | None = None) -> dict:
    """Create the demo store at `root` (a new folder) as of `today`. Returns counts."""
    from aftercare.store import Store, init_store

    root = Path(root)
    created = not root.exists()
    init_store(root, OFFICE, TOWNSHIP, COUNTY)
    try:
        store = Store(root)
        with store.transaction() as tx:
            cfg = store.config_bytes.decode("utf-8").replace(
                "staff: []\n", "staff:\n" + "".join(
                    f"  - {{name: {yamlio.scalar(n)}, role: {yamlio.scalar(r)}}}\n" for n, r in STAFF))
            tx.write(root / "aftercare.yaml", cfg.encode("utf-8"))
            tx.commit("Add the demo office's staff")
        return _fill(Store(root), today, persons)
    except BaseException:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        if not created:
            root.mkdir(mode=0o700)       # it was an empty folder
        raise


def _fill(store, today: date, persons: list | None) -> dict:
    ids = []
    # register in the order the decisions were served, so case numbers follow time
    for p in sorted(persons or PERSONS, key=lambda p: -(p.notified if p.notified is not None else p.report_in + 7)):
        cid = _register(store, p, today)
        ids.append(cid)
        rng = random.Random(f"{SEED}:{p.key}")
        if p.report_in is None:
            continue
        cursor = today - timedelta(days=p.report_in)
        for ago, step in sorted(p.steps, key=lambda s: -s[0]):
            day = today - timedelta(days=ago)
            if day > cursor:
                keep_up(store, cid, day - timedelta(days=1), rng)
                cursor = day
            step(store, cid, day, today)
        end = today - timedelta(days=p.kept_until)
        if end > cursor:
            keep_up(store, cid, end, rng)
    commits = int(store.git.run("rev-list", "--count", "HEAD").strip())
    return {"cases": len(ids), "commits": commits}
