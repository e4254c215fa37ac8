"""The statistics as a table (Chinese, 80 columns), JSON, or the rows of a CSV / Excel export (written by
aftercare.cli.export.table_bytes, the writer of every export)."""

from __future__ import annotations

import json

from aftercare.views.stats import BY_LABELS, INDICATORS, SECTIONS, StatsResult

WIDTH = 80
LABEL_WIDTH = 30


def _w(text: str) -> int:
    from aftercare.cli.common import width

    return width(text)


def _pad(text: str, n: int, right: bool = False) -> str:
    gap = " " * max(0, n - _w(text))
    return gap + text if right else text + gap


def cell(ind, fig: dict, wide: bool = True) -> str:
    v = fig.get("value")
    if ind.kind == "rate":
        pct = "—" if v is None else f"{v * 100:.1f}%"
        return f"{pct}（{fig['numerator']}/{fig['denominator']}）" if wide else f"{pct} {fig['numerator']}/{fig['denominator']}"
    if ind.kind == "ratio":
        return f"{v:.2f}"
    if ind.kind == "amount":
        return f"{v:,.2f}"
    if ind.kind == "period":
        if not fig["count"]:
            return "—"
        return f"{fig['mean']:.2f}（{fig['count']}段，{fig['min']:.2f}~{fig['max']:.2f}）" if wide else \
            f"{fig['mean']:.2f} n={fig['count']}"
    return str(v)


def as_table(res: StatsResult) -> str:
    head = [f"统计期间：{res.d1.isoformat()} 至 {res.d2.isoformat()}（在册、失联、成效为期末 {res.d2.isoformat()} 的情况）"]
    if len(res.stores) > 1:
        head.append(f"案卷库 {len(res.stores)} 个：" + "、".join(res.stores))
    if res.duplicates:
        head.append(f"在多个案卷库登记的人员 {len(res.duplicates)} 名，只计一次：")
        for d in res.duplicates:
            others = "、".join(f"{s} {c}" for s, c in d["also"])
            head.append(f"  {d['store']} {d['case']} {d['name']}（另见 {others}）")
    lines = head + [""]
    groups = list(res.groups) if res.by else []
    if not groups:
        for section, title in SECTIONS.items():
            lines.append(f"【{title}】")
            for ind in INDICATORS:
                if ind.section != section:
                    continue
                label = "  " * (ind.level + 1) + ind.label
                lines.append(_pad(label, LABEL_WIDTH + 4) + " " + cell(ind, res.total.figure(ind)))
            lines.append("")
        return "\n".join(lines).rstrip()
    # by a key: indicators down, groups across, as many columns as fit in 80
    cols = ["合计"] + groups
    figs = [res.total] + [res.groups[g] for g in groups]
    colw = 14
    per = max(1, (WIDTH - LABEL_WIDTH - 2) // (colw + 2))
    lines.append(f"按{BY_LABELS[res.by]}分组（{len(groups)} 组）")
    for start in range(0, len(cols), per):
        chunk = range(start, min(len(cols), start + per))
        lines.append("")
        lines.append(_pad("指标", LABEL_WIDTH) + "  " + "  ".join(_pad(_fit(cols[i], colw), colw, True) for i in chunk))
        lines.append("─" * min(WIDTH, LABEL_WIDTH + len(chunk) * (colw + 2)))
        for section, title in SECTIONS.items():
            lines.append(f"【{_fit(title, WIDTH - 4)}】")
            for ind in INDICATORS:
                if ind.section != section:
                    continue
                label = _fit("  " * ind.level + ind.label, LABEL_WIDTH)
                lines.append(_pad(label, LABEL_WIDTH) + "  " +
                             "  ".join(_pad(_fit(cell(ind, figs[i].figure(ind), False), colw), colw, True) for i in chunk))
    return "\n".join(lines)


def _fit(text: str, n: int) -> str:
    if _w(text) <= n:
        return text
    out = ""
    for ch in text:
        if _w(out + ch) > n - 1:
            break
        out += ch
    return out + "…"


def as_json(res: StatsResult) -> str:
    return json.dumps(res.as_json(), ensure_ascii=False, indent=2)


# the columns of the CSV and xlsx exports (written by aftercare.cli.export.table_bytes); `code` is the JSON key
HEADERS = ["code", "指标", "分组", "组别", "数值", "分子", "分母", "段数", "最短（年）", "最长（年）"]


def rows(res: StatsResult) -> list:
    out = []
    for ind in INDICATORS:
        parts = [("合计", res.total)] + ([(g, f) for g, f in res.groups.items()] if res.by else [])
        for g, fig in parts:
            f = fig.figure(ind)
            out.append([ind.code, ind.label, BY_LABELS[res.by] if res.by and g != "合计" else "", g,
                        f.get("value"), f.get("numerator"), f.get("denominator"), f.get("count"), f.get("min"),
                        f.get("max")])
    return out


def caption(res: StatsResult) -> str:
    """The line above the xlsx header: the period and the stores."""
    text = f"统计期间 {res.d1.isoformat()} 至 {res.d2.isoformat()}"
    return text + ("；案卷库：" + "、".join(res.stores) if res.stores else "")


# ---------------------------------------------------------------- the persons behind a figure


def cases_records(found: list) -> list:
    return [{"store": pf.store, "case": pf.cid, "count": amount,
             "also": [f"{s}:{c}" for s, c in pf.also]} for pf, amount in found]


def cases_table(found: list, code: str, denominator: bool, several_stores: bool) -> str:
    from aftercare.cli.common import table
    from aftercare.views.stats import BY_CODE

    what = "分母" if denominator else "分子"
    ind = BY_CODE[code]
    title = f"{code}（{ind.label}）{what if ind.kind == 'rate' else ''}：{len(found)} 人"
    if not found:
        return title
    show_count = any(a != 1 for _, a in found)
    head = (["案卷库"] if several_stores else []) + ["编号", "姓名"] + (["数量"] if show_count else []) + ["另见"]
    body = []
    for pf, amount in found:
        amt = f"{amount:g}" if isinstance(amount, float) else str(amount)
        body.append(([pf.store] if several_stores else []) + [pf.cid, pf.name] + ([amt] if show_count else []) +
                    ["、".join(f"{s} {c}" for s, c in pf.also) or ""])
    return title + "\n" + table(head, body)


CASES_HEADERS = ["案卷库", "个案编号", "数量", "另见"]


def cases_rows(found: list) -> list:
    """The persons behind a figure as CSV/xlsx rows (no names: only the table format names them)."""
    return [[r["store"], r["case"], r["count"], " ".join(r["also"])] for r in cases_records(found)]
