"""The monthly return (月报): one printable document for the county, from the same figures as `stats`.

The figures are `stats` for the calendar month (D1 = its first day, D2 = its last). The chart of duty
completion over the last 12 months reads the same facts on D2: whether a window was due in a month
and done on time inside it is settled by that month's end (a window's deadline and the records
inside it do not change afterwards), so each month's rate is the one `stats` gave for that month.
Its total line is every duty of STATS.md §2, the follow-up contact windows (PATHWAY.md §2) included;
tests, visits, education and follow-up contacts are also drawn as their own lines.
Charts are drawn by matplotlib as SVG, inlined into the HTML (text kept as text, in the document's
fonts); the PDF is made by WeasyPrint with the archive documents' stylesheet and no network access.
"""

from __future__ import annotations

import io
from datetime import date

from aftercare.core import model as M
from aftercare.core.dates import add_months
from aftercare.core.errors import AftercareError
from aftercare.views import stats as S
from aftercare.views.stats_facts import DUTY_KINDS, ESCALATION_KINDS

TEMPLATE = "monthly.html.j2"
CHART_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei", "WenQuanYi Zen Hei",
               "AR PL UMing CN", "DejaVu Sans"]


def parse_month(text: str | None, today: date) -> tuple[date, date]:
    """'YYYY-MM' -> (first day, last day); default: the last full month before today."""
    if text is None:                          # an empty --month is refused, not read as "not given"
        return S.default_period(today)
    try:
        y, m = text.split("-")
        first = date(int(y), int(m), 1)
        if len(y) != 4 or len(m) != 2:
            raise ValueError
    except ValueError:
        raise AftercareError(f"月份“{text}”格式不对，应为 YYYY-MM，例如 2026-04", code="bad-date") from None
    import calendar

    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])   # 9999-12 has no next month


def monthly_context(labelled: list, d1: date, d2: date, today: date) -> dict:
    from markupsafe import Markup

    from aftercare.views.county import load_county

    months = [add_months(d1, -i) for i in range(11, -1, -1)]
    facts, dups = load_county(labelled, d2, since=months[0])
    several = len(labelled) > 1
    labels = [label for label, _ in labelled]
    res = S.compute(facts, d1, d2, "store" if several else None, False, labels, dups)
    by_worker = S.compute(facts, d1, d2, "worker")
    fig = res.total.figure

    def f(code):
        return fig(S.BY_CODE[code])

    office = labelled[0][1].office if not several else {}
    workers = [{"name": g, "caseload": w.figure(S.BY_CODE["caseload"])["value"],
                "ratio": w.figure(S.BY_CODE["caseload_ratio"])["value"]}
               for g, w in by_worker.groups.items() if w.figure(S.BY_CODE["caseload"])["value"]]
    duties = [{"label": S.DUTY_LABELS[k], **{s: f(f"duty.{k}.{s}")["value"] for s in ("due", "on_time", "explained", "missed")},
               "made_up": f(f"duty.{k}.made_up")["value"] if k == "test" else None, "rate": f(f"duty.{k}.rate")}
              for k in DUTY_KINDS if f(f"duty.{k}.due")["value"]]
    escalations = [{"label": S.ESCALATION_LABELS[k], **{s: f(f"escalation.{k}.{s}")["value"]
                                                         for s in ("due", "on_time", "late", "explained", "open")}}
                   for k in ESCALATION_KINDS if f(f"escalation.{k}.due")["value"]]
    trend = duty_trend(facts, months)
    outcomes = {o: f(f"followup.latest.{o}")["value"] for o in S.FOLLOWUP_OUTCOMES}
    stores = []
    if several:
        for g, sf in res.groups.items():
            stores.append({"name": g, "registered": sf.figure(S.BY_CODE["registered"])["value"],
                           "caseload": sf.figure(S.BY_CODE["caseload"])["value"],
                           "execution": sf.figure(S.BY_CODE["execution_rate"]),
                           "control": sf.figure(S.BY_CODE["control_rate"]),
                           "tests": sf.figure(S.BY_CODE["duty.test.rate"])})
    return {
        "title": "社区戒毒（康复）工作月报", "month_text": f"{d1.year}年{d1.month}月",
        "office": office, "county": len(labelled) > 1, "stores": stores, "store_names": labels,
        "duplicates": dups, "d1": d1, "d2": d2, "made_on": today,
        "registered": [{"label": S.STATE_LABELS[s], "value": f(f"registered.{s}")["value"]} for s in S.STATES
                       if f(f"registered.{s}")["value"]],
        "total": f("registered")["value"], "caseload": f("caseload")["value"],
        "caseload_ratio": f("caseload_ratio")["value"], "staff_ratio": S.STAFF_RATIO, "workers": workers,
        "execution": f("execution_rate"), "control": f("control_rate"),
        "duties": duties, "escalations": escalations,
        "events": [{"label": S.BY_CODE[c].label, "value": f(c)["value"]} for c in
                   ("tests", "tests.positive", "tests.refused", "tests.evaded", "makeups", "positives",
                    "serious_breaches", "absences", "leaves", "registrations", "releases", "terminations",
                    "transfers_in", "transfers_out", "methadone_joined")],
        "support": [{"label": M.SUPPORT_KINDS[k], "count": f(f"support.{k}.count")["value"],
                     "amount": f(f"support.{k}.amount")["value"]} for k in S.SUPPORT_KINDS],
        "lost": {c: f(c)["value"] for c in ("lost_now", "lost_started", "found", "lost_days")},
        "followup": {"cohort": f("followup.cohort")["value"],
                     "outcomes": [{"label": S.OUTCOME_LABELS[o], "value": v} for o, v in outcomes.items()],
                     "abstinence": f("abstinence_rate"), "relapse": f("relapse_rate_broad"),
                     "clean_3y": f("clean_3y")["value"], "clean_1_3y": f("clean_rate_1_3y")},
        "trend": trend,
        "chart_trend": Markup(trend_svg(trend)),
        "chart_outcomes": Markup(outcomes_svg(outcomes)) if f("followup.cohort")["value"] else "",
    }


def duty_trend(facts: list, months: list) -> list:
    """Per month (first days given): windows due and done on time, per duty and in all."""
    index = {(m.year, m.month): i for i, m in enumerate(months)}
    due = [[0] * len(DUTY_KINDS) for _ in months]
    done = [[0] * len(DUTY_KINDS) for _ in months]
    kinds = {k: i for i, k in enumerate(DUTY_KINDS)}
    for pf in facts:
        if not pf.exists:
            continue
        for kind, dl, outcome in pf.windows:
            i = index.get((dl.year, dl.month))
            if i is None or not pf.owns(dl):          # another office's window (a history received)
                continue
            k = kinds[kind]
            due[i][k] += 1
            if outcome == "on_time":
                done[i][k] += 1
    out = []
    for i, m in enumerate(months):
        row = {"month": f"{m.year}-{m.month:02d}", "due": sum(due[i]), "on_time": sum(done[i])}
        row["rate"] = round(row["on_time"] / row["due"], 4) if row["due"] else None
        row["by"] = {k: (done[i][j], due[i][j]) for k, j in kinds.items()}
        out.append(row)
    return out


# ---------------------------------------------------------------- charts


def _figure(width: float, height: float):
    """A matplotlib Figure drawn without pyplot (no global figure state, and pyplot's import is the slow part)."""
    try:
        import matplotlib
    except ImportError:
        raise AftercareError("无法绘制月报图表：缺少 matplotlib（pip install matplotlib）", code="no-matplotlib") from None
    import logging

    from matplotlib import font_manager
    from matplotlib.figure import Figure

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    have = {f.name for f in font_manager.fontManager.ttflist}
    matplotlib.rcParams.update({"font.family": [f for f in CHART_FONTS if f in have][:1] or ["sans-serif"],
                                "svg.fonttype": "none", "svg.hashsalt": "aftercare", "axes.unicode_minus": False,
                                "font.size": 9})
    return Figure(figsize=(width, height))


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]           # inline: no XML prolog or doctype


# the duties drawn as their own lines (the black line is every duty of STATS.md, follow-up contact included)
TREND_SERIES = (("test", "-o"), ("visit", "-s"), ("education", "-^"), ("followup", "-D"))


def trend_svg(trend: list) -> str:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = _figure(6.2, 2.0)
        ax = fig.subplots()
        xs = list(range(len(trend)))
        labels = [t["month"][2:].replace("-", ".") for t in trend]
        for kind, style in TREND_SERIES:
            ys = [(t["by"][kind][0] / t["by"][kind][1] * 100) if t["by"][kind][1] else None for t in trend]
            ax.plot(xs, [y if y is not None else float("nan") for y in ys], style, label=S.DUTY_LABELS[kind],
                    linewidth=1, markersize=3)
        all_ys = [t["rate"] * 100 if t["rate"] is not None else float("nan") for t in trend]
        ax.plot(xs, all_ys, "-", color="black", linewidth=2, label="全部日常工作")
        ax.set_xticks(xs, labels)
        ax.set_ylim(0, 105)
        ax.set_ylabel("按时完成率（%）")
        ax.grid(axis="y", linewidth=0.3)
        ax.legend(loc="lower left", fontsize=7, ncol=len(TREND_SERIES) + 1, frameon=False)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
        return _svg(fig)


def outcomes_svg(outcomes: dict) -> str:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = _figure(6.2, 1.9)
        ax = fig.subplots()
        names = [S.OUTCOME_LABELS[o] for o in outcomes]
        vals = list(outcomes.values())
        bars = ax.barh(names[::-1], vals[::-1], color="#555555", height=0.6)
        ax.bar_label(bars, fmt="%d", fontsize=8, padding=2)
        ax.set_xlabel("人数")
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
        return _svg(fig)


# ---------------------------------------------------------------- HTML and PDF


def render_html(store, ctx: dict) -> str:
    from markupsafe import Markup

    from aftercare.documents.fonts import chains, css
    from aftercare.documents.templating import Templates

    fonts = {role: Markup(css(chain, role)) for role, chain in chains(store.config.get("fonts")).items()}
    return Templates(store).render(TEMPLATE, dict(ctx, fonts=fonts))


def html_to_pdf(html: str) -> bytes:
    """The PDF through the archive documents' WeasyPrint set-up (fonts, no network access)."""
    from aftercare.documents.pdf import PdfMaker, unavailable

    try:
        maker = PdfMaker()
    except (ImportError, OSError) as exc:
        raise unavailable(exc) from None
    return maker.layout(html).write_pdf()
