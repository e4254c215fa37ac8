"""Actions on the store: each validates against the rules and the case's state, then writes one
commit. The command line calls these; they never print.

Every refusal raises AftercareError with one Chinese line; nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aftercare.core import model as M
from aftercare.core.dates import parse_date
from aftercare.core.errors import AftercareError
from aftercare.core.ids import check_case_id, check_id_number, id_number_facts, normalise_id_number
from aftercare.store import Store
from aftercare.store import yamlio

# events that need the person, refused while the measure is suspended or before report-in
PERSON_EVENTS = ("test", "visit", "report", "education", "support", "evaluation", "violation", "family-change",
                 "leave-request", "leave-return")


@dataclass
class Result:
    case: str
    message: str                 # Chinese, for the user
    commit: str = ""
    event_id: str = ""
    notes: tuple = ()            # warnings shown to the user


def choice(value: str | None, allowed: dict, what: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise AftercareError(f"缺少{what}，应为 {'、'.join(allowed)} 之一", code="missing")
        return None
    if value not in allowed:
        opts = "、".join(f"{k}（{v}）" for k, v in allowed.items())
        raise AftercareError(f"{what}“{value}”无效，应为：{opts}", code="bad-enum")
    return value


def past_date(text: str | None, today: date, what: str = "日期") -> date:
    d = today if text is None else parse_date(text, what)
    if d > today:
        raise AftercareError(f"{what} {d.isoformat()} 在今天（{today.isoformat()}）之后，不能记录未来的事", code="future-date")
    return d


def text(value: str | None, what: str, limit: int = 2000) -> str | None:
    if value is None:
        return None
    if any((ord(c) < 32 and c not in "\n\t") or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise AftercareError(f"{what}含有控制字符或无效字符", code="bad-text")
    if len(value) > limit:
        raise AftercareError(f"{what}过长（{len(value)} 字，上限 {limit} 字）", code="bad-text")
    return value.strip()


# ---------------------------------------------------------------- cases


def add_case(store: Store, *, name: str, id_number: str, measure: str, today: date,
             reported_on: str | None = None, notified_on: str | None = None, decision_no: str | None = None,
             decided_by: str | None = None, decided_on: str | None = None, phone: str | None = None,
             address: str | None = None, household: str | None = None, risk: str | None = None,
             term_months: int | None = None, worker: str | None = None, case_id: str | None = None) -> Result:
    name = (text(name, "姓名", 40) or "")
    if not name:
        raise AftercareError("姓名不能为空", code="missing")
    idn = normalise_id_number(id_number or "")
    err = check_id_number(idn)
    if err:
        raise AftercareError(f"身份证号{err}", code="bad-id-number")
    birth, sex = id_number_facts(idn)
    measure = choice(measure, M.MEASURES, "措施（--measure）", required=True)
    household = choice(household, M.HOUSEHOLDS, "户籍（--household）") or "local"
    risk = choice(risk, M.RISKS, "风险等级（--risk）") or "low"
    rs = store.rules.for_day(today)
    default_term = rs.term_default(measure)
    term = default_term if term_months is None else term_months
    if not 1 <= term <= rs.term_max(measure):
        raise AftercareError(f"期限 {term} 个月无效：{M.MEASURES[measure]}最长 {rs.term_max(measure)} 个月", code="bad-term")
    if measure == "detox" and term != default_term:
        raise AftercareError(f"社区戒毒期限为 {default_term} 个月（戒毒条例第十四条），不能另定", code="bad-term")
    dec_on = past_date(decided_on, today, "决定日期（--decided-on）") if decided_on else None
    not_on = past_date(notified_on, today, "送达日期（--notified-on）") if notified_on else None
    rep_on = past_date(reported_on, today, "报到日期（--reported-on）") if reported_on else None
    if dec_on and not_on and not_on < dec_on:
        raise AftercareError(f"送达日期 {not_on} 早于决定日期 {dec_on}", code="date-order")
    first = not_on or dec_on
    if rep_on and first and rep_on < first:
        raise AftercareError(f"报到日期 {rep_on} 早于决定{'送达' if not_on else ''}日期 {first}", code="date-order")
    if rep_on and rep_on < birth:
        raise AftercareError("报到日期早于出生日期", code="date-order")
    with store.transaction() as tx:
        existing = store.case_ids()
        if case_id is not None:
            cid = check_case_id(case_id)
            if cid in existing:
                raise AftercareError(f"个案编号“{cid}”已被使用", code="duplicate-case")
        else:
            cid = _next_case_id(existing, today.year)
        dup = _find_id_number(store, existing, idn)
        if dup:
            raise AftercareError(f"该身份证号已登记为个案 {dup}，不能重复登记", code="duplicate-person")
        body = {
            "name": name, "id_number": idn, "sex": sex, "birth_date": birth, "measure": measure,
            "term_months": term,
            "decision": {k: v for k, v in (("number", text(decision_no, "决定书文号")),
                                           ("decided_by", text(decided_by, "决定机关")),
                                           ("decided_on", dec_on), ("notified_on", not_on)) if v},
            "phone": text(phone, "电话", 40) or "", "address": text(address, "住址", 200) or "",
            "household": household, "risk": risk, "worker": text(worker, "工作人员", 40) or "",
            "registered_on": today,
        }
        header = ("# 社区戒毒（康复）人员基本信息（aftercare 生成）。可手工补充字段（如 alias 别名、ethnicity 民族、\n"
                  "# education 文化程度、employer 工作单位、family 家庭成员、group 工作小组），注释会被保留。\n")
        tx.write(store.case_dir(cid) / "case.yaml", (header + yamlio.emit_mapping(body)).encode())
        msg = f"Register case {cid} ({measure})"
        if rep_on:
            case, events = store.load_case(cid)
            tx.append_event(case, events, "report-in", rep_on, {})
            msg += f" reported in on {rep_on.isoformat()}"
        commit = tx.commit(msg)
    return Result(cid, f"已登记个案 {cid}（{name}，{M.MEASURES[measure]}）", commit)


EDITABLE = {"phone": ("电话", 40), "address": ("住址", 200), "worker": ("工作人员", 40), "name": ("姓名", 40)}
SET_LABELS = {**{k: v[0] for k, v in EDITABLE.items()}, "household": "户籍", "risk": "风险等级"}


def set_case(store: Store, cid: str, today: date, **changes: str | None) -> Result:
    """Change facts of case.yaml (phone, address, worker, name, household, risk) by a round-trip edit:
    the file's comments, order and hand-added fields survive."""
    from io import StringIO

    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Q

    cid = check_case_id(cid)
    wanted = {k: v for k, v in changes.items() if v is not None}
    if not wanted:
        raise AftercareError("没有要修改的内容（可用 --phone、--address、--worker、--name、--household、--risk）", code="nothing")
    for key, value in wanted.items():
        if key in EDITABLE:
            what, limit = EDITABLE[key]
            wanted[key] = text(value, what, limit)
            if key == "name" and not wanted[key]:
                raise AftercareError("姓名不能为空", code="missing")
    if "household" in wanted:
        choice(wanted["household"], M.HOUSEHOLDS, "户籍（--household）")
    if "risk" in wanted:
        choice(wanted["risk"], M.RISKS, "风险等级（--risk）")
    with store.transaction() as tx:
        store.load_case(cid)          # refuses an unknown case or a file that does not load
        path = store.case_dir(cid) / "case.yaml"
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        doc = yaml.load(path.read_text(encoding="utf-8"))
        changed = [k for k, v in wanted.items() if doc.get(k) != v]
        if not changed:
            raise AftercareError(f"个案 {cid} 的这些信息与原来相同，没有修改", code="nothing")
        for key in changed:
            doc[key] = Q(wanted[key])
        buf = StringIO()
        yaml.dump(doc, buf)
        tx.write(path, buf.getvalue().encode("utf-8"))
        store.load_case(cid)          # what was written must read back
        commit = tx.commit(f"Update case {cid}: {', '.join(changed)}")
    return Result(cid, f"已修改个案 {cid}：{'、'.join(SET_LABELS[k] for k in changed)}", commit)


def _next_case_id(existing: list, year: int) -> str:
    prefix = f"{year}-"
    nums = [int(c[len(prefix):]) for c in existing if c.startswith(prefix) and c[len(prefix):].isdigit()]
    return f"{year}-{(max(nums) + 1 if nums else 1):04d}"


def _find_id_number(store: Store, ids: list, idn: str) -> str | None:
    """The case already registered with this ID number (a cheap scan of case.yaml files)."""
    needle = idn.encode()
    for cid in ids:
        try:
            data = (store.cases_dir / cid / "case.yaml").read_bytes()
        except FileNotFoundError:
            continue
        if needle in data:
            return cid
    return None


# ---------------------------------------------------------------- records


def _view(store: Store, cid: str, today: date):
    case, events = store.load_case(cid)
    return case, events, store.evaluate(case, events, today)


def _check_state(view, d: date, etype: str) -> None:
    """Refuse a record that the case's state does not allow on day d."""
    cid = view.case.id
    if view.closed_on is not None and d >= view.closed_on and etype != "transfer-in":
        label = M.STATUS_LABELS[view.status]
        raise AftercareError(f"个案 {cid} 于 {view.closed_on} {label}，不能再记录该日期的{M.EVENT_TYPES.get(etype, etype)}",
                             code="case-closed")
    if etype in PERSON_EVENTS:
        if view.start is None:
            raise AftercareError(f"个案 {cid} 尚未报到，期限未开始，不能记录{M.EVENT_TYPES[etype]}（先 record report-in）",
                                 code="not-started")
        if d < view.start:
            raise AftercareError(f"日期 {d} 早于报到日期 {view.start}，期限尚未开始", code="before-start")
        for s, r, _e in view.suspensions:
            if s <= d and (r is None or d < r):
                span = f"{s}至{r}" if r else f"自{s}起，尚未恢复"
                raise AftercareError(f"{d} 在中止期间（{span}）内，不能记录{M.EVENT_TYPES[etype]}", code="suspended")


def _record(store: Store, cid: str, etype: str, d: date, fields: dict, today: date, message: str,
            check=None) -> Result:
    with store.transaction() as tx:
        case, events, view = _view(store, cid, today)
        _check_state(view, d, etype)
        notes = check(case, events, view) if check else ()
        eid = tx.append_event(case, events, etype, d, fields)
        commit = tx.commit(message)
    return Result(cid, f"已记录：个案 {cid} {d.isoformat()} {M.EVENT_TYPES.get(etype, etype)}", commit, eid, tuple(notes or ()))


def record_report_in(store: Store, cid: str, date_text: str | None, today: date, place: str | None = None) -> Result:
    d = past_date(date_text, today)

    def check(case, events, view):
        first = next((e for e in events if e.type == "report-in"), None)
        if first is not None:
            raise AftercareError(f"个案 {cid} 已于 {first.date} 报到，不能重复报到", code="duplicate-report-in")
        earliest = case.notified_on or case.decided_on
        if earliest and d < earliest:
            raise AftercareError(f"报到日期 {d} 早于决定书送达/决定日期 {earliest}", code="before-decision")
        notes = []
        if case.notified_on:
            limit = case.notified_on + timedelta(days=view.ruleset.triggers["report-in"].deadline.days)
            if d > limit:
                notes.append(f"注意：逾期报到（期限 {limit}），应制作逾期报到通知书并报送违法/违规行为报告")
        return notes

    return _record(store, cid, "report-in", d, {"place": text(place, "地点")}, today,
                   f"Record report-in for {check_case_id(cid)} on {d.isoformat()}", check)


def record_test(store: Store, cid: str, date_text: str | None, result: str, today: date, method: str | None = None,
                makeup: bool = False, forced: bool = False, delegated_to: str | None = None,
                by: str | None = None, place: str | None = None) -> Result:
    d = past_date(date_text, today)
    result = choice(result, M.TEST_RESULTS, "检测结果（--result）", required=True)
    method = choice(method, M.TEST_METHODS, "检测方式（--method）")
    if result == "pending" and not delegated_to:
        raise AftercareError("只有委托外地检测（--delegated-to）才能记录“结果待反馈”（pending）", code="bad-enum")
    if makeup and result in ("refused", "evaded"):
        raise AftercareError("补检必须是实际完成的检测（阴性或阳性）", code="bad-makeup")
    cid = check_case_id(cid)
    with store.transaction() as tx:
        case, events, view = _view(store, cid, today)
        # the result of an earlier delegated test coming back: the same test date again, with its result
        pending = [e for e in events if e.type == "test" and e.date == d and e.get("delegated_to")
                   and e.id not in view.test_results]
        if pending and result != "pending" and not makeup and delegated_to in (None, pending[0].get("delegated_to")):
            of = pending[0]
            eid = tx.append_event(case, events, "test-result", today, {"of": of.id, "result": result})
            commit = tx.commit(f"Record delegated test result for {cid} (test {of.id} on {d.isoformat()}: {result})")
            return Result(cid, f"已记录委托检测结果：个案 {cid} {d.isoformat()} 检测{M.TEST_RESULTS[result]}", commit, eid)
        _check_state(view, d, "test")
        notes = []
        if makeup:
            from aftercare.core.engine import makeup_target

            before = store.evaluate(case, events, d)
            wins = before.windows.get("test", [])
            target = makeup_target(wins, d, before.ruleset.makeup_reach_months)
            if target is None:
                raise AftercareError(f"{d} 没有可补检的漏检窗口（补检只适用于结束不超过 {before.ruleset.makeup_reach_months} 个月且未检测的窗口）",
                                     code="no-makeup-window")
            notes.append(f"补检计入第 {target.index} 期（{target.start}至{target.end}）")
        if result in ("refused", "evaded"):
            n = len(view.refusals) + 1
            notes.append(f"这是本期第 {n} 次拒绝或逃避检测：" + ("应报告公安机关（严重违反协议）" if n >= view.ruleset.triggers["refusal-serious"]["count_from"] else "应制发告诫书"))
        if result == "positive":
            notes.append("检测阳性：应在24小时内报送违法/违规行为报告")
        if delegated_to:
            notes.append(f"委托检测：结果反馈后以同一检测日期再记录一次结果（aftercare record test {cid} --date {d} --result …）")
        fields = {"result": result, "method": method, "makeup": makeup or None, "forced": forced or None,
                  "delegated_to": text(delegated_to, "受委托单位"), "by": text(by, "检测人"), "place": text(place, "地点")}
        eid = tx.append_event(case, events, "test", d, fields)
        flags = "".join(f", {f}" for f, on in (("makeup", makeup), ("forced", forced), ("delegated", bool(delegated_to))) if on)
        commit = tx.commit(f"Record test for {cid} on {d.isoformat()} ({result}{flags})")
    return Result(cid, f"已记录：个案 {cid} {d.isoformat()} 吸毒检测（{M.TEST_RESULTS[result]}）", commit, eid, tuple(notes))


def record_simple(store: Store, cid: str, etype: str, date_text: str | None, today: date, **fields: Any) -> Result:
    """visit, report, education, support, evaluation, violation, family-change, warning, violation-report,
    release-suggestion."""
    d = past_date(date_text, today)
    cid = check_case_id(cid)
    f = dict(fields)
    for key in ("note", "by", "result", "place", "met"):
        if key in f:
            f[key] = text(f[key], {"note": "说明", "by": "经办人", "result": "评估结论", "place": "地点", "met": "访谈对象"}[key])
    label = ""
    if etype == "visit":
        f["kind"] = choice(f.get("kind"), M.VISIT_KINDS, "访谈方式（--kind）") or "talk"
        label = f["kind"]
    elif etype == "support":
        f["kind"] = choice(f.get("kind"), M.SUPPORT_KINDS, "帮扶类别（--kind）", required=True)
        f["amount"] = _amount(f.get("amount"))
        label = f["kind"]
    elif etype == "evaluation":
        f["kind"] = choice(f.get("kind"), M.EVALUATION_KINDS, "评估类别（--kind）")
        f["risk"] = choice(f.get("risk"), M.RISKS, "风险等级（--risk）")
        label = f["kind"] or "auto"
    elif etype == "violation":
        f["kind"] = choice(f.get("kind"), M.VIOLATION_KINDS, "违规类别（--kind）", required=True)
        days = f.get("days")
        if days is not None:
            days = _int(days, "天数（--days）")
            if days < 1 or days > 3660:
                raise AftercareError(f"天数 {days} 无效，应为 1 以上的整数", code="bad-number")
        f["days"] = days
        label = f["kind"]
    elif etype == "family-change":
        if not f.get("note"):
            raise AftercareError("家庭重大变故须写明情况（--note）", code="missing")
    notes: list = []

    def check(case, events, view):
        if etype in ("warning", "violation-report", "release-suggestion"):
            open_items = [it for it in view.items if it.kind == etype and it.open_on(d)
                          and (it.window_start is None or it.window_start <= d)]
            if not open_items:
                notes.append(f"提示：个案 {cid} 目前没有待办的“{M.ITEM_KINDS[etype]}”事项，已作为额外记录保存")
        if etype == "evaluation":
            wins = [w for w in view.windows.get("evaluation", []) if w.satisfied_by is None and w.contains(d)
                    and (not f.get("kind") or w.sub == f["kind"])]
            if wins:
                notes.append(f"计入{M.EVALUATION_KINDS[wins[0].sub]}（{wins[0].start}至{wins[0].end}）")
            else:
                notes.append("提示：该日期没有未完成的" + (M.EVALUATION_KINDS[f["kind"]] if f.get("kind") else "评估")
                             + "窗口，本次评估不计入评估次数")
        return notes

    suffix = f" ({label})" if label else ""
    return _record(store, cid, etype, d, f, today,
                   f"Record {etype} for {cid} on {d.isoformat()}{suffix}", check)


def _int(value, what: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise AftercareError(f"{what}“{value}”不是整数", code="bad-number") from None


def _amount(value) -> float | int | None:
    if value is None or value == "":
        return None
    try:
        amount = float(str(value).strip())
    except ValueError:
        raise AftercareError(f"金额“{value}”不是数字（单位：元，例如 500 或 320.5）", code="bad-number") from None
    if amount != amount or amount < 0 or amount > 1e8:
        raise AftercareError(f"金额“{value}”无效", code="bad-number")
    return int(amount) if amount == int(amount) else round(amount, 2)


def explain(store: Store, cid: str, kind: str, deadline_text: str, reason: str, today: date) -> Result:
    kind = choice(kind, M.ITEM_KINDS, "事项类别")
    deadline = parse_date(deadline_text, "期限")
    reason = text(reason, "情况说明")
    if not reason:
        raise AftercareError("情况说明（--reason）不能为空", code="missing")
    cid = check_case_id(cid)

    def check(case, events, view):
        matches = [it for it in view.items if it.kind == kind and it.deadline == deadline and it.open_on(today)]
        if not matches:
            raise AftercareError(f"个案 {cid} 没有期限为 {deadline} 的未完成“{M.ITEM_KINDS[kind]}”事项", code="no-such-item")
        if today <= deadline:
            raise AftercareError(f"该事项期限 {deadline} 尚未到期，只有逾期事项可以说明情况后关闭", code="not-overdue")
        return ()

    with store.transaction() as tx:
        case, events, view = _view(store, cid, today)
        check(case, events, view)
        eid = tx.append_event(case, events, "explanation", today, {"item": kind, "deadline": deadline, "reason": reason})
        commit = tx.commit(f"Explain overdue {kind} for {cid} (deadline {deadline.isoformat()})")
    return Result(cid, f"已记录情况说明：个案 {cid} {M.ITEM_KINDS[kind]}（期限 {deadline}），该缺口仍在统计中可见", commit, eid)


# ---------------------------------------------------------------- leave


def leave_request(store: Store, cid: str, from_text: str, to_text: str, destination: str, today: date,
                  reason: str | None = None, date_text: str | None = None, phone: str | None = None,
                  guarantor: str | None = None) -> Result:
    asked = past_date(date_text, today, "申请日期（--date）")
    start = parse_date(from_text, "外出开始日期（--from）")
    end = parse_date(to_text, "外出结束日期（--to）")
    destination = text(destination, "目的地", 200)
    if not destination:
        raise AftercareError("请写明外出目的地（--destination）", code="missing")
    if end < start:
        raise AftercareError(f"外出结束日期 {end} 早于开始日期 {start}", code="date-order")
    cid = check_case_id(cid)
    notes = []

    def check(case, events, view):
        rs = view.ruleset
        days = (end - start).days + 1
        if days < rs.leave_min_days:
            raise AftercareError(f"外出 {days} 日，不足 {rs.leave_min_days} 日无需请假", code="leave-too-short")
        if view.start is not None and start < view.start:
            raise AftercareError(f"外出开始日期 {start} 早于报到日期 {view.start}", code="before-start")
        if start < asked:
            raise AftercareError(f"外出开始日期 {start} 早于申请日期 {asked}：已经外出的应记为违规（record violation --kind absence）",
                                 code="date-order")
        for lv in view.leaves:
            if lv.state != "denied" and lv.start <= end and start <= lv.end:
                raise AftercareError(f"与请假 {lv.id}（{lv.start}至{lv.end}）时间重叠", code="leave-overlap")
        if (start - asked).days < rs.leave_ask_days_before:
            notes.append(f"注意：未在外出前 {rs.leave_ask_days_before} 日提出申请，已记录并标记为逾期申请")
        return notes

    with store.transaction() as tx:
        case, events, view = _view(store, cid, today)
        _check_state(view, asked, "leave-request")
        check(case, events, view)
        late = bool(notes)
        eid = tx.append_event(case, events, "leave-request", asked,
                              {"from": start, "to": end, "destination": destination, "reason": text(reason, "事由"),
                               "late": late or None, "phone": text(phone, "电话", 40), "guarantor": text(guarantor, "担保人", 40)})
        commit = tx.commit(f"Request leave {eid} for {cid} ({start.isoformat()} to {end.isoformat()})")
    return Result(cid, f"已登记请假申请 {eid}：个案 {cid} {start}至{end}（{(end - start).days + 1} 日）", commit, eid, tuple(notes))


def leave_decide(store: Store, cid: str, leave_id: str, action: str, date_text: str | None, today: date,
                 by: str | None = None) -> Result:
    d = past_date(date_text, today)
    cid = check_case_id(cid)
    etype = {"approve": "leave-approve", "deny": "leave-deny", "return": "leave-return"}[action]
    with store.transaction() as tx:
        case, events, view = _view(store, cid, today)
        lv = next((x for x in view.leaves if x.id == leave_id), None)
        if lv is None:
            raise AftercareError(f"个案 {cid} 没有编号为“{leave_id}”的请假", code="unknown-leave")
        _check_state(view, d, etype)
        if d < lv.request.date:
            raise AftercareError(f"日期 {d} 早于请假申请日期 {lv.request.date}", code="date-order")
        if action in ("approve", "deny"):
            if lv.state == "denied":
                raise AftercareError(f"请假 {leave_id} 已不准假，不能再{'批准' if action == 'approve' else '处理'}", code="leave-state")
            if lv.state in ("approved", "returned"):
                raise AftercareError(f"请假 {leave_id} 已批准，不能再{'批准' if action == 'approve' else '改为不准假'}", code="leave-state")
        else:
            if lv.state == "returned":
                raise AftercareError(f"请假 {leave_id} 已于 {lv.returned.date} 销假", code="leave-state")
            if lv.state != "approved":
                raise AftercareError(f"请假 {leave_id} 未获批准，不能销假", code="leave-state")
            if d < lv.start:
                raise AftercareError(f"销假日期 {d} 早于外出开始日期 {lv.start}", code="date-order")
        eid = tx.append_event(case, events, etype, d, {"leave": leave_id, "by": text(by, "审批人") if action != "return" else None})
        verb = {"approve": "Approve", "deny": "Deny", "return": "Record return from"}[action]
        commit = tx.commit(f"{verb} leave {leave_id} for {cid} on {d.isoformat()}")
    msg = {"approve": f"已批准请假 {leave_id}（{lv.start}至{lv.end}），期满应于 {lv.end} 前销假",
           "deny": f"已记录不准假：请假 {leave_id}", "return": f"已销假：请假 {leave_id}（{d}）"}[action]
    notes = ()
    if action == "return" and d > lv.end:
        notes = (f"注意：超过准假期限 {(d - lv.end).days} 日才销假",)
    return Result(cid, msg, commit, eid, notes)


# ---------------------------------------------------------------- lifecycle


def _not_before_last_record(events, d: date, what: str, why: str = "请按时间顺序记录") -> None:
    last = max((e.date for e in events), default=d)
    if d < last:
        raise AftercareError(f"{what}日期 {d} 早于已有记录的日期 {last}；{why}", code="date-order")


def suspend(store: Store, cid: str, date_text: str | None, reason: str, today: date, note: str | None = None) -> Result:
    d = past_date(date_text, today)
    reason = choice(reason, M.SUSPEND_REASONS, "中止原因（--reason）", required=True)
    cid = check_case_id(cid)

    def check(case, events, view):
        if view.status == "suspended":
            raise AftercareError(f"个案 {cid} 已经处于中止状态（自 {view.suspensions[-1][0]}）", code="already-suspended")
        if view.start is None:
            raise AftercareError(f"个案 {cid} 尚未报到，不能中止", code="not-started")
        if d < view.start:
            raise AftercareError(f"中止日期 {d} 早于报到日期 {view.start}", code="before-start")
        if view.last_day is not None and d > view.last_day:
            raise AftercareError(f"期限已于 {view.last_day} 届满，不能中止；应办理解除（release）", code="period-over")
        _not_before_last_record(events, d, "中止")
        for s, r, _e in view.suspensions:
            if r is not None and s <= d < r:
                raise AftercareError(f"{d} 已在此前的中止期间（{s}至{r}）内", code="suspended")
        return ()

    return _record(store, cid, "suspend", d, {"reason": reason, "note": text(note, "说明")}, today,
                   f"Suspend case {cid} on {d.isoformat()} ({reason})", check)


def resume(store: Store, cid: str, date_text: str | None, today: date, note: str | None = None) -> Result:
    d = past_date(date_text, today)
    cid = check_case_id(cid)

    def check(case, events, view):
        if view.status != "suspended":
            raise AftercareError(f"个案 {cid} 未处于中止状态，不能恢复", code="not-suspended")
        s = view.suspensions[-1][0]
        if d <= s:
            raise AftercareError(f"恢复日期 {d} 应晚于中止日期 {s}", code="date-order")
        return ()

    return _record(store, cid, "resume", d, {"note": text(note, "说明")}, today,
                   f"Resume case {cid} on {d.isoformat()}", check)


def terminate(store: Store, cid: str, date_text: str | None, reason: str, today: date, note: str | None = None) -> Result:
    d = past_date(date_text, today)
    reason = choice(reason, M.TERMINATE_REASONS, "终止原因（--reason）", required=True)
    cid = check_case_id(cid)

    def check(case, events, view):
        if view.closed:
            raise AftercareError(f"个案 {cid} 于 {view.closed_on} {M.STATUS_LABELS[view.status]}，不能再终止", code="case-closed")
        if view.start is not None and d < view.start:
            raise AftercareError(f"终止日期 {d} 早于报到日期 {view.start}", code="before-start")
        _not_before_last_record(events, d, "终止")
        return ()

    return _record(store, cid, "terminate", d, {"reason": reason, "note": text(note, "说明")}, today,
                   f"Terminate case {cid} on {d.isoformat()} ({reason})", check)


def release(store: Store, cid: str, date_text: str | None, today: date, notice_no: str | None = None,
            notified_on: str | None = None, issued_by: str | None = None, early_reason: str | None = None) -> Result:
    d = past_date(date_text, today)
    told = past_date(notified_on, today, "通知日期（--notified-on）") if notified_on else None
    cid = check_case_id(cid)
    notes = []

    def check(case, events, view):
        if view.status == "awaiting":
            raise AftercareError(f"个案 {cid} 尚未报到，不能解除", code="not-started")
        if view.status == "suspended":
            raise AftercareError(f"个案 {cid} 处于中止状态，须先恢复（resume）或终止（terminate）", code="suspended")
        if view.closed:
            raise AftercareError(f"个案 {cid} 于 {view.closed_on} {M.STATUS_LABELS[view.status]}，不能再解除", code="case-closed")
        if d <= view.last_day:
            if not early_reason:
                extra = f"（含中止顺延 {view.suspended_days} 日）" if view.suspended_days else ""
                raise AftercareError(f"期限至 {view.last_day} 届满{extra}，{d} 不能解除；提前解除须用 --early-reason 写明依据",
                                     code="too-early")
            notes.append(f"注意：提前解除（期满日 {view.last_day}），已标记")
        return notes

    fields = {"notice_no": text(notice_no, "解除通知书文号"), "notified_on": told, "issued_by": text(issued_by, "公安机关"),
              "early": True if early_reason else None, "reason": text(early_reason, "提前解除依据")}
    return _record(store, cid, "release", d, fields, today, f"Release case {cid} on {d.isoformat()}", check)
