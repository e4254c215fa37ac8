"""Start-up and small-command benchmark: each figure as a ratio to `python -c pass`, measured in the same run.

    python bench/bench_cli.py                 # 2,000 cases (synthetic, fixed seed), 7 runs each
    python bench/bench_cli.py --cases 200 --runs 5

Commands run as subprocesses of this interpreter (`python -m aftercare`, the way the tests and the README
run it), output to /dev/null, AFTERCARE_TODAY fixed; each figure is the median wall time. Also lists
which heavy modules (openpyxl, icalendar, pypinyin, jinja2, weasyprint, rich) each command imports:
they must load only in the commands that use them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from synth import generate  # noqa: E402

import installed  # noqa: E402

TODAY = date(2026, 11, 23)
HEAVY = ("openpyxl", "icalendar", "pypinyin", "jinja2", "weasyprint", "rich")
RATIO_TARGET = 8          # --help within 8x of a bare interpreter


def env() -> dict:
    return installed.env(TODAY.isoformat(), PYTHONPATH=str(ROOT))


def timed(argv: list, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(argv, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return statistics.median(times)


def heavy_imports(args: list) -> list:
    # listed by an exit handler: the program ends its process itself (cli.leave)
    code = ("import atexit, sys, runpy; sys.argv = ['aftercare'] + sys.argv[1:]\n"
            f"atexit.register(lambda: sys.stderr.write('\\nHEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules)))\n"
            "runpy.run_module('aftercare', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env(), capture_output=True, text=True)
    return [m for m in proc.stderr.rsplit("HEAVY=", 1)[-1].strip().split(",") if m]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        print(f"generating {a.cases} cases …", file=sys.stderr, flush=True)
        stats = generate(store, a.cases, 20261123, TODAY, git=True)
        case = stats["case_ids"]["active"][0]
        from pypinyin import Style, lazy_pinyin

        from aftercare.store.directory import people

        who = next(p for p in people(store) if p.case == case)
        initials = "".join(lazy_pinyin(who.name, style=Style.FIRST_LETTER))
        digits = who.phone[-4:] if len(who.phone) >= 4 else who.id_number[-4:]
        out = Path(tmp) / "due.xlsx"
        s = ["--store", str(store)]
        py = [sys.executable]
        am = py + ["-m", "aftercare"]
        subprocess.run(am + ["due"] + s, env=env(), stdout=subprocess.DEVNULL, check=True)   # warm the cache
        time.sleep(2.1)                                  # files younger than 2 s are never trusted by the cache
        subprocess.run(am + ["due"] + s, env=env(), stdout=subprocess.DEVNULL, check=True)
        floor = timed(py + ["-c", "pass"], a.runs)
        rows = [
            ("--help", ["--help"]),
            ("show CASE", ["show", case] + s),
            ("record visit (commit)", ["record", "visit", case, "--date", TODAY.isoformat()] + s),
            (f"find {initials} (pinyin)", ["find", initials] + s),
            (f"find {digits} (digits)", ["find", digits] + s),
            ("due (table, warm)", ["due"] + s),
            ("due --format ics", ["due", "--format", "ics"] + s),
            ("due --format xlsx", ["due", "--format", "xlsx", "--output", str(out)] + s),
        ]
        print(f"\npython -c pass: {floor * 1000:.0f} ms (the floor); {a.cases} cases, median of {a.runs} runs\n")
        print(f"{'command':28} {'time':>9} {'× floor':>8}  heavy imports")
        for label, args in rows:
            t = timed(am + args, a.runs)
            heavy = heavy_imports(args)
            note = f"  (target ≤ {RATIO_TARGET}×)" if label == "--help" else ""
            print(f"{label:28} {t * 1000:7.0f} ms {t / floor:7.1f}×  {', '.join(heavy) or '—'}{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
