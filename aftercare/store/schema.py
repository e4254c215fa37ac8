"""Normalise and validate what was read from case and event files into model objects.

Every problem is collected as a `Problem(path, line, code, message, hint)`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Mapping

from aftercare.core import model as M
from aftercare.core.model import Case, Event, Problem

CASE_FIELDS = ("name", "id_number", "sex", "birth_date", "measure", "registered_on")


def _enum(values: Mapping) -> Callable[[Any], str | None]:
    def check(v):
        try:
            ok = v in values
        except TypeError:           # a list or a mapping where a code belongs
            ok = False
        return None if ok else f"取值应为 {'、'.join(values)} 之一"
    return check


def _is_date(v):
    return None if isinstance(v, date) else "应为日期 YYYY-MM-DD"


def _is_text(v):
    return None if isinstance(v, str) else "应为文字（加引号）"


def _is_int(v):
    return None if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else "应为非负整数"


def _is_bool(v):
    return None if isinstance(v, bool) else "应为 true 或 false"


def _is_amount(v):
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 else "应为金额（数字）"


# per event type: field -> (required, check)
EVENT_SCHEMA: dict[str, dict[str, tuple[bool, Callable]]] = {
    "report-in": {"place": (False, _is_text)},
    "test": {"result": (True, _enum(M.TEST_RESULTS)), "method": (False, _enum(M.TEST_METHODS)),
             "makeup": (False, _is_bool), "forced": (False, _is_bool), "delegated_to": (False, _is_text),
             "by": (False, _is_text), "place": (False, _is_text)},
    "test-result": {"of": (True, _is_text), "result": (True, _enum(M.TEST_RESULTS)), "by": (False, _is_text)},
    "visit": {"kind": (False, _enum(M.VISIT_KINDS)), "by": (False, _is_text), "note": (False, _is_text),
              "place": (False, _is_text), "met": (False, _is_text)},
    "report": {"note": (False, _is_text)},
    "education": {"note": (False, _is_text), "by": (False, _is_text)},
    "support": {"kind": (True, _enum(M.SUPPORT_KINDS)), "amount": (False, _is_amount), "note": (False, _is_text),
                "by": (False, _is_text)},
    "evaluation": {"kind": (False, _enum(M.EVALUATION_KINDS)), "result": (False, _is_text),
                   "risk": (False, _enum(M.RISKS)), "by": (False, _is_text)},
    "violation": {"kind": (True, _enum(M.VIOLATION_KINDS)), "days": (False, _is_int), "note": (False, _is_text)},
    "family-change": {"note": (True, _is_text)},
    "warning": {"note": (False, _is_text)},
    "violation-report": {"note": (False, _is_text)},
    "release-suggestion": {"note": (False, _is_text)},
    "explanation": {"item": (True, _enum(M.ITEM_KINDS)), "deadline": (True, _is_date), "reason": (True, _is_text)},
    "leave-request": {"from": (True, _is_date), "to": (True, _is_date), "destination": (True, _is_text),
                      "reason": (False, _is_text), "late": (False, _is_bool), "phone": (False, _is_text),
                      "guarantor": (False, _is_text)},
    "leave-approve": {"leave": (True, _is_text), "by": (False, _is_text), "note": (False, _is_text)},
    "leave-deny": {"leave": (True, _is_text), "by": (False, _is_text), "note": (False, _is_text)},
    "leave-return": {"leave": (True, _is_text)},
    "suspend": {"reason": (True, _enum(M.SUSPEND_REASONS)), "note": (False, _is_text)},
    "resume": {"note": (False, _is_text)},
    "terminate": {"reason": (True, _enum(M.TERMINATE_REASONS)), "note": (False, _is_text)},
    "release": {"notice_no": (False, _is_text), "notified_on": (False, _is_date), "issued_by": (False, _is_text),
                "early": (False, _is_bool), "reason": (False, _is_text)},
    "transfer-apply": {"to": (True, _is_text), "reason": (False, _is_text), "proof": (False, _is_text)},
    "transfer-form": {"opinion": (False, _is_text)},
    "transfer-approve": {"by": (False, _is_text), "note": (False, _is_text)},
    "transfer-refuse": {"by": (False, _is_text), "note": (False, _is_text)},
    "transfer-report-in": {"note": (False, _is_text)},
    "transfer-handover": {"to": (False, _is_text), "bundle": (False, _is_text), "from": (False, _is_text)},
    "transfer-in": {"from": (False, _is_text), "note": (False, _is_text)},
    "void": {"of": (True, _is_text), "reason": (True, _is_text), "by": (False, _is_text)},
}


def event_from(raw: Any, path: str, line: int, problems: list, order: int | None = None) -> Event | None:
    """The record `raw` as an Event, or None with its problems appended (at `line`). `order`: the Event's
    `line` (its place among the case's records) when it differs from the line problems are reported at."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        problems.append(Problem(path, line, "bad-event", "事件记录应为键值映射", "每条记录以“- id: …”开头"))
        return None
    eid, etype, d = raw.get("id"), raw.get("type"), raw.get("date")
    bad = None
    if not isinstance(eid, str) or not eid:
        bad = ("bad-event-id", "事件缺少 id")
    elif etype not in EVENT_SCHEMA:
        bad = ("bad-event-type", f"未知的事件类型“{etype}”")
    elif not isinstance(d, date):
        bad = ("bad-date", f"事件 {eid} 的日期“{d}”不是有效日期（YYYY-MM-DD）")
    if bad:
        problems.append(Problem(path, line, bad[0], bad[1], "修正该条记录，或用 git log -p 查看它的来历"))
        return None
    ok = True
    get = raw.get
    for key, required, check in _FIELDS[etype]:
        value = get(key)
        if value is None:
            if required:
                problems.append(Problem(path, line, "missing-field", f"事件 {eid}（{M.EVENT_TYPES.get(etype, etype)}）缺少字段 {key}",
                                        "补上该字段"))
                ok = False
            continue
        msg = check(value)
        if msg:
            problems.append(Problem(path, line, "bad-field", f"事件 {eid} 的字段 {key}“{value}”{msg}", "修正该字段"))
            ok = False
    if not ok:
        return None
    data = dict(raw)
    del data["id"], data["type"], data["date"]
    return M.make_event(eid, etype, d, data, path, line if order is None else order)


def case_from(cid: str, raw: Any, path: str, line_of: Callable[[tuple], int], problems: list) -> Case | None:
    from aftercare.core.ids import quick_check_id_number as check_id_number

    if not isinstance(raw, Mapping):
        problems.append(Problem(path, 1, "bad-case", "case.yaml 应为键值映射", "参照其他个案的 case.yaml 修正"))
        return None
    start = len(problems)

    def bad(key, msg, code="bad-field"):
        problems.append(Problem(path, line_of((key,)), code, msg, "修正该字段"))

    for key in CASE_FIELDS:
        if raw.get(key) is None:
            problems.append(Problem(path, 1, "missing-field", f"case.yaml 缺少字段 {key}", "补上该字段"))
    if len(problems) > start:
        return None
    if not isinstance(raw["name"], str) or not raw["name"].strip():
        bad("name", "姓名应为文字")
    idn = str(raw["id_number"])
    err = check_id_number(idn)
    if err:
        bad("id_number", f"身份证号{err}", "bad-id-number")
    if raw["measure"] not in M.MEASURES:
        bad("measure", f"措施“{raw['measure']}”应为 {'、'.join(M.MEASURES)} 之一")
    elif raw["measure"] in M.COMMUNITY_MEASURES and raw.get("term_months") is None:
        problems.append(Problem(path, 1, "missing-field", "case.yaml 缺少字段 term_months", "补上该字段"))
    elif raw.get("term_months") is not None and (_is_int(raw["term_months"]) or not 1 <= raw["term_months"] <= 36):
        bad("term_months", f"期限“{raw['term_months']}”应为 1–36 个月")
    for key in ("birth_date", "registered_on"):
        if not isinstance(raw[key], date):
            bad(key, f"{key}“{raw[key]}”不是有效日期")
    dec = raw.get("decision") or {}
    if not isinstance(dec, Mapping):
        bad("decision", "decision 应为键值映射")
        dec = {}
    for key in ("decided_on", "notified_on"):
        if dec.get(key) is not None and not isinstance(dec.get(key), date):
            problems.append(Problem(path, line_of(("decision", key)), "bad-date", f"decision.{key}“{dec.get(key)}”不是有效日期",
                                    "修正该字段"))
    for key, values in (("household", M.HOUSEHOLDS), ("risk", M.RISKS)):
        if raw.get(key) is not None and raw.get(key) not in values:
            bad(key, f"{key}“{raw.get(key)}”应为 {'、'.join(values)} 之一")
    corrections = raw.get("corrections") or []
    if not isinstance(corrections, list) or not all(
            isinstance(c, Mapping) and isinstance(c.get("date"), date) and isinstance(c.get("field"), str)
            and isinstance(c.get("reason"), str) for c in corrections):
        bad("corrections", "corrections 应为更正记录列表（每条含 date 日期、field 字段、reason 原因）")
    if len(problems) > start:
        return None
    from aftercare.store.pathschema import check_person_file, measures_from

    measures = measures_from(raw, dec, path, line_of, problems)
    check_person_file(raw, path, line_of, problems)
    if len(problems) > start:
        return None
    known = set(CASE_FIELDS) | {"decision", "phone", "address", "household", "risk", "worker", "corrections",
                                "term_months"}
    return Case(
        id=cid, name=raw["name"].strip(), id_number=idn, sex=str(raw["sex"]), birth_date=raw["birth_date"],
        measure=raw["measure"], term_months=raw.get("term_months") or 0, created_on=raw["registered_on"],
        notified_on=dec.get("notified_on"), decision_no=str(dec.get("number") or ""),
        decided_by=str(dec.get("decided_by") or ""), decided_on=dec.get("decided_on"),
        phone=str(raw.get("phone") or ""), address=str(raw.get("address") or ""),
        household=raw.get("household") or "local", risk=raw.get("risk") or "low", worker=str(raw.get("worker") or ""),
        extra={k: v for k, v in raw.items() if k not in known}, measures=measures,
        corrections=tuple(dict(c) for c in corrections),
    )


def _is_seq(v):
    return None if isinstance(v, int) and not isinstance(v, bool) and v >= 1 else "应为措施序号（1 起的整数）"


from aftercare.store.pathschema import install as _install_path_events  # noqa: E402

_install_path_events(EVENT_SCHEMA, _is_seq)
# per event type: (field, required, check), the schema as flat tuples for the read path
_FIELDS = {etype: tuple((key, required, check) for key, (required, check) in fields.items())
           for etype, fields in EVENT_SCHEMA.items()}
