"""record KIND CASE: what happened (one event file entry, one commit); void: set aside a record entered by mistake."""


from typing import Annotated, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import ByOpt, DateOpt, NoteOpt, StoreOpt, handle, open_store, show_result, today

record_app = typer.Typer(help="记录发生的事：检测、访谈、报告、帮教、帮扶、评估、违规等", no_args_is_help=True)
app.add_typer(record_app, name="record")

Opt = typer.Option
CaseArg = Annotated[str, typer.Argument(help="个案编号")]


def _simple(store, case, etype, date, **fields):
    from aftercare.actions import records

    s = open_store(store)
    show_result(records.record_simple(s, case, etype, date, today(), **fields))


@record_app.command("report-in")
@handle
def report_in(case: CaseArg, date: DateOpt = None,
              place: Annotated[Optional[str], Opt("--place", help="报到地点")] = None, store: StoreOpt = None) -> None:
    """报到：期限自报到之日起计算。"""
    from aftercare.actions import records

    show_result(records.record_report_in(open_store(store), case, date, today(), place))


@record_app.command("test")
@handle
def test(
    case: CaseArg,
    result: Annotated[str, Opt("--result", help="结果：negative 阴性 / positive 阳性 / refused 拒绝 / evaded 逃避 / pending 委托检测待反馈")],
    date: DateOpt = None,
    method: Annotated[Optional[str], Opt("--method", help="方式：urine 尿检 / hair 毛发 / blood 血液 / saliva 唾液")] = None,
    makeup: Annotated[bool, Opt("--makeup", help="补检：计入最早的、结束未满 3 个月的漏检窗口")] = False,
    forced: Annotated[bool, Opt("--forced", help="强制检测")] = False,
    delegated_to: Annotated[Optional[str], Opt("--delegated-to", help="委托外地公安机关检测")] = None,
    by: ByOpt = None,
    place: Annotated[Optional[str], Opt("--place", help="检测地点")] = None,
    store: StoreOpt = None,
) -> None:
    """吸毒检测（或拒绝、逃避检测）。"""
    from aftercare.actions import records

    show_result(records.record_test(open_store(store), case, date, result, today(), method=method, makeup=makeup,
                                    forced=forced, delegated_to=delegated_to, by=by, place=place))


@record_app.command("visit")
@handle
def visit(case: CaseArg, date: DateOpt = None,
          kind: Annotated[Optional[str], Opt("--kind", help="方式：talk 见面访谈 / home 家访 / phone 电话")] = None,
          by: ByOpt = None, note: NoteOpt = None,
          place: Annotated[Optional[str], Opt("--place", help="地点")] = None,
          met: Annotated[Optional[str], Opt("--met", help="访谈对象（本人、家属、邻居、村干部）")] = None,
          store: StoreOpt = None) -> None:
    """见面访谈 / 家访 / 电话访谈。"""
    _simple(store, case, "visit", date, kind=kind, by=by, note=note, place=place, met=met)


@record_app.command("report")
@handle
def report(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """本人定期报告（也折合一次见面访谈）。"""
    _simple(store, case, "report", date, note=note)


@record_app.command("education")
@handle
def education(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, by: ByOpt = None, store: StoreOpt = None) -> None:
    """帮教、劝诫。"""
    _simple(store, case, "education", date, note=note, by=by)


@record_app.command("support")
@handle
def support(case: CaseArg,
            kind: Annotated[str, Opt("--kind", help="类别：study 学习 / assistance 帮扶 / medical 医疗 / employment 就业")],
            date: DateOpt = None,
            amount: Annotated[Optional[str], Opt("--amount", help="金额（元）")] = None,
            note: NoteOpt = None, by: ByOpt = None, store: StoreOpt = None) -> None:
    """学习、帮扶、医疗、就业。"""
    _simple(store, case, "support", date, kind=kind, amount=amount, note=note, by=by)


@record_app.command("evaluation")
@handle
def evaluation(case: CaseArg, date: DateOpt = None,
               kind: Annotated[Optional[str], Opt("--kind", help="intake 初次 / quarterly 季度 / yearly 年度（省略则计入最早的未完成评估）")] = None,
               result: Annotated[Optional[str], Opt("--result", help="评估结论")] = None,
               risk: Annotated[Optional[str], Opt("--risk", help="评定风险等级：low / medium / high")] = None,
               by: ByOpt = None, store: StoreOpt = None) -> None:
    """评估；--risk 更新风险等级。"""
    _simple(store, case, "evaluation", date, kind=kind, result=result, risk=risk, by=by)


@record_app.command("violation")
@handle
def violation(case: CaseArg,
              kind: Annotated[str, Opt("--kind", help="absence 擅自外出 / other 其他")],
              date: DateOpt = None,
              days: Annotated[Optional[str], Opt("--days", help="擅自外出天数")] = None,
              note: NoteOpt = None, store: StoreOpt = None) -> None:
    """违规行为，例如未经请假擅自离开。"""
    _simple(store, case, "violation", date, kind=kind, days=days, note=note)


@record_app.command("family-change")
@handle
def family_change(case: CaseArg, note: Annotated[str, Opt("--note", help="变故情况")], date: DateOpt = None,
                  store: StoreOpt = None) -> None:
    """家庭重大变故（7 日内必访）。"""
    _simple(store, case, "family-change", date, note=note)


@record_app.command("warning")
@handle
def warning(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """已制发告诫书（关闭最早的待办告诫事项）。"""
    _simple(store, case, "warning", date, note=note)


@record_app.command("violation-report")
@handle
def violation_report(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """已报送违法/违规行为报告（关闭最早的待办报告事项）。"""
    _simple(store, case, "violation-report", date, note=note)


@record_app.command("release-suggestion")
@handle
def release_suggestion(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """已向公安机关提出解除建议。"""
    _simple(store, case, "release-suggestion", date, note=note)


@app.command("void")
@handle
def void(case: CaseArg,
         event_id: Annotated[str, typer.Argument(help="要撤销的记录编号（aftercare show 时间线中的编号）")],
         reason: Annotated[Optional[str], Opt("--reason", help="撤销原因（必填）", show_default=False)] = None,
         by: Annotated[Optional[str], Opt("--by", help="撤销人（默认 git 用户名）", show_default=False)] = None,
         store: StoreOpt = None) -> None:
    """撤销一条录错的记录：记录保留在文件和历史中并标明已撤销，待办、文书、校验和统计都不再计入它。更正 = 撤销 + 重新记录。"""
    from aftercare.actions import void as void_actions

    show_result(void_actions.void_record(open_store(store), case, event_id, reason, today(), by=by))
