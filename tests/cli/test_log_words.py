"""`aftercare log` (issue 11.2; 10.1/10.2/10.4): the audit trail an inspector reads says in Chinese what
each command of the program did — a void (撤销), a correction of a clock fact, a staff change, a lost-contact
declaration, methadone, family and work-group changes, ... — never 其他操作 for a commit of the program's
own; and the Chinese lines of `case set` and `show`'s correction log use the Chinese words of the codes
(社区戒毒 → 社区康复, not `detox → rehab`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import committed, show_json

from aftercare.cli.auditlog import describe

LATIN_WORD = re.compile(r"\b[a-z]{3,}\b")
PACKAGE = Path(__file__).resolve().parents[2] / "aftercare"

# One example of every commit message the program writes (subject, and body where it has one), with the
# Chinese line `log` shows for it (the words from aftercare/core/model.py's tables, written out by hand).
CID = "2026-0001"
SUBJECTS = {
    "Initialise aftercare store (某镇禁毒办)": "新建案卷库（某镇禁毒办）",
    "Register case 2026-0001 (detox)": "登记个案 2026-0001（社区戒毒）",
    "Register case 2026-0001 (rehab) reported in on 2026-03-02": "登记个案 2026-0001（社区康复），2026-03-02 报到",
    "Update case 2026-0001: phone, risk": "修改个案 2026-0001：电话、风险等级",
    "Update case 2026-0001: drug_types, expected_release": "修改个案 2026-0001：吸食毒品种类、预计解除日期",
    "Correct case 2026-0001: measure\n\nReason: 决定书为社区康复": "更正个案 2026-0001：措施",
    "Correct case 2026-0001: notified_on, term_months (measure 1)\n\nReason: 送达回执日期":
        "更正个案 2026-0001 第 1 项措施：送达日期、期限（月）",
    "Record test for 2026-0001 on 2026-04-10 (positive)": "记录 2026-0001 吸毒检测（阳性） 2026-04-10",
    "Record test for 2026-0001 on 2026-04-10 (pending, delegated)": "记录 2026-0001 吸毒检测（结果待反馈，委托） 2026-04-10",
    "Record delegated test result for 2026-0001 (test 2026-0001-e0002 on 2026-04-12: negative)":
        "记录 2026-0001 委托检测结果（阴性） 2026-04-12",
    "Record report-in for 2026-0001 on 2026-03-02": "记录 2026-0001 报到 2026-03-02",
    "Record visit for 2026-0001 on 2026-04-10 (home)": "记录 2026-0001 见面访谈/家访（家访） 2026-04-10",
    "Record evaluation for 2026-0001 on 2026-04-10 (auto)": "记录 2026-0001 评估（自动归类） 2026-04-10",
    "Record family-change for 2026-0001 on 2026-04-10": "记录 2026-0001 家庭重大变故 2026-04-10",
    "Record report-in at the new place for 2026-0001 on 2026-04-10": "记录 2026-0001 到新执行地报到 2026-04-10",
    "Record return from leave 2026-0001-e0005 for 2026-0001 on 2026-04-10":
        "记录 2026-0001 销假（请假 2026-0001-e0005） 2026-04-10",
    "Explain overdue visit for 2026-0001 (deadline 2026-04-10)": "说明 2026-0001 逾期事项：见面访谈/家访（期限 2026-04-10）",
    "Request leave 2026-0001-e0005 for 2026-0001 (2026-04-10 to 2026-04-15)":
        "登记 2026-0001 外出请假 2026-0001-e0005（2026-04-10 至 2026-04-15）",
    "Approve leave 2026-0001-e0005 for 2026-0001 on 2026-04-10": "批准 2026-0001 请假 2026-0001-e0005 2026-04-10",
    "Deny leave 2026-0001-e0005 for 2026-0001 on 2026-04-10": "不准 2026-0001 请假 2026-0001-e0005 2026-04-10",
    "Suspend case 2026-0001 on 2026-04-10 (detention)": "中止 2026-0001（拘留） 2026-04-10",
    "Resume case 2026-0001 on 2026-04-20": "恢复执行 2026-0001 2026-04-20",
    "Terminate case 2026-0001 on 2026-04-10 (imprisonment)": "终止 2026-0001（收监执行刑罚） 2026-04-10",
    "End isolation of case 2026-0001 on 2026-04-10 (deceased)": "结束 2026-0001 的强制隔离戒毒（死亡） 2026-04-10",
    "Release case 2026-0001 on 2026-04-10": "解除 2026-0001 2026-04-10",
    "Apply for change of place for 2026-0001 on 2026-04-10": "登记 2026-0001 变更执行地申请 2026-04-10",
    "Fill change-of-place form for 2026-0001 on 2026-04-10": "填写 2026-0001 变更执行地审批表 2026-04-10",
    "Approve change of place for 2026-0001 on 2026-04-10": "批准 2026-0001 变更执行地 2026-04-10",
    "Refuse change of place for 2026-0001 on 2026-04-10": "不批准 2026-0001 变更执行地 2026-04-10",
    "Hand over case 2026-0001 to the new place on 2026-04-10": "移交 2026-0001 档案至新执行地 2026-04-10",
    "Receive case 2026-0001 by change of place on 2026-04-10 (history imported)\n\nImported-from: 某镇":
        "接收转入个案 2026-0001（连同历史） 2026-04-10",
    "Receive into the existing case 2026-0001 by change of place on 2026-04-10 (history imported)\n\nImported-from: 某镇":
        "接收转入并入个案 2026-0001（同一人的原有档案，连同历史） 2026-04-10",
    "Renumber case 2026-0001 to 2026-0002 (the number was taken on the remote)": "同步时改号：2026-0001 改为 2026-0002",
    "Void test 2026-0001-e0002 of 2026-0001 (dated 2026-04-10)\n\nReason: 录入错误":
        "撤销 2026-0001 的吸毒检测记录 2026-0001-e0002（2026-04-10）",
    "Add a staff member (police)": "添加工作人员（社区民警）",
    "Remove a staff member": "移除工作人员",
    "Add the demo office's staff": "添加演示办公室的工作人员",
    "Start followup for case 2026-0001 on 2026-04-02 (measure 2)": "开始 2026-0001 第 2 项措施：后续照管 2026-04-02",
    "Start rehab for case 2026-0001 on 2026-04-02 (measure 3), reported in on 2026-04-03":
        "开始 2026-0001 第 3 项措施：社区康复 2026-04-02，2026-04-03 报到",
    "Add prior isolation to case 2026-0001 (2020-01-01 to 2021-01-01)":
        "登记 2026-0001 既往强制隔离戒毒（2020-01-01 至 2021-01-01）",
    "Add to family of case 2026-0001": "加入 2026-0001 的家庭成员",
    "Remove from group of case 2026-0001": "移出 2026-0001 的工作小组",
    "Record follow-up for 2026-0001 on 2026-05-01 (abstinent)": "记录 2026-0001 后续照管回访（保持操守） 2026-05-01",
    "Record pick-up for 2026-0001 on 2026-05-01": "记录 2026-0001 出所接回 2026-05-01",
    "Record contact attempt for 2026-0001 on 2026-05-01 (unreachable)": "记录 2026-0001 联系核实（未联系上） 2026-05-01",
    "Record lost contact for 2026-0001 on 2026-05-01": "记录 2026-0001 失联 2026-05-01",
    "Record found for 2026-0001 on 2026-05-01": "记录 2026-0001 找回 2026-05-01",
    "Record methadone maintenance for 2026-0001 from 2026-05-01": "记录 2026-0001 参加药物维持治疗 2026-05-01",
    "Record end of methadone maintenance for 2026-0001 on 2026-05-01": "记录 2026-0001 退出药物维持治疗 2026-05-01",
    "Record police filing of methadone for 2026-0001 on 2026-05-01": "记录 2026-0001 药物维持治疗报公安机关备案 2026-05-01",
    "Record referral for 2026-0001 on 2026-05-01 (voluntary-detox)":
        "记录 2026-0001 劝导自愿戒毒/进入康复场所（自愿戒毒） 2026-05-01",
    "Merge origin/main (sync; keeps local merges)": "合并同步",
}


def test_every_example_subject_reads_as_its_chinese_line():
    for message, words in SUBJECTS.items():
        assert describe(message.split("\n")[0]) == words, message


def _skeleton(node) -> str | None:
    """The text of a commit-message expression with every computed part as `{}` (None: not text)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.sub(r"\{\w+\}", "{}", node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _skeleton(node.left), _skeleton(node.right)
        if left is not None or right is not None:
            return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def _commit_messages() -> set:
    """Every commit message written in the source: the texts handed to `commit(...)` and to the helpers
    that commit a message given to them, and git's `-m` (the merge of `sync`)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            args = node.args if name in ("commit", "record_event", "_path_record", "_step") else [
                b for a, b in zip(node.args, node.args[1:]) if isinstance(a, ast.Constant) and a.value == "-m"]
            for arg in args:
                text = _skeleton(arg)
                if text and re.match(r"[{A-Z]", text) and re.search(r"[a-z]{3,} ", text):
                    found.add((path.relative_to(PACKAGE).as_posix(), text))
    return found


def test_every_commit_message_of_the_program_has_an_example_above():
    # a new action's commit message must get its Chinese line in aftercare/cli/auditlog.py and an example here
    messages = _commit_messages()
    assert len(messages) >= 35, messages           # the walk finds the program's messages (39 after the merges of 2026-12-02)
    for where, text in messages:
        rx = re.compile(".*".join(re.escape(part) for part in text.split("{}")), re.S)
        assert any(rx.match(m) for m in SUBJECTS), f"{where}: {text!r} has no example in SUBJECTS"


def _actions(cli) -> str:
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    committed(cli, "staff", "add", "李娟")
    committed(cli, "staff", "add", "周明")
    committed(cli, "staff", "remove", "周明")
    committed(cli, "record", "test", cid, "--date", "2026-04-10", "--result", "positive")
    tid = [e["id"] for e in show_json(cli, cid)["timeline"] if e["type"] == "test"][0]
    committed(cli, "void", cid, tid, "--reason", "录入错误")
    committed(cli, "case", "set", cid, "--measure", "rehab", "--reason", "决定书为社区康复")
    committed(cli, "case", "set", cid, "--risk", "高")
    committed(cli, "case", "history", "add", cid, "--measure", "isolation", "--from", "2020-01-01", "--to", "2021-01-01")
    committed(cli, "record", "lost", cid, "--date", "2026-04-20")
    committed(cli, "record", "found", cid, "--date", "2026-04-25")
    committed(cli, "record", "methadone", cid, "--clinic", "县美沙酮门诊", "--date", "2026-05-01")
    committed(cli, "record", "police-filing", cid, "--date", "2026-05-02")
    committed(cli, "record", "methadone-end", cid, "--date", "2026-05-03")
    committed(cli, "case", "family", "add", cid, "--name", "赵某", "--relation", "母亲")
    committed(cli, "case", "group", "add", cid, "--role", "police", "--name", "钱警官")
    return cid


def test_log_names_every_action_of_the_program_in_chinese(cli):
    cid = _actions(cli)
    out = cli.ok("log", "--limit", "50").stdout
    assert "其他操作" not in out, out
    for words in (f"撤销 {cid} 的吸毒检测记录", f"更正个案 {cid}：措施", f"修改个案 {cid}：风险等级", "添加工作人员（专职社工）",
                  "移除工作人员", f"登记 {cid} 既往强制隔离戒毒（2020-01-01 至 2021-01-01）", f"记录 {cid} 失联 2026-04-20",
                  f"记录 {cid} 找回 2026-04-25", f"记录 {cid} 参加药物维持治疗 2026-05-01",
                  f"记录 {cid} 药物维持治疗报公安机关备案 2026-05-02", f"记录 {cid} 退出药物维持治疗 2026-05-03",
                  f"加入 {cid} 的家庭成员", f"加入 {cid} 的工作小组"):
        assert words in out, words


def test_corrections_speak_chinese_words_not_codes(cli):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    res = committed(cli, "case", "set", cid, "--measure", "rehab", "--reason", "决定书为社区康复")
    assert "措施 社区戒毒 → 社区康复" in res.stdout and not LATIN_WORD.search(res.stdout), res.stdout
    res = committed(cli, "case", "set", cid, "--risk", "高")
    assert not LATIN_WORD.search(res.stdout), res.stdout
    shown = cli.ok("show", cid).stdout.split("更正记录：")[1].split("时间线")[0]
    assert "社区戒毒" in shown and "社区康复" in shown and not LATIN_WORD.search(shown), shown
