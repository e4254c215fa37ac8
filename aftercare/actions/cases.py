"""case add / case set: register a person, change the facts of case.yaml."""

from __future__ import annotations

from datetime import date

from aftercare.actions.common import (NEED_START, Result, author_name, choice, find_id_number, next_case_id,
                                      past_date, record_report_in, text)
from aftercare.actions.staff import require_worker
from aftercare.core import model as M
from aftercare.core.errors import AftercareError
from aftercare.core.ids import (check_case_id, check_id_number, id_number_facts, id_region_warning,
                                normalise_id_number)
from aftercare.store import Store
from aftercare.store.store import case_file_bytes
from aftercare.store import yamlio
from aftercare.core.engine import evaluate_in


def migrate(store: Store) -> Result:
    """`migrate`: the case folders of the old layout (`cases/<id>/`) into their buckets, one commit
    (what every write command does first: Store.settle_layout)."""
    from aftercare.store import hygiene
    from aftercare.store.fsutil import locked

    store.require_own_repo()
    with locked(store.git_dir / "aftercare.lock"):
        hygiene.secure(store.root, store.git_dir, writing=True)
        n = store.settle_layout(quiet=True)
    if not n:
        return Result("", "案卷库的个案文件夹都已在分组文件夹中（cases/<分组>/<编号>/），无需移动")
    return Result("", f"已把 {n} 个个案文件夹移入分组文件夹（cases/<分组>/<编号>/，单独一次提交，未改动任何内容）",
                  store.git.head() or "")


def add_case(store: Store, *, name: str, id_number: str, measure: str, today: date,
             reported_on: str | None = None, notified_on: str | None = None, decision_no: str | None = None,
             decided_by: str | None = None, decided_on: str | None = None, phone: str | None = None,
             address: str | None = None, household: str | None = None, risk: str | None = None,
             term_months: int | None = None, worker: str | None = None, case_id: str | None = None,
             **path_flags: str | None) -> Result:
    """Register a person with a first measure; `path_flags` are the isolation / follow-up flags
    (facility, entered_on, expected_release, released_on, released_from: PATHWAY §1)."""
    from aftercare.actions.pathway import measure_fields

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
    fields, rep_on, _began = measure_fields(
        store, measure, today, birth, term_months=term_months, reported_on=reported_on, notified_on=notified_on,
        decision_no=decision_no, decided_by=decided_by, decided_on=decided_on, **path_flags)
    worker = require_worker(store, text(worker, "工作人员", 40) or None)
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
            raise AftercareError(f"该身份证号已登记为个案 {dup}，不能重复登记（再次戒毒用 aftercare case start {dup} --measure …）",
                                 code="duplicate-person")
        body = {
            "name": name, "id_number": idn, "sex": sex, "birth_date": birth, "measure": measure, **fields,
            "phone": text(phone, "电话", 40) or "", "address": text(address, "住址", 200) or "",
            "household": household, "risk": risk, "worker": worker or "",
            "registered_on": today,
        }

        tx.write(store.case_dir(cid) / "case.yaml", case_file_bytes(body))
        commit = tx.commit(f"Register case {cid} ({measure})" + record_report_in(store, tx, cid, rep_on))
    return Result(cid, f"已登记个案 {cid}（{name}，{M.MEASURES[measure]}）", commit,
                  warnings=tuple(w for w in (id_region_warning(idn),) if w))


def check_term(store: Store, today: date, measure: str, term: int) -> None:
    rs = store.rules.for_day(today)
    if not 1 <= term <= rs.term_max(measure):
        raise AftercareError(f"期限 {term} 个月无效：{M.MEASURES[measure]}最长 {rs.term_max(measure)} 个月", code="bad-term")
    if measure == "detox" and term != rs.term_default(measure):
        raise AftercareError(f"社区戒毒期限为 {rs.term_default(measure)} 个月（戒毒条例第十四条），不能另定", code="bad-term")


def check_dates(dec_on: date | None, not_on: date | None, rep_on: date | None, birth: date) -> None:
    if dec_on and not_on and not_on < dec_on:
        raise AftercareError(f"送达日期 {not_on} 早于决定日期 {dec_on}", code="date-order")
    first = not_on or dec_on
    if rep_on and first and rep_on < first:
        raise AftercareError(f"报到日期 {rep_on} 早于决定{'送达' if not_on else ''}日期 {first}", code="date-order")
    if rep_on and rep_on < birth:
        raise AftercareError("报到日期早于出生日期", code="date-order")


EDITABLE = {"phone": ("电话", 40), "address": ("住址", 200), "worker": ("工作人员", 40), "name": ("姓名", 40)}
SET_LABELS = M.CASE_FIELD_LABELS
# the facts that drive the clock: changing one needs --reason (commit body and the case's correction log)
CLOCK_FACTS = ("reported_on", "notified_on", "decided_on", "term_months", "measure", "id_number")
DECISION_KEYS = {"decision_no": "number", "decided_by": "decided_by", "decided_on": "decided_on",
                 "notified_on": "notified_on"}
_DATE_OPTS = {"reported_on": "报到日期（--reported-on）", "notified_on": "送达日期（--notified-on）",
              "decided_on": "决定日期（--decided-on）"}


def _wanted(changes: dict, today: date) -> dict:
    """The requested changes, each checked on its own."""
    wanted = {k: v for k, v in changes.items() if v is not None}
    if not wanted:
        raise AftercareError("没有要修改的内容（可用 --phone、--address、--worker、--name、--household、--risk，"
                             "或更正 --reported-on、--notified-on、--term-months、--measure、--decision-no、--decided-by、"
                             "--decided-on、--id-number 并写明 --reason）", code="nothing")
    for key, value in wanted.items():
        if key in EDITABLE:
            what, limit = EDITABLE[key]
            wanted[key] = text(value, what, limit)
            if key == "name" and not wanted[key]:
                raise AftercareError("姓名不能为空", code="missing")
        elif key in _DATE_OPTS:
            wanted[key] = past_date(value, today, _DATE_OPTS[key])
        elif key in ("decision_no", "decided_by"):
            wanted[key] = text(value, SET_LABELS[key], 200)
    if "household" in wanted:
        wanted["household"] = choice(wanted["household"], M.HOUSEHOLDS, "户籍（--household）", required=True)
    if "risk" in wanted:
        wanted["risk"] = choice(wanted["risk"], M.RISKS, "风险等级（--risk）", required=True)
    if "measure" in wanted:
        wanted["measure"] = choice(wanted["measure"], {k: M.MEASURES[k] for k in M.COMMUNITY_MEASURES}, "措施（--measure）",
                                   required=True)
    if "id_number" in wanted:
        wanted["id_number"] = normalise_id_number(wanted["id_number"])
        err = check_id_number(wanted["id_number"])
        if err:
            raise AftercareError(f"身份证号{err}", code="bad-id-number")
    return wanted


# the facts of one measure (the first measure's are case.yaml's top level, a later one's an item of later_measures)
MEASURE_FACTS = ("reported_on", "notified_on", "decided_on", "term_months", "measure", "decision_no", "decided_by")


def _target_measure(case, live: list, measure_no: int | None, facts: set):
    """The measure whose facts are corrected: `--measure-no N`, else the current (last) one. Returns
    (Measure, its report-in record or None)."""
    path = case.path
    if measure_no is not None:
        if not facts:
            raise AftercareError("--measure-no 只用于更正某项措施的报到日期、决定、期限或措施种类", code="bad-option")
        if not 1 <= measure_no <= len(path):
            raise AftercareError(f"个案 {case.id} 没有第 {measure_no} 项措施（共 {len(path)} 项，见 show 的“措施经过”）",
                                 code="unknown-measure")
    m = path[(measure_no or len(path)) - 1]
    if facts and not m.community:
        others = [f"第 {x.seq} 项（{x.label}）" for x in path if x.community]
        hint = f"；更正{'、'.join(others)}请加 --measure-no 序号" if others else ""
        raise AftercareError(f"个案 {case.id} 的第 {m.seq} 项措施为{m.label}，没有"
                             f"{'、'.join(SET_LABELS[k] for k in MEASURE_FACTS if k in facts)}可更正{hint}",
                             code="wrong-measure")
    mine = M.measure_events(case, live).get(m.seq, []) if len(path) > 1 else live
    return m, next((e for e in mine if e.type == "report-in"), None), mine


def _check_on_path(store: Store, case, events: list, m, new: dict, today: date) -> date | None:
    """A corrected measure stays between its neighbours on the path: it cannot begin before the previous
    one ended, nor reach past its own end or into the next one. Returns its new opening day (a later
    measure opens on its first known date) or None when unchanged."""
    from dataclasses import replace

    from aftercare.core.path import evaluate as evaluate_path

    path = case.path
    dates = [d for d in (new["decided_on"], new["notified_on"], new["reported_on"]) if d]
    began = min(dates) if dates and m.seq > 1 else None
    label = f"第 {m.seq} 项措施（{M.MEASURES[new['measure']]}）"
    if m.seq > 1:
        # the path as it stood before this measure began (its records only): case start's own rule
        by_seq = M.measure_events(case, events)
        before = [e for seq, evs in by_seq.items() if seq < m.seq for e in evs]
        prev = evaluate_path(replace(case, measures=path[:m.seq - 1]), before, store.rules, store.calendar, today,
                             store.security).path.current
        since = prev.end or prev.start or prev.measure.opened_on
        if began is not None and since is not None and began < since:
            raise AftercareError(f"{label}的开始日期将为 {began}，早于上一措施（{M.MEASURES[prev.kind]}）的"
                                 f"{'结束' if prev.end else '开始'}日期 {since}，与之重叠", code="overlap")
        if prev.kind == "isolation" and new["measure"] == "detox":
            raise AftercareError("解除强制隔离戒毒后应为社区康复（rehab），不能更正为社区戒毒", code="bad-measure")
    late = max(dates, default=None)
    if late is not None and m.seq < len(path) and late > path[m.seq].opened_on:
        nxt = path[m.seq]
        raise AftercareError(f"{label}的日期 {late} 晚于下一措施（第 {nxt.seq} 项，{nxt.label}）的开始日期 "
                             f"{nxt.opened_on}，与之重叠", code="overlap")
    own = evaluate_path(case, events, store.rules, store.calendar, today, store.security).path
    seg = next(g for g in own.segments if g.seq == m.seq and not g.derived)
    closed_on = seg.view.closed_on
    if late is not None and closed_on is not None and late > closed_on:
        raise AftercareError(f"{label}于 {closed_on} {M.STATUS_LABELS[seg.view.status]}，其日期不能改为更晚的 {late}",
                             code="date-order")
    return began if began is not None and began != m.opened_on else None


def set_case(store: Store, cid: str, today: date, reason: str | None = None, measure_no: int | None = None,
             **changes) -> Result:
    """Change or correct the facts of a case by a round-trip edit of case.yaml (its comments, order and
    hand-added fields survive). A clock fact (report-in, decision dates, term, measure, ID number) changes
    only with a reason, which goes into the commit body and the case's correction log; a corrected
    report-in date voids the old report-in and records the new one, in the same commit. The facts of a
    measure are those of the current (last) measure of the person's path, or of `measure_no`."""
    from io import StringIO

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Q

    cid = check_case_id(cid)
    wanted = _wanted(changes, today)
    if wanted.get("worker"):                   # "" clears the field
        wanted["worker"] = require_worker(store, wanted["worker"])
    reason = text(reason, "更正原因（--reason）", 500) or None
    with store.transaction() as tx:
        case, events = store.load_case(cid)          # refuses an unknown case or a file that does not load
        live = [e for e in events if M.counts(e)]
        m, report_in, mine = _target_measure(case, live, measure_no, set(wanted) & set(MEASURE_FACTS))
        current = {"phone": case.phone, "address": case.address, "worker": case.worker, "name": case.name,
                   "household": case.household, "risk": case.risk, "reported_on": report_in.date if report_in else None,
                   "notified_on": m.notified_on, "decided_on": m.decided_on, "term_months": m.term_months,
                   "measure": m.kind, "decision_no": m.decision_no, "decided_by": m.decided_by,
                   "id_number": case.id_number}
        changed = [k for k, v in wanted.items() if current[k] != v]
        if not changed:
            raise AftercareError(f"个案 {cid} 的这些信息与原来相同，没有修改", code="nothing")
        clock = [k for k in changed if k in CLOCK_FACTS]
        if clock and not reason:
            raise AftercareError(f"更正{'、'.join(SET_LABELS[k] for k in clock)}须用 --reason 写明原因（记入更正记录）",
                                 code="missing")
        new = {**current, **{k: wanted[k] for k in changed}}
        if "measure" in changed or "term_months" in changed:
            check_term(store, today, new["measure"], new["term_months"])
        birth, sex = id_number_facts(new["id_number"])
        if "id_number" in changed:
            dup = find_id_number(store, [c for c in store.case_ids() if c != cid], new["id_number"])
            if dup:
                raise AftercareError(f"该身份证号已登记为个案 {dup}，不能改为重复的身份证号", code="duplicate-person")
        if {"reported_on", "notified_on", "decided_on", "id_number"} & set(changed):
            check_dates(new["decided_on"], new["notified_on"], new["reported_on"], birth)
        several = len(case.path) > 1
        opens = _check_on_path(store, case, live, m, new, today) if set(changed) & set(MEASURE_FACTS) else None
        if "reported_on" in changed:
            early = [e for e in mine if e.type in NEED_START and e.date < new["reported_on"]]
            if early:
                e = early[0]
                raise AftercareError(f"报到日期不能改为 {new['reported_on']}：已有更早的记录 {e.id}（{e.date} {e.label}）须在报到之后",
                                     code="date-order")
        who = author_name(store)

        path = store.case_dir(cid) / "case.yaml"
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.representer.ignore_aliases = lambda *_: True      # the read path refuses anchors and aliases
        doc = yaml.load(path.read_text(encoding="utf-8"))
        target = doc if m.seq == 1 else doc["later_measures"][m.seq - 2]
        for key in changed:
            value = new[key]
            if key in DECISION_KEYS:
                if not isinstance(target.get("decision"), dict):
                    target["decision"] = CommentedMap()
                target["decision"][DECISION_KEYS[key]] = Q(value) if isinstance(value, str) else value
            elif key == "term_months":
                target[key] = value
            elif key == "measure":
                target["measure" if m.seq == 1 else "kind"] = Q(value) if m.seq == 1 else value
            elif key == "id_number":
                doc["id_number"], doc["sex"], doc["birth_date"] = Q(value), Q(sex), birth
            elif key != "reported_on":
                doc[key] = Q(value)
        if opens is not None:
            target["opened_on"] = opens
        if reason:
            log = doc.get("corrections")
            if not isinstance(log, list):
                log = doc["corrections"] = CommentedSeq()
            for key in changed:
                entry = CommentedMap()
                entry["date"] = today
                entry["field"] = Q(key)
                for side, value in (("from", current[key]), ("to", new[key])):
                    entry[side] = Q(value) if isinstance(value, str) else value
                entry["reason"] = Q(reason)
                if who:
                    entry["by"] = Q(who)
                if several and key in MEASURE_FACTS:
                    entry["measure"] = m.seq
                log.append(entry)
        buf = StringIO()
        yaml.dump(doc, buf)
        tx.write(path, buf.getvalue().encode("utf-8"))
        if "reported_on" in changed:
            taken = list(events)
            if report_in is not None:
                vid = tx.append_event(case, taken, "void", today,
                                      {"of": report_in.id, "reason": f"更正报到日期：{reason}", "by": who})
                taken.append(M.Event(vid, "void", today, {}))
            tx.append_event(case, taken, "report-in", new["reported_on"],
                            {"place": report_in.get("place") if report_in else None,
                             "measure": m.seq if several else None})
        case2, events2 = store.load_case(cid)        # what was written must read back
        evaluate_in(store, case2, events2, today)
        verb = "Correct" if reason else "Update"
        which = f" (measure {m.seq})" if several and set(changed) & set(MEASURE_FACTS) else ""
        body = f"\n\nReason: {reason}" if reason else ""
        commit = tx.commit(f"{verb} case {cid}: {', '.join(changed)}{which}{body}")
    shown = "、".join(SET_LABELS[k] + ("" if k in EDITABLE or k == "id_number" else f" {M.field_word(k, current[k])} → {M.field_word(k, new[k])}")
                     for k in changed)
    where = f"第 {m.seq} 项措施（{M.MEASURES[m.kind]}）" if which else ""
    warn = id_region_warning(new["id_number"]) if "id_number" in changed else None
    return Result(cid, f"已{'更正' if reason else '修改'}个案 {cid}{where}：{shown}" + (f"；原因：{reason}" if reason else ""), commit,
                  warnings=(warn,) if warn else ())
