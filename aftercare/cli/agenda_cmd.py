"""due: the daily agenda."""


import json
import sys
from typing import Annotated, List, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import (StoreOpt, check_format, emit, handle, is_tty, note, open_store, report_problems, say,
                                  show_on_terminal, today)

Opt = typer.Option
FORMATS = ("table", "json", "csv", "xlsx", "ics")


@app.command("due")
@handle
def due(
    on: Annotated[Optional[str], Opt("--on", help="按某日查看（默认今天）")] = None,
    within: Annotated[Optional[int], Opt("--within", help="列出多少天内开始的事项（默认 7）")] = None,
    case: Annotated[Optional[str], Opt("--case", help="只看一个个案")] = None,
    worker: Annotated[Optional[str], Opt("--worker", help="只看某工作人员负责的个案")] = None,
    fmt: Annotated[str, Opt("--format", help="table / json / csv（Excel 可直接打开）/ xlsx / ics（日历）")] = "table",
    limit: Annotated[Optional[int], Opt("--limit", help="最多列出多少项（按逾期、待办、即将到期排序后截取；--brief 时为多少人）")] = None,
    brief: Annotated[bool, Opt("--brief", help="简要：每人一行，列出逾期事项与本周到期事项")] = False,
    ics_todo: Annotated[bool, Opt("--ics-todo", help="ics 中用待办（VTODO）代替全天日程（VEVENT）")] = False,
    detail: Annotated[bool, Opt("--detail", help="ics 中写入姓名与违规、检测等细节（默认不写，日历常同步到云端）")] = False,
    output: Annotated[Optional[str], Opt("--output", "-o", help="写入文件（xlsx 须用此项或重定向）", show_default=False)] = None,
    store: Annotated[Optional[List[str]], Opt("--store", help="案卷库目录；可多次给出（县级汇总，只读）", show_default=False)] = None,
) -> None:
    """每日待办：逾期、待办与即将到期的事项，以及依据。"""
    from aftercare.actions.staff import require_worker
    from aftercare.views.agenda import agenda
    from aftercare.core.dates import parse_date
    from aftercare.core.errors import AftercareError, DataError
    from aftercare.core.ids import check_case_id

    check_format(fmt, FORMATS)
    if within is not None and within < 0:
        raise AftercareError("--within 不能为负数")
    if limit is not None and limit < 1:
        raise AftercareError("--limit 应为 1 以上的整数")
    if brief and fmt != "table":
        raise AftercareError("--brief 只用于表格输出，不能与 --format 一起使用")
    if (ics_todo or detail) and fmt != "ics":
        raise AftercareError("--ics-todo 与 --detail 只用于 --format ics")
    if case:
        check_case_id(case)
    if store and len(store) > 1:           # a county: several offices' stores, read only
        return _county(store, on, within, case, worker, fmt, output)
    s = open_store(store[0] if store else None)
    now = today()
    day = parse_date(on, "--on") if on is not None else now
    worker = require_worker(s, worker)
    seen: dict = {}
    lines, problems, years = agenda(s, day, within, case, worker, max(day, now), seen=seen)
    if problems and case:
        raise DataError(problems)
    for y in years:
        note(f"警告：缺少 {y} 年的法定节假日与调休数据，按周一至周五计算工作日，相关期限标为“暂定”；"
             f"请在 aftercare.yaml 的 calendar: 下补充 {y} 年的 holidays 与 workdays（国务院每年 11 月前后公布）")
    hidden = 0
    if limit is not None and not brief and len(lines) > limit:
        hidden = len(lines) - limit
        lines = lines[:limit]
    if fmt == "json":
        emit(json.dumps([_record(ln) for ln in lines], ensure_ascii=False, indent=2), output)
    elif fmt in ("csv", "xlsx"):
        from aftercare.cli import export

        rows = export.agenda_rows(lines)
        emit(export.table_bytes(fmt, "待办", export.AGENDA_HEADERS, rows, [ln.item.status == "overdue" for ln in lines]),
             output)
    elif fmt == "ics":
        from aftercare.cli import export

        emit(export.ics_text(lines, day, todo=ics_todo, detail=detail).encode("utf-8"), output)
    elif brief:
        from aftercare.cli import present

        show_on_terminal(present.brief, lines, day, limit)
    elif not (limit is not None or problems or years or s.notices or is_tty()):
        from aftercare.cli import answers     # a plain agenda to a pipe or a file: kept for the next `due`

        sys.stdout.write(answers.keep_and_compose(s, lines, day, within, worker, case, max(day, now), seen))
        sys.stdout.flush()
    else:
        from aftercare.cli import present

        show_on_terminal(present.agenda, lines, day, hidden)
    report_problems(problems)         # a damaged case never hides the others' agenda


def _county(stores, on, within, case, worker, fmt, output) -> None:
    from aftercare.cli.stats import open_county
    from aftercare.core.dates import parse_date
    from aftercare.core.errors import AftercareError
    from aftercare.views.county import county_agenda, county_due_output

    if fmt == "ics":
        raise AftercareError("多个案卷库汇总时不支持 ics 格式，请用 table、json、csv 或 xlsx")
    now = today()
    day = parse_date(on, "--on") if on is not None else now
    lines, problems, _years = county_agenda(open_county(stores), day, within, case, worker, max(day, now))
    emit(county_due_output(lines, day, fmt), output)
    report_problems(problems)


def _record(ln) -> dict:
    it = ln.item
    return {
        "case": it.case, "name": ln.name, "worker": ln.worker, "kind": it.kind, "label": it.label, "status": it.status,
        "deadline": it.deadline.isoformat(), "window_start": it.window_start.isoformat() if it.window_start else None,
        "basis": it.basis, "document": it.document, "provisional": it.provisional,
    }
