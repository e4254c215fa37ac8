"""How the agenda, the register, one case and the audit trail look in a terminal (presentation only)."""

from __future__ import annotations

from datetime import date, timedelta

from aftercare.cli.output import Sink, para, table
from aftercare.core import model as M

STATUS_CN = {"overdue": "逾期", "due": "待办", "upcoming": "即将到期"}


def row_style(it, day: date) -> str | None:
    """Overdue red, due today bold, upcoming dim (applied only where colour is on)."""
    if it.status == "overdue":
        return "red"
    if it.status == "due" and it.deadline == day:
        return "bold"
    if it.status == "upcoming":
        return "dim"
    return None


def when_text(it, day: date) -> str:
    delta = (it.deadline - day).days
    if it.status == "upcoming" and it.window_start:
        return f"{(it.window_start - day).days}天后开始"
    return f"逾期{-delta}天" if delta < 0 else ("今天到期" if delta == 0 else f"剩{delta}天")


AGENDA_HEADERS = ["期限", "时间", "编号", "姓名", "工作人员", "事项", "文书", "依据"]
AGENDA_TABLE = {"flex": (5, 7), "fold": 7}
AGENDA_GROUPS = ("overdue", "due", "upcoming")


def agenda_cells(ln, day: date) -> list:
    """One agenda row's cells as text."""
    it = ln.item
    return [it.deadline.isoformat() + ("*" if it.provisional else ""), when_text(it, day), it.case, ln.name,
            ln.worker or "—", M.ITEM_KINDS.get(it.kind, it.kind), f"第{it.document}号" if it.document else "—", it.basis]


def agenda_title(status: str, n) -> str:
    return f"【{STATUS_CN[status]}】{n} 项"


def agenda_empty(day: date) -> str:
    return f"{day.isoformat()} 没有逾期、待办或即将到期的事项。"


def agenda_total(day: date, counts: dict, hidden: int = 0, provisional: bool = False) -> str:
    """The closing line: how many of each (`counts` by status)."""
    text = "，".join(f"{STATUS_CN[k]} {counts[k]}" for k in AGENDA_GROUPS)
    more = f"；另有 {hidden} 项未列出（--limit）" if hidden else ""
    return f"{day.isoformat()}：{text}{more}" + ("（* 期限暂定）" if provisional else "")


def agenda(sink: Sink, lines: list, day: date, hidden: int = 0) -> None:
    """The agenda grouped overdue → due → upcoming; the rule folds under its row when the terminal is narrow."""
    if not lines:
        sink.write(agenda_empty(day))
        return
    groups = {k: [] for k in AGENDA_GROUPS}
    for ln in lines:
        groups[ln.item.status].append(ln)
    for status, rows in groups.items():
        if not rows:
            continue
        sink.write(agenda_title(status, len(rows)), "bold")
        table(sink, AGENDA_HEADERS, [agenda_cells(ln, day) for ln in rows], styles=[row_style(ln.item, day) for ln in rows],
              **AGENDA_TABLE)
        sink.write()
    sink.write(agenda_total(day, {k: len(v) for k, v in groups.items()}, hidden, any(ln.item.provisional for ln in lines)))


def brief(sink: Sink, lines: list, day: date, limit: int | None = None) -> None:
    """One line per person: what is overdue, and what falls due by the end of this week (Sunday).
    `limit`: the first N persons (most overdue first); the closing line still counts everyone."""
    week_end = day + timedelta(days=6 - day.weekday())
    people: dict = {}
    for ln in lines:
        it = ln.item
        if it.status == "overdue" or it.deadline <= week_end:
            people.setdefault(it.case, (ln, [], []))[1 if it.status == "overdue" else 2].append(it)
    if not people:
        sink.write(f"{day.isoformat()} 没有逾期事项，本周（至 {week_end.isoformat()}）也没有到期事项。")
        return
    order = sorted(people.values(), key=lambda p: (-len(p[1]), p[0].item.case))
    shown = order if limit is None else order[:limit]
    for ln, late, week in shown:
        parts = []
        if late:
            parts.append("逾期：" + "、".join(f"{i.label}（{(day - i.deadline).days}天）" for i in late))
        if week:
            parts.append("本周：" + "、".join(f"{i.label}（{i.deadline.month}月{i.deadline.day}日）" for i in week))
        head = f"{ln.item.case} {ln.name}" + (f"（{ln.worker}）" if ln.worker else "")
        para(sink, f"{head}  {'；'.join(parts)}", hang=4, style="red" if late else None)
    n_late = sum(1 for p in order if p[1])
    more = f"；另有 {len(order) - len(shown)} 人未列出（--limit）" if len(shown) < len(order) else ""
    sink.write(f"{day.isoformat()}：{len(order)} 人有事项，其中 {n_late} 人有逾期（本周至 {week_end.isoformat()}）{more}")


def register(sink: Sink, sums: list, day: date) -> None:
    """The register; the counts fold onto a line under each person when the terminal is narrower than ~105."""
    rows, styles = [], []
    for x in sums:
        period = f"{x.start}至{x.last_day}" if x.start and x.last_day else (f"{x.start}起（中止中）" if x.start else "未报到")
        if x.current not in M.COMMUNITY_MEASURES:
            period = "—"
        c = x.counts
        late = x.overdue_on(day)
        rows.append([x.cid, x.name, M.MEASURES.get(x.current, x.current), x.worker or "—",
                     M.STATES.get(x.state, x.state), period, late or "",
                     f"检{c['tests']} 访{c['visits']} 报{c['reports']}；拒检{c['refusals']} 擅离{c['absences']}"])
        styles.append("red" if late else None)
    table(sink, ["编号", "姓名", "措施", "工作人员", "状态", "期限", "逾期", "记录与违规"], rows, flex=(5,), fold=7,
          styles=styles)
    sink.write(f"共 {len(sums)} 人")


def audit(sink: Sink, rows: list) -> None:
    """The audit trail: the Chinese action, with the English commit message under it."""
    from aftercare.cli.auditlog import describe

    table(sink, ["时间", "记录人", "操作"], [[r["when"], r["author"], f"{describe(r['subject'])}\n{r['subject']}"]
                                         for r in rows], flex=(2,))


def case_report(sink: Sink, r: dict) -> None:
    p, v = r["period"], r["violations"]
    term = f"{r['measure_label']} {r['term_months']} 个月  状态：{r['status_label']}" if r["term_months"] else ""
    para(sink, f"个案 {r['case']}  {r['name']}（{r['sex']}，{r['birth_date']} 生）  {term}  当前：{r['state_label']}",
         hang=2, style="bold")
    para(sink, f"工作人员：{r['worker'] or '—'}  风险等级：{M.RISKS.get(r['risk'], r['risk'])}  电话：{r['phone'] or '—'}  "
               f"住址：{r['address'] or '—'}", hang=2)
    dec = r["decision"]
    if any(dec.values()):
        parts = [f"决定书：{dec['number'] or '—'}", dec["decided_by"] or "",
                 f"决定 {dec['decided_on']}" if dec["decided_on"] else "", f"送达 {dec['notified_on']}" if dec["notified_on"] else ""]
        para(sink, "  ".join(x for x in parts if x), hang=2)
    if p["start"]:
        end = p["last_day"] or "（中止中，待定）"
        extra = f"（含中止顺延 {p['suspended_days']} 日）" if p["suspended_days"] else ""
        left = f"，剩 {p['days_left']} 日" if p["days_left"] is not None and p["days_left"] >= 0 and not p["closed_on"] else ""
        para(sink, f"期限：{p['start']} 至 {end}{extra}{left}", hang=2)
    else:
        sink.write("期限：尚未报到")
    if p["closed_on"]:
        sink.write(f"结束：{p['closed_on']}（{r['status_label']}）")
    for s in r["suspensions"]:
        sink.write(f"中止：{s['from']} 至 {s['to'] or '（未恢复）'}（{M.SUSPEND_REASONS.get(s['reason'], s['reason'])}）")
    if len(r["measures"]) > 1 or r["prior_isolations"] or r["lost"]["periods"] or r["methadone"]["periods"]:
        from aftercare.views.show import _path_lines

        for ln in _path_lines(r):
            para(sink, ln, hang=2)
    breach = "；已构成严重违反协议" if v["serious_breach"] else ""
    para(sink, f"违规：拒绝/逃避检测 {v['refusals']} 次；擅自外出 {v['absences']} 次，累计 {v['absence_days']} 日{breach}",
         hang=2, style="red" if breach else None)
    sink.write()
    sink.write("履行情况（截至 %s）" % r["day"])
    rows = [[M.ITEM_KINDS.get(k, k), c["satisfied"], c.get("makeup", 0) or "", c["overdue"], c["explained"], c["due"],
             c["upcoming"]] for k, c in r["compliance"].items()]
    if rows:
        table(sink, ["事项", "已完成", "其中补检", "逾期", "已说明", "当前待办", "尚未开始"], rows, flex=(0,),
              styles=["red" if row[3] else None for row in rows])
    else:
        sink.write("（无）")
    day = r["day"]
    if r["open_items"]:
        sink.write()
        sink.write("待办：")
        st = {"overdue": "逾期", "due": "待办", "upcoming": "将到"}
        for it in r["open_items"]:
            style = {"overdue": "red", "upcoming": "dim"}.get(it["status"]) or ("bold" if it["deadline"] == day else None)
            para(sink, f"[{st[it['status']]}] {it['deadline']} {it['label']} — {it['basis']}", indent=2, hang=4, style=style)
    if r["gaps"]:
        sink.write()
        sink.write("已说明的缺口：")
        for g in r["gaps"]:
            para(sink, f"{M.ITEM_KINDS.get(g['kind'], g['kind'])}（期限 {g['deadline']}）：{g['reason']}", indent=2, hang=4)
    if r.get("corrections"):
        sink.write()
        sink.write("更正记录：")
        for c in r["corrections"]:
            who = f"，{c['by']}" if c.get("by") else ""
            what = M.CASE_FIELD_LABELS.get(c["field"], c["field"])
            if c.get("measure"):
                what = f"第{c['measure']}项措施{what}"
            para(sink, f"{c['date']}  {what}：{M.field_word(c['field'], c.get('from'))} → {M.field_word(c['field'], c.get('to'))}"
                       f"（{c['reason']}{who}）",
                 indent=2, hang=4)
    if r["leaves"]:
        sink.write()
        sink.write("请假：")
        st = {"requested": "待批", "approved": "已批准", "denied": "不准", "returned": "已销假"}
        for lv in r["leaves"]:
            para(sink, f"{lv['id']} {lv['from']}至{lv['to']} {lv['destination']} {st.get(lv['state'], lv['state'])}"
                       + ("（逾期申请）" if lv["late_request"] else ""), indent=2, hang=4)
    sink.write()
    sink.write("时间线：")
    if not r["timeline"]:
        sink.write("  （尚无记录）")
    stage = None
    for e in r["timeline"]:
        if e.get("measure") and (e["measure"], e["stage"]) != stage:
            stage = (e["measure"], e["stage"])
            sink.write(f"  〔第{e['measure']}项 {M.MEASURES.get(e['stage'], e['stage'])}〕")
        para(sink, f"{e['date']}  {e['id']}  {e['label']}  {e['summary']}".rstrip(), indent=2, hang=12)
    if r.get("voided"):
        sink.write()
        sink.write("已撤销的记录（不计入任何统计）：")
        for e in r["voided"]:
            who = f"，{e['by']}" if e["by"] else ""
            para(sink, f"{e['date']}  {e['id']}  {e['label']}  {e['summary']}  —— {e['voided_on']} 撤销{who}：{e['reason']}",
                 indent=2, hang=12, style="dim")
