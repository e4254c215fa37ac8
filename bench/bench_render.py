"""Render benchmark: the archive documents (一人一档) of one case with a full history, as HTML and as PDF,
and `render --all` over the demo store.

    python bench/bench_render.py                 # HTML 9 runs, PDF 3 runs, --all HTML over the demo store
    python bench/bench_render.py --runs 5 --pdf-runs 1 --all-pdf

The case is the one with the most events in a synthetic store (synth, fixed seed: about three
years of tests, visits, reports, education, evaluations, leave, refusals...), written to a temporary
folder. Figures are median wall times:

  html one case (library)      render_case(..., "html") in a warm process (templates compiled once per call)
  html one case (command)      `aftercare render CASE` as a subprocess: start-up, load, evaluate, render, write
  pdf one case (library)       render_case(..., "pdf"): every document laid out by WeasyPrint, one PDF each
                               plus the combined PDF (cover, contents, documents with archive page numbers)
  --all html (demo store)      render_all over the demo store, with the progress callback printing

Target (issue): one case's whole file as HTML <= 1 s. PDF: measured and reported.
WeasyPrint subsets the CJK font for every PDF written; without HarfBuzz's subsetter (Debian/Ubuntu
package libharfbuzz-subset0) it falls back to fontTools and each PDF takes ~15 s instead of ~0.15 s.
"""

from __future__ import annotations

import argparse
import os
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

from aftercare.documents import render as R  # noqa: E402
from aftercare.store import Store  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from synth import DEMO_TODAY, generate, generate_demo  # noqa: E402

TODAY = date(2026, 11, 23)
SEED = 20261123


def median_time(fn, runs: int) -> tuple[float, list]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def biggest_case(store: Store) -> tuple[str, int]:
    best, n = "", -1
    for cid in store.case_ids():
        _case, events = store.load_case(cid)
        if len(events) > n:
            best, n = cid, len(events)
    return best, n


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9, help="runs of the HTML render (median)")
    ap.add_argument("--pdf-runs", type=int, default=3, help="runs of the PDF render (median)")
    ap.add_argument("--all-pdf", action="store_true", help="also time render --all as PDF over the demo store")
    ap.add_argument("--keep", action="store_true", help="keep the temporary stores and output")
    args = ap.parse_args(argv)

    env = dict(os.environ)
    for k, v in (("GIT_AUTHOR_NAME", "基准测试"), ("GIT_AUTHOR_EMAIL", "bench@example.invalid"),
                 ("GIT_COMMITTER_NAME", "基准测试"), ("GIT_COMMITTER_EMAIL", "bench@example.invalid")):
        env.setdefault(k, v)
    os.environ.update(env)

    work = Path(tempfile.mkdtemp(prefix="aftercare-bench-render-"))
    try:
        root = work / "store"
        generate(root, 40, SEED, TODAY, git=True)
        store = Store(root)
        cid, n_events = biggest_case(store)
        out = work / "out"
        print(f"case {cid}: {n_events} events (synthetic store of 40 cases, today {TODAY})")

        files = R.render_case(store, cid, out, "html", TODAY)
        print(f"  {len(files)} HTML files ({len(files) - 2} documents), {sum(p.stat().st_size for p in files) // 1024} KiB")
        med, times = median_time(lambda: R.render_case(store, cid, out, "html", TODAY), args.runs)
        print(f"html one case (library)   median {med * 1000:7.1f} ms   runs {', '.join(f'{t * 1000:.0f}' for t in times)}"
              f"   target <= 1000 ms {'OK' if med <= 1.0 else 'OVER'}")

        cmd = [shutil.which("aftercare")] if shutil.which("aftercare") else [sys.executable, "-m", "aftercare"]
        argv_cli = cmd + ["render", cid, "--store", str(root), "--out", str(work / "out-cli")]
        cli_env = dict(env, AFTERCARE_TODAY=TODAY.isoformat())

        def run_cli():
            subprocess.run(argv_cli, env=cli_env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        try:
            run_cli()
            med, times = median_time(run_cli, max(3, args.runs // 2))
            print(f"html one case (command)   median {med * 1000:7.1f} ms   runs {', '.join(f'{t * 1000:.0f}' for t in times)}"
                  f"   target <= 1000 ms {'OK' if med <= 1.0 else 'OVER'}")
        except subprocess.CalledProcessError as exc:
            print(f"html one case (command)   not measured: {exc.stderr.decode(errors='replace').strip()[:200]}")

        try:
            import weasyprint  # noqa: F401
        except (ImportError, OSError) as exc:
            print(f"pdf: WeasyPrint not available ({exc})")
        else:
            t0 = time.perf_counter()
            files = R.render_case(store, cid, out, "pdf", TODAY)
            first = time.perf_counter() - t0
            size = sum(p.stat().st_size for p in files)
            whole = files[-1]
            print(f"  {len(files)} PDF files, {size // 1024} KiB in all; {whole.name} {whole.stat().st_size // 1024} KiB")
            med, times = median_time(lambda: R.render_case(store, cid, out, "pdf", TODAY), args.pdf_runs)
            print(f"pdf one case (library)    median {med * 1000:7.0f} ms   runs {', '.join(f'{t * 1000:.0f}' for t in times)}"
                  f"   (first, fonts cold: {first * 1000:.0f} ms)   {med / max(1, len(files) - 1) * 1000:.0f} ms per document")

        demo = work / "demo"
        shipped = ROOT / "cases"
        if (shipped / "aftercare.yaml").is_file():
            shutil.copytree(shipped, demo)
            label = "shipped demo store"
        else:
            generate_demo(demo)
            label = "generated demo store"
        dstore = Store(demo)

        def progress(done, total, c):
            bar = "#" * done + "." * (total - done)
            sys.stdout.write(f"\r  [{bar}] {done}/{total} {c:<12}")
            sys.stdout.flush()

        for fmt in ("html", "pdf") if args.all_pdf else ("html",):
            t0 = time.perf_counter()
            files = R.render_all(dstore, work / f"all-{fmt}", fmt, DEMO_TODAY, progress=progress)
            dt = time.perf_counter() - t0
            sys.stdout.write("\n")
            n = len(dstore.case_ids())
            print(f"--all {fmt:4} ({label}, {n} cases, {len(files)} files)   {dt * 1000:7.0f} ms   "
                  f"{dt / max(1, n) * 1000:.0f} ms per case")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
