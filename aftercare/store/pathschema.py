"""case.yaml's path and person-file fields (PATHWAY.md §1, §6), and the path's event types.

A case.yaml written before paths existed has one measure in its top-level fields; it reads as a
path of one measure (migrate on read: nothing is rewritten). Later measures are the items of
`later_measures`, each opened on `opened_on`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Mapping

from aftercare.core import model as M
from aftercare.core.model import Measure, Problem
from aftercare.store.schema import _enum, _is_date, _is_int, _is_text

PATH_EVENTS: dict[str, dict[str, tuple[bool, Callable]]] = {
    "followup": {"outcome": (True, _enum(M.FOLLOWUP_OUTCOMES)), "method": (False, _enum(M.FOLLOWUP_METHODS)),
                 "note": (False, _is_text), "by": (False, _is_text)},
    "pickup": {"by": (False, _is_text), "note": (False, _is_text)},
    "contact": {"result": (True, _enum(M.CONTACT_RESULTS)), "via": (False, _enum(M.CONTACT_VIA)),
                "note": (False, _is_text)},
    "lost": {"note": (False, _is_text)},
    "found": {"how": (False, _is_text)},
    "methadone": {"clinic": (True, _is_text), "registration_no": (False, _is_text)},
    "methadone-end": {"reason": (False, _is_text)},
    "police-filing": {"note": (False, _is_text)},
    "referral": {"kind": (True, _enum(M.REFERRAL_KINDS)), "place": (True, _is_text), "note": (False, _is_text)},
}

# measure-specific fields: field -> (kinds that take it, check)
MEASURE_FIELDS = {
    "facility": (("isolation",), _is_text),
    "entered_on": (("isolation",), _is_date),
    "expected_release": (("isolation",), _is_date),
    "released_on": (("followup",), _is_date),
    "released_from": (("followup",), _is_text),
}
REQUIRED = {"isolation": ("entered_on",), "followup": ("released_on",)}


def _measure(seq: int, raw: Mapping, dec: Mapping, opened_on, where: tuple, path: str, line_of, problems: list):
    start = len(problems)
    kind = raw.get("measure" if seq == 1 else "kind")

    def bad(key, msg, code="bad-field"):
        problems.append(Problem(path, line_of(where + (key,)), code, msg, "修正该字段"))

    if seq > 1:
        if kind not in M.MEASURES:
            bad("kind", f"第{seq}项措施的种类“{kind}”应为 {'、'.join(M.MEASURES)} 之一")
            return None
        if not isinstance(opened_on, date):
            bad("opened_on", f"第{seq}项措施的 opened_on“{opened_on}”不是有效日期")
        term = raw.get("term_months")
        if kind in M.COMMUNITY_MEASURES and (_is_int(term) or not 1 <= term <= 36):
            bad("term_months", f"第{seq}项措施的期限“{term}”应为 1–36 个月")
        if not isinstance(dec, Mapping):
            bad("decision", "decision 应为键值映射")
            dec = {}
        for key in ("decided_on", "notified_on"):
            if dec.get(key) is not None and not isinstance(dec.get(key), date):
                bad("decision", f"decision.{key}“{dec.get(key)}”不是有效日期", "bad-date")
    for key, (kinds, check) in MEASURE_FIELDS.items():
        v = raw.get(key)
        if v is None:
            if key in REQUIRED.get(kind, ()):
                problems.append(Problem(path, line_of(where) if where else 1, "missing-field",
                                        f"{M.MEASURES[kind]}措施缺少字段 {key}", "补上该字段"))
            continue
        msg = check(v)
        if msg:
            bad(key, f"{key}“{v}”{msg}")
    if len(problems) > start:
        return None
    return Measure(seq, kind, opened_on, raw.get("term_months") or 0, dec.get("notified_on"),
                   str(dec.get("number") or ""), str(dec.get("decided_by") or ""), dec.get("decided_on"),
                   str(raw.get("facility") or ""), raw.get("entered_on"), raw.get("expected_release"),
                   raw.get("released_on"), str(raw.get("released_from") or ""))


def measures_from(raw: Mapping, dec: Mapping, path: str, line_of, problems: list) -> tuple:
    """The path: the top-level measure, then `later_measures` in order."""
    first = _measure(1, raw, dec, raw.get("registered_on"), (), path, line_of, problems)
    out = [first]
    later = raw.get("later_measures") or []
    if not isinstance(later, list):
        problems.append(Problem(path, line_of(("later_measures",)), "bad-field", "later_measures 应为列表", "修正该字段"))
        return ()
    prev = None
    for i, item in enumerate(later):
        where = ("later_measures", i)
        if not isinstance(item, Mapping):
            problems.append(Problem(path, line_of(where), "bad-field", "later_measures 的每一项应为键值映射", "修正该项"))
            continue
        m = _measure(i + 2, item, item.get("decision") or {}, item.get("opened_on"), where, path, line_of, problems)
        if m is not None and prev is not None and m.opened_on < prev:
            problems.append(Problem(path, line_of(where + ("opened_on",)), "date-order",
                                    f"第{i + 2}项措施的开始日期 {m.opened_on} 早于前一项", "按时间顺序排列"))
        if m is not None:
            prev = m.opened_on
        out.append(m)
    if any(m is None for m in out):
        return ()
    return tuple(out)


def check_person_file(raw: Mapping, path: str, line_of, problems: list) -> None:
    """The coded fields of the person file (document 2); free text (hand-added too) stays free."""

    def bad(keypath, msg):
        problems.append(Problem(path, line_of(keypath), "bad-field", msg, "修正该字段"))

    if raw.get("prior_isolations") is not None and _is_int(raw["prior_isolations"]):
        bad(("prior_isolations",), f"prior_isolations“{raw['prior_isolations']}”应为非负整数")
    drugs = raw.get("drug_types")
    if drugs is not None and (not isinstance(drugs, list) or any(d not in M.DRUG_TYPES for d in drugs)):
        bad(("drug_types",), f"drug_types 应为列表，每项为 {'、'.join(M.DRUG_TYPES)} 之一")
    for key, need in (("family", ("name",)), ("group", ("name",)), ("history", ("measure", "from", "to"))):
        items = raw.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            bad((key,), f"{key} 应为列表")
            continue
        for i, item in enumerate(items):
            if not isinstance(item, Mapping) or any(item.get(k) in (None, "") for k in need):
                bad((key, i), f"{key} 的第{i + 1}项应写明 {'、'.join(need)}")
            elif key == "history" and (item["measure"] != "isolation" or not (
                    isinstance(item["from"], date) and isinstance(item["to"], date) and item["from"] <= item["to"])):
                bad((key, i), f"history 的第{i + 1}项应为 {{measure: isolation, from: 日期, to: 日期}}，from 不晚于 to")


def install(event_schema: dict, measure_check: Callable[[Any], str | None]) -> None:
    event_schema.update(PATH_EVENTS)
    for fields in event_schema.values():
        fields.setdefault("measure", (False, measure_check))
