"""Rules as data: the shipped rules file, office overrides, effective dates.

`load_rules(overrides)` returns a `Rules` object; `rules.for_day(d)` is the `RuleSet` in force on d.
A rule set is typed and frozen; the engine reads numbers only from it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

DEFAULT_RULES_FILE = Path(__file__).with_name("default.yaml")
RISK_LEVELS = ("low", "medium", "high")


class RuleError(Exception):
    """A malformed rule: `keypath` locates it in the file it came from."""

    def __init__(self, keypath: tuple, message: str):
        super().__init__(message)
        self.keypath = keypath
        self.message = message


@dataclass(frozen=True)
class Phase:
    months: int
    every: int


@dataclass(frozen=True)
class Deadline:
    days: int = 0
    working_days: int = 0

    def describe(self) -> str:
        if self.working_days:
            return f"{self.working_days}个工作日内"
        if self.days == 1:
            return "24小时内"
        return f"{self.days}日内"


@dataclass(frozen=True)
class Duty:
    kind: str
    label: str
    document: int | None
    qualifies: Mapping[str, Mapping[str, tuple]]
    schedule: Mapping[str, tuple]
    by_term: Mapping[str, Mapping[int, tuple]]

    def phases(self, measure: str, term_months: int) -> tuple:
        special = self.by_term.get(measure, {}).get(term_months)
        if special:
            return special
        return self.schedule.get(measure, ())

    def qualifies_event(self, ev) -> bool:
        cond = self.qualifies.get(ev.type)
        if cond is None:
            return False
        for key, allowed in cond.items():
            if ev.get(key) not in allowed:
                return False
        return True


# The parameters each trigger takes (besides `document`), checked when the rules are read, so that
# the engine reads typed attributes and never fails on a missing key at run time.
TRIGGER_PARAMS = {
    "report-in": ("deadline",),
    "late-report-in": ("deadline",),
    "refusal-warning": ("count_upto", "deadline"),
    "refusal-serious": ("count_from", "deadline"),
    "positive-test": ("deadline",),
    "absence-warning": ("count_upto", "deadline"),
    "absence-serious": ("count_from", "total_days_over", "deadline"),
    "leave-return": (),
    "delegated-test": ("deadline",),
    "transfer-form": ("deadline",),
    "transfer-report-in": ("deadline",),
    "archive-transfer": ("deadline",),
    "release-suggestion": ("days_before_end", "opens_days_before"),
    "birthday-visit": ("opens_days_before",),
    "security-visit": ("risks",),
    "family-change-visit": ("deadline",),
}


@dataclass(frozen=True)
class Trigger:
    """One trigger's rule; only the parameters TRIGGER_PARAMS names for it are set."""

    name: str
    document: int | None
    deadline: Deadline | None = None
    count_upto: int = 0
    count_from: int = 0
    total_days_over: int = 0
    days_before_end: int = 0
    opens_days_before: int = 0
    risks: tuple = ()

    def __getitem__(self, key: str):
        """Read access by parameter name, for callers not yet moved to attributes."""
        if key not in TRIGGER_PARAMS.get(self.name, ()) or key == "deadline":
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default=None):
        try:
            return self[key]
        except KeyError:
            return default


@dataclass(frozen=True)
class Triggers:
    """Every trigger's rule as an attribute (the rules file's names with `_` for `-`)."""

    report_in: Trigger
    late_report_in: Trigger
    refusal_warning: Trigger
    refusal_serious: Trigger
    positive_test: Trigger
    absence_warning: Trigger
    absence_serious: Trigger
    leave_return: Trigger
    delegated_test: Trigger
    transfer_form: Trigger
    transfer_report_in: Trigger
    archive_transfer: Trigger
    release_suggestion: Trigger
    birthday_visit: Trigger
    security_visit: Trigger
    family_change_visit: Trigger

    def by_name(self, name: str) -> Trigger:
        return getattr(self, name.replace("-", "_"))


@dataclass(frozen=True)
class RuleSet:
    effective: date
    source: str
    measures: Mapping[str, Mapping[str, Any]]
    duties: Mapping[str, Duty]
    evaluation: Mapping[str, Any]
    makeup_reach_months: int
    makeup_methods: tuple
    triggers: Mapping[str, Trigger]     # by the rules file's name; `trigger` has the same as attributes
    trigger: Triggers
    pause_during_suspension: frozenset   # item kinds that need the person (RULES.md §1)
    leave_min_days: int
    leave_ask_days_before: int
    upcoming_days: int
    fingerprint: str
    archive: Mapping[str, Any] = field(default_factory=dict)     # the archive's cover: retention (保管期限)
    path: "PathRules" = field(default=None)   # follow-up, pick-up, lost contact, methadone (PATHWAY.md)
    leave_max_days: int | None = None         # the longest leave (None: no fixed limit)
    leave_within_period: bool = True          # a leave may not end after the measure's last day

    def term_default(self, measure: str) -> int:
        return int(self.measures[measure]["term_months"])

    def term_max(self, measure: str) -> int:
        return int(self.measures[measure]["max_term_months"])


@dataclass(frozen=True)
class Rules:
    sets: tuple  # RuleSet sorted by effective date

    def for_day(self, day: date) -> RuleSet:
        chosen = self.sets[0]
        for rs in self.sets:
            if rs.effective <= day:
                chosen = rs
        return chosen

    @property
    def fingerprint(self) -> str:
        return "|".join(rs.fingerprint for rs in self.sets)


def read_default(data: bytes | None = None) -> dict:
    """The shipped rules parsed (from `data`, the file's bytes, when already read)."""
    import yaml

    if data is None:
        with open(DEFAULT_RULES_FILE, "rb") as fh:
            data = fh.read()
    return yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# Values an override replaces whole instead of merging key by key: a deadline is either {days: N} or
# {working_days: N}, so an office that changes its kind must not end up with both.
REPLACED_WHOLE = ("deadline",)


def deep_merge(base: dict, over: Mapping) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict) and key not in REPLACED_WHOLE:
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_rules(overrides: list | None = None, where: tuple = ("rules",), default: dict | None = None) -> Rules:
    """Build the rule sets: the shipped default (`default`: as `read_default` gives it, already read),
    then each override merged on the one before.

    Raises RuleError with a key path (relative to the office file) on malformed input.
    """
    base = read_default() if default is None else default
    sets_raw: list[tuple[date, dict, tuple]] = [(base["effective"], base, ())]
    if overrides is None:
        overrides = []
    if not isinstance(overrides, list):
        raise RuleError(where, "rules 应为列表，每项是一组带 effective 生效日期的规则覆盖")
    dated = []
    for i, item in enumerate(overrides):
        path = where + (i,)
        if not isinstance(item, Mapping):
            raise RuleError(path, "每项规则覆盖应为键值映射")
        eff = item.get("effective")
        if eff is None:
            eff = base["effective"]
        if not isinstance(eff, date):
            raise RuleError(path + ("effective",), f"effective 应为日期 YYYY-MM-DD，而不是“{eff}”")
        dated.append((eff, i, item, path))
    dated.sort(key=lambda t: (t[0], t[1]))
    for eff, _i, item, path in dated:
        body = {k: v for k, v in item.items() if k != "effective"}
        prev = sets_raw[-1][1]
        merged = deep_merge(prev, body)
        merged["effective"] = eff
        if sets_raw[-1][0] == eff:
            sets_raw[-1] = (eff, merged, path)
        else:
            sets_raw.append((eff, merged, path))
    return Rules(tuple(_build(raw, path) for _eff, raw, path in sets_raw))


# ---------------------------------------------------------------- typed construction


def _int(value, path, minimum=0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RuleError(path, f"应为不小于 {minimum} 的整数，而不是“{value}”")
    return value


def _bool(value, path) -> bool:
    if not isinstance(value, bool):
        raise RuleError(path, f"应为 true 或 false，而不是“{value}”")
    return value


def _deadline(raw, path) -> Deadline:
    if not isinstance(raw, Mapping) or not raw:
        raise RuleError(path, "期限应写为 {days: N} 或 {working_days: N}")
    unknown = set(raw) - {"days", "working_days"}
    if unknown:
        raise RuleError(path, f"期限只能用 days 或 working_days，不认识：{', '.join(sorted(map(str, unknown)))}")
    if len(raw) != 1:
        raise RuleError(path, "期限只能写 days 或 working_days 之一")
    key, value = next(iter(raw.items()))
    n = _int(value, path + (key,), 1 if key == "working_days" else 0)
    return Deadline(**{key: n})


def _phases(raw, path, max_months) -> tuple:
    if not isinstance(raw, list) or not raw:
        raise RuleError(path, "检测/访谈等周期应为列表，如 [{months: 12, every: 1}]")
    out = []
    total = 0
    for j, ph in enumerate(raw):
        p = path + (j,)
        if not isinstance(ph, Mapping) or set(ph) != {"months", "every"}:
            raise RuleError(p, "每个阶段应写为 {months: 月数, every: 每几个月一次}")
        months = _int(ph["months"], p + ("months",), 1)
        every = _int(ph["every"], p + ("every",), 1)
        if months % every:
            raise RuleError(p, f"阶段长度 {months} 个月不能被间隔 {every} 个月整除")
        total += months
        out.append(Phase(months, every))
    if total < max_months:
        raise RuleError(path, f"各阶段合计 {total} 个月，短于最长期限 {max_months} 个月")
    return tuple(out)


def _build(raw: dict, where: tuple) -> RuleSet:
    try:
        measures = raw["measures"]
        for code in ("detox", "rehab"):
            m = measures.get(code)
            if not isinstance(m, Mapping):
                raise RuleError(where + ("measures", code), f"缺少措施 {code} 的规则")
            _int(m.get("term_months"), where + ("measures", code, "term_months"), 1)
            _int(m.get("max_term_months"), where + ("measures", code, "max_term_months"), 1)
        duties = {}
        for kind, d in (raw.get("duties") or {}).items():
            p = where + ("duties", kind)
            if not isinstance(d, Mapping):
                raise RuleError(p, "职责规则应为键值映射")
            schedule = {}
            for measure, phases in (d.get("schedule") or {}).items():
                schedule[measure] = _phases(phases, p + ("schedule", measure), measures[measure]["max_term_months"])
            by_term = {}
            for measure, terms in (d.get("by_term") or {}).items():
                by_term[measure] = {}
                for term, phases in (terms or {}).items():
                    t = _int(term, p + ("by_term", measure, term), 1)
                    by_term[measure][t] = _phases(phases, p + ("by_term", measure, term), t)
            qual = {}
            for etype, cond in (d.get("qualifies") or {}).items():
                cond = cond or {}
                if not isinstance(cond, Mapping):
                    raise RuleError(p + ("qualifies", etype), "qualifies 的条件应为键值映射")
                qual[etype] = {k: tuple(v if isinstance(v, list) else [v]) for k, v in cond.items()}
            doc = d.get("document")
            duties[kind] = Duty(kind, str(d.get("label", kind)), doc, qual, schedule, by_term)
        ev = raw["evaluation"]
        for key in ("intake_months", "quarter_months", "yearly_months"):
            _int(ev.get(key), where + ("evaluation", key), 1)
        triggers = _triggers(raw.get("triggers"), where + ("triggers",))
        makeup = raw.get("makeup") or {}
        leave = raw.get("leave") or {}
        agenda = raw.get("agenda") or {}
        fp = hashlib.sha1(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:12]
        return RuleSet(
            effective=raw["effective"],
            source=str(raw.get("source", "")),
            measures=measures,
            duties=duties,
            evaluation=ev,
            makeup_reach_months=_int(makeup.get("reach_months", 3), where + ("makeup", "reach_months"), 0),
            makeup_methods=tuple(makeup.get("methods") or ()),
            triggers=triggers,
            trigger=Triggers(**{name.replace("-", "_"): t for name, t in triggers.items()}),
            pause_during_suspension=_item_kinds(raw.get("pause_during_suspension"),
                                                where + ("pause_during_suspension",)),
            leave_min_days=_int(leave.get("min_days", 3), where + ("leave", "min_days"), 1),
            leave_ask_days_before=_int(leave.get("ask_days_before", 1), where + ("leave", "ask_days_before"), 0),
            upcoming_days=_int(agenda.get("upcoming_days", 7), where + ("agenda", "upcoming_days"), 0),
            fingerprint=fp,
            archive=dict(raw.get("archive") or {}),
            path=_path_rules(raw, where),
            leave_max_days=None if leave.get("max_days") is None
            else _int(leave["max_days"], where + ("leave", "max_days"), 1),
            leave_within_period=_bool(leave.get("within_period", True), where + ("leave", "within_period")),
        )
    except RuleError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise RuleError(where, f"规则格式不对：{exc}") from None


def _triggers(raw, where: tuple) -> dict:
    if not isinstance(raw, Mapping):
        raise RuleError(where, "triggers 应为键值映射")
    out = {}
    for name, t in raw.items():
        p = where + (name,)
        wanted = TRIGGER_PARAMS.get(name)
        if wanted is None:
            raise RuleError(p, f"不认识的触发规则“{name}”；可用的有：{'、'.join(TRIGGER_PARAMS)}")
        if not isinstance(t, Mapping):
            raise RuleError(p, "触发规则应为键值映射")
        unknown = set(t) - set(wanted) - {"document"}
        if unknown:
            raise RuleError(p + (sorted(map(str, unknown))[0],),
                            f"触发规则 {name} 不认识的参数：{', '.join(sorted(map(str, unknown)))}")
        missing = [k for k in wanted if k not in t]
        if missing:
            raise RuleError(p, f"触发规则 {name} 缺少参数：{', '.join(missing)}")
        kw: dict[str, Any] = {}
        for k in wanted:
            if k == "deadline":
                kw[k] = _deadline(t[k], p + (k,))
            elif k == "risks":
                risks = t[k] if isinstance(t[k], list) else [t[k]]
                if not all(r in RISK_LEVELS for r in risks):
                    raise RuleError(p + (k,), f"风险等级应为 {', '.join(RISK_LEVELS)} 中的若干项，而不是“{t[k]}”")
                kw[k] = tuple(risks)
            else:
                kw[k] = _int(t[k], p + (k,), 0)
        out[name] = Trigger(name, t.get("document"), **kw)
    missing = [name for name in TRIGGER_PARAMS if name not in out]
    if missing:
        raise RuleError(where, f"缺少触发规则：{'、'.join(missing)}")
    return out


def _item_kinds(raw, where: tuple) -> frozenset:
    from aftercare.core.model import ITEM_KINDS

    if not isinstance(raw, list):
        raise RuleError(where, "pause_during_suspension 应为事项种类的列表，如 [visit, warning]")
    unknown = [str(k) for k in raw if k not in ITEM_KINDS]
    if unknown:
        raise RuleError(where, f"不认识的事项种类：{', '.join(unknown)}；可用的有：{', '.join(ITEM_KINDS)}")
    return frozenset(raw)


@dataclass(frozen=True)
class PathRules:
    """The numbers of a person's path (PATHWAY.md §2–5)."""

    followup_after: tuple
    followup_years: int
    followup_phases: tuple
    followup_document: int | None
    pickup_opens_days_before: int
    pickup_document: int | None
    silence_days: Mapping[str, int]
    lost_report: Deadline
    lost_document: int | None
    police_filing: Deadline
    methadone_document: int | None


def _path_rules(raw: dict, where: tuple) -> PathRules:
    fu, pk, lost, mt = (raw.get(k) or {} for k in ("followup", "pickup", "lost", "methadone"))
    years = _int(fu.get("years", 3), where + ("followup", "years"), 1)
    after = fu.get("after", ["detox", "rehab"]) or []
    if not isinstance(after, list) or any(a not in ("detox", "rehab") for a in after):
        raise RuleError(where + ("followup", "after"), "followup.after 应为 detox、rehab 组成的列表")
    silence = lost.get("silence_days") or {}
    if not isinstance(silence, Mapping):
        raise RuleError(where + ("lost", "silence_days"), "silence_days 应写为 {detox: N, rehab: N, followup: N}")
    return PathRules(
        followup_after=tuple(after), followup_years=years,
        followup_phases=_phases(fu.get("schedule") or [{"months": 12 * years, "every": 3}],
                                where + ("followup", "schedule"), 12 * years),
        followup_document=fu.get("document"),
        pickup_opens_days_before=_int(pk.get("opens_days_before", 7), where + ("pickup", "opens_days_before"), 0),
        pickup_document=pk.get("document"),
        silence_days={k: _int(v, where + ("lost", "silence_days", k), 1) for k, v in silence.items()},
        lost_report=_deadline(lost.get("report_deadline") or {"working_days": 3}, where + ("lost", "report_deadline")),
        lost_document=lost.get("document"),
        police_filing=_deadline(mt.get("police_filing") or {"working_days": 5}, where + ("methadone", "police_filing")),
        methadone_document=mt.get("document"),
    )
