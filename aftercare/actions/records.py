"""record KIND CASE and explain: what happened, one event and one commit each."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aftercare.actions.common import (Result, check_state, choice, load_view, past_date, record_event,
                                      same_day_warning, text)
from aftercare.core import model as M
from aftercare.core.dates import parse_date
from aftercare.core.errors import AftercareError
from aftercare.core.ids import check_case_id
from aftercare.store import Store
from aftercare.core.engine import evaluate_in


def record_report_in(store: Store, cid: str, date_text: str | None, today: date, place: str | None = None) -> Result:
    d = past_date(date_text, today)

    def check(case, events, view):
        case = view.case                  # the current measure's decision (PATHWAY: a person has several)
        first = next((e for e in view.events if e.type == "report-in"), None)
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

    return record_event(store, cid, "report-in", d, {"place": text(place, "地点")}, today,
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
        case, events, view = load_view(store, cid, today)
        # the result of an earlier delegated test coming back: the same test date again, with its result
        pending = [e for e in view.events if e.type == "test" and e.date == d and e.get("delegated_to")
                   and e.id not in view.test_results]
        if pending and result != "pending" and not makeup and delegated_to in (None, pending[0].get("delegated_to")):
            of = pending[0]
            eid = tx.append_event(case, events, "test-result", today,
                                  {"of": of.id, "result": result, "by": text(by, "检测人")})
            commit = tx.commit(f"Record delegated test result for {cid} (test {of.id} on {d.isoformat()}: {result})")
            return Result(cid, f"已记录委托检测结果：个案 {cid} {d.isoformat()} 检测{M.TEST_RESULTS[result]}", commit, eid)
        check_state(view, d, "test")
        notes = []
        if makeup:
            from aftercare.core.windows import makeup_target

            before = evaluate_in(store, case, events, d)
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
        warnings = same_day_warning(view, "test", d)
        eid = tx.append_event(case, events, "test", d, fields)
        flags = "".join(f", {f}" for f, on in (("makeup", makeup), ("forced", forced), ("delegated", bool(delegated_to))) if on)
        commit = tx.commit(f"Record test for {cid} on {d.isoformat()} ({result}{flags})")
    return Result(cid, f"已记录：个案 {cid} {d.isoformat()} 吸毒检测（{M.TEST_RESULTS[result]}）", commit, eid, tuple(notes),
                  warnings)


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
    return record_event(store, cid, etype, d, f, today,
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
    kind = choice(kind, M.ITEM_KINDS, "事项类别", required=True)
    deadline = parse_date(deadline_text, "期限", today)
    reason = text(reason, "情况说明")
    if not reason:
        raise AftercareError("情况说明（--reason）不能为空", code="missing")
    cid = check_case_id(cid)

    def check(case, events, view):
        path = getattr(view, "path", None)         # the person's path items (follow-up, pick-up, ...) too
        items = [*view.items, *(path.items if path is not None else ())]
        matches = [it for it in items if it.kind == kind and it.deadline == deadline and it.open_on(today)]
        if not matches:
            raise AftercareError(f"个案 {cid} 没有期限为 {deadline} 的未完成“{M.ITEM_KINDS[kind]}”事项", code="no-such-item")
        if today <= deadline:
            raise AftercareError(f"该事项期限 {deadline} 尚未到期，只有逾期事项可以说明情况后关闭", code="not-overdue")
        return ()

    with store.transaction() as tx:
        case, events, view = load_view(store, cid, today)
        check(case, events, view)
        eid = tx.append_event(case, events, "explanation", today, {"item": kind, "deadline": deadline, "reason": reason})
        commit = tx.commit(f"Explain overdue {kind} for {cid} (deadline {deadline.isoformat()})")
    return Result(cid, f"已记录情况说明：个案 {cid} {M.ITEM_KINDS[kind]}（期限 {deadline}），该缺口仍在统计中可见", commit, eid)

