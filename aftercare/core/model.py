"""The domain model: plain frozen dataclasses, no I/O."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Mapping, Sequence

MEASURES = {"detox": "社区戒毒", "rehab": "社区康复"}
HOUSEHOLDS = {"local": "本地", "nonlocal": "外地"}
RISKS = {"low": "低", "medium": "中", "high": "高"}
TEST_RESULTS = {"negative": "阴性", "positive": "阳性", "refused": "拒绝检测", "evaded": "逃避检测",
                "pending": "结果待反馈"}
TEST_METHODS = {"urine": "尿检", "hair": "毛发", "blood": "血液", "saliva": "唾液"}
VISIT_KINDS = {"talk": "见面访谈", "home": "家访", "phone": "电话访谈"}
SUPPORT_KINDS = {"study": "学习", "assistance": "帮扶", "medical": "医疗", "employment": "就业"}
EVALUATION_KINDS = {"intake": "初次评估", "quarterly": "季度评估", "yearly": "年度评估"}
VIOLATION_KINDS = {"absence": "擅自外出", "other": "其他违规"}
SUSPEND_REASONS = {"detention": "拘留", "arrest": "逮捕"}
TERMINATE_REASONS = {"imprisonment": "收监执行刑罚", "compulsory-education": "强制性教育措施"}

# Chinese words typed for a code, beside each table's own labels (阴性, 家访, 社区戒毒 … are labels already).
# A word may name a code in several tables (访谈: the visit kind `talk`, and the agenda item `visit`):
# it then lists its codes, and each table takes the one it has.
WORDS = {"拒绝": "refused", "拒检": "refused", "拒绝检测": "refused", "逃避": "evaded", "待反馈": "pending",
         "委托": "pending", "委托检测待反馈": "pending", "尿液": "urine", "头发": "hair", "见面": ("talk", "visit"),
         "面谈": ("talk", "visit"),
         "访谈": ("talk", "visit"), "电话": "phone", "初次": "intake", "季度": "quarterly", "年度": "yearly",
         "其他": "other", "外出": "absence", "低风险": "low", "中风险": "medium", "高风险": "high",
         "外来": "nonlocal", "戒毒": "detox", "康复": "rehab", "收监": "imprisonment",
         # agenda item kinds (`explain CASE KIND`)
         "检测": "test", "尿检": ("urine", "test"), "家访": ("home", "visit"), "走访": "visit", "谈话": "visit",
         "报告": "report", "教育": "education", "帮教": "education", "劝诫": "education", "告诫": "warning",
         "告诫书": "warning", "违规报告": "violation-report", "违法报告": "violation-report", "销假": "leave-return",
         "解除建议": "release-suggestion", "变更审批表": "transfer-form", "生日": "birthday-visit",
         "安保": "security-visit", "家庭变故": "family-change-visit", "回访": "followup", "出所衔接": "pickup",
         "找人": "contact-check", "失联通报": "lost-report", "备案": "police-filing"}


def code_of(value: str, table: Mapping[str, str]) -> str | None:
    """The English code of `table` for what the user typed: the code itself, its Chinese label, or a
    Chinese word of WORDS (阴性 → negative, 家访 → home, 拒绝 → refused); None when it names none."""
    v = (value or "").strip()
    if v in table:
        return v
    if v.lower() in table:
        return v.lower()
    for code, label in table.items():
        if v == label:
            return code
    codes = WORDS.get(v, ())
    return next((c for c in ((codes,) if isinstance(codes, str) else codes) if c in table), None)


def words_for(table: Mapping[str, str]) -> list:
    """The words of WORDS that name a code of `table` (what `code_of` accepts beside codes and labels)."""
    return [w for w, codes in WORDS.items() if any(c in table for c in ((codes,) if isinstance(codes, str) else codes))]


# Every event type the store knows, with its Chinese label.
EVENT_TYPES = {
    "report-in": "报到",
    "test": "吸毒检测",
    "test-result": "委托检测结果",
    "visit": "见面访谈/家访",
    "report": "定期报告",
    "education": "帮教、劝诫",
    "support": "学习、帮扶、医疗、就业",
    "evaluation": "评估",
    "violation": "违规行为",
    "family-change": "家庭重大变故",
    "warning": "告诫书",
    "violation-report": "违法/违规行为报告",
    "release-suggestion": "解除建议",
    "explanation": "情况说明",
    "leave-request": "外出请假申请",
    "leave-approve": "准假",
    "leave-deny": "不准假",
    "leave-return": "销假",
    "suspend": "中止",
    "resume": "恢复",
    "terminate": "终止",
    "release": "解除",
    "transfer-apply": "变更执行地申请",
    "transfer-form": "填写变更审批表",
    "transfer-approve": "变更执行地批准",
    "transfer-refuse": "变更执行地不批准",
    "transfer-report-in": "到新执行地报到",
    "transfer-handover": "移交档案",
    "transfer-in": "接收转入",
    "void": "撤销记录",
}

# Item kinds of the agenda (SPEC §3) with their Chinese labels.
ITEM_KINDS = {
    "report-in": "报到",
    "test": "吸毒检测",
    "visit": "见面访谈/家访",
    "report": "定期报告",
    "education": "帮教、劝诫",
    "evaluation": "评估",
    "warning": "制发告诫书",
    "violation-report": "报送违法/违规行为报告",
    "leave-return": "请假期满销假",
    "release-suggestion": "报送解除建议",
    "transfer-form": "填写变更执行地审批表",
    "transfer-report-in": "到新执行地报到",
    "archive-transfer": "移交档案",
    "delegated-test-result": "委托检测结果反馈",
    "birthday-visit": "生日必访",
    "security-visit": "重大安保期必访",
    "family-change-visit": "家庭变故必访",
}

def staff_roster(raw: Any) -> list[dict]:
    """The `staff:` list of aftercare.yaml as [{name, role, phone}]: entries written as `{name, role, phone}`
    (role a code or any text) or as a bare name."""
    out = []
    for s in raw if isinstance(raw, list) else []:
        if isinstance(s, str) and s.strip():
            out.append({"name": s.strip(), "role": "", "phone": ""})
        elif isinstance(s, Mapping) and str(s.get("name") or "").strip():
            out.append({"name": str(s["name"]).strip(), "role": str(s.get("role") or ""), "phone": str(s.get("phone") or "")})
    return out


# the facts of case.yaml that `case set` changes, as the user reads them
CASE_FIELD_LABELS = {"phone": "电话", "address": "住址", "worker": "工作人员", "name": "姓名", "household": "户籍",
                     "risk": "风险等级", "reported_on": "报到日期", "notified_on": "送达日期", "decided_on": "决定日期",
                     "term_months": "期限（月）", "measure": "措施", "decision_no": "决定书文号", "decided_by": "决定机关",
                     "id_number": "身份证号"}
# the Chinese words of the coded values among them (`case set`'s answer and `show`'s correction log)
CASE_FIELD_WORDS = {"measure": MEASURES, "risk": RISKS, "household": HOUSEHOLDS}


def field_word(field: str, value: Any) -> str:
    """A value of case.yaml's field as the user reads it: the Chinese word of a code, （空） for nothing."""
    if value in (None, ""):
        return "（空）"
    return CASE_FIELD_WORDS.get(field, {}).get(value, str(value))

STATUS_LABELS = {
    "awaiting": "待报到",
    "active": "执行中",
    "suspended": "中止",
    "released": "已解除",
    "terminated": "已终止",
    "transferred": "已移出",
}
CLOSED_STATES = ("released", "terminated", "transferred")


@dataclass(frozen=True)
class SecurityPeriod:
    """A period of heightened security (重大安保期) named in the office file."""

    name: str
    start: date
    end: date


@dataclass(frozen=True)
class Problem:
    """A data problem, reported as `path:line: message` plus a hint."""

    path: str
    line: int
    code: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    id_number: str
    sex: str
    birth_date: date
    measure: str
    term_months: int
    created_on: date
    notified_on: date | None = None
    decision_no: str = ""
    decided_by: str = ""
    decided_on: date | None = None
    phone: str = ""
    address: str = ""
    household: str = "local"
    risk: str = "low"
    worker: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    corrections: tuple = ()     # ({date, field, from, to, reason, by}, ...): case set with --reason
    measures: tuple = ()                # Measure, in order (empty: the one measure of the fields above)

    @property
    def measure_label(self) -> str:
        return MEASURES.get(self.measure, self.measure)

    @property
    def path(self) -> tuple:
        """The person's measures in order; the first one is the fields above."""
        if self.measures:
            return self.measures
        return (Measure(1, self.measure, self.created_on, self.term_months, self.notified_on, self.decision_no,
                        self.decided_by, self.decided_on),)

    @property
    def current(self) -> "Measure":
        return self.path[-1]


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    date: date
    data: Mapping[str, Any]
    file: str = ""
    line: int = 0
    void: Mapping[str, Any] | None = None     # set when a `void` record names this one (see mark_void)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def label(self) -> str:
        return EVENT_TYPES.get(self.type, self.type)


def make_event(id: str, type: str, date: date, data: Mapping[str, Any], file: str = "", line: int = 0,
               void: Mapping[str, Any] | None = None) -> Event:
    """`Event(...)` without the frozen dataclass's field-by-field __init__ (the read path builds one per
    record of the register: a county's is close to two million); equal to it in every way."""
    e = object.__new__(Event)
    e.__dict__.update(id=id, type=type, date=date, data=data, file=file, line=line, void=void)
    return e


def mark_void(events: Sequence[Event]) -> list:
    """Set the `void` mark on every record that a `void` record names (aftercare void): {record, reason, by,
    on}. The store's read path calls this once per case; `facts.visible_events` then drops the marked
    records and the void records themselves, whatever their dates, so past days replay without them."""
    voids = {e.data.get("of"): e for e in events if e.type == "void"}
    if not voids:
        return list(events)
    out = []
    for e in events:
        v = voids.get(e.id)
        if v is not None and e.type != "void":
            e = replace(e, void={"record": v.id, "reason": v.data.get("reason"), "by": v.data.get("by"), "on": v.date})
        out.append(e)
    return out


def counts(e: Event) -> bool:
    """A record that counts: neither voided nor itself a void record."""
    return not e.void and e.type != "void"


@dataclass(frozen=True)
class DueItem:
    """One line of the agenda: something the office must get done by `deadline`."""

    case: str
    kind: str
    deadline: date
    window_start: date | None
    basis: str
    document: int | None
    key: str = ""                       # stable identity within the case (kind + anchor)
    satisfied_on: date | None = None    # date of the record that closed it
    satisfied_by: str | None = None     # event id
    explained_on: date | None = None
    explanation: str = ""
    provisional: bool = False
    status: str = ""                    # overdue / due / upcoming, filled for a given day
    source: str = ""                    # id of the record that gave rise to the item (triggered items)
    pauses: bool = False                # needs the person: not listed while the measure is suspended

    @property
    def label(self) -> str:
        return ITEM_KINDS.get(self.kind, self.kind)

    def with_status(self, status: str) -> "DueItem":
        """A copy with `status` set (dataclasses.replace is ~10× slower; agendas copy thousands)."""
        return self.but(status=status)

    def but(self, **changes) -> "DueItem":
        """A copy with the given fields changed (field names are not checked: callers pass known ones)."""
        new = object.__new__(DueItem)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def open_on(self, day: date) -> bool:
        """True when neither satisfied nor explained as of `day`."""
        if self.satisfied_on is not None and self.satisfied_on <= day:
            return False
        if self.explained_on is not None and self.explained_on <= day:
            return False
        return True

    def status_on(self, day: date, within: int) -> str | None:
        if not self.open_on(day):
            return None
        if day > self.deadline:
            return "overdue"
        start = self.window_start
        if start is None or start <= day:
            return "due"
        if self.kind in ("warning", "violation-report"):
            return None  # triggered by a breach: never announced ahead
        if (start - day).days <= within:
            return "upcoming"
        return None


_DUE_DEFAULTS = {"key": "", "satisfied_on": None, "satisfied_by": None, "explained_on": None, "explanation": "",
                 "provisional": False, "status": "", "source": "", "pauses": False}


def make_item(case: str, kind: str, deadline: date, window_start: date | None, basis: str, document: int | None,
              **fields) -> DueItem:
    """`DueItem(...)` without the frozen dataclass's field-by-field __init__ (the engine builds one per window
    of every duty: a county's cold agenda builds millions); equal to it in every way. `fields` are the
    optional fields by name (not checked: callers pass known ones)."""
    it = object.__new__(DueItem)
    d = it.__dict__
    d.update(case=case, kind=kind, deadline=deadline, window_start=window_start, basis=basis, document=document)
    d.update(_DUE_DEFAULTS)
    if fields:
        d.update(fields)
    return it


def live_agenda(items, state: str, day: date, within: int, consume: bool = False) -> list:
    """The items to list on `day` for a person in `state`, with their status filled in; while the person
    is held (suspended), none of those that need the person (`DueItem.pauses`). `consume`: the caller
    drops `items` afterwards, so they get their status in place instead of as copies (a county's
    agenda holds its items once, not twice)."""
    if state in ("clean", "closed"):
        return []
    out = []
    for it in items:
        if state == "suspended" and it.pauses:
            continue
        st = it.status_on(day, within)
        if st:
            if consume:
                it.__dict__["status"] = st
                out.append(it)
            else:
                out.append(it.with_status(st))
    return out


# ---------------------------------------------------------------- a person's whole path (PATHWAY.md)

COMMUNITY_MEASURES = ("detox", "rehab")          # the measures the office executes (RULES.md)
MEASURES.update({"isolation": "强制隔离戒毒", "followup": "后续照管"})
TERMINATE_REASONS.update({"isolation": "强制隔离戒毒", "deceased": "死亡", "moved-away": "迁出本地"})
FOLLOWUP_OUTCOMES = {"abstinent": "保持操守", "relapsed": "复吸", "lost": "失联", "refused": "拒绝跟进"}
FOLLOWUP_METHODS = {"visit": "走访", "phone": "电话", "test": "检测", "family": "家属"}
CONTACT_RESULTS = {"reached": "联系上", "unreachable": "未联系上"}
CONTACT_VIA = {"phone": "电话", "home": "上门", "family": "家属", "police": "公安"}
REFERRAL_KINDS = {"voluntary-detox": "自愿戒毒", "rehab-venue": "戒毒康复场所"}
DRUG_TYPES = {"heroin": "海洛因", "methamphetamine": "冰毒（甲基苯丙胺）", "ketamine": "氯胺酮（K粉）",
              "cannabis": "大麻", "other": "其他"}
GROUP_ROLES = {"worker": "专职人员", "police": "社区民警", "doctor": "医务人员", "family": "家庭成员",
               "volunteer": "禁毒志愿者"}

EVENT_TYPES.update({
    "followup": "后续照管回访",
    "pickup": "出所接回",
    "contact": "联系核实",
    "lost": "失联",
    "found": "找回",
    "methadone": "参加药物维持治疗",
    "methadone-end": "退出药物维持治疗",
    "police-filing": "报公安机关备案",
    "referral": "劝导自愿戒毒/进入康复场所",
})
ITEM_KINDS.update({
    "followup": "后续照管回访",
    "pickup": "出所衔接（必接必送）",
    "contact-check": "找人核实",
    "lost-report": "失联通报公安机关",
    "police-filing": "药物维持治疗报公安机关备案",
})

# A person's state on a day (PATHWAY §1); `case list --status` filters on these as well.
STATES = {
    "awaiting": "待报到",
    "detox": "社区戒毒",
    "rehab": "社区康复",
    "isolation": "强制隔离戒毒",
    "followup": "后续照管",
    "suspended": "中止",
    "lost": "失联",
    "clean": "戒断三年未复吸",
    "closed": "已结束",
}
# How a measure on the path ended.
OUTCOMES = {"released": "解除", "terminated": "终止", "transferred": "移出", "relapsed": "复吸",
            "clean": "戒断三年未复吸", "ended": "转入下一措施", "deceased": "死亡", "moved-away": "迁出本地"}


@dataclass(frozen=True)
class Measure:
    """One measure of a person's path, as recorded in case.yaml.

    The first measure is case.yaml's top-level `measure` with its fields (the format before paths,
    unchanged); later ones are the items of `later_measures`, each opened on `opened_on`.
    """

    seq: int                          # 1-based position on the path
    kind: str                         # detox / rehab / isolation / followup
    opened_on: date | None            # the day it was registered (later measures: `case start`)
    term_months: int = 0              # detox / rehab
    notified_on: date | None = None
    decision_no: str = ""
    decided_by: str = ""
    decided_on: date | None = None
    facility: str = ""                # isolation
    entered_on: date | None = None    # isolation: the day the person entered the facility
    expected_release: date | None = None
    released_on: date | None = None   # followup: the day the previous measure ended
    released_from: str = ""

    @property
    def label(self) -> str:
        return MEASURES.get(self.kind, self.kind)

    @property
    def community(self) -> bool:
        return self.kind in COMMUNITY_MEASURES

    @property
    def begins(self) -> date | None:
        """The day it starts, where the measure itself says so (isolation, followup)."""
        return self.entered_on if self.kind == "isolation" else self.released_on if self.kind == "followup" else None


# records that end a measure: untagged, one dated on the day the next measure opened still ends the earlier
# one (a termination for isolation and the entry into the facility fall on the same day)
ENDING_EVENTS = ("terminate", "release", "transfer-handover")

# The order of the records of one day, by type: the start (report-in) first, then the day's ordinary
# records, then what ends the measure here (ENDING_EVENTS: after the records of the office that made it),
# then the receipt at the new place (transfer-in, the report-in there), which follows the hand-over. Records
# of one day are otherwise in the order of their files (each clone writes its own, named by its origin:
# a name says nothing of the order of two offices' records) and of their lines (the order of writing).
DAY_RANK = {"report-in": 0, **{t: 2 for t in ENDING_EVENTS}, "transfer-in": 3, "transfer-report-in": 3}


def record_order(e: "Event") -> tuple:
    """The sort key of a case's records: date, the type's rank on that day (DAY_RANK; others 1), file, line."""
    return e.date, DAY_RANK.get(e.type, 1), e.line


def measure_events(case: Case, events: Sequence[Event]) -> dict:
    """seq -> the records of that measure: its `measure` tag, or (untagged) the date it falls in."""
    path = case.path
    opens = [m.opened_on for m in path[1:]]
    out: dict = {m.seq: [] for m in path}
    for e in events:
        seq = e.data.get("measure")
        if seq not in out:
            seq = bisect_right(opens, e.date) + 1
            if seq > 1 and e.type in ENDING_EVENTS and opens[seq - 2] == e.date:
                seq -= 1
        out[seq].append(e)
    return out
