"""case add / case set: register a person, change the facts of case.yaml."""

from __future__ import annotations

from datetime import date

from aftercare.actions.common import Result, choice, find_id_number, next_case_id, past_date, text
from aftercare.core import model as M
from aftercare.core.errors import AftercareError
from aftercare.core.ids import check_case_id, check_id_number, id_number_facts, normalise_id_number
from aftercare.store import Store
from aftercare.store import yamlio


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
            cid = next_case_id(existing, today.year)
        dup = find_id_number(store, existing, idn)
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

