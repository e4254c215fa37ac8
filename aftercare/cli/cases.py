"""init, case add / list, show, log, check."""


import json
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import STATE, FormatOpt, StoreOpt, check_format, emit, handle, note, open_store, report_problems, say, show_on_terminal, show_result, today, with_hint

case_app = typer.Typer(help="个案登记与名册", no_args_is_help=True)
app.add_typer(case_app, name="case")

Opt = typer.Option
FacilityOpt = Annotated[Optional[str], Opt("--facility", help="强制隔离戒毒所（isolation）")]
EnteredOpt = Annotated[Optional[str], Opt("--entered-on", help="入所日期（isolation）")]
ExpectedOpt = Annotated[Optional[str], Opt("--expected-release", help="预计解除（出所）日期（isolation，出所衔接据此提醒）")]
ReleasedOpt = Annotated[Optional[str], Opt("--released-on", help="上一措施结束或出所的日期（followup，后续照管自此起算）")]
ReleasedFromOpt = Annotated[Optional[str], Opt("--released-from", help="出所场所或上一措施（followup）")]
ReportedOpt = Annotated[Optional[str], Opt("--reported-on", help="报到日期（detox、rehab：期限自此起算）")]
NotifiedOpt = Annotated[Optional[str], Opt("--notified-on", help="决定书送达日期（detox、rehab：15 日报到期限自此起算）")]
DecisionNoOpt = Annotated[Optional[str], Opt("--decision-no", help="决定书文号")]
DecidedByOpt = Annotated[Optional[str], Opt("--decided-by", help="作出决定的公安机关")]
DecidedOnOpt = Annotated[Optional[str], Opt("--decided-on", help="决定日期")]
TermOpt = Annotated[Optional[int], Opt("--term-months", help="期限（月），社区康复可少于 36")]

# The facts of one measure, taken by `case add` and `case start` alike.
MEASURE_FACTS = ("reported_on", "notified_on", "decision_no", "decided_by", "decided_on", "term_months",
                 "facility", "entered_on", "expected_release", "released_on", "released_from")


def measure_facts(values: dict) -> dict:
    """The measure options of a command's arguments (pass `locals()`), as keywords for the action."""
    return {k: values[k] for k in MEASURE_FACTS}


@app.command("init")
@handle
def init_cmd(
    directory: Annotated[Path, typer.Argument(help="新案卷库的目录")],
    office: Annotated[str, Opt("--office", help="办公室名称")] = "社区戒毒（康复）工作办公室",
    township: Annotated[str, Opt("--township", help="乡镇（街道）")] = "",
    county: Annotated[str, Opt("--county", help="县（区）")] = "",
) -> None:
    """新建案卷库：git 仓库、aftercare.yaml、首次提交。"""
    from aftercare.store import init_store

    root = init_store(directory, office, township, county)
    say(f"已新建案卷库：{root}")


def _can_make(directory: Path) -> None:
    """Raise the OSError that making `directory` would meet, leaving nothing behind: the first missing
    folder of its path is made and removed again."""
    first = directory.absolute()
    while not first.parent.exists():
        first = first.parent
    if first.exists():
        return
    try:
        first.mkdir()
    except OSError as exc:
        exc.filename = str(directory)       # the folder the user named
        raise
    first.rmdir()


@app.command("demo")
@handle
def demo_cmd(directory: Annotated[Path, typer.Argument(help="新演示库的目录（不存在或为空）")]) -> None:
    """新建一个可写的演示案卷库（虚构人员，独立的 git 仓库，记录日期相对今天）。"""
    from aftercare.actions import demo
    from aftercare.core.errors import AftercareError

    if directory.exists() and not directory.is_dir():
        raise AftercareError(f"“{directory}”是一个文件，不是文件夹，请指定一个新目录", code="exists")
    if directory.exists() and any(directory.iterdir()):
        raise AftercareError(f"“{directory}”已存在且不为空，请指定一个新目录", code="exists")
    _can_make(directory)                 # a refusal is one line: checked before the progress line
    note("正在生成演示库（每条记录一次提交，约需半分钟）……")
    stats = demo.build(directory, today())
    say(f"已新建演示库：{directory}（{stats['cases']} 名虚构人员，{stats['commits']} 次提交）")
    say(f"试试：aftercare due --store {directory}")


@case_app.command("add")
@handle
def case_add(
    name: Annotated[str, Opt("--name", help="姓名")],
    id_number: Annotated[str, Opt("--id-number", help="18 位身份证号（校验位按 GB 11643 检查）")],
    measure: Annotated[str, Opt("--measure", help="措施：detox 社区戒毒 / rehab 社区康复 / isolation 强制隔离戒毒 / followup 后续照管")],
    reported_on: ReportedOpt = None,
    notified_on: NotifiedOpt = None,
    decision_no: DecisionNoOpt = None,
    decided_by: DecidedByOpt = None,
    decided_on: DecidedOnOpt = None,
    phone: Annotated[Optional[str], Opt("--phone", help="联系电话")] = None,
    address: Annotated[Optional[str], Opt("--address", help="现住址")] = None,
    household: Annotated[Optional[str], Opt("--household", help="户籍：local 本地 / nonlocal 外地")] = None,
    risk: Annotated[Optional[str], Opt("--risk", help="风险等级：low / medium / high")] = None,
    term_months: TermOpt = None,
    worker: Annotated[Optional[str], Opt("--worker", help="责任工作人员")] = None,
    case_id: Annotated[Optional[str], Opt("--id", help="指定个案编号（默认 年份-序号）")] = None,
    facility: FacilityOpt = None,
    entered_on: EnteredOpt = None,
    expected_release: ExpectedOpt = None,
    released_on: ReleasedOpt = None,
    released_from: ReleasedFromOpt = None,
    store: StoreOpt = None,
) -> None:
    """登记一名人员及其第一项措施；最后一行输出个案编号。"""
    from aftercare.actions import cases

    s = open_store(store)
    res = cases.add_case(s, name=name, id_number=id_number, measure=measure, today=today(), phone=phone,
                         address=address, household=household, risk=risk, worker=worker, case_id=case_id,
                         **measure_facts(locals()))
    show_result(res, res.case)


@case_app.command("set")
@handle
def case_set(
    case: Annotated[str, typer.Argument(help="个案编号")],
    phone: Annotated[Optional[str], Opt("--phone", help="联系电话")] = None,
    address: Annotated[Optional[str], Opt("--address", help="现住址")] = None,
    worker: Annotated[Optional[str], Opt("--worker", help="责任工作人员")] = None,
    name: Annotated[Optional[str], Opt("--name", help="姓名（更正）")] = None,
    household: Annotated[Optional[str], Opt("--household", help="户籍：local / nonlocal")] = None,
    risk: Annotated[Optional[str], Opt("--risk", help="风险等级：low / medium / high")] = None,
    reported_on: Annotated[Optional[str], Opt("--reported-on", help="更正报到日期（原报到记录作废并重记）")] = None,
    notified_on: Annotated[Optional[str], Opt("--notified-on", help="更正决定书送达日期")] = None,
    term_months: Annotated[Optional[int], Opt("--term-months", help="更正期限（月）")] = None,
    measure: Annotated[Optional[str], Opt("--measure", help="更正措施：detox / rehab")] = None,
    decision_no: Annotated[Optional[str], Opt("--decision-no", help="更正决定书文号")] = None,
    decided_by: Annotated[Optional[str], Opt("--decided-by", help="更正决定机关")] = None,
    decided_on: Annotated[Optional[str], Opt("--decided-on", help="更正决定日期")] = None,
    id_number: Annotated[Optional[str], Opt("--id-number", help="更正身份证号（性别、出生日期随之更正）")] = None,
    reason: Annotated[Optional[str], Opt("--reason", help="更正原因：更正报到/决定日期、期限、措施、身份证号时必填")] = None,
    measure_no: Annotated[Optional[int], Opt("--measure-no", help="更正第几项措施的报到/决定日期、期限、措施（默认当前即最后一项；序号见 show 的“措施经过”）")] = None,
    alias: Annotated[Optional[str], Opt("--alias", help="别名、绰号")] = None,
    ethnicity: Annotated[Optional[str], Opt("--ethnicity", help="民族")] = None,
    education: Annotated[Optional[str], Opt("--education", help="文化程度")] = None,
    marital: Annotated[Optional[str], Opt("--marital", help="婚姻状况")] = None,
    employment: Annotated[Optional[str], Opt("--employment", help="就业情况")] = None,
    employer: Annotated[Optional[str], Opt("--employer", help="工作单位")] = None,
    household_address: Annotated[Optional[str], Opt("--household-address", help="户籍地址")] = None,
    household_police: Annotated[Optional[str], Opt("--household-police", help="户籍地派出所")] = None,
    residence_police: Annotated[Optional[str], Opt("--residence-police", help="现住地派出所")] = None,
    drug_type: Annotated[Optional[List[str]], Opt("--drug-type", help="毒品种类（可重复）：heroin / methamphetamine / ketamine / cannabis / other")] = None,
    intake_method: Annotated[Optional[str], Opt("--intake-method", help="吸食方式")] = None,
    first_use: Annotated[Optional[str], Opt("--first-use", help="首次吸毒时间 YYYY 或 YYYY-MM")] = None,
    prior_isolations: Annotated[Optional[int], Opt("--prior-isolations", help="既往强制隔离戒毒次数")] = None,
    police_officer: Annotated[Optional[str], Opt("--police-officer", help="责任民警")] = None,
    police_phone: Annotated[Optional[str], Opt("--police-phone", help="民警电话")] = None,
    expected_release: ExpectedOpt = None,
    store: StoreOpt = None,
) -> None:
    """修改个案基本信息、基本情况登记表各项、预计解除日期，或更正驱动期限的事实（须 --reason，记入更正记录与提交说明）；case.yaml 中的注释与手工字段保留。"""
    from aftercare.actions import cases
    from aftercare.core.errors import AftercareError

    person = {"alias": alias, "ethnicity": ethnicity, "education": education, "marital": marital,
              "employment": employment, "employer": employer, "household_address": household_address,
              "household_police": household_police, "residence_police": residence_police,
              "intake_method": intake_method, "police_officer": police_officer, "police_phone": police_phone}
    path = {"drug_types": drug_type or None, "first_use": first_use, "prior_isolations": prior_isolations,
            "expected_release": expected_release}
    core = {"phone": phone, "address": address, "worker": worker, "name": name, "household": household, "risk": risk,
            "reported_on": reported_on, "notified_on": notified_on, "term_months": term_months, "measure": measure,
            "decision_no": decision_no, "decided_by": decided_by, "decided_on": decided_on, "id_number": id_number}
    if any(v is not None for v in (*person.values(), *path.values())):
        if any(v is not None for v in (*core.values(), measure_no)):
            raise AftercareError("基本信息、更正事项与登记表各项请分两次修改")
        from aftercare.actions import pathway

        show_result(pathway.set_person(open_store(store), case, today(), **path, **person))
        return
    show_result(cases.set_case(open_store(store), case, today(), reason=reason, measure_no=measure_no, **core))


@case_app.command("list")
@handle
def case_list(
    worker: Annotated[Optional[str], Opt("--worker", help="只看某工作人员负责的个案")] = None,
    status: Annotated[Optional[str], Opt("--status", help="只看某状态：awaiting / detox / rehab / isolation / followup / suspended / lost / clean / closed（本人所处阶段），或 active / released / terminated / transferred（社区措施的状态）")] = None,
    fmt: Annotated[str, Opt("--format", help="table / json / csv（Excel 可直接打开）/ xlsx")] = "table",
    output: Annotated[Optional[str], Opt("--output", "-o", help="写入文件（xlsx 须用此项或重定向）", show_default=False)] = None,
    store: StoreOpt = None,
) -> None:
    """个案名册：编号、姓名、措施、工作人员、状态、期限、记录数。"""
    from aftercare.actions.staff import require_worker
    from aftercare.core import model as M
    from aftercare.views.agenda import summaries
    from aftercare.core.errors import AftercareError

    if status is not None:
        states = {**M.STATUS_LABELS, **M.STATES}
        code = M.code_of(status, states)
        if code is None:
            raise AftercareError(f"状态“{status}”无效，应为 {'、'.join(f'{k}（{v}）' for k, v in states.items())} 之一")
        status = code
    check_format(fmt, ("table", "json", "csv", "xlsx"))
    s = open_store(store)
    day = today()
    worker = require_worker(s, worker)
    sums, problems = summaries(s, day, 0, None, worker, day)
    if status:
        sums = [x for x in sums if (x.state if status in M.STATES else x.status) == status]
    if fmt == "json":
        say(json.dumps([{
            "case": x.cid, "name": x.name, "measure": x.current, "worker": x.worker, "status": x.status, "state": x.state,
            "start": x.start.isoformat() if x.start else None, "last_day": x.last_day.isoformat() if x.last_day else None,
            "risk": x.risk, "counts": {**x.counts, "overdue": x.overdue_on(day)},
        } for x in sums], ensure_ascii=False, indent=2))
        report_problems(problems)
        return
    if fmt in ("csv", "xlsx"):
        from aftercare.cli import export

        rows = export.register_rows(sums, day)
        emit(export.table_bytes(fmt, "名册", export.REGISTER_HEADERS, rows, [bool(r[-1]) for r in rows]), output)
        report_problems(problems)
        return
    if not sums:
        say("名册为空" if not (worker or status) else "没有符合条件的个案")
        report_problems(problems)
        return
    show_on_terminal("register", sums, day)
    report_problems(problems)


@app.command("show")
@handle
def show_cmd(
    case: Annotated[str, typer.Argument(help="个案编号")],
    fmt: FormatOpt = "table",
    on: Annotated[Optional[str], Opt("--on", help="按某日查看（默认今天）")] = None,
    store: StoreOpt = None,
) -> None:
    """一个个案：基本情况、期限、时间线、履行情况（各项已完成/逾期/已说明/待办）。"""
    from aftercare.core.dates import parse_date
    from aftercare.core.errors import AftercareError
    from aftercare.views.show import case_report

    check_format(fmt, ("table", "json"))
    s = open_store(store)
    now = today()
    day = parse_date(on, "--on") if on else now
    rep = case_report(s, case, day, max(day, now))
    if fmt == "json":
        say(json.dumps(rep, ensure_ascii=False, indent=2, default=str))
    else:
        show_on_terminal("case_report", rep)


@app.command("log")
@handle
def log_cmd(
    case: Annotated[Optional[str], typer.Argument(help="个案编号（省略则显示全部）")] = None,
    limit: Annotated[int, Opt("--limit", help="最多显示条数")] = 200,
    store: StoreOpt = None,
) -> None:
    """审计轨迹（来自 git）：时间、记录人、做了什么。"""
    from aftercare.views.log import audit_log

    s = open_store(store)
    rows = audit_log(s, case, limit)
    if not rows:
        say("没有记录")
        return
    show_on_terminal("audit", rows)


@app.command("migrate")
@handle
def migrate_cmd(store: StoreOpt = None) -> None:
    """把旧式存放的个案文件夹（cases/<编号>/）移入分组文件夹（cases/<分组>/<编号>/），单独一次提交；任一写入命令也会先自动完成这一步。"""
    from aftercare.actions import cases as actions

    show_result(actions.migrate(open_store(store)))


@app.command("check")
@handle
def check_cmd(fmt: FormatOpt = "table", store: StoreOpt = None) -> None:
    """校验整个案卷库：每个问题一行“文件:行: 说明  提示：怎么改”；有问题时退出码为 1；警告（如地区码不在行政区划代码中）只提示。"""
    from aftercare.cli import answers
    from aftercare.core.errors import DataError
    from aftercare.views.check import check_store

    check_format(fmt, ("table", "json"))
    warnings: list = []
    s = None
    try:
        s = open_store(store)
        kept = answers.check_begins(s)
        problems = check_store(s, today(), warnings)
    except DataError as exc:
        problems = exc.problems
    out, err = [], []
    if fmt == "json":
        def rows(ps):
            return [{"path": p.path, "line": p.line, "code": p.code, "message": p.message, "hint": p.hint} for p in ps]

        out.append(json.dumps({"problems": rows(problems), "warnings": rows(warnings)}, ensure_ascii=False, indent=2))
        say(out[-1])
    else:
        for w in warnings:
            out.append(with_hint(f"{w.path}:{w.line}: 警告：{w.message}", w.hint))
            say(out[-1])
        if warnings:
            err.append(f"共 {len(warnings)} 处警告（不是错误，请核对）。")
            note(err[-1])
        for p in problems:
            say(with_hint(str(p), p.hint))
        if problems:
            note(f"共 {len(problems)} 处问题。修正上述文件后再运行 aftercare check。")
    if problems:
        raise typer.Exit(1)
    if s is not None:            # a clean store: the same check again is answered until anything changes
        answers.keep_check(s, kept, fmt, today(), "".join(x + "\n" for x in out), "".join(x + "\n" for x in err))
