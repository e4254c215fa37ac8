"""leave, suspend / resume, terminate, release, transfer, explain."""


from typing import Annotated, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import ByOpt, DateOpt, NoteOpt, StoreOpt, handle, open_store, show_result, today

Opt = typer.Option
CaseArg = Annotated[str, typer.Argument(help="个案编号")]
LeaveArg = Annotated[str, typer.Argument(help="请假编号（leave request 输出的最后一行）")]

leave_app = typer.Typer(help="外出请假（3 日以上）：申请、批准、不准、销假", no_args_is_help=True)
app.add_typer(leave_app, name="leave")
transfer_app = typer.Typer(help="变更执行地：申请、填表、审批、新地报到、移交档案、接收", no_args_is_help=True)
app.add_typer(transfer_app, name="transfer")


@leave_app.command("request")
@handle
def leave_request(
    case: CaseArg,
    from_: Annotated[str, Opt("--from", help="外出开始日期")],
    to: Annotated[str, Opt("--to", help="外出结束日期")],
    destination: Annotated[str, Opt("--destination", help="目的地")],
    reason: Annotated[Optional[str], Opt("--reason", help="事由")] = None,
    date: Annotated[Optional[str], Opt("--date", help="申请日期（默认今天）")] = None,
    phone: Annotated[Optional[str], Opt("--phone", help="外出期间联系电话")] = None,
    guarantor: Annotated[Optional[str], Opt("--guarantor", help="担保人")] = None,
    store: StoreOpt = None,
) -> None:
    """登记请假申请；最后一行输出请假编号。"""
    from aftercare.actions import lifecycle

    res = lifecycle.leave_request(open_store(store), case, from_, to, destination, today(), reason=reason, date_text=date,
                                phone=phone, guarantor=guarantor)
    show_result(res, res.event_id)


def _decide(action: str, store, case, leave_id, date, by=None):
    from aftercare.actions import lifecycle

    show_result(lifecycle.leave_decide(open_store(store), case, leave_id, action, date, today(), by=by))


@leave_app.command("approve")
@handle
def leave_approve(case: CaseArg, leave_id: LeaveArg, date: DateOpt = None, by: ByOpt = None, store: StoreOpt = None) -> None:
    """批准请假（生成外出准假通知书，期满须销假）。"""
    _decide("approve", store, case, leave_id, date, by)


@leave_app.command("deny")
@handle
def leave_deny(case: CaseArg, leave_id: LeaveArg, date: DateOpt = None, by: ByOpt = None, store: StoreOpt = None) -> None:
    """不准假。"""
    _decide("deny", store, case, leave_id, date, by)


@leave_app.command("return")
@handle
def leave_return(case: CaseArg, leave_id: LeaveArg, date: DateOpt = None, store: StoreOpt = None) -> None:
    """销假（本人返回）。"""
    _decide("return", store, case, leave_id, date)


@app.command("suspend")
@handle
def suspend(case: CaseArg, reason: Annotated[str, Opt("--reason", help="detention 拘留 / arrest 逮捕")],
            date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """中止（被拘留、逮捕）：期限与未结束的窗口顺延。"""
    from aftercare.actions import lifecycle

    show_result(lifecycle.suspend(open_store(store), case, date, reason, today(), note))


@app.command("resume")
@handle
def resume(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """中止结束，恢复执行。"""
    from aftercare.actions import lifecycle

    show_result(lifecycle.resume(open_store(store), case, date, today(), note))


@app.command("terminate")
@handle
def terminate(case: CaseArg,
              reason: Annotated[str, Opt("--reason", help="imprisonment 收监执行刑罚 / compulsory-education 强制性教育措施 / isolation 强制隔离戒毒 / deceased 死亡 / moved-away 迁出本地（后续照管期间只能用后两者）")],
              date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """终止：此后不再产生待办事项。"""
    from aftercare.actions import lifecycle

    show_result(lifecycle.terminate(open_store(store), case, date, reason, today(), note))


@app.command("release")
@handle
def release(case: CaseArg, date: DateOpt = None,
            notice_no: Annotated[Optional[str], Opt("--notice-no", help="解除通知书文号")] = None,
            notified_on: Annotated[Optional[str], Opt("--notified-on", help="公安机关通知本办公室的日期")] = None,
            issued_by: Annotated[Optional[str], Opt("--issued-by", help="出具通知书的公安机关")] = None,
            early_reason: Annotated[Optional[str], Opt("--early-reason", help="期满前解除的依据（会被标记）")] = None,
            store: StoreOpt = None) -> None:
    """解除：期满（含中止顺延）之后。"""
    from aftercare.actions import lifecycle

    show_result(lifecycle.release(open_store(store), case, date, today(), notice_no=notice_no, notified_on=notified_on,
                                issued_by=issued_by, early_reason=early_reason))


@app.command("explain")
@handle
def explain(case: CaseArg,
            kind: Annotated[str, typer.Argument(help="事项类别：英文代码或中文，如 test/检测、visit/家访、report/报告、warning/告诫书")],
            deadline: Annotated[str, typer.Argument(help="该事项的期限 YYYY-MM-DD")],
            reason: Annotated[str, Opt("--reason", help="未能完成的原因")],
            store: StoreOpt = None) -> None:
    """以书面情况说明关闭一项逾期事项（缺口仍在履行情况中可见）。"""
    from aftercare.actions import records

    show_result(records.explain(open_store(store), case, kind, deadline, reason, today()))


# ---------------------------------------------------------------- transfer


@transfer_app.command("apply")
@handle
def transfer_apply(case: CaseArg, to: Annotated[str, Opt("--to", help="新执行地（乡镇/街道）")], date: DateOpt = None,
                   reason: Annotated[Optional[str], Opt("--reason", help="理由")] = None,
                   proof: Annotated[Optional[str], Opt("--proof", help="提供的证明材料")] = None,
                   store: StoreOpt = None) -> None:
    """变更执行地申请（3 个工作日内填写审批表）。"""
    from aftercare.actions import transfer

    show_result(transfer.apply(open_store(store), case, date, to, today(), reason, proof))


@transfer_app.command("form")
@handle
def transfer_form(case: CaseArg, date: DateOpt = None,
                  opinion: Annotated[Optional[str], Opt("--opinion", help="办公室意见")] = None, store: StoreOpt = None) -> None:
    """办公室已填写变更执行地审批表。"""
    from aftercare.actions import transfer

    show_result(transfer.form(open_store(store), case, date, today(), opinion))


@transfer_app.command("approve")
@handle
def transfer_approve(case: CaseArg, date: DateOpt = None, by: ByOpt = None, note: NoteOpt = None,
                     store: StoreOpt = None) -> None:
    """公安机关批准变更（15 日内到新执行地报到，7 日内移交档案）。"""
    from aftercare.actions import transfer

    show_result(transfer.decide(open_store(store), case, date, today(), True, by, note))


@transfer_app.command("refuse")
@handle
def transfer_refuse(case: CaseArg, date: DateOpt = None, by: ByOpt = None, note: NoteOpt = None,
                    store: StoreOpt = None) -> None:
    """公安机关不批准变更。"""
    from aftercare.actions import transfer

    show_result(transfer.decide(open_store(store), case, date, today(), False, by, note))


@transfer_app.command("report-in")
@handle
def transfer_report_in(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """本人已到新执行地报到。"""
    from aftercare.actions import transfer

    show_result(transfer.report_in(open_store(store), case, date, today(), note))


@transfer_app.command("handover")
@handle
def transfer_handover(case: CaseArg, date: DateOpt = None,
                      bundle: Annotated[Optional[str], Opt("--bundle", help="移交文件路径（默认 out/<编号>-transfer.bundle）")] = None,
                      to: Annotated[Optional[str], Opt("--to", help="接收单位")] = None,
                      store: StoreOpt = None) -> None:
    """移交档案：生成只含本个案全部历史的移交文件；本库中该个案标记为已移出。"""
    from aftercare.actions import transfer

    res, path = transfer.handover(open_store(store), case, date, today(), bundle, to)
    show_result(res, str(path))


@transfer_app.command("import")
@handle
def transfer_import(bundle: Annotated[str, typer.Argument(help="移出单位提供的移交文件")], date: DateOpt = None,
                    new_id: Annotated[Optional[str], Opt("--id", help="在本库中使用的新编号（编号冲突时）")] = None,
                    source: Annotated[Optional[str], Opt("--from", help="移出单位")] = None,
                    store: StoreOpt = None) -> None:
    """接收转入的个案（连同全部历史）；最后一行输出个案编号。"""
    from aftercare.actions import transfer

    res = transfer.import_bundle(open_store(store), bundle, today(), date, new_id, source)
    show_result(res, res.case)
