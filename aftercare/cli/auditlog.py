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
KIND_TABLES = {"visit": M.VISIT_KINDS, "support": M.SUPPORT_KINDS, "evaluation": M.EVALUATION_KINDS,
               "violation": M.VIOLATION_KINDS}
FLAGS = {"makeup": "补检", "forced": "强制", "delegated": "委托"}
SET_FIELDS = {"phone": "电话", "address": "住址", "worker": "工作人员", "name": "姓名", "household": "户籍", "risk": "风险等级"}


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
    (rf"Update case {C}: (.*)$",
     lambda cid, fields: f"修改个案 {cid}：{'、'.join(SET_FIELDS.get(f.strip(), f.strip()) for f in fields.split(','))}"),
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
    (r"Renumber (.*) \(the number was taken on the remote\)$",
     lambda moves: "同步时改号：" + "，".join(re.sub(r"case (\S+) to (\S+)", r"\1 改为 \2", m.strip())
                                          for m in moves.split(","))),
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
