"""The audit trail in Chinese: each English commit subject read back as the action it records.

Commit messages stay English (machines, `git log`); an inspector reads `aftercare log`. A subject
that no pattern knows (a newer command, a hand commit) is shown as 其他操作 with the English line
under it, so nothing is hidden.
"""

from __future__ import annotations

import re

from aftercare.core import model as M

D = r"(\d{4}-\d{2}-\d{2})"
C = r"(\S+)"
KIND_TABLES = {"visit": M.VISIT_KINDS, "support": M.SUPPORT_KINDS, "evaluation": {**M.EVALUATION_KINDS, "auto": "自动归类"},
               "violation": M.VIOLATION_KINDS, "referral": M.REFERRAL_KINDS}
FLAGS = {"makeup": "补检", "forced": "强制", "delegated": "委托"}
MEMBER_LISTS = {"family": "家庭成员", "group": "工作小组"}


def _field_labels() -> dict:
    """Every field `case set` / `case person` changes, as the user reads it (loaded with the first use)."""
    from aftercare.actions.pathway import PERSON_LABELS
    return {**M.CASE_FIELD_LABELS, **PERSON_LABELS}


def _fields(fields: str) -> str:
    labels = _field_labels()
    return "、".join(labels.get(f.strip(), f.strip()) for f in fields.split(","))


def _role(code: str) -> str:
    from aftercare.actions.staff import ROLES
    return ROLES.get(code, code)


def _start(kind, cid, d, seq, reported):
    return f"开始 {cid} 第 {seq} 项措施：{_word(M.MEASURES, kind)} {d}" + (f"，{reported} 报到" if reported else "")


def _word(table: dict, code: str) -> str:
    return table.get(code, code)


def _test(cid, d, inner):
    result, *flags = [p.strip() for p in inner.split(",")]
    words = [_word(M.TEST_RESULTS, result)] + [FLAGS.get(f, f) for f in flags]
    return f"记录 {cid} 吸毒检测（{'，'.join(words)}） {d}"


def _simple(etype, cid, d, label=None):
    what = M.EVENT_TYPES.get(etype, etype)
    if label:
        what += f"（{_word(KIND_TABLES.get(etype, {}), label)}）"
    return f"记录 {cid} {what} {d}"


PATTERNS = [
    (rf"Initialise aftercare store \((.*)\)$", lambda office: f"新建案卷库（{office}）"),
    (rf"Register case {C} \((\w+)\) reported in on {D}$",
     lambda cid, m, d: f"登记个案 {cid}（{_word(M.MEASURES, m)}），{d} 报到"),
    (rf"Register case {C} \((\w+)\)$", lambda cid, m: f"登记个案 {cid}（{_word(M.MEASURES, m)}）"),
    (rf"(Update|Correct) case {C}: (.*?)(?: \(measure (\d+)\))?$",
     lambda verb, cid, fields, seq: f"{'更正' if verb == 'Correct' else '修改'}个案 {cid}"
                                    + (f" 第 {seq} 项措施" if seq else "") + f"：{_fields(fields)}"),
    (rf"Void ([\w-]+) (\S+) of {C} \(dated {D}\)$",
     lambda t, eid, cid, d: f"撤销 {cid} 的{_word(M.EVENT_TYPES, t)}记录 {eid}（{d}）"),
    (r"Add a staff member \((\w+)\)$", lambda role: f"添加工作人员（{_role(role)}）"),
    (r"Remove a staff member$", lambda: "移除工作人员"),
    (r"Add the demo office's staff$", lambda: "添加演示办公室的工作人员"),
    (rf"Start (\w+) for case {C} on {D} \(measure (\d+)\)(?:, reported in on {D})?$", _start),
    (rf"Add prior isolation to case {C} \({D} to {D}\)$", lambda cid, a, b: f"登记 {cid} 既往强制隔离戒毒（{a} 至 {b}）"),
    (rf"(Add to|Remove from) (\w+) of case {C}$",
     lambda verb, key, cid: f"{'加入' if verb == 'Add to' else '移出'} {cid} 的{_word(MEMBER_LISTS, key)}"),
    (rf"End (\w+) of case {C} on {D} \(([\w-]+)\)$",
     lambda k, cid, d, r: f"结束 {cid} 的{_word(M.MEASURES, k)}（{_word(M.TERMINATE_REASONS, r)}） {d}"),
    (rf"Record follow-up for {C} on {D} \(([\w-]+)\)$",
     lambda cid, d, o: f"记录 {cid} 后续照管回访（{_word(M.FOLLOWUP_OUTCOMES, o)}） {d}"),
    (rf"Record pick-up for {C} on {D}$", lambda cid, d: _simple("pickup", cid, d)),
    (rf"Record contact attempt for {C} on {D} \(([\w-]+)\)$",
     lambda cid, d, r: f"记录 {cid} 联系核实（{_word(M.CONTACT_RESULTS, r)}） {d}"),
    (rf"Record lost contact for {C} on {D}$", lambda cid, d: _simple("lost", cid, d)),
    (rf"Record methadone maintenance for {C} from {D}$", lambda cid, d: _simple("methadone", cid, d)),
    (rf"Record end of methadone maintenance for {C} on {D}$", lambda cid, d: _simple("methadone-end", cid, d)),
    (rf"Record police filing of methadone for {C} on {D}$", lambda cid, d: f"记录 {cid} 药物维持治疗报公安机关备案 {d}"),
    (rf"Record test for {C} on {D} \((.*)\)$", lambda cid, d, inner: _test(cid, d, inner)),
    (rf"Record delegated test result for {C} \(test \S+ on {D}: (\w+)\)$",
     lambda cid, d, r: f"记录 {cid} 委托检测结果（{_word(M.TEST_RESULTS, r)}） {d}"),
    (rf"Record report-in at the new place for {C} on {D}$", lambda cid, d: f"记录 {cid} 到新执行地报到 {d}"),
    (rf"Record return from leave (\S+) for {C} on {D}$", lambda lv, cid, d: f"记录 {cid} 销假（请假 {lv}） {d}"),
    (rf"Record ([\w-]+) for {C} on {D} \(([\w-]+)\)$", lambda e, cid, d, label: _simple(e, cid, d, label)),
    (rf"Record ([\w-]+) for {C} on {D}$", lambda e, cid, d: _simple(e, cid, d)),
    (rf"Explain overdue ([\w-]+) for {C} \(deadline {D}\)$",
     lambda k, cid, d: f"说明 {cid} 逾期事项：{_word(M.ITEM_KINDS, k)}（期限 {d}）"),
    (rf"Request leave (\S+) for {C} \({D} to {D}\)$", lambda lv, cid, a, b: f"登记 {cid} 外出请假 {lv}（{a} 至 {b}）"),
    (rf"Approve leave (\S+) for {C} on {D}$", lambda lv, cid, d: f"批准 {cid} 请假 {lv} {d}"),
    (rf"Deny leave (\S+) for {C} on {D}$", lambda lv, cid, d: f"不准 {cid} 请假 {lv} {d}"),
    (rf"Suspend case {C} on {D} \(([\w-]+)\)$", lambda cid, d, r: f"中止 {cid}（{_word(M.SUSPEND_REASONS, r)}） {d}"),
    (rf"Resume case {C} on {D}$", lambda cid, d: f"恢复执行 {cid} {d}"),
    (rf"Terminate case {C} on {D} \(([\w-]+)\)$", lambda cid, d, r: f"终止 {cid}（{_word(M.TERMINATE_REASONS, r)}） {d}"),
    (rf"Release case {C} on {D}$", lambda cid, d: f"解除 {cid} {d}"),
    (rf"Apply for change of place for {C} on {D}$", lambda cid, d: f"登记 {cid} 变更执行地申请 {d}"),
    (rf"Fill change-of-place form for {C} on {D}$", lambda cid, d: f"填写 {cid} 变更执行地审批表 {d}"),
    (rf"Approve change of place for {C} on {D}$", lambda cid, d: f"批准 {cid} 变更执行地 {d}"),
    (rf"Refuse change of place for {C} on {D}$", lambda cid, d: f"不批准 {cid} 变更执行地 {d}"),
    (rf"Hand over case {C} to the new place on {D}$", lambda cid, d: f"移交 {cid} 档案至新执行地 {d}"),
    (rf"Receive case {C} by change of place on {D}.*$", lambda cid, d: f"接收转入个案 {cid}（连同历史） {d}"),
    (rf"Receive into the existing case {C} by change of place on {D}.*$",
     lambda cid, d: f"接收转入并入个案 {cid}（同一人的原有档案，连同历史） {d}"),
    (r"Renumber (.*) \(the number was taken on the remote\)$",
     lambda moves: "同步时改号：" + "，".join(re.sub(r"case (\S+) to (\S+)", r"\1 改为 \2", m.strip())
                                          for m in moves.split(","))),
    (r"Move case folders into buckets \(store layout 2\): (\d+) cases?$",
     lambda n: f"案卷库布局升级：{n} 个个案文件夹移入分组文件夹（内容未改动）"),
    (r"Merge .*", lambda: "合并同步"),
]
_COMPILED = [(re.compile(p), f) for p, f in PATTERNS]


def describe(subject: str) -> str:
    """The Chinese line for one commit subject (其他操作 when no pattern knows it)."""
    for rx, fn in _COMPILED:
        m = rx.match(subject)
        if m:
            return fn(*m.groups())
    return "其他操作"
