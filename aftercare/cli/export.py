"""Exports that open where people open them: iCalendar for phones, CSV for Excel, xlsx.

- ICS (RFC 5545): all-day VEVENTs by default (phones show events, not to-dos), VTODOs with
  `--ics-todo`. Each duty's UID comes from the case and the duty's stable key (its window or the
  record that triggered it), never from its deadline, so a suspension that moves a deadline updates
  the event on re-import instead of duplicating it. No names, and no health or breach details
  (the rule behind a warning or a report to the police tells both) unless `--detail`.
- CSV: UTF-8 with a BOM (Excel on Chinese Windows otherwise reads GBK), Chinese headers, codes as words.
- xlsx (openpyxl, imported only here): header row, column widths, overdue rows marked.

`table_bytes` is the one CSV/xlsx writer: due, case list, stats (and `--cases`) and a county's due use it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from aftercare.cli.text import width
from aftercare.core import model as M

STATUS_CN = {"overdue": "逾期", "due": "待办", "upcoming": "即将到期"}
# duties whose rule text is a schedule (no health, breach or family facts): the rule may go on a phone
PLAIN_RULE_KINDS = {"test", "visit", "report", "education", "evaluation", "report-in", "release-suggestion",
                    "transfer-form", "transfer-report-in", "archive-transfer"}
GENERIC_RULE = {
    "warning": "对违反协议的行为书面告诫（第11号文书）",
    "violation-report": "在规定时限内向公安机关报送违法/违规行为报告（第12号文书）",
    "leave-return": "准假外出期满，按时销假",
    "delegated-test-result": "委托外地公安机关检测的结果，在规定工作日内反馈",
    "birthday-visit": "三必访：生日当月走访",
    "security-visit": "三必访：重大安保期走访",
    "family-change-visit": "三必访：家庭重大变故后走访",
}
AGENDA_HEADERS = ["个案编号", "姓名", "工作人员", "事项", "状态", "期限", "开始日期", "依据", "文书", "期限暂定"]


def agenda_rows(lines) -> list:
    rows = []
    for ln in lines:
        it = ln.item
        rows.append([it.case, ln.name, ln.worker or "", M.ITEM_KINDS.get(it.kind, it.kind), STATUS_CN[it.status],
                     it.deadline, it.window_start or "", it.basis, f"第{it.document}号" if it.document else "",
                     "是" if it.provisional else ""])
    return rows


REGISTER_HEADERS = ["个案编号", "姓名", "措施", "工作人员", "状态", "开始日期", "期满日期", "风险等级", "检测", "访谈",
                    "报告", "拒绝/逃避检测", "擅自外出", "逾期事项"]


def register_rows(sums, day: date) -> list:
    rows = []
    for x in sums:
        c = x.counts
        rows.append([x.cid, x.name, M.MEASURES.get(x.current, x.current), x.worker or "",
                     M.STATES.get(x.state, x.state), x.start or "", x.last_day or "", M.RISKS.get(x.risk, x.risk or ""),
                     c["tests"], c["visits"], c["reports"], c["refusals"], c["absences"], x.overdue_on(day)])
    return rows


def csv_bytes(headers: list, rows: list) -> bytes:
    """CSV that Excel opens correctly on Chinese Windows: UTF-8 with a byte-order mark, CRLF lines, dates as
    YYYY-MM-DD, None as an empty cell."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for r in rows:
        w.writerow([v.isoformat() if isinstance(v, date) else v for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, headers: list, rows: list, marked: list | None = None, caption: str | None = None) -> bytes:
    """An xlsx workbook: bold frozen header row (under a one-cell `caption` line when given), widths fitted to
    the content, marked rows in red on pink, dates as dates."""
    import io

    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter
    except ImportError:
        from aftercare.core.errors import AftercareError

        raise AftercareError("无法生成 xlsx：缺少 openpyxl（pip install openpyxl）", code="no-xlsx") from None

    wb = Workbook()
    ws = wb.active
    ws.title = title
    if caption:
        ws.append([caption])
    ws.append(headers)
    head = ws.max_row
    for cell in ws[head]:
        cell.font = Font(bold=True)
    fill, red = PatternFill("solid", fgColor="FFC7CE"), Font(color="9C0006")
    for i, r in enumerate(rows):
        ws.append(list(r))
        if marked and marked[i]:
            for cell in ws[ws.max_row]:
                cell.fill, cell.font = fill, red
    for j, h in enumerate(headers, start=1):
        values = [h] + [r[j - 1] for r in rows]
        widest = max(width("" if v is None else v.isoformat() if isinstance(v, date) else str(v)) for v in values)
        ws.column_dimensions[get_column_letter(j)].width = min(max(widest + 2, 6), 60)
        for row in ws.iter_rows(min_row=head + 1, min_col=j, max_col=j):
            if isinstance(row[0].value, date):
                row[0].number_format = "yyyy-mm-dd"
    ws.freeze_panes = f"A{head + 1}"
    ws.auto_filter.ref = f"A{head}:{get_column_letter(len(headers))}{ws.max_row}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_bytes(fmt: str, title: str, headers: list, rows: list, marked: list | None = None,
                caption: str | None = None) -> bytes:
    """The one writer of every CSV and xlsx export (due, case list, stats, a county's due): `fmt` csv or xlsx."""
    if fmt == "csv":
        return csv_bytes(headers, rows)
    return xlsx_bytes(title, headers, rows, marked, caption)


def uid(it) -> str:
    """A duty's UID: case + the duty's stable key (window index, trigger record), never its deadline."""
    key = it.key or f"{it.kind}:{(it.window_start or it.deadline).isoformat()}"
    return re.sub(r"[^A-Za-z0-9.-]", "-", f"{it.case}.{key}") + "@aftercare"


def describe(ln, detail: bool) -> tuple[str, str]:
    """(summary, description) of one duty for a calendar."""
    it = ln.item
    who = f"{it.case} {ln.name}" if detail and ln.name else f"个案 {it.case}"
    summary = f"[{STATUS_CN[it.status]}] {who}：{it.label}"
    if detail or it.kind in PLAIN_RULE_KINDS:
        rule = it.basis
    else:
        rule = GENERIC_RULE.get(it.kind, it.label) + f"（详情：aftercare show {it.case}）"
    parts = [f"应办：{it.label}，期限 {it.deadline.isoformat()}" + ("（暂定）" if it.provisional else ""),
             f"依据：{rule}"]
    if it.document:
        parts.append(f"文书：第 {it.document} 号")
    if detail and ln.worker:
        parts.append(f"工作人员：{ln.worker}")
    return summary, "\n".join(parts)


def ics_text(lines, day: date, todo: bool = False, detail: bool = False, now: datetime | None = None) -> str:
    from icalendar import Calendar, Event, Todo

    stamp = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", "-//aftercare//社区戒毒康复待办//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"社区戒毒（康复）待办 {day.isoformat()}")
    for ln in lines:
        it = ln.item
        summary, desc = describe(ln, detail)
        comp = Todo() if todo else Event()
        comp.add("uid", uid(it))
        comp.add("dtstamp", stamp)
        comp.add("summary", summary)
        comp.add("description", desc)
        comp.add("categories", [STATUS_CN[it.status]])
        if todo:
            if it.window_start and it.window_start <= it.deadline:
                comp.add("dtstart", it.window_start)
            comp.add("due", it.deadline)
            comp.add("status", "NEEDS-ACTION")
            comp.add("priority", {"overdue": 1, "due": 5, "upcoming": 9}[it.status])
        else:
            comp.add("dtstart", it.deadline)                  # all day, on the deadline
            comp.add("dtend", it.deadline + timedelta(days=1))
            comp.add("transp", "TRANSPARENT")
        cal.add_component(comp)
    return cal.to_ical().decode("utf-8")
