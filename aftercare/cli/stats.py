"""stats, report monthly, export --redact: the office's (or a county's) numbers."""


from typing import Annotated, List, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import STATE, emit, handle, say, today

Opt = typer.Option
StoresOpt = Annotated[Optional[List[str]], Opt("--store", help="案卷库目录；可多次给出（县级汇总，只读）", show_default=False)]
STATS_FORMATS = ("table", "json", "csv", "xlsx")


def store_paths(stores) -> list:
    """The stores given (several for a county), else the one found as every command finds it."""
    return list(stores) if stores else [STATE["store"]]


def open_county(stores) -> list:
    import os

    from aftercare.views.county import open_stores

    return open_stores(store_paths(stores), use_cache=not STATE["no_cache"] and not os.environ.get("AFTERCARE_NO_CACHE"))


@app.command("stats")
@handle
def stats_cmd(
    from_: Annotated[Optional[str], Opt("--from", help="统计期间开始日期（默认上一个完整自然月）", show_default=False)] = None,
    to: Annotated[Optional[str], Opt("--to", help="统计期间结束日期（含当日）", show_default=False)] = None,
    by: Annotated[Optional[str], Opt("--by", help="分组：worker / measure / household / prior-isolations / risk / store",
                                     show_default=False)] = None,
    fmt: Annotated[str, Opt("--format", help="table / json / csv / xlsx")] = "table",
    cases: Annotated[Optional[str], Opt("--cases", help="列出某一指标背后的人员，如 duty.test.missed", show_default=False)] = None,
    denominator: Annotated[bool, Opt("--denominator", help="与 --cases 同用：列出分母中的人员")] = False,
    all_time: Annotated[bool, Opt("--all-time", help="操守期统计全部时间（默认只计第二次隔离始于本期的）")] = False,
    output: Annotated[Optional[str], Opt("--output", "-o", help="写入文件（xlsx 建议使用）", show_default=False)] = None,
    store: StoresOpt = None,
) -> None:
    """统计指标：执行率、管控率、各项工作完成情况、事件、失联、后续照管成效、操守期（定义见 README）。"""
    from aftercare.core.dates import parse_date
    from aftercare.core.errors import AftercareError
    from aftercare.views import stats as S
    from aftercare.views import stats_format as F
    from aftercare.views.county import load_county

    if fmt not in STATS_FORMATS:
        raise AftercareError(f"输出格式“{fmt}”无效，应为 {' / '.join(STATS_FORMATS)}")
    if by is not None and by not in S.BY_KEYS:
        raise AftercareError(f"分组“{by}”无效，应为 {' / '.join(S.BY_KEYS)}")
    if cases is not None and cases not in S.BY_CODE:
        raise AftercareError(f"没有指标“{cases}”（指标代码见 aftercare stats --format json 或 README）")
    if denominator and cases is None:
        raise AftercareError("--denominator 须与 --cases 同用")
    d1, d2 = S.default_period(today())
    if from_ is not None:                     # an empty --from is refused, not read as "not given"
        d1 = parse_date(from_, "--from")
    if to is not None:
        d2 = parse_date(to, "--to")
    if to is not None and from_ is None:
        d1 = d2.replace(day=1)
    if d1 > d2:
        raise AftercareError(f"统计期间开始日期 {d1} 晚于结束日期 {d2}")
    labelled = open_county(store)
    facts, dups = load_county(labelled, d2, since=d1)
    labels = [label for label, _ in labelled]
    if cases is not None:
        found = S.behind(facts, cases, d1, d2, denominator, all_time)
        if fmt == "json":
            import json

            say(json.dumps({"code": cases, "from": d1.isoformat(), "to": d2.isoformat(),
                            "part": "denominator" if denominator else "numerator",
                            "cases": F.cases_records(found)}, ensure_ascii=False, indent=2))
        elif fmt in ("csv", "xlsx"):
            from aftercare.cli.export import table_bytes

            emit(table_bytes(fmt, "人员", F.CASES_HEADERS, F.cases_rows(found), caption=f"{cases}（{d1} 至 {d2}）"), output)
        else:
            emit(F.cases_table(found, cases, denominator, len(labels) > 1), output)
        return
    res = S.compute(facts, d1, d2, by, all_time, labels, dups)
    if fmt == "json":
        emit(F.as_json(res), output)
    elif fmt in ("csv", "xlsx"):
        from aftercare.cli.export import table_bytes

        emit(table_bytes(fmt, "统计", F.HEADERS, F.rows(res), caption=F.caption(res)), output)
    else:
        emit(F.as_table(res), output)


@app.command("export")
@handle
def export_cmd(
    redact: Annotated[str, Opt("--redact", help="去标识化导出到此目录：persons、measures、events 三个文件")],
    fmt: Annotated[str, Opt("--format", help="csv（UTF-8 带 BOM）或 parquet（需 pyarrow）")] = "csv",
    on: Annotated[Optional[str], Opt("--on", help="状态截至此日（默认今天）", show_default=False)] = None,
    store: Annotated[Optional[str], Opt("--store", help="案卷库目录", show_default=False)] = None,
) -> None:
    """研究用去标识化导出：化名（密钥存于 .git，不入库）、出生年份、性别、户籍类别、措施与记录的编码和日期；不含姓名、身份证号、电话、住址、备注。"""
    from pathlib import Path

    from aftercare.cli.common import open_store
    from aftercare.core.dates import parse_date
    from aftercare.core.errors import AftercareError
    from aftercare.views import export

    if not redact.strip():
        raise AftercareError("--redact 须写明导出目录（不能为空）")
    s = open_store(store)
    day = parse_date(on, "--on") if on is not None else today()
    tables = export.collect(s, day)
    paths = export.write(tables, Path(redact), fmt)
    for p in paths:
        say(str(p))
    say(f"已导出 {len(tables['persons'])} 人、{len(tables['measures'])} 段措施、{len(tables['events'])} 条记录（已去标识化）")


report_app = typer.Typer(help="报表：月报", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("monthly")
@handle
def report_monthly(
    month: Annotated[Optional[str], Opt("--month", help="月份 YYYY-MM（默认上一个月）", show_default=False)] = None,
    fmt: Annotated[str, Opt("--format", help="html 或 pdf")] = "html",
    output: Annotated[Optional[str], Opt("--output", "-o", help="输出文件（默认 案卷库/out/月报-YYYY-MM.html）",
                                         show_default=False)] = None,
    store: StoresOpt = None,
) -> None:
    """月报：在册与在管、执行率与管控率、各项工作完成情况、报告与处置、失联、帮扶、后续照管成效，附图表。"""
    from pathlib import Path

    from aftercare.core.errors import AftercareError
    from aftercare.views import monthly

    if fmt not in ("html", "pdf"):
        raise AftercareError(f"格式“{fmt}”无效，应为 html 或 pdf")
    d1, d2 = monthly.parse_month(month, today())
    labelled = open_county(store)
    ctx = monthly.monthly_context(labelled, d1, d2, today())
    html = monthly.render_html(labelled[0][1], ctx)
    data = html.encode("utf-8") if fmt == "html" else monthly.html_to_pdf(html)
    path = Path(output) if output else labelled[0][1].root / "out" / f"月报-{d1.year}-{d1.month:02d}.{fmt}"
    from aftercare.store.fsutil import atomic_write, ensure_dir

    ensure_dir(path.parent)
    atomic_write(path, data)
    say(str(path))
