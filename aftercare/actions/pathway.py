"""A person's whole path (PATHWAY.md): the next measure, prior isolations, follow-up, pick-up, lost
contact, methadone, referrals. Each action validates, then writes one commit; refusals change nothing.
"""

from __future__ import annotations

from datetime import date

from aftercare.actions.common import Result, choice, edit_case_yaml, load_view, past_date, record_report_in, text
from aftercare.core import model as M
from aftercare.core.dates import parse_date
from aftercare.core.engine import evaluate_in
from aftercare.core.errors import AftercareError
from aftercare.core.facts import visible_events
from aftercare.core.ids import check_case_id
from aftercare.core.path import pickup_of, pickup_span
from aftercare.store import Store


def measure_fields(store: Store, measure: str, today: date, birth: date, *, term_months: int | None = None,
                   reported_on: str | None = None, notified_on: str | None = None, decision_no: str | None = None,
                   decided_by: str | None = None, decided_on: str | None = None, facility: str | None = None,
                   entered_on: str | None = None, expected_release: str | None = None,
                   released_on: str | None = None, released_from: str | None = None) -> tuple[dict, date | None, date]:
    """Check the flags of one measure; returns (case.yaml fields, report-in date or None, the day it began)."""
    measure = choice(measure, M.MEASURES, "措施（--measure）", required=True)
    community = {"--term-months": term_months, "--reported-on": reported_on, "--notified-on": notified_on,
                 "--decision-no": decision_no, "--decided-by": decided_by, "--decided-on": decided_on}
    own = {"isolation": {"--facility": facility, "--entered-on": entered_on, "--expected-release": expected_release},
           "followup": {"--released-on": released_on, "--released-from": released_from}}
    allowed = community if measure in M.COMMUNITY_MEASURES else own[measure]
    for kind_flags in (community, *own.values()):
        if kind_flags is allowed:
            continue
        wrong = [f for f, v in kind_flags.items() if v is not None and f not in allowed]
        if wrong:
            raise AftercareError(f"{M.MEASURES[measure]}不使用 {'、'.join(wrong)}", code="bad-option")
    if measure == "isolation":
        if not entered_on:
            raise AftercareError("强制隔离戒毒须写明入所日期（--entered-on）", code="missing")
        entered = past_date(entered_on, today, "入所日期（--entered-on）")
        expected = parse_date(expected_release, "预计解除日期（--expected-release）") if expected_release else None
        if expected is not None and expected <= entered:
            raise AftercareError(f"预计解除日期 {expected} 应晚于入所日期 {entered}", code="date-order")
        if entered < birth:
            raise AftercareError("入所日期早于出生日期", code="date-order")
        return ({k: v for k, v in (("facility", text(facility, "戒毒场所", 200)), ("entered_on", entered),
                                   ("expected_release", expected)) if v}, None, entered)
    if measure == "followup":
        if not released_on:
            raise AftercareError("后续照管须写明上一措施结束（出所）日期（--released-on）", code="missing")
        rel = past_date(released_on, today, "出所日期（--released-on）")
        if rel < birth:
            raise AftercareError("出所日期早于出生日期", code="date-order")
        return ({k: v for k, v in (("released_on", rel), ("released_from", text(released_from, "出所场所", 200))) if v},
                None, rel)
    from aftercare.actions.cases import check_dates, check_term

    rs = store.rules.for_day(today)
    term = rs.term_default(measure) if term_months is None else term_months
    check_term(store, today, measure, term)
    dec_on = past_date(decided_on, today, "决定日期（--decided-on）") if decided_on else None
    not_on = past_date(notified_on, today, "送达日期（--notified-on）") if notified_on else None
    rep_on = past_date(reported_on, today, "报到日期（--reported-on）") if reported_on else None
    check_dates(dec_on, not_on, rep_on, birth)
    fields = {"term_months": term,
              "decision": {k: v for k, v in (("number", text(decision_no, "决定书文号")),
                                             ("decided_by", text(decided_by, "决定机关")),
                                             ("decided_on", dec_on), ("notified_on", not_on)) if v}}
    began = min((d for d in (dec_on, not_on, rep_on) if d), default=today)
    return fields, rep_on, began


# ---------------------------------------------------------------- the next measure


def case_start(store: Store, cid: str, measure: str, today: date, **flags) -> Result:
    """Start the next measure of a registered person (PATHWAY §1)."""
    cid = check_case_id(cid)
    with store.transaction() as tx:
        case, events, view = load_view(store, cid, today)
        fields, rep_on, began = measure_fields(store, measure, today, case.birth_date, **flags)
        kind = measure
        path = view.path
        cur = path.current
        label = M.MEASURES[kind]
        if cur.kind in M.COMMUNITY_MEASURES and cur.open:
            what = "尚未报到" if cur.view.status == "awaiting" else M.STATUS_LABELS.get(cur.view.status, cur.view.status)
            raise AftercareError(f"个案 {cid} 的{cur.measure.label}仍在执行（{what}），须先解除、终止（如 terminate --reason isolation）"
                                 f"后才能开始{label}", code="measure-open")
        if cur.outcome == "transferred":
            raise AftercareError(f"个案 {cid} 已于 {cur.end} 移交新执行地（变更执行地），新的措施由接收单位登记",
                                 code="case-closed")
        if cur.outcome == "deceased":
            raise AftercareError(f"个案 {cid} 已于 {cur.end} 死亡（终止），不能开始新的措施", code="case-closed")
        if cur.kind == kind and cur.open:
            raise AftercareError(f"个案 {cid} 已在{label}中", code="measure-open")
        if cur.kind == "isolation" and kind == "detox":
            raise AftercareError("解除强制隔离戒毒后应开始社区康复（rehab）或后续照管（followup）", code="bad-measure")
        since = cur.end or cur.start or cur.measure.opened_on
        if since is not None and began < since:
            raise AftercareError(f"{label}的开始日期 {began} 早于上一措施（{cur.measure.label}）的"
                                 f"{'结束' if cur.end else '开始'}日期 {since}", code="date-order")
        if kind == "followup" and cur.kind == "isolation" and began < (cur.start or began):
            raise AftercareError(f"出所日期 {began} 早于入所日期 {cur.start}", code="date-order")
        entry = {"kind": kind, "opened_on": began, **fields}
        seq = len(case.path) + 1

        def add(doc):
            later = doc.get("later_measures")
            if later is None:
                doc["later_measures"] = later = []
            later.append(entry)
            return ["later_measures"]

        edit_case_yaml(store, tx, cid, add)
        report_in = record_report_in(store, tx, cid, rep_on)
        commit = tx.commit(f"Start {kind} for case {cid} on {began.isoformat()} (measure {seq})"
                           + ("," + report_in if report_in else ""))
    ended = ""
    if cur.kind == "followup" and cur.open:
        ended = "；后续照管以“复吸”结束"
    elif cur.kind == "isolation":
        ended = "；强制隔离戒毒结束（出所衔接）"
    return Result(cid, f"已开始：个案 {cid} 第 {seq} 项措施 {label}（{began}）{ended}", commit)


def history_add(store: Store, cid: str, measure: str, from_text: str, to_text: str, today: date) -> Result:
    """An earlier compulsory isolation from before the register began (PATHWAY §1)."""
    choice(measure, {"isolation": "强制隔离戒毒"}, "措施（--measure）", required=True)
    a = past_date(from_text, today, "开始日期（--from）")
    b = past_date(to_text, today, "结束日期（--to）")
    if b < a:
        raise AftercareError(f"结束日期 {b} 早于开始日期 {a}", code="date-order")
    cid = check_case_id(cid)
    with store.transaction() as tx:
        case, _events = store.load_case(cid)
        if a < case.birth_date:
            raise AftercareError("开始日期早于出生日期", code="date-order")
        for h in case.extra.get("history") or []:
            if h.get("from") <= b and a <= h.get("to"):
                raise AftercareError(f"与已登记的强制隔离戒毒（{h['from']}至{h['to']}）时间重叠", code="overlap")

        def add(doc):
            hist = doc.get("history")
            if hist is None:
                doc["history"] = hist = []
            hist.append({"measure": "isolation", "from": a, "to": b})
            n = len(hist)
            if (doc.get("prior_isolations") or 0) < n:
                doc["prior_isolations"] = n
                return ["history", "prior_isolations"]
            return ["history"]

        edit_case_yaml(store, tx, cid, add)
        commit = tx.commit(f"Add prior isolation to case {cid} ({a.isoformat()} to {b.isoformat()})")
    return Result(cid, f"已登记：个案 {cid} 既往强制隔离戒毒 {a}至{b}", commit)


# ---------------------------------------------------------------- records along the path


def _path_record(store: Store, cid: str, etype: str, d: date, fields: dict, today: date, message: str, check) -> Result:
    cid = check_case_id(cid)
    with store.transaction() as tx:
        case, events, _view = load_view(store, cid, today)
        on_day = evaluate_in(store, case, events, d)
        notes = check(case, events, on_day) or ()
        eid = tx.append_event(case, events, etype, d, fields)
        commit = tx.commit(message)
    return Result(cid, f"已记录：个案 {cid} {d.isoformat()} {M.EVENT_TYPES[etype]}", commit, eid, tuple(notes))


def _state_label(view) -> str:
    return M.STATES[view.path.state]


def record_followup(store: Store, cid: str, date_text: str | None, outcome: str, today: date,
                    method: str | None = None, note: str | None = None, by: str | None = None) -> Result:
    d = past_date(date_text, today)
    outcome = choice(outcome, M.FOLLOWUP_OUTCOMES, "回访结果（--outcome）", required=True)
    method = choice(method, M.FOLLOWUP_METHODS, "回访方式（--method）")

    def check(case, events, view):
        cur = view.path.current
        if cur.kind != "followup" or (cur.outcome and cur.end is not None and d > cur.end) or cur.outcome == "relapsed":
            raise AftercareError(f"个案 {cid} 在 {d} 不在后续照管期间（{_state_label(view)}），不能记录后续照管回访",
                                 code="not-in-followup")
        if d < cur.start:
            raise AftercareError(f"回访日期 {d} 早于后续照管开始日期 {cur.start}", code="before-start")
        notes = []
        if outcome == "relapsed":
            notes.append("回访发现复吸：后续照管以“复吸”结束；公安机关作出新决定后用 case start 登记新措施")
        if outcome == "lost":
            notes.append("回访未能联系上本人：已按失联处理，应通报公安机关查找（record contact --via police）")
        return notes

    return _path_record(store, cid, "followup", d, {"outcome": outcome, "method": method, "note": text(note, "说明"),
                                                     "by": text(by, "回访人")}, today,
                        f"Record follow-up for {check_case_id(cid)} on {d.isoformat()} ({outcome})", check)


def record_pickup(store: Store, cid: str, date_text: str | None, today: date, by: str | None = None,
                  note: str | None = None) -> Result:
    d = past_date(date_text, today)

    def check(case, events, view):
        segs = view.path.segments
        seg = next((s for s in reversed(segs) if s.kind == "isolation" and s.start <= d
                    and (pickup_span(s, segs)[1] is None or d <= pickup_span(s, segs)[1])), None)
        if seg is None:
            raise AftercareError(f"个案 {cid} 在 {d} 不在强制隔离戒毒期间（{_state_label(view)}），不能记录出所接回",
                                 code="not-in-isolation")
        done = pickup_of(seg, segs, visible_events(events, today))
        if done is not None:
            raise AftercareError(f"个案 {cid} 已于 {done.date} 记录出所接回", code="duplicate-pickup")
        return ["接回后用 case start CASE --measure rehab 或 --measure followup 登记下一措施"]

    return _path_record(store, cid, "pickup", d, {"by": text(by, "接回人", 40), "note": text(note, "说明")}, today,
                        f"Record pick-up for {check_case_id(cid)} on {d.isoformat()}", check)


def _on_path(cid: str, d: date, view, what: str) -> None:
    if view.path.state in ("clean", "closed"):
        raise AftercareError(f"个案 {cid} 在 {d} {_state_label(view)}，不能记录{what}", code="case-closed")


def record_contact(store: Store, cid: str, date_text: str | None, result: str, today: date, via: str | None = None,
                   note: str | None = None) -> Result:
    d = past_date(date_text, today)
    result = choice(result, M.CONTACT_RESULTS, "联系结果（--result）", required=True)
    via = choice(via, M.CONTACT_VIA, "联系途径（--via）")

    def check(case, events, view):
        _on_path(cid, d, view, "联系核实")
        return ()

    return _path_record(store, cid, "contact", d, {"result": result, "via": via, "note": text(note, "说明")}, today,
                        f"Record contact attempt for {check_case_id(cid)} on {d.isoformat()} ({result})", check)


def record_lost(store: Store, cid: str, date_text: str | None, today: date, note: str | None = None) -> Result:
    d = past_date(date_text, today)

    def check(case, events, view):
        if view.path.lost_since is not None:
            raise AftercareError(f"个案 {cid} 已于 {view.path.lost_since} 失联，尚未找回", code="already-lost")
        st = view.path.state
        if st not in ("awaiting", "detox", "rehab", "followup"):
            raise AftercareError(f"个案 {cid} 在 {d} {_state_label(view)}，不能登记失联", code="bad-state")
        notes = ["应于期限内通报公安机关查找（record contact --via police）"]
        if st in ("detox", "rehab"):
            notes.append("社区戒毒（康复）期间失联按擅自外出计：失联日为第1日，累计超过30日构成严重违反协议")
        return notes

    return _path_record(store, cid, "lost", d, {"note": text(note, "说明")}, today,
                        f"Record lost contact for {check_case_id(cid)} on {d.isoformat()}", check)


def record_found(store: Store, cid: str, date_text: str | None, today: date, how: str | None = None) -> Result:
    d = past_date(date_text, today)

    def check(case, events, view):
        since = view.path.lost_since
        if since is None:
            raise AftercareError(f"个案 {cid} 在 {d} 未处于失联状态，不能登记找回", code="not-lost")
        if d < since:
            raise AftercareError(f"找回日期 {d} 早于失联日期 {since}", code="date-order")
        return (f"失联 {(d - since).days} 日（{since}至{d}）",)

    return _path_record(store, cid, "found", d, {"how": text(how, "找回经过")}, today,
                        f"Record found for {check_case_id(cid)} on {d.isoformat()}", check)


def record_methadone(store: Store, cid: str, date_text: str | None, clinic: str, today: date,
                     registration_no: str | None = None) -> Result:
    d = past_date(date_text, today)
    clinic = text(clinic, "维持治疗门诊", 200)
    if not clinic:
        raise AftercareError("请写明维持治疗门诊（--clinic）", code="missing")

    def check(case, events, view):
        _on_path(cid, d, view, "药物维持治疗")
        if view.path.on_methadone:
            raise AftercareError(f"个案 {cid} 已于 {view.path.methadone[-1][0].date} 参加药物维持治疗，尚未退出",
                                 code="already-on-methadone")
        return ("应及时报公安机关备案（record police-filing）",)

    return _path_record(store, cid, "methadone", d, {"clinic": clinic, "registration_no": text(registration_no, "登记号", 80)},
                        today, f"Record methadone maintenance for {check_case_id(cid)} from {d.isoformat()}", check)


def record_methadone_end(store: Store, cid: str, date_text: str | None, today: date, reason: str | None = None) -> Result:
    d = past_date(date_text, today)

    def check(case, events, view):
        if not view.path.on_methadone:
            raise AftercareError(f"个案 {cid} 在 {d} 未参加药物维持治疗，不能登记退出", code="not-on-methadone")
        return ()

    return _path_record(store, cid, "methadone-end", d, {"reason": text(reason, "退出原因")}, today,
                        f"Record end of methadone maintenance for {check_case_id(cid)} on {d.isoformat()}", check)


def record_police_filing(store: Store, cid: str, date_text: str | None, today: date, note: str | None = None) -> Result:
    d = past_date(date_text, today)

    def check(case, events, view):
        if not view.path.methadone:
            raise AftercareError(f"个案 {cid} 没有参加药物维持治疗的记录，无需报公安机关备案", code="no-methadone")
        if d < view.path.methadone[0][0].date:
            raise AftercareError(f"备案日期 {d} 早于参加维持治疗日期 {view.path.methadone[0][0].date}", code="date-order")
        if not any(it.kind == "police-filing" and it.open_on(d) for it in view.path.items):
            return (f"提示：个案 {cid} 目前没有待办的备案事项，已作为额外记录保存",)
        return ()

    return _path_record(store, cid, "police-filing", d, {"note": text(note, "说明")}, today,
                        f"Record police filing of methadone for {check_case_id(cid)} on {d.isoformat()}", check)


def record_referral(store: Store, cid: str, date_text: str | None, kind: str, place: str, today: date,
                    note: str | None = None) -> Result:
    d = past_date(date_text, today)
    kind = choice(kind, M.REFERRAL_KINDS, "转介类别（--kind）", required=True)
    place = text(place, "场所", 200)
    if not place:
        raise AftercareError("请写明场所（--place）", code="missing")

    def check(case, events, view):
        _on_path(cid, d, view, "转介")
        return ()

    return _path_record(store, cid, "referral", d, {"kind": kind, "place": place, "note": text(note, "说明")}, today,
                        f"Record referral for {check_case_id(cid)} on {d.isoformat()} ({kind})", check)


# ---------------------------------------------------------------- the person file (PATHWAY §6)

PERSON_FIELDS = {"alias": ("别名", 40), "ethnicity": ("民族", 20), "education": ("文化程度", 20), "marital": ("婚姻状况", 20),
                 "employment": ("就业情况", 40), "employer": ("工作单位", 200), "household_address": ("户籍地址", 200),
                 "household_police": ("户籍地派出所", 100), "residence_police": ("现住地派出所", 100),
                 "intake_method": ("吸食方式", 40), "police_officer": ("责任民警", 40), "police_phone": ("民警电话", 40)}
PERSON_LABELS = {**{k: v[0] for k, v in PERSON_FIELDS.items()}, "drug_types": "吸食毒品种类", "first_use": "首次吸毒时间",
                 "prior_isolations": "既往强制隔离戒毒次数", "expected_release": "预计解除日期"}


def set_person(store: Store, cid: str, today: date, *, drug_types: list | None = None, first_use: str | None = None,
               prior_isolations: int | None = None, expected_release: str | None = None, **fields: str | None) -> Result:
    """Fields of the 基本情况登记表 and the path facts `case set` records (PATHWAY §1, §6)."""
    import re

    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Q

    cid = check_case_id(cid)
    wanted: dict = {}
    for key, value in fields.items():
        if value is not None:
            what, limit = PERSON_FIELDS[key]
            wanted[key] = Q(text(value, what, limit))
    if drug_types:
        wanted["drug_types"] = [choice(d, M.DRUG_TYPES, "毒品种类（--drug-type）") for d in drug_types]
    if first_use is not None:
        if not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", first_use.strip()):
            raise AftercareError(f"首次吸毒时间“{first_use}”应为 YYYY 或 YYYY-MM，例如 2015 或 2015-06", code="bad-date")
        if first_use.strip()[:4] > today.isoformat()[:4]:
            raise AftercareError(f"首次吸毒时间 {first_use} 在今天之后", code="future-date")
        wanted["first_use"] = Q(first_use.strip())
    if prior_isolations is not None:
        if prior_isolations < 0 or prior_isolations > 50:
            raise AftercareError(f"既往强制隔离戒毒次数 {prior_isolations} 无效", code="bad-number")
        wanted["prior_isolations"] = prior_isolations
    expected = parse_date(expected_release, "预计解除日期（--expected-release）") if expected_release else None
    if not wanted and expected is None:
        raise AftercareError("没有要修改的内容", code="nothing")
    with store.transaction() as tx:
        case, events, view = load_view(store, cid, today)
        if "prior_isolations" in wanted and wanted["prior_isolations"] < len(case.extra.get("history") or []):
            raise AftercareError(f"既往强制隔离戒毒次数 {wanted['prior_isolations']} 少于已登记的 "
                                 f"{len(case.extra['history'])} 次（case history add）", code="bad-number")
        if expected is not None:
            cur = view.path.current
            if cur.kind != "isolation" or not cur.open:
                raise AftercareError(f"个案 {cid} 目前不在强制隔离戒毒中（{_state_label(view)}），不能修改预计解除日期",
                                     code="not-in-isolation")
            if expected <= cur.start:
                raise AftercareError(f"预计解除日期 {expected} 应晚于入所日期 {cur.start}", code="date-order")

        def change(doc):
            changed = [k for k, v in wanted.items() if doc.get(k) != v]
            for k in changed:
                doc[k] = wanted[k]
            if expected is not None:
                target = doc if len(case.path) == 1 else doc["later_measures"][-1]
                if target.get("expected_release") != expected:
                    target["expected_release"] = expected
                    changed.append("expected_release")
            return changed

        changed = edit_case_yaml(store, tx, cid, change)
        commit = tx.commit(f"Update case {cid}: {', '.join(changed)}")
    return Result(cid, f"已修改个案 {cid}：{'、'.join(PERSON_LABELS[k] for k in changed)}", commit)


def _members(store: Store, cid: str, key: str, today: date, add: dict | None, remove: dict | None, what: str) -> Result:
    cid = check_case_id(cid)
    with store.transaction() as tx:
        store.load_case(cid)

        def change(doc):
            rows = doc.get(key)
            if rows is None:
                doc[key] = rows = []
            if add is not None:
                if any(all(r.get(k) == v for k, v in add.items() if k in ("name", "role", "relation")) for r in rows):
                    raise AftercareError(f"{what}中已有“{add['name']}”", code="duplicate")
                rows.append({k: v for k, v in add.items() if v})
            else:
                hits = [i for i, r in enumerate(rows) if all(r.get(k) == v for k, v in remove.items() if v)]
                if not hits:
                    raise AftercareError(f"{what}中没有“{remove['name']}”", code="unknown-member")
                if len(hits) > 1:
                    raise AftercareError(f"{what}中有 {len(hits)} 个“{remove['name']}”，请加上 --role/--relation 区分", code="ambiguous")
                del rows[hits[0]]
            return [key]

        edit_case_yaml(store, tx, cid, change)
        who = add or remove
        commit = tx.commit(f"{'Add to' if add is not None else 'Remove from'} {key} of case {cid}")
    return Result(cid, f"已{'加入' if add is not None else '移出'}{what}：{who['name']}（个案 {cid}）", commit)


def family(store: Store, cid: str, action: str, today: date, name: str, relation: str | None = None,
           phone: str | None = None, address: str | None = None) -> Result:
    name = text(name, "姓名", 40)
    if not name:
        raise AftercareError("请写明家庭成员姓名（--name）", code="missing")
    if action == "add":
        relation = text(relation, "关系", 20)
        if not relation:
            raise AftercareError("请写明与本人的关系（--relation），如 母亲、配偶", code="missing")
        row = {"name": name, "relation": relation, "phone": text(phone, "电话", 40), "address": text(address, "住址", 200)}
        return _members(store, cid, "family", today, row, None, "家庭成员")
    return _members(store, cid, "family", today, None, {"name": name, "relation": text(relation, "关系", 20)}, "家庭成员")


def group(store: Store, cid: str, action: str, today: date, role: str, name: str, phone: str | None = None) -> Result:
    role = choice(role, M.GROUP_ROLES, "小组职责（--role）", required=action == "add")
    name = text(name, "姓名", 40)
    if not name:
        raise AftercareError("请写明小组成员姓名（--name）", code="missing")
    if action == "add":
        return _members(store, cid, "group", today, {"role": role, "name": name, "phone": text(phone, "电话", 40)},
                        None, "工作小组")
    return _members(store, cid, "group", today, None, {"role": role, "name": name}, "工作小组")
