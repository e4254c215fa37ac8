"""The archive documents (一人一档): 18 kinds of document, rendered print-ready as HTML or PDF.

Pipeline for one case: load → evaluate (engine) → plan the instances (which documents, how many, in
archive order, with the facts each holds) → render each instance with its Jinja template → write the
files (HTML, or PDF through WeasyPrint with page numbers that match the table of contents).

Templates are looked up in the store's own `templates/` first, then in the shipped top-level
`templates/`: a store overrides any template (or the stylesheet) by a file of the same name.
Recorded text only ever reaches a template as data: the environment is sandboxed and autoescapes,
so a note holding `<script>` or `{{ 7*7 }}` prints as written.

jinja2 and weasyprint are imported inside functions: command startup time matters.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import aftercare
from aftercare.core import model as M
from aftercare.core.dates import add_months, cn
from aftercare.core.errors import AftercareError

SHIPPED_TEMPLATES = Path(aftercare.__file__).resolve().parent.parent / "templates"  # checkout layout; moved to package data next
COMBINED_SUFFIX = "-全卷.pdf"


@dataclass(frozen=True)
class Kind:
    no: int
    template: str
    title: str
    short: str          # file name part
    per_event: bool     # instances numbered NN-MM-… in file names


KINDS: dict[int, Kind] = {k.no: k for k in (
    Kind(1, "01-decision.html.j2", "责令社区戒毒/社区康复决定书", "决定书", False),
    Kind(2, "02-registration.html.j2", "社区戒毒（康复）人员基本情况登记表", "基本情况登记表", False),
    Kind(3, "03-agreement.html.j2", "社区戒毒（康复）协议书", "协议书", False),
    Kind(4, "04-plan.html.j2", "社区戒毒（康复）计划", "戒毒康复计划", False),
    Kind(5, "05-work-group.html.j2", "社区戒毒（康复）工作小组成员名单", "工作小组成员名单", False),
    Kind(6, "06-late-report-notice.html.j2", "社区戒毒（康复）人员逾期报到通知书", "逾期报到通知书", False),
    Kind(7, "07-visit.html.j2", "社区戒毒（康复）见面访谈/家访记录", "见面访谈家访记录", True),
    Kind(8, "08-test-notice.html.j2", "社区戒毒（康复）人员吸毒检测通知书", "吸毒检测通知书", True),
    Kind(9, "09-test-record.html.j2", "社区戒毒（康复）人员检测记录表", "检测记录表", False),
    Kind(10, "10-support-record.html.j2", "社区戒毒（康复）人员学习、帮扶、医疗、就业记录", "学习帮扶医疗就业记录", False),
    Kind(11, "11-warning.html.j2", "社区戒毒（康复）人员告诫书", "告诫书", True),
    Kind(12, "12-violation-report.html.j2", "社区戒毒社区康复人员违法/违规行为报告", "违法违规行为报告", True),
    Kind(13, "13-leave-request.html.j2", "社区戒毒（康复）人员外出请假申请表", "外出请假申请表", True),
    Kind(14, "14-leave-notice.html.j2", "社区戒毒（康复）人员外出准假通知书", "外出准假通知书", True),
    Kind(15, "15-transfer-form.html.j2", "社区戒毒（康复）人员变更戒毒（康复）地点审批表", "变更地点审批表", True),
    Kind(16, "16-transfer-letter.html.j2", "关于社区戒毒（康复）人员变更戒毒（康复）地点的函", "变更地点的函", True),
    Kind(17, "17-evaluation.html.j2", "社区戒毒（康复）人员评估表", "评估表", True),
    Kind(18, "18-release-notice.html.j2", "解除社区戒毒/社区康复通知书", "解除通知书", False),
)}
COVER_TEMPLATE = "cover.html.j2"
TOC_TEMPLATE = "toc.html.j2"
COVER_STEM = "00-1-卷皮"
TOC_STEM = "00-2-卷内目录"
_OUR_FILE = re.compile(r"^\d\d-[\w\-（）]+\.(html|pdf)$")

LEGAL_BASIS = {
    "detox": "《中华人民共和国禁毒法》第三十三条、第三十四条，《戒毒条例》第十三条、第十四条",
    "rehab": "《中华人民共和国禁毒法》第四十八条，《戒毒条例》第三十七条",
}
CN_DIGITS = "零一二三四五六七八九十"


# ---------------------------------------------------------------- the plan of one case's file


@dataclass
class Doc:
    """One document instance of a person's file."""

    kind: Kind | None              # None for the cover and the table of contents
    seq: int                       # 1-based instance number within its kind (0: once per case)
    date: date | None              # the document's date (table of contents)
    qualifier: str = ""            # what tells instances apart, e.g. “第3期”
    ctx: dict = field(default_factory=dict)
    blank: bool = False            # no facts recorded yet: a form to fill in by hand
    date_text: str = ""            # overrides the date in the table of contents (running tables)
    template: str = ""
    stem: str = ""
    pages: int = 0
    first_page: int = 0

    @property
    def title(self) -> str:
        return self.kind.title if self.kind else ""

    @property
    def toc_title(self) -> str:
        return self.title + (f"（{self.qualifier}）" if self.qualifier else "")

    @property
    def toc_date(self) -> str:
        return self.date_text or cn(self.date)

    @property
    def page_range(self) -> str:
        if not self.pages:
            return ""
        last = self.first_page + self.pages - 1
        return str(self.first_page) if last == self.first_page else f"{self.first_page}–{last}"


def _txt(value: Any) -> str:
    """Any hand-entered YAML value as one line of text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return cn(value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{_txt(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, (list, tuple)):
        return "、".join(t for t in (_txt(v) for v in value) if t)
    return str(value).strip()


def _term_text(months: int) -> str:
    if months % 12 == 0 and 0 < months // 12 <= 10:
        return f"{CN_DIGITS[months // 12]}年"
    return f"{months}个月"


def _rows(value: Any, keys: tuple) -> list[dict]:
    """A hand-entered list of people (family, work group) as dicts with text values."""
    out = []
    if not isinstance(value, (list, tuple)):
        return out
    for item in value:
        if isinstance(item, Mapping):
            out.append({k: _txt(item.get(k)) for k in keys} | {k: _txt(v) for k, v in item.items() if k not in keys})
        elif item not in (None, ""):
            out.append({keys[0]: _txt(item)} | {k: "" for k in keys[1:]})
    return out


GROUP_ROLES = (
    ("worker", "社区戒毒（康复）专职工作人员", ("专职", "工作人员", "社工", "worker"),
     "日常管理、见面访谈/家访、定期报告、建档"),
    ("police", "社区民警", ("民警", "警", "police"), "吸毒检测，违法违规行为的处置"),
    ("medical", "社区医务人员", ("医", "medical", "doctor"), "戒毒知识辅导、心理疏导、医疗服务"),
    ("family", "家庭成员", ("家", "亲", "family"), "协助监督，异常情况及时报告"),
    ("volunteer", "禁毒志愿者", ("志愿", "volunteer"), "参与帮教、劝诫和帮扶"),
)


class CaseFacts:
    """What every document of one case may show, computed once."""

    def __init__(self, store, case, view, today: date):
        # the events up to `today` (the view's): a file rendered for a past day shows that day's facts
        self.store, self.case, self.events, self.view, self.today = store, case, list(view.events), view, today
        office = store.office
        self.office = {k: _txt(office.get(k)) for k in ("name", "township", "county", "address", "phone")}
        self.office.update({k: _txt(v) for k, v in office.items() if k not in self.office})
        self.by_id = {e.id: e for e in self.events}
        rs = view.ruleset
        t = rs.triggers
        self.rules = {
            "report_days": t["report-in"].deadline.days,
            "late_report_deadline": t["late-report-in"].deadline.describe(),
            "warn_upto": t["refusal-warning"]["count_upto"],
            "refusal_serious": t["refusal-serious"]["count_from"],
            "absence_serious": t["absence-serious"]["count_from"],
            "absence_days_over": t["absence-serious"]["total_days_over"],
            "serious_deadline": t["refusal-serious"].deadline.describe(),
            "leave_min_days": rs.leave_min_days,
            "leave_ask_days_before": rs.leave_ask_days_before,
            "makeup_months": rs.makeup_reach_months,
            "transfer_report_days": t["transfer-report-in"].deadline.days,
            "archive_days": t["archive-transfer"].deadline.days,
            "delegated_deadline": t["delegated-test"].deadline.describe(),
            "release_days_before": t["release-suggestion"]["days_before_end"],
        }
        for kind, duty in rs.duties.items():
            phases = duty.phases(case.measure, case.term_months)
            self.rules[f"{kind}_every"] = _every(phases[0].every) if phases else ""
        self.person = self._person()

    def _person(self) -> dict:
        c, v, x = self.case, self.view, self.case.extra
        staff = [s for s in self.store.staff if isinstance(s, Mapping)]
        worker_phone = next((_txt(s.get("phone")) for s in staff if _txt(s.get("name")) == c.worker and c.worker), "")
        p = {k: _txt(x.get(k)) for k in (
            "alias", "ethnicity", "education", "marital", "employer", "occupation", "household_address",
            "household_police", "address_police", "drugs", "use_method", "first_use", "isolations",
            "treatment", "police_officer", "police_phone", "remarks", "archive_no", "health", "skills")}
        p.update({k: _txt(val) for k, val in x.items() if k not in p and not isinstance(val, (list, tuple, Mapping))})
        p.update(
            name=c.name, id_number=c.id_number, sex=c.sex, birth_date=c.birth_date, phone=c.phone,
            address=c.address, household=M.HOUSEHOLDS.get(c.household, c.household), measure=c.measure_label,
            measure_code=c.measure, term=_term_text(c.term_months), term_months=c.term_months,
            start=v.start, last_day=v.last_day, base_last=v.base_last, risk=M.RISKS.get(v.risk, v.risk),
            risk_code=v.risk, worker=c.worker, worker_phone=worker_phone,
            decision_no=c.decision_no, decided_by=c.decided_by, decided_on=c.decided_on, notified_on=c.notified_on,
            registered_on=c.created_on, status=M.STATUS_LABELS.get(v.status, v.status), status_code=v.status,
            suspended_days=v.suspended_days, closed_on=v.closed_on, case_id=c.id,
            age=_age(c.birth_date, self.today),
        )
        p["place_of_execution"] = _txt(x.get("place_of_execution")) or self.office.get("township") or self.office.get("name", "")
        p["legal_basis"] = _txt(x.get("legal_basis")) or LEGAL_BASIS.get(c.measure, "")
        p["archive_no"] = p["archive_no"] or c.id
        p["family"] = _rows(x.get("family"), ("name", "relation", "phone", "unit", "address"))
        p["group"] = _rows(x.get("group"), ("role", "name", "unit", "phone", "duty"))
        p["isolation_list"] = _rows(x.get("isolations"), ("from", "to", "place")) if isinstance(x.get("isolations"), list) else []
        p["report_deadline"] = (c.notified_on + timedelta(days=self.rules["report_days"])) if c.notified_on else None
        return p

    def base_ctx(self) -> dict:
        return {"office": self.office, "p": self.person, "rules": self.rules, "today": self.today,
                "case": self.case, "view": self.view, "events": self.events,
                "labels": {"measures": M.MEASURES, "test_results": M.TEST_RESULTS, "test_methods": M.TEST_METHODS,
                           "visit_kinds": M.VISIT_KINDS, "support_kinds": M.SUPPORT_KINDS,
                           "evaluation_kinds": M.EVALUATION_KINDS, "risks": M.RISKS}}

    def of_type(self, *types: str, upto: date | None = None) -> list:
        return [e for e in self.events if e.type in types and (upto is None or e.date <= upto)]


def _every(months: int) -> str:
    return "每月" if months == 1 else f"每{months}个月"


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# ---------------------------------------------------------------- instances, document by document


def plan_case(facts: CaseFacts) -> list[Doc]:
    """Every document instance of the person's file, in archive order."""
    docs: list[Doc] = []
    for no, builder in _BUILDERS:
        made = list(builder(facts))
        kind = KINDS[no]
        for i, d in enumerate(made, 1):
            d.kind = kind
            d.seq = i if kind.per_event or len(made) > 1 else 0
            d.template = kind.template
        docs.extend(made)
    return docs


def _doc(day: date | None, qualifier: str = "", blank: bool = False, date_text: str = "", **ctx) -> Doc:
    return Doc(None, 0, day, qualifier, ctx, blank, date_text)


def _b01_decision(f: CaseFacts):
    c = f.case
    yield _doc(c.decided_on or c.notified_on, blank=not (c.decision_no or c.decided_on))


def _b02_registration(f: CaseFacts):
    yield _doc(f.view.start or f.case.created_on)


def _b03_agreement(f: CaseFacts):
    # one at report-in, and a new one after each change of place received (transfer-in)
    yield _doc(f.view.start, blank=f.view.start is None, signed_on=f.view.start, after_transfer=None)
    for e in f.of_type("transfer-in"):
        yield _doc(e.date, f"{cn(e.date)}变更执行地后", signed_on=e.date, after_transfer=e)


def _phase_starts(phases, term: int) -> list[tuple[int, int]]:
    out, offset = [], 0
    for ph in phases:
        for m in range(offset, offset + ph.months, ph.every):
            if m >= term:
                break
            out.append((m, ph.every))
        offset += ph.months
        if offset >= term:
            break
    return out


def _schedule(f: CaseFacts) -> list[dict]:
    """The recurring duties per year of the period, from the rules in force."""
    rs, c = f.view.ruleset, f.case
    years = (c.term_months + 11) // 12
    rows = []
    for kind, duty in rs.duties.items():
        starts = _phase_starts(duty.phases(c.measure, c.term_months), c.term_months)
        per_year = []
        for y in range(years):
            got = [e for m, e in starts if m // 12 == y]
            if not got:
                per_year.append("")
                continue
            evs = sorted(set(got))
            every = "、".join(_every(e) for e in evs)
            per_year.append(f"{every}1次（{len(got)}次）")
        rows.append({"kind": kind, "label": duty.label, "years": per_year, "total": len(starts)})
    ev = rs.evaluation
    q = int(ev["quarter_months"])
    quarters = len(range(0, c.term_months, q))
    yearly = years
    rows.append({"kind": "evaluation", "label": ev.get("label", "评估"),
                 "years": [f"初次评估（报到后{ev['intake_months']}个月内）1次，每季度1次，年度评估1次"] + [
                     "每季度1次，年度评估1次"] * (years - 1),
                 "total": 1 + quarters + yearly})
    return rows


def _b04_plan(f: CaseFacts):
    v = f.view
    tests = [w for w in v.windows.get("test", [])]
    evals = [w for w in v.windows.get("evaluation", [])]
    yield _doc(v.start, blank=v.start is None, schedule=_schedule(f), test_windows=tests, eval_windows=evals,
               years=(f.case.term_months + 11) // 12)


def _b05_group(f: CaseFacts):
    p = f.person
    group = list(p["group"])
    rows = []
    used = set()
    for code, label, keys, duty in GROUP_ROLES:
        member = None
        for i, g in enumerate(group):
            role = g.get("role", "")
            if i not in used and (role == code or any(k in role for k in keys)):
                member = g
                used.add(i)
                break
        if member is None:
            member = {"name": "", "unit": "", "phone": ""}
            if code == "worker":
                member = {"name": p["worker"], "unit": f.office.get("name", ""), "phone": p["worker_phone"]}
            elif code == "police":
                member = {"name": p["police_officer"], "unit": p["address_police"], "phone": p["police_phone"]}
            elif code == "family" and p["family"]:
                fm = p["family"][0]
                member = {"name": fm["name"], "unit": fm["relation"], "phone": fm["phone"]}
        rows.append({"role": label, "name": member.get("name", ""), "unit": member.get("unit", ""),
                     "phone": member.get("phone", ""), "duty": member.get("duty") or duty})
    for i, g in enumerate(group):
        if i not in used and "组长" not in g.get("role", "") and g.get("role") != "leader":
            rows.append({"role": g.get("role", ""), "name": g.get("name", ""), "unit": g.get("unit", ""),
                         "phone": g.get("phone", ""), "duty": g.get("duty", "")})
    leader = _txt(f.case.extra.get("group_leader")) or next(
        (g.get("name", "") for g in group if "组长" in g.get("role", "") or g.get("role") == "leader"), "")
    yield _doc(f.view.start, members=rows, leader=leader)


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
                   met=_txt(e.get("met")), by=_txt(e.get("by")), place=_txt(e.get("place")), note=_txt(e.get("note")),
                   problems=_txt(e.get("problems")), followup=_txt(e.get("followup")),
                   participants=_txt(e.get("participants")))
    if not visits:
        yield _doc(None, blank=True, e=None, kind="", kind_label="", counts_as_report=False, met="", by="",
                   place="", note="", problems="", followup="", participants="")


def _b08_test_notices(f: CaseFacts):
    v = f.view
    upto = f.today if v.closed_on is None else min(f.today, v.closed_on)
    wins = [w for w in v.windows.get("test", []) if w.start <= upto]
    reach = f.rules["makeup_months"]
    place = _txt(f.case.extra.get("test_place")) or f.person["address_police"]
    for w in wins:
        end = None if w.end == date.max else w.end
        yield _doc(w.start, f"第{w.index}期", w=w, index=w.index, start=w.start, end=end,
                   makeup_until=add_months(end, reach) if end else None, place=place,
                   every=_every(w.every), year=w.phase)
    if not wins:
        yield _doc(None, blank=True, w=None, index=None, start=None, end=None, makeup_until=None, place=place,
                   every="", year=None)


def _b09_tests(f: CaseFacts):
    v = f.view
    makeup_ids = {w.satisfied_by.id for w in v.windows.get("test", []) if w.makeup and w.satisfied_by}
    rows = []
    for e in f.of_type("test"):
        res = v.test_results.get(e.id)
        result = res.get("result") if res is not None else e.get("result")
        flags = []
        if e.get("makeup"):
            flags.append("补检")
        if e.get("forced"):
            flags.append("强制检测")
        if e.get("delegated_to"):
            flags.append(f"委托{_txt(e.get('delegated_to'))}")
        remark = []
        if res is not None:
            remark.append(f"{cn(res.date)}反馈结果")
        if e.get("makeup") and e.id not in makeup_ids:
            remark.append("未计入漏检窗口")
        rows.append({"date": e.date, "place": _txt(e.get("place")), "method": M.TEST_METHODS.get(e.get("method"), _txt(e.get("method"))),
                     "result": M.TEST_RESULTS.get(result, _txt(result)), "result_code": result, "by": _txt(e.get("by")),
                     "makeup": bool(e.get("makeup")), "forced": bool(e.get("forced")),
                     "delegated_to": _txt(e.get("delegated_to")), "flags": flags, "remark": "；".join(remark), "e": e})
    yield _doc(rows[0]["date"] if rows else None, rows=rows, date_text=_span(rows))


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
            cat = M.SUPPORT_KINDS.get(kind, _txt(kind))
            amount = e.get("amount")
            result = f"{_money(amount)}元" if amount not in (None, "") else _txt(e.get("result"))
        else:
            kind, cat, result = "education", "帮教、劝诫", _txt(e.get("result"))
        rows.append({"date": e.date, "kind": kind, "category": cat, "content": _txt(e.get("note")),
                     "by": _txt(e.get("by")), "result": result, "amount": e.get("amount"), "e": e})
    yield _doc(rows[0]["date"] if rows else None, rows=rows, date_text=_span(rows))


def _money(amount) -> str:
    if isinstance(amount, float) and amount != int(amount):
        return f"{amount:.2f}"
    try:
        return str(int(amount))
    except (TypeError, ValueError):
        return _txt(amount)


def _breach_facts(f: CaseFacts, e) -> dict:
    """What happened, for a warning or a report: the refusal, the absence or the test."""
    name = f.case.name
    if e is None:
        return {"date": None, "what": "", "text": ""}
    if e.type == "test":
        res = f.view.test_results.get(e.id)
        result = res.get("result") if res is not None else e.get("result")
        if result in ("refused", "evaded"):
            what = "拒绝接受吸毒检测" if result == "refused" else "逃避吸毒检测"
            text = f"{cn(e.date)}，{name}{what}"
        else:
            what = "吸毒检测结果呈阳性"
            method = M.TEST_METHODS.get(e.get("method"), "")
            text = f"{cn(e.date)}，{name}接受{method or '吸毒'}检测，结果呈阳性"
    elif e.type == "violation":
        days = int(e.get("days") or 0)
        what = "未经批准擅自离开执行地" if e.get("kind") == "absence" else "违反社区戒毒（康复）协议"
        text = f"{cn(e.date)}，{name}{what}" + (f"{days}日" if days else "")
    else:
        what = M.EVENT_TYPES.get(e.type, e.type)
        text = f"{cn(e.date)}，{what}"
    note = _txt(e.get("note"))
    return {"date": e.date, "what": what, "text": text, "note": note, "e": e}


def _key_event(f: CaseFacts, key: str):
    parts = key.split(":")
    return f.by_id.get(parts[-1]) if len(parts) >= 3 else None


def _b11_warnings(f: CaseFacts):
    v = f.view
    for it in (i for i in v.items if i.kind == "warning"):
        basis = _key_event(f, it.key)
        if basis is None:
            continue
        if basis.type == "test":
            n = next((k for k, e in enumerate(v.refusals, 1) if e.id == basis.id), 0)
            ground, clause = "refusal", "第四条第（一）项"
        else:
            n = next((k for k, e in enumerate(v.absences, 1) if e.id == basis.id), 0)
            ground, clause = "absence", "第四条第（三）项"
        issued = f.by_id.get(it.satisfied_by) if it.satisfied_by else None
        facts = _breach_facts(f, basis)
        label = "拒绝或逃避检测" if ground == "refusal" else "擅自外出"
        yield _doc(issued.date if issued else None, f"第{n}次{label}", blank=issued is None, item=it, n=n,
                   n_cn=_cn_count(n), ground=ground, clause=clause, facts=facts, issued=issued,
                   issued_note=_txt(issued.get("note")) if issued else "", total_days=v.absence_days)


def _cn_count(n: int) -> str:
    return CN_DIGITS[n] if 0 <= n <= 10 else str(n)


def _b12_reports(f: CaseFacts):
    v = f.view
    warnings = f.of_type("warning")
    for it in (i for i in v.items if i.kind == "violation-report"):
        parts = it.key.split(":")
        code = parts[1] if len(parts) > 1 else ""
        basis = _key_event(f, it.key)
        facts = _breach_facts(f, basis)
        evidence = ["《责令社区戒毒/社区康复决定书》（复印件）"]
        to_deciding = True
        if code == "late-report-in":
            ground = "逾期未报到（拒绝接受社区戒毒/社区康复）"
            short = "逾期未报到"
            p = f.person
            limit = p["report_deadline"]
            facts = {"date": limit, "what": "逾期未报到",
                     "text": f"{cn(p['notified_on'])}，{f.case.name}收到决定书，应于{cn(limit)}前报到，逾期未报到"
                     + (f"（{cn(v.start)}报到）" if v.start else ""), "note": ""}
            evidence.append("《社区戒毒（康复）人员逾期报到通知书》")
        elif code == "refusal":
            n = next((k for k, e in enumerate(v.refusals, 1) if basis and e.id == basis.id), 0)
            ground = f"严重违反社区戒毒（康复）协议：第{n}次拒绝或逃避吸毒检测"
            short = f"第{n}次拒绝或逃避检测"
            evidence += ["《社区戒毒（康复）人员吸毒检测通知书》", "《社区戒毒（康复）人员检测记录表》"]
            evidence += [f"《社区戒毒（康复）人员告诫书》（{cn(w.date)}）" for w in warnings if basis and w.date <= basis.date]
        elif code == "positive":
            ground = "社区戒毒（康复）期间吸食、注射毒品（吸毒检测结果呈阳性）"
            short = "检测结果阳性"
            evidence += ["《社区戒毒（康复）人员检测记录表》", "吸毒检测报告"]
        elif code == "absence":
            n = next((k for k, e in enumerate(v.absences, 1) if basis and e.id == basis.id), 0)
            days = sum(int(e.get("days") or 0) for e in v.absences if basis and e.date <= basis.date)
            over = f.rules["absence_days_over"]
            if n >= f.rules["absence_serious"]:
                ground = f"严重违反社区戒毒（康复）协议：第{n}次擅自离开执行地"
                short = f"第{n}次擅自外出"
            else:
                ground = f"严重违反社区戒毒（康复）协议：擅自离开执行地累计{days}日，超过{over}日"
                short = f"擅自外出累计{days}日"
            evidence += [f"《社区戒毒（康复）人员告诫书》（{cn(w.date)}）" for w in warnings if basis and w.date <= basis.date]
            to_deciding = False
        else:
            ground, short = it.basis, it.basis
        sent = f.by_id.get(it.satisfied_by) if it.satisfied_by else None
        yield _doc(sent.date if sent else None, short, blank=sent is None, item=it, code=code, ground=ground,
                   facts=facts, evidence=evidence, sent=sent, sent_note=_txt(sent.get("note")) if sent else "",
                   deadline=it.deadline, provisional=it.provisional, to_deciding=to_deciding,
                   history=_breach_history(f, basis) if basis is not None else [])


def _breach_history(f: CaseFacts, upto) -> list[dict]:
    """Every refusal, absence and positive test up to the event, for the facts of a report."""
    out = []
    for e in f.events:
        if upto is not None and e.date > upto.date:
            break
        if (e.type == "test" and e.get("result") in ("refused", "evaded", "positive")) or (
                e.type == "violation"):
            out.append(_breach_facts(f, e))
    return out


def _b13_leave_requests(f: CaseFacts):
    for lv in f.view.leaves:
        e = lv.request
        yield _doc(e.date, f"{cn(lv.start)}至{cn(lv.end)}", **_leave_ctx(f, lv))


def _leave_ctx(f: CaseFacts, lv) -> dict:
    e = lv.request
    d = lv.decided
    state = {"requested": "待审批", "approved": "准假", "denied": "不准假", "returned": "准假"}.get(lv.state, lv.state)
    return {"leave": lv, "request": e, "start": lv.start, "end": lv.end, "days": (lv.end - lv.start).days + 1,
            "destination": _txt(e.get("destination")), "reason": _txt(e.get("reason")), "phone": _txt(e.get("phone")),
            "guarantor": _txt(e.get("guarantor")), "late": bool(e.get("late")), "asked_on": e.date,
            "outside": e.get("outside_county"),
            "decision": state if d else "", "approved": d is not None and d.type == "leave-approve",
            "decided_on": d.date if d else None, "approver": _txt(d.get("by")) if d else "",
            "decision_note": _txt(d.get("note")) if d else "", "returned_on": lv.returned.date if lv.returned else None}


def _b14_leave_notices(f: CaseFacts):
    for lv in f.view.leaves:
        if lv.decided is not None and lv.decided.type == "leave-approve":
            yield _doc(lv.decided.date, f"{cn(lv.start)}至{cn(lv.end)}", **_leave_ctx(f, lv))


def _transfers(f: CaseFacts) -> list[dict]:
    out: list[dict] = []
    cur = None
    for e in f.events:
        if e.type == "transfer-apply":
            cur = {"apply": e}
            out.append(cur)
        elif cur is not None and e.type.startswith("transfer-") and e.type != "transfer-in":
            cur.setdefault(e.type, e)
    return out


def _transfer_ctx(f: CaseFacts, t: dict) -> dict:
    ap = t["apply"]
    appr, refuse = t.get("transfer-approve"), t.get("transfer-refuse")
    decided = appr or refuse
    hand = t.get("transfer-handover")
    last = f.view.last_day
    ref = appr.date if appr else ap.date
    left = (last - ref).days if last else None
    form = t.get("transfer-form")
    return {"apply": ap, "to": _txt(ap.get("to")), "reason": _txt(ap.get("reason")), "proof": _txt(ap.get("proof")),
            "applied_on": ap.date, "form": form, "form_on": form.date if form else None,
            "opinion": _txt(form.get("opinion")) if form else "",
            "approved": appr is not None, "refused": refuse is not None,
            "decided_on": decided.date if decided else None, "approver": _txt(decided.get("by")) if decided else "",
            "decision_note": _txt(decided.get("note")) if decided else "",
            "report_by": appr.date + timedelta(days=f.rules["transfer_report_days"]) if appr else None,
            "handover": hand, "handover_on": hand.date if hand else None,
            "bundle": _txt(hand.get("bundle")) if hand else "", "days_left": left,
            "reported_new": t.get("transfer-report-in")}


def _b15_transfer_forms(f: CaseFacts):
    for t in _transfers(f):
        c = _transfer_ctx(f, t)
        yield _doc(c["form_on"] or c["applied_on"], f"迁往{c['to']}", **c)


def _b16_transfer_letters(f: CaseFacts):
    for t in _transfers(f):
        c = _transfer_ctx(f, t)
        if c["refused"]:
            continue
        yield _doc(c["handover_on"] or c["decided_on"], f"迁往{c['to']}", blank=not c["approved"], **c)


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
                tests.append({"date": x.date, "result": M.TEST_RESULTS.get(r, _txt(r)), "code": r,
                              "method": M.TEST_METHODS.get(x.get("method"), "")})
        visits = [x for x in period if x.type == "visit"]
        reports = [x for x in period if x.type == "report"]
        breaches = [_breach_facts(f, x) for x in period
                    if (x.type == "test" and x.get("result") in ("refused", "evaded", "positive")) or x.type == "violation"]
        supports = [x for x in period if x.type in ("support", "education")]
        risk = e.get("risk")
        yield _doc(e.date, M.EVALUATION_KINDS.get(kind, "评估"), e=e, kind=kind,
                   kind_label=M.EVALUATION_KINDS.get(kind, ""), period_start=a, period_end=b, window=w,
                   tests=tests, visits=visits, reports=reports, breaches=breaches, supports=supports,
                   risk=M.RISKS.get(risk, "") if risk else "", risk_code=risk or "", result=_txt(e.get("result")),
                   by=_txt(e.get("by")), reasons=_txt(e.get("reasons")), next_steps=_txt(e.get("next_steps")),
                   cooperation=_txt(e.get("cooperation")), work=_txt(e.get("work")), family=_txt(e.get("family")))
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
               notice_no=_txt(e.get("notice_no")) if e else "", issued_by=_txt(e.get("issued_by")) if e else "",
               notified_on=e.get("notified_on") if e else None, early=bool(e.get("early")) if e else False,
               early_reason=_txt(e.get("reason")) if e else "", period_end=v.last_day)


_BUILDERS: tuple = (
    (1, _b01_decision), (2, _b02_registration), (3, _b03_agreement), (4, _b04_plan), (5, _b05_group),
    (6, _b06_late_notice), (7, _b07_visits), (8, _b08_test_notices), (9, _b09_tests), (10, _b10_support),
    (11, _b11_warnings), (12, _b12_reports), (13, _b13_leave_requests), (14, _b14_leave_notices),
    (15, _b15_transfer_forms), (16, _b16_transfer_letters), (17, _b17_evaluations), (18, _b18_release),
)


def _name_files(docs: list[Doc], ext: str) -> None:
    counts: dict[int, int] = {}
    for d in docs:
        counts[d.kind.no] = counts.get(d.kind.no, 0) + 1
    for d in docs:
        k = d.kind
        if k.per_event or counts[k.no] > 1:
            width = max(2, len(str(counts[k.no])))
            d.stem = f"{k.no:02d}-{d.seq:0{width}d}-{k.short}"
        else:
            d.stem = f"{k.no:02d}-{k.short}"
        d.ctx["file"] = f"{d.stem}.{ext}"


# ---------------------------------------------------------------- templates


class Templates:
    """A sandboxed, autoescaping Jinja environment over the store's templates, then the shipped ones."""

    def __init__(self, store):
        from jinja2 import FileSystemLoader
        from jinja2.sandbox import SandboxedEnvironment

        self.store = store
        self.dirs = []
        own = Path(store.root) / "templates"
        if own.is_dir():
            self.dirs.append(own)
        self.dirs.append(SHIPPED_TEMPLATES)
        self.env = SandboxedEnvironment(loader=FileSystemLoader([str(d) for d in self.dirs], encoding="utf-8"),
                                        autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                                        cache_size=-1)
        self.env.filters.update(cn=_f_cn, dot=_f_dot, fill=_f_fill, txt=_txt_markup, lines=_f_lines, cb=_f_cb, money=_money,
                                cn_count=_cn_count)
        self._cache: dict = {}

    def where(self, filename: str | None) -> str:
        if not filename:
            return "templates/?"
        p = Path(filename)
        try:
            return str(p.resolve().relative_to(Path(self.store.root).resolve()))
        except ValueError:
            pass
        try:
            return str(p.resolve().relative_to(SHIPPED_TEMPLATES.parent))
        except ValueError:
            return str(p)

    def get(self, name: str):
        t = self._cache.get(name)
        if t is not None:
            return t
        from jinja2 import TemplateNotFound, TemplateSyntaxError

        try:
            t = self.env.get_template(name)
        except TemplateSyntaxError as exc:
            raise AftercareError(f"{self.where(exc.filename)}:{exc.lineno}: 模板错误：{exc.message}",
                                 code="bad-template") from None
        except TemplateNotFound as exc:
            raise AftercareError(f"找不到模板 {exc.name}（查找位置：{'、'.join(map(str, self.dirs))}）",
                                 code="bad-template") from None
        self._cache[name] = t
        return t

    def render(self, name: str, ctx: dict) -> str:
        from jinja2 import TemplateError, TemplateSyntaxError

        t = self.get(name)
        try:
            return t.render(ctx)
        except TemplateSyntaxError as exc:      # a broken template reached through include/extends
            raise AftercareError(f"{self.where(exc.filename)}:{exc.lineno}: 模板错误：{exc.message}",
                                 code="bad-template") from None
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError) as exc:
            where, line = self._locate(exc, t.filename)
            raise AftercareError(f"{where}:{line}: 模板错误：{type(exc).__name__}: {exc}", code="bad-template") from None

    def _locate(self, exc: BaseException, default: str | None) -> tuple[str, int]:
        """The template file and line an error was raised in (jinja rewrites tracebacks to point there)."""
        found = (default, 1)
        tb = exc.__traceback__
        roots = tuple({str(d) for d in self.dirs} | {str(d.resolve()) for d in self.dirs})
        while tb is not None:
            fn = tb.tb_frame.f_code.co_filename
            if fn.startswith(roots):
                found = (fn, tb.tb_lineno)
            tb = tb.tb_next
        return self.where(found[0]), found[1]


def _markup(s: str):
    from markupsafe import Markup

    return Markup(s)


def _esc(value) -> Any:
    from markupsafe import escape

    return escape(value)


_DATE_BLANK = '<span class="dblank">\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日</span>'


def _f_cn(value, blank: bool = True):
    """2026年5月14日; a date to fill in by hand when unknown."""
    if isinstance(value, date):
        return cn(value)
    if value in (None, ""):
        return _markup(_DATE_BLANK) if blank else ""
    return _txt(value)


def _f_dot(value):
    """2026.5.14, for narrow table cells."""
    if isinstance(value, date):
        return f"{value.year}.{value.month}.{value.day}"
    return _txt(value)


def _f_fill(value, width: int = 6):
    """A value underlined in running text; an empty rule line to write on when unknown."""
    text = value.strip() if isinstance(value, str) else _txt(value)
    if not text:
        return _markup(f'<span class="fill blank" style="min-width:{int(width)}em">\u00a0</span>')
    return _markup('<span class="fill">') + _esc(text) + _markup("</span>")


def _txt_markup(value):
    return _txt(value)


def _f_lines(value, n: int = 3):
    """Recorded text, keeping its line breaks, followed by ruled blank lines up to `n` lines."""
    text = _txt(value) if not isinstance(value, str) else value
    parts = [_esc(x) for x in text.splitlines()] if text else []
    out = _markup('<div class="ruled">')
    for x in parts:
        out += _markup('<div class="rl">') + x + _markup("</div>")
    for _ in range(max(0, int(n) - len(parts))):
        out += _markup('<div class="rl">\u00a0</div>')
    return out + _markup("</div>")


def _f_cb(on, label: str = ""):
    """A check box (√ when on) with its label."""
    mark = "√" if on else "\u00a0"
    return _markup(f'<span class="cb">{mark}</span>') + _esc(label)


# ---------------------------------------------------------------- writing


def _write(path: Path, data: bytes) -> None:
    """Replace a file atomically (output is disposable: no fsync)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _prepare_dir(out_dir: Path, cid: str) -> Path:
    from aftercare.core.ids import check_case_id
    from aftercare.store.fsutil import ensure_dir

    target = Path(out_dir) / check_case_id(cid)
    try:
        ensure_dir(target)
    except OSError as exc:
        raise AftercareError(f"无法创建输出目录 {target}：{exc.strerror or exc}", code="io") from None
    return target


def _prune(target: Path, keep: Iterable[Path], ext: str, cid: str) -> None:
    """Remove files of an earlier render that this one did not write again (same format only)."""
    keep = {p.name for p in keep}
    for entry in os.scandir(target):
        name = entry.name
        if name in keep or not entry.is_file() or not name.endswith("." + ext):
            continue
        if _OUR_FILE.match(name) or name == f"{cid}{COMBINED_SUFFIX}":
            os.unlink(entry.path)


class _Job:
    """Renders cases of one store with shared templates (and fonts, for PDF)."""

    def __init__(self, store, fmt: str):
        if fmt not in ("html", "pdf"):
            raise AftercareError(f"格式“{fmt}”无效，应为 html 或 pdf", code="bad-format")
        if fmt == "pdf":
            try:
                import weasyprint  # noqa: F401
            except (ImportError, OSError) as exc:     # OSError: Pango or another system library missing
                raise AftercareError(f"无法生成 PDF：WeasyPrint 不可用（{exc}）；请安装 weasyprint 及其系统依赖（见 README）",
                                     code="no-pdf") from None
        self.store, self.fmt = store, fmt
        self.t = Templates(store)
        self._font_config = None
        self._fetcher = None

    # -- one case

    def prepare(self, cid: str, today: date) -> tuple[CaseFacts, list[Doc], dict]:
        case, events = self.store.load_case(cid)
        view = self.store.evaluate(case, events, today)
        facts = CaseFacts(self.store, case, view, today)
        docs = plan_case(facts)
        _name_files(docs, self.fmt)
        return facts, docs, facts.base_ctx()

    def case(self, cid: str, out_dir: Path, today: date) -> list[Path]:
        facts, docs, base = self.prepare(cid, today)
        target = _prepare_dir(out_dir, facts.case.id)
        if self.fmt == "html":
            written = self._html(facts, docs, base, target)
        else:
            written = self._pdf(facts, docs, base, target)
        _prune(target, written, self.fmt, facts.case.id)
        return written

    def _ctx(self, base: dict, doc: Doc, **more) -> dict:
        ctx = dict(base)
        ctx.update(doc.ctx)
        ctx.update(title=doc.title, no=doc.kind.no if doc.kind else 0, seq=doc.seq, doc_date=doc.date,
                   qualifier=doc.qualifier, blank=doc.blank, fmt=self.fmt, page_start=None)
        ctx.update(more)
        return ctx

    def _front(self, facts: CaseFacts, docs: list[Doc], base: dict, pages: int | None) -> tuple[dict, dict]:
        v = facts.view
        end = v.closed_on or v.last_day
        entries = [{"n": i, "title": d.toc_title, "date": d.toc_date, "pages": d.page_range, "count": d.pages,
                    "file": d.ctx.get("file", ""), "no": d.kind.no, "blank": d.blank} for i, d in enumerate(docs, 1)]
        common = dict(base, fmt=self.fmt, entries=entries, doc_count=len(docs), page_count=pages,
                      period_start=v.start, period_end=end, page_start=None, blank=False, no=0, seq=0,
                      doc_date=None, qualifier="")
        cover = dict(common, title="社区戒毒（康复）人员档案", file=f"{COVER_STEM}.{self.fmt}")
        toc = dict(common, title="卷内目录", file=f"{TOC_STEM}.{self.fmt}")
        return cover, toc

    def _html(self, facts: CaseFacts, docs: list[Doc], base: dict, target: Path) -> list[Path]:
        written = []
        cover, toc = self._front(facts, docs, base, None)
        for stem, tpl, ctx in ((COVER_STEM, COVER_TEMPLATE, cover), (TOC_STEM, TOC_TEMPLATE, toc)):
            path = target / f"{stem}.html"
            _write(path, self.t.render(tpl, ctx).encode("utf-8"))
            written.append(path)
        for d in docs:
            path = target / f"{d.stem}.html"
            _write(path, self.t.render(d.template, self._ctx(base, d)).encode("utf-8"))
            written.append(path)
        return written

    def _weasy(self, html: str):
        from weasyprint import HTML

        if self._fetcher is None:
            self._fetcher = _no_fetch()
        return HTML(string=html, base_url=None, url_fetcher=self._fetcher).render(font_config=self.font_config)

    @property
    def font_config(self):
        if self._font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            self._font_config = FontConfiguration()
        return self._font_config

    def _pdf(self, facts: CaseFacts, docs: list[Doc], base: dict, target: Path) -> list[Path]:
        # the documents first: their page numbers run on from one to the next (archive numbering),
        # and the page number is in the margin, so it never changes a document's page count
        page = 1
        rendered = []
        for d in docs:
            d.first_page = page
            r = self._weasy(self.t.render(d.template, self._ctx(base, d, page_start=page)))
            d.pages = len(r.pages)
            page += d.pages
            rendered.append(r)
        total = page - 1
        # then the cover and the table of contents, which list those page numbers (not numbered themselves)
        cover, toc = self._front(facts, docs, base, total)
        front = [self._weasy(self.t.render(COVER_TEMPLATE, cover)), self._weasy(self.t.render(TOC_TEMPLATE, toc))]
        written = []
        for stem, r in zip((COVER_STEM, TOC_STEM), front):
            path = target / f"{stem}.pdf"
            _write(path, r.write_pdf())
            written.append(path)
        for d, r in zip(docs, rendered):
            path = target / f"{d.stem}.pdf"
            _write(path, r.write_pdf())
            written.append(path)
        everything = front + rendered
        combined = everything[0].copy([p for r in everything for p in r.pages])
        path = target / f"{facts.case.id}{COMBINED_SUFFIX}"
        _write(path, combined.write_pdf())
        written.append(path)
        return written


def _no_fetch():
    """A URL fetcher that fetches nothing: documents are self-contained, nothing leaves the machine."""
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"外部资源已禁用：{url}")

    return NoFetch()


# ---------------------------------------------------------------- public API


def render_case(store, cid: str, out_dir: Path, fmt: str = "html", today: date | None = None) -> list[Path]:
    """Render one person's file into `out_dir/<cid>/`: cover, table of contents, the documents in archive
    order. HTML: one self-contained file each. PDF: one file each plus `<cid>-全卷.pdf`, the whole file,
    whose page numbers match the table of contents. Returns the files written, in order."""
    if today is None:
        raise TypeError("render_case: today is required")
    return _Job(store, fmt).case(cid, Path(out_dir), today)


def render_all(store, out_dir: Path, fmt: str = "html", today: date | None = None,
               progress: Callable[[int, int, str], Any] | None = None) -> list[Path]:
    """Render every case of the store; `progress(done, total, cid)` is called before and after each."""
    if today is None:
        raise TypeError("render_all: today is required")
    ids = store.case_ids()
    total = len(ids)
    workers = min(os.cpu_count() or 1, total)
    if fmt == "pdf" and workers > 1:
        return _render_parallel(store, ids, Path(out_dir), today, progress, workers)
    job = _Job(store, fmt)
    written: list[Path] = []
    for i, cid in enumerate(ids):
        if progress:
            progress(i, total, cid)
        written.extend(job.case(cid, Path(out_dir), today))
    if progress:
        progress(total, total, "")
    return written


_WORKER: dict = {}


def _worker_init(root: str, use_cache: bool, out_dir: str, today: date) -> None:
    from aftercare.store import Store

    _WORKER.update(job=_Job(Store(Path(root), use_cache=use_cache), "pdf"), out=Path(out_dir), today=today)


def _worker_case(cid: str) -> tuple:
    try:
        return cid, [str(p) for p in _WORKER["job"].case(cid, _WORKER["out"], _WORKER["today"])], None
    except AftercareError as exc:
        return cid, [], exc.message


def _render_parallel(store, ids: list, out_dir: Path, today: date, progress, workers: int) -> list[Path]:
    """PDF is CPU-bound (WeasyPrint lays out and subsets fonts per document): one process per core."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    total = len(ids)
    results: dict = {}
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                             initargs=(str(store.root), store.use_cache, str(out_dir), today)) as pool:
        futures = [pool.submit(_worker_case, cid) for cid in ids]
        for done, fut in enumerate(as_completed(futures), 1):
            cid, paths, error = fut.result()
            if error:
                for f in futures:
                    f.cancel()
                raise AftercareError(error)
            results[cid] = [Path(p) for p in paths]
            if progress:
                progress(done, total, cid)
    if progress:
        progress(total, total, "")
    return [p for cid in ids for p in results[cid]]


def render_html(store, cid: str, today: date) -> dict[str, str]:
    """The HTML of every document of one case by file name, in archive order, without writing anything."""
    job = _Job(store, "html")
    facts, docs, base = job.prepare(cid, today)
    cover, toc = job._front(facts, docs, base, None)
    out = {f"{COVER_STEM}.html": job.t.render(COVER_TEMPLATE, cover), f"{TOC_STEM}.html": job.t.render(TOC_TEMPLATE, toc)}
    for d in docs:
        out[f"{d.stem}.html"] = job.t.render(d.template, job._ctx(base, d))
    return out
