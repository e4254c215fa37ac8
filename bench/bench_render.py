"""Render benchmark: the archive (一人一档) of a three-year case, as HTML and as PDF, against issue 12's targets.

    python bench/bench_render.py                    # 3 cold PDF runs, --all PDF on 6 cases (figure for 150 projected)
    python bench/bench_render.py --pdf-runs 5 --office 150   # render --all --format pdf of a real 150-person store

The case is the active one with the most events in a synthetic store (tools/synth.py, fixed seed: about three years
of tests, visits, reports, evaluations, leave, refusals...). Every PDF figure is a fresh `aftercare render`
process (cold: start-up, fonts, load, evaluate, layout, write), the median of the runs; CPU and peak memory
are the child process's own (getrusage). Printed against the targets of issue 12, as ratios (< 1 = met):

  pdf cold (~90 pages)     <= 4 s wall
  pdf after one record     <= 1 s wall      (a new visit recorded, the case rendered again)
  --all pdf, 150 persons   <= 180 s wall    (with --office N: measured on N cases; else projected from 6)
  peak memory              <= 300 MB
  html one case            <= 1 s wall      (a figure of the first round, kept)

The floor measured in the same run is `aftercare --version` (interpreter and package start-up): no render can
be faster than it on this machine, whatever its load.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from aftercare.store import Store  # noqa: E402
from aftercare.core.engine import evaluate_in  # noqa: E402
from synth import generate  # noqa: E402

TODAY = date(2026, 11, 23)
SEED = 20261123
TARGETS = {"cold": 4.0, "one": 1.0, "office": 180.0, "rss": 300.0, "html": 1.0}


def child(argv: list, env: dict) -> tuple[float, float, float]:
    """Run a command; (wall s, CPU s, peak RSS MB) of that child alone."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))}: {err.strip()[:300]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def runs(fn, n: int) -> list:
    return [fn() for _ in range(n)]


def line(label: str, figures: list, target_key: str | None, unit: str = "s") -> None:
    walls = [f[0] for f in figures]
    med = statistics.median(walls)
    cpu = statistics.median(f[1] for f in figures)
    rss = max(f[2] for f in figures)
    target = TARGETS.get(target_key) if target_key else None
    verdict = f"target {target:g} {unit}: ratio {med / target:5.2f} {'MET' if med <= target else 'NOT MET'}" if target else ""
    print(f"{label:<28} median {med:7.2f} s wall  {cpu:7.2f} s CPU  peak {rss:5.0f} MB   "
          f"runs {', '.join(f'{w:.2f}' for w in walls)}   {verdict}")


def pages_of(pdf: Path) -> int:
    try:
        import pypdf

        return len(pypdf.PdfReader(pdf).pages)
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf-runs", type=int, default=3, help="cold PDF runs (median)")
    ap.add_argument("--office", type=int, default=0, help="render --all --format pdf of a real store of N persons")
    ap.add_argument("--sample", type=int, default=6, help="cases rendered to project the 150-person figure")
    ap.add_argument("--keep", action="store_true", help="keep the temporary stores and output")
    args = ap.parse_args(argv)

    env = dict(os.environ, AFTERCARE_TODAY=TODAY.isoformat(), PYTHONPATH=str(ROOT))
    for k, v in (("GIT_AUTHOR_NAME", "基准测试"), ("GIT_AUTHOR_EMAIL", "bench@example.invalid"),
                 ("GIT_COMMITTER_NAME", "基准测试"), ("GIT_COMMITTER_EMAIL", "bench@example.invalid")):
        env.setdefault(k, v)
    os.environ.update({k: v for k, v in env.items() if k.startswith("GIT_")})
    cmd = [sys.executable, "-m", "aftercare"]
    work = Path(tempfile.mkdtemp(prefix="aftercare-bench-render-"))
    try:
        root = work / "store"
        generate(root, 40, SEED, TODAY, git=True)
        store = Store(root)
        def active(c):
            case, events = store.load_case(c)
            return evaluate_in(store, case, events, TODAY).status == "active"

        cid = max((c for c in store.case_ids() if active(c)), key=lambda c: len(store.load_case(c)[1]))
        n_events = len(store.load_case(cid)[1])
        floor = runs(lambda: child(cmd + ["--version"], env), 3)
        print(f"case {cid}: {n_events} events (synthetic store of 40 cases, today {TODAY}); machine load "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        line("floor: aftercare --version", floor, None)

        out = work / "out"
        html = runs(lambda: child(cmd + ["render", cid, "--store", str(root), "--out", str(out)], env), 3)
        line("html one case (cold)", html, "html")

        try:
            import weasyprint  # noqa: F401
        except (ImportError, OSError) as exc:
            print(f"pdf: WeasyPrint not available ({exc})")
            return 0
        pdf_argv = cmd + ["render", cid, "--store", str(root), "--out", str(out), "--format", "pdf"]
        cold = runs(lambda: child(pdf_argv, env), args.pdf_runs)
        files = list((out / cid).rglob("*.pdf"))
        whole = out / cid / f"{cid}-全卷.pdf"
        print(f"  {pages_of(whole)} pages in {whole.name} ({whole.stat().st_size // 1024} KiB); {len(files)} PDF files, "
              f"{sum(p.stat().st_size for p in files) // 1024} KiB in all")
        line("pdf cold (three-year case)", cold, "cold")

        day = [TODAY.isoformat()]

        def one_more():
            subprocess.run(cmd + ["record", "visit", cid, "--date", day[0], "--kind", "talk", "--note", "基准测试",
                                  "--store", str(root)], env=env, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            return child(pdf_argv, env)

        after = runs(one_more, max(1, args.pdf_runs - 1))
        line("pdf after one new record", after, "one")
        rss = max(f[2] for f in cold + after)
        print(f"{'peak memory (pdf runs)':<28} {rss:.0f} MB   target {TARGETS['rss']:g} MB: ratio {rss / TARGETS['rss']:.2f} "
              f"{'MET' if rss <= TARGETS['rss'] else 'NOT MET'}")

        n = args.office or args.sample
        office = work / "office"
        generate(office, n, SEED + 1, TODAY, git=True)
        all_fig = [child(cmd + ["render", "--all", "--format", "pdf", "--store", str(office), "--out",
                                str(work / "all")], env)]
        if args.office:
            line(f"--all pdf, {n} persons", all_fig, "office")
        else:
            wall, cpu, peak = all_fig[0]
            projected = wall / n * 150
            print(f"{'--all pdf, ' + str(n) + ' persons':<28} {wall:7.2f} s wall  {cpu:7.2f} s CPU  peak {peak:5.0f} MB"
                  f" (largest process)   projected to 150 persons: {projected:6.0f} s   target 180 s: ratio "
                  f"{projected / TARGETS['office']:.2f} {'MET' if projected <= TARGETS['office'] else 'NOT MET'}"
                  f"   (--office 150 measures it)")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
