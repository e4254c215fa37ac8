"""due: the daily agenda."""


import json
from typing import Annotated, List, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import StoreOpt, handle, note, open_store, report_problems, say, table, today

Opt = typer.Option
FORMATS = ("table", "json", "csv", "ics")
STATUS_CN = {"overdue": "逾期", "due": "待办", "upcoming": "即将到期"}


@app.command("due")
@handle
def due(
    on: Annotated[Optional[str], Opt("--on", help="按某日查看（默认今天）")] = None,
    within: Annotated[Optional[int], Opt("--within", help="列出多少天内开始的事项（默认 7）")] = None,
    case: Annotated[Optional[str], Opt("--case", help="只看一个个案")] = None,
    worker: Annotated[Optional[str], Opt("--worker", help="只看某工作人员负责的个案")] = None,
    fmt: Annotated[str, Opt("--format", help="table / json / csv / ics")] = "table",
    store: Annotated[Optional[List[str]], Opt("--store", help="案卷库目录；可多次给出（县级汇总，只读）", show_default=False)] = None,
) -> None:
    """每日待办：逾期、待办与即将到期的事项，以及依据。"""
    from aftercare.actions.staff import require_worker
    from aftercare.views.agenda import agenda
    from aftercare.core.dates import parse_date
    from aftercare.core.errors import AftercareError, DataError
    from aftercare.core.ids import check_case_id

    if fmt not in FORMATS:
        raise AftercareError(f"输出格式“{fmt}”无效，应为 {' / '.join(FORMATS)}")
    if within is not None and within < 0:
        raise AftercareError("--within 不能为负数")
    if case:
        check_case_id(case)
    if store and len(store) > 1:           # a county: several offices' stores, read only
        return _county(store, on, within, case, worker, fmt)
    s = open_store(store[0] if store else None)
    now = today()
    day = parse_date(on, "--on") if on else now
    worker = require_worker(s, worker)
    lines, problems, years = agenda(s, day, within, case, worker, max(day, now))
    if problems and case:
        raise DataError(problems)
    for y in years:
        note(f"警告：缺少 {y} 年的法定节假日与调休数据，按周一至周五计算工作日，相关期限标为“暂定”；"
             f"请在 aftercare.yaml 的 calendar: 下补充 {y} 年的 holidays 与 workdays（国务院每年 11 月前后公布）")
    if fmt == "json":
        say(json.dumps([_record(ln) for ln in lines], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        say(_csv(lines))
    elif fmt == "ics":
        typer.echo(_ics(lines, day), nl=False)
    else:
        _table(lines, day)
    report_problems(problems)         # a damaged case never hides the others' agenda


def _county(stores, on, within, case, worker, fmt) -> None:
    from aftercare.cli.stats import open_county
    from aftercare.core.dates import parse_date
    from aftercare.core.errors import AftercareError
    from aftercare.views.county import county_agenda, county_due_output

    if fmt == "ics":
        raise AftercareError("多个案卷库汇总时不支持 ics 格式，请用 table、json 或 csv")
    now = today()
    day = parse_date(on, "--on") if on else now
    lines, problems, _years = county_agenda(open_county(stores), day, within, case, worker, max(day, now))
    say(county_due_output(lines, day, fmt))
    report_problems(problems)


def _record(ln) -> dict:
    it = ln.item
    return {
        "case": it.case, "name": ln.name, "worker": ln.worker, "kind": it.kind, "label": it.label, "status": it.status,
        "deadline": it.deadline.isoformat(), "window_start": it.window_start.isoformat() if it.window_start else None,
        "basis": it.basis, "document": it.document, "provisional": it.provisional,
    }


def _csv(lines) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["case", "name", "worker", "kind", "label", "status", "deadline", "window_start", "basis", "document", "provisional"])
    for ln in lines:
        r = _record(ln)
        w.writerow([r["case"], r["name"], r["worker"], r["kind"], r["label"], r["status"], r["deadline"],
                    r["window_start"] or "", r["basis"], r["document"] or "", "yes" if r["provisional"] else ""])
    return buf.getvalue().rstrip("\n")


def _ics(lines, day) -> str:
    """One VTODO per item. Names stay out (phones sync calendars to clouds): case ID and the duty only."""
    from icalendar import Calendar, Todo

    cal = Calendar()
    cal.add("prodid", "-//aftercare//社区戒毒康复待办//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"社区戒毒（康复）待办 {day.isoformat()}")
    for ln in lines:
        it = ln.item
        t = Todo()
        t.add("uid", f"{it.case}-{it.key or it.kind}-{it.deadline.isoformat()}@aftercare")
        t.add("summary", f"[{STATUS_CN[it.status]}] 个案 {it.case}：{it.label}")
        t.add("due", it.deadline)
        if it.window_start:
            t.add("dtstart", min(it.window_start, it.deadline))
        desc = it.basis + (f"；文书：第 {it.document} 号" if it.document else "") + ("；期限暂定" if it.provisional else "")
        t.add("description", desc)
        t.add("status", "NEEDS-ACTION")
        t.add("priority", {"overdue": 1, "due": 5, "upcoming": 9}[it.status])
        cal.add_component(t)
    return cal.to_ical().decode("utf-8")


def _table(lines, day) -> None:
    from aftercare.core.model import ITEM_KINDS

    if not lines:
        say(f"{day.isoformat()} 没有逾期、待办或即将到期的事项。")
        return
    groups = {"overdue": [], "due": [], "upcoming": []}
    for ln in lines:
        groups[ln.item.status].append(ln)
    for status, rows in groups.items():
        if not rows:
            continue
        say(f"【{STATUS_CN[status]}】{len(rows)} 项")
        out = []
        for ln in rows:
            it = ln.item
            delta = (it.deadline - day).days
            when = f"逾期{-delta}天" if delta < 0 else ("今天到期" if delta == 0 else f"剩{delta}天")
            if status == "upcoming" and it.window_start:
                when = f"{(it.window_start - day).days}天后开始"
            out.append([it.deadline.isoformat() + ("*" if it.provisional else ""), when, it.case, ln.name, ln.worker or "—",
                        ITEM_KINDS.get(it.kind, it.kind), f"第{it.document}号" if it.document else "—", it.basis])
        say(table(["期限", "时间", "编号", "姓名", "工作人员", "事项", "文书", "依据"], out))
        say()
    counts = "，".join(f"{STATUS_CN[k]} {len(v)}" for k, v in groups.items())
    say(f"{day.isoformat()}：{counts}" + ("（* 期限暂定）" if any(ln.item.provisional for ln in lines) else ""))
