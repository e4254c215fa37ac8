"""aftercare report monthly: the figures of the month (by hand, the store of test_stats), charts, PDF, county."""

from __future__ import annotations

import re

import pytest

from conftest import Cli, shared_store
from test_stats import build_office


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return shared_store(tmp_path_factory, "monthly", build_office)


def cells(html: str) -> list:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)]


def has_row(html: str, *values: str) -> bool:
    cs = cells(html)
    n = len(values)
    return any(cs[i:i + n] == list(values) for i in range(len(cs) - n + 1))


def test_monthly_html_has_the_months_figures(built, tmp_path):
    root, ids = built
    cli = Cli(root)
    out = tmp_path / "m.html"
    res = cli.ok("report", "monthly", "--month", "2026-04", "--output", str(out))
    assert res.stdout.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    assert "测试镇社区戒毒（康复）工作办公室" in html and "2026年4月" in html
    assert "在册 9 人" in html and "在管 8 人" in html
    assert "执行率 33.3%（1/3）" in html and "管控率 100.0%（5/5）" in html
    # duties due in April (see test_stats): due, on time, made up, explained, missed, rate
    assert has_row(html, "吸毒检测", "2", "1", "1", "0", "0", "50.0%")
    assert has_row(html, "定期报告", "2", "0", "—", "0", "2", "0.0%")
    assert has_row(html, "评估", "2", "1", "—", "0", "1", "50.0%")
    # escalations: due, on time, late, explained, open
    assert has_row(html, "告诫书", "4", "1", "1", "0", "2")
    assert has_row(html, "按期报到", "3", "1", "1", "0", "1")
    # caseload per worker against 30:1: 王芳 A, D, E, H; 李强 C, F, G and R (in follow-up care)
    assert has_row(html, "王芳", "4", "0.13") and has_row(html, "李强", "4", "0.13")
    assert has_row(html, "次数", "0", "1", "1", "0") and has_row(html, "金额（元）", "0.00", "500.00", "200.50", "0.00")
    assert html.count("<svg") == 2 and "按时完成率" in html          # duty trend and R's follow-up outcome
    assert not re.search(r"(src|href)=[\"']?(https?:|//)", html)      # self-contained: nothing fetched


def test_monthly_default_month_and_bad_month(built):
    root, _ = built
    cli = Cli(root)
    res = cli.ok("report", "monthly", today="2026-05-03")
    path = res.stdout.strip()
    assert path.endswith("月报-2026-04.html") and "/out/" in path
    res = cli("report", "monthly", "--month", "2026-13")
    assert res.exit_code == 1 and "YYYY-MM" in res.stderr
    res = cli("report", "monthly", "--format", "docx")
    assert res.exit_code == 1 and "html 或 pdf" in res.stderr
    res = cli("report", "monthly", "--month", "")                 # empty is refused, not the default month
    assert res.exit_code == 1 and res.stderr.startswith("错误：") and "YYYY-MM" in res.stderr


def test_monthly_for_the_last_month_of_the_calendar(built, tmp_path):
    root, _ = built
    out = tmp_path / "m.html"
    res = Cli(root)("report", "monthly", "--month", "9999-12", "--output", str(out))   # no month after it
    assert res.exit_code == 0 and "9999年12月" in out.read_text(encoding="utf-8")


def test_county_monthly_lists_each_office(built, tmp_path):
    root, ids = built
    cli = Cli(root)
    other = Cli(tmp_path / "other")
    other.ok("init", str(other.root), "--office", "另一镇社区戒毒（康复）工作办公室", store=False)
    other.add(1, notified_on="2026-04-25")
    out = tmp_path / "county.html"
    cli.ok("report", "monthly", "--month", "2026-04", "--store", str(root), "--store", str(other.root),
           "--output", str(out), store=False)
    html = out.read_text(encoding="utf-8")
    assert "2 个办公室汇总" in html and "只计一次" in html
    assert has_row(html, "测试镇社区戒毒（康复）工作办公室", "9", "8")
    assert has_row(html, "另一镇社区戒毒（康复）工作办公室", "0", "0")    # its only person is counted in the first
    assert "在册 9 人" in html


@pytest.mark.slow
def test_monthly_pdf(built, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint unavailable: {exc}")
    root, _ = built
    out = tmp_path / "m.pdf"
    Cli(root).ok("report", "monthly", "--month", "2026-04", "--format", "pdf", "--output", str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    if "工作月报" not in text:
        pytest.skip("no CJK font installed: the PDF text cannot be read back")
    assert "执行率" in text and "吸毒检测" in text


def test_trend_counts_follow_up_windows_by_hand(cli):
    """The 12-month chart of the April 2026 return (months 2025-05..2026-04) reads, per month, the windows whose
    deadline falls in it and those done on time inside them (the figures of `stats` for that month). Follow-up
    contact windows (PATHWAY.md §2) are a duty of STATS.md like the others: their own series and in the total.
    W1 follow-up from 2025-04-16, windows every 3 months: deadlines 2025-07-15 (record 06-01: on time),
       10-15 (record 09-30: on time), 2026-01-15 (none: missed), 04-15 (record 03-01: on time).
    W2 follow-up from 2025-05-01: 2025-07-31 (record 07-10: on time), 10-31 (none: missed), 2026-01-31
       (explained on 02-05: not on time), 04-30 (record 04-12: on time).
    D  detox reported 2026-02-10: monthly test, visit, report and education windows end 03-09 and 04-09, the
       intake evaluation 03-09 (the first quarterly one 05-09, after April). Test 02-20 and education 02-25
       (March windows: on time), visit 03-15 (April window: on time); the rest missed.
    Per month (on time / due): 2025-07 follow-up 2/2, total 2/2; 2025-10 follow-up 1/2, total 1/2;
    2026-01 follow-up 0/2, total 0/2; 2026-03 test 1/1, education 1/1, visit 0/1, report 0/1, evaluation 0/1,
    follow-up 0/0, total 2/5; 2026-04 test 0/1, visit 1/1, report 0/1, education 0/1, follow-up 2/2, total 3/6;
    every other month nothing due (rate none)."""
    from datetime import date

    from aftercare.views import monthly
    from aftercare.views.county import open_stores

    w1 = cli.add(71, measure="followup", released_on="2025-04-16")
    for day in ("2025-06-01", "2025-09-30", "2026-03-01"):
        cli.ok("record", "followup", w1, "--outcome", "abstinent", "--date", day)
    w2 = cli.add(72, measure="followup", released_on="2025-05-01")
    for day in ("2025-07-10", "2026-04-12"):
        cli.ok("record", "followup", w2, "--outcome", "abstinent", "--date", day)
    cli.ok("explain", w2, "followup", "2026-01-31", "--reason", "本人在外地务工", today="2026-02-05")
    d = cli.add(73, reported_on="2026-02-10")
    cli.ok("record", "test", d, "--result", "negative", "--date", "2026-02-20")
    cli.ok("record", "education", d, "--date", "2026-02-25")
    cli.ok("record", "visit", d, "--date", "2026-03-15")

    ctx = monthly.monthly_context(open_stores([cli.root]), date(2026, 4, 1), date(2026, 4, 30), date(2026, 5, 20))
    trend = {t["month"]: t for t in ctx["trend"]}
    assert list(trend) == [f"2025-{m:02d}" for m in range(5, 13)] + [f"2026-{m:02d}" for m in range(1, 5)]
    none = {"test": (0, 0), "visit": (0, 0), "report": (0, 0), "education": (0, 0), "evaluation": (0, 0),
            "followup": (0, 0)}
    expect = {"2025-07": dict(none, followup=(2, 2)), "2025-10": dict(none, followup=(1, 2)),
              "2026-01": dict(none, followup=(0, 2)),
              "2026-03": dict(none, test=(1, 1), visit=(0, 1), report=(0, 1), education=(1, 1), evaluation=(0, 1)),
              "2026-04": dict(none, test=(0, 1), visit=(1, 1), report=(0, 1), education=(0, 1), followup=(2, 2))}
    for month, t in trend.items():
        by = expect.get(month, none)
        assert t["by"] == by, month
        on_time, due = {"2025-07": (2, 2), "2025-10": (1, 2), "2026-01": (0, 2), "2026-03": (2, 5),
                        "2026-04": (3, 6)}.get(month, (0, 0))
        assert (t["on_time"], t["due"]) == (on_time, due), month
        assert t["rate"] == (round(on_time / due, 4) if due else None), month
    assert "后续照管回访" in str(ctx["chart_trend"])              # the series is drawn, labelled in the legend


def test_trend_and_return_split_a_change_of_place_by_hand(cli, tmp_path):
    """The May 2026 return (months 2025-06..2026-05) of the change of place of test_stats (build_transfer): the
    receiving office's store holds the sending office's history, but each office's chart counts only the
    windows of its own days (deadline up to the hand-over 04-08 for A, after it for B); the county adds them.
    A: w1 (deadline 04-04): test and visit on time; report, education and intake evaluation missed: April 2/5.
    B: w2 (deadline 05-04): test (04-20) and visit (05-02) on time; report and education missed: May 2/4.
    The first quarterly evaluation (06-04) is after May. County: April 2/5, May 2/4; X counted once (in B)."""
    from datetime import date

    from aftercare.views import monthly
    from aftercare.views.county import open_stores
    from test_stats import OTHER_OFFICE, build_transfer

    other, x = build_transfer(cli, tmp_path)

    def trend(*roots):
        ctx = monthly.monthly_context(open_stores(list(roots)), date(2026, 5, 1), date(2026, 5, 31), date(2026, 6, 1))
        return {t["month"]: (t["on_time"], t["due"]) for t in ctx["trend"] if t["due"]}

    assert trend(cli.root) == {"2026-04": (2, 5)}
    assert trend(other.root) == {"2026-05": (2, 4)}
    assert trend(cli.root, other.root) == {"2026-04": (2, 5), "2026-05": (2, 4)}
    out = tmp_path / "county.html"
    cli.ok("report", "monthly", "--month", "2026-05", "--store", str(cli.root), "--store", str(other.root),
           "--output", str(out), store=False)
    html = out.read_text(encoding="utf-8")
    # per office: registered, caseload; X is on the county's register once, in B (where the case is open)
    assert has_row(html, "测试镇社区戒毒（康复）工作办公室", "0", "0") and has_row(html, OTHER_OFFICE, "1", "1")
    assert "在册 1 人" in html and "在管 1 人" in html
    # May's duties in the county are B's (w2): test 1 due, 1 on time; A's w1 was April's
    assert has_row(html, "吸毒检测", "1", "1", "0", "0", "0", "100.0%")
