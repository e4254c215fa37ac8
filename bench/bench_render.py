"""Render benchmark: the archive (一人一档) of a three-year case, as HTML and as PDF, against issue 12's targets.

    python bench/bench_render.py                    # 3 cold PDF runs, 3 after one record, --all PDF on 20 cases
    python bench/bench_render.py --office 150       # render --all --format pdf of a real 150-person store
    python bench/bench_render.py --engine weasyprint     # the same with WeasyPrint (a store's own templates)

The case is the active one with the most events in a synthetic store (tools/synth.py, fixed seed: about three years
of tests, visits, reports, evaluations, leave, refusals...). Every PDF figure is a fresh `aftercare render`
process, the median of the runs; CPU and peak memory are the child process's own (getrusage; for --all the
largest of its processes). "Cold" means no output folder and so no cache of rendered parts, and no compiled
templates (kept in the store's git directory): start-up, fonts, load, evaluate, HTML, layout, stamps, assembly,
write. Python's own bytecode is compiled beforehand, as an installation has it (pip compiles the modules), also
where PYTHONDONTWRITEBYTECODE is set. Printed against the targets of issue 12 (ratio < 1 = met) and as a
multiple of the floor:

  pdf cold (~90 pages)     <= 4 s wall
  pdf after one record     <= 1 s wall      (a new visit recorded, the case rendered again into the same folder)
  --all pdf, 150 persons   <= 180 s wall    (with --office N: measured on N persons; else PROJECTED from --sample)
  peak memory              <= 300 MB
  html one case            <= 1 s wall      (a figure of the first round, kept)

The floor measured in the same run is `aftercare --version` (interpreter and package start-up): no render can
be faster than it on this machine, whatever its load. The machine's load average is printed before and after.
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
from aftercare.documents.templating import COMPILED_DIR  # noqa: E402
from synth import generate  # noqa: E402

TODAY = date(2026, 11, 23)
SEED = 20261123
TARGETS = {"cold": 4.0, "one": 1.0, "office": 180.0, "rss": 300.0, "html": 1.0}
COMBINED = "-全卷.pdf"


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


FLOOR: list = []


def line(label: str, figures: list, target_key: str | None, unit: str = "s") -> float:
    walls = [f[0] for f in figures]
    med = statistics.median(walls)
    cpu = statistics.median(f[1] for f in figures)
    rss = max(f[2] for f in figures)
    target = TARGETS.get(target_key) if target_key else None
    floor = f"{med / FLOOR[0]:6.1f}× floor" if FLOOR else ""
    verdict = f"target {target:g} {unit}: ratio {med / target:5.2f} {'MET' if med <= target else 'NOT MET'}" if target else ""
    print(f"{label:<30} median {med:7.2f} s wall  {cpu:7.2f} s CPU  peak {rss:5.0f} MB  {floor}  "
          f"runs {', '.join(f'{w:.2f}' for w in walls)}   {verdict}")
    return med


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def pages_of(pdf: Path) -> int:
    try:
        import pypdf

        return len(pypdf.PdfReader(pdf).pages)
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf-runs", type=int, default=3, help="cold PDF runs and runs after one record (medians)")
    ap.add_argument("--office", type=int, default=0, help="render --all --format pdf of a real store of N persons")
    ap.add_argument("--sample", type=int, default=20, help="persons rendered to project the 150-person figure")
    ap.add_argument("--engine", default="auto", help="render --engine (auto, typst, weasyprint)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary stores and output")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="aftercare-bench-render-"))
    # as installed: the modules' bytecode compiled once beforehand (pip does it at install) and kept, here in
    # the run's own folder, also where PYTHONDONTWRITEBYTECODE is set (else every run compiles the program)
    env = dict(os.environ, AFTERCARE_TODAY=TODAY.isoformat(), PYTHONPATH=str(ROOT),
               PYTHONPYCACHEPREFIX=str(work / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for k, v in (("GIT_AUTHOR_NAME", "基准测试"), ("GIT_AUTHOR_EMAIL", "bench@example.invalid"),
                 ("GIT_COMMITTER_NAME", "基准测试"), ("GIT_COMMITTER_EMAIL", "bench@example.invalid")):
        env.setdefault(k, v)
    os.environ.update({k: v for k, v in env.items() if k.startswith("GIT_")})
    cmd = [sys.executable, "-m", "aftercare"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "aftercare")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    try:
        root = work / "store"
        generate(root, 40, SEED, TODAY, git=True)
        store = Store(root)

        def active(c):
            case, events = store.load_case(c)
            return evaluate_in(store, case, events, TODAY).status == "active"

        from aftercare.documents.render import render_html

        busiest = sorted((c for c in store.case_ids() if active(c)), key=lambda c: -len(store.load_case(c)[1]))[:6]
        docs = {c: len(render_html(store, c, TODAY)) for c in busiest}
        cid = max(busiest, key=lambda c: docs[c])           # of the six with most events, the one with most documents
        n_events = len(store.load_case(cid)[1])
        print(f"case {cid}: {n_events} events, {docs[cid] - 3} documents (synthetic store of 40 cases, today {TODAY}); "
              f"engine {args.engine}; {load()}")
        floor = runs(lambda: child(cmd + ["--version"], env), 3)
        FLOOR.append(line("floor: aftercare --version", floor, None))

        out = work / "out"
        html = runs(lambda: child(cmd + ["render", cid, "--store", str(root), "--out", str(out)], env), 3)
        line("html one case (cold)", html, "html")

        pdf_argv = cmd + ["render", cid, "--store", str(root), "--out", str(out), "--format", "pdf",
                          "--engine", args.engine]

        def cold_run():
            shutil.rmtree(out, ignore_errors=True)             # no output folder: no cached parts
            shutil.rmtree(root / ".git" / COMPILED_DIR, ignore_errors=True)     # no compiled templates
            return child(pdf_argv, env)

        try:
            cold = runs(cold_run, args.pdf_runs)
        except RuntimeError as exc:
            print(f"pdf: not available ({exc})")
            return 0
        files = list((out / cid).rglob("*.pdf"))
        whole = out / cid / f"{cid}-全卷.pdf"
        print(f"  {pages_of(whole)} pages in {whole.name} ({whole.stat().st_size // 1024} KiB); {len(files)} PDF files, "
              f"{sum(p.stat().st_size for p in files) // 1024} KiB in all")
        line("pdf cold (three-year case)", cold, "cold")

        days = iter(range(1, 100))

        def one_more():
            day = TODAY.replace(day=next(days))
            subprocess.run(cmd + ["record", "visit", cid, "--date", day.isoformat(), "--kind", "talk", "--note",
                                  "基准测试", "--store", str(root)], env=env, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            return child(pdf_argv, env)

        after = runs(one_more, args.pdf_runs)
        line("pdf after one new record", after, "one")
        same = runs(lambda: child(pdf_argv, env), 2)
        line("pdf again, nothing changed", same, None)
        rss = max(f[2] for f in cold + after)
        print(f"{'peak memory (pdf runs)':<30} {rss:.0f} MB   target {TARGETS['rss']:g} MB: ratio {rss / TARGETS['rss']:.2f} "
              f"{'MET' if rss <= TARGETS['rss'] else 'NOT MET'}")

        n = args.office or args.sample
        office = work / "office"
        generate(office, n, SEED + 1, TODAY, git=True)
        all_fig = [child(cmd + ["render", "--all", "--format", "pdf", "--engine", args.engine, "--store", str(office),
                                "--out", str(work / "all")], env)]
        pages = sum(pages_of(p) for p in (work / "all").glob(f"*/*{COMBINED}"))
        print(f"  {n} persons, {pages} archive pages in all ({pages / n:.0f} per person)")
        if args.office:
            line(f"--all pdf, {n} persons", all_fig, "office")
        else:
            wall, cpu, peak = all_fig[0]
            projected = wall / n * 150
            print(f"{'--all pdf, ' + str(n) + ' persons':<30} {wall:7.2f} s wall  {cpu:7.2f} s CPU  peak {peak:5.0f} MB"
                  f" (largest process)   PROJECTED to 150 persons: {projected:6.0f} s = {projected / FLOOR[0]:.0f}× floor   "
                  f"target 180 s: ratio {projected / TARGETS['office']:.2f} "
                  f"{'MET' if projected <= TARGETS['office'] else 'NOT MET'}   (--office 150 measures it)")
        print(f"after: {load()}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
