"""Scale benchmark: every target of issue 16 as a ratio to a floor measured in the same run.

    python bench/bench_scale.py                     # 200 and 2,000 persons, 5 runs each
    python bench/bench_scale.py --full              # also 20,000 persons (3 runs)
    python bench/bench_scale.py --sizes 200 --runs 7 --keep

Stores are generated (tools/synth.py, fixed seed, one commit) under bench/stores/ (git-ignored) and
measured through the `aftercare` command as subprocesses (AFTERCARE_TODAY fixed, output to
/dev/null); each figure is the median wall time of the runs. The floors: `python -c pass`, a Python
process reading every byte of the store (the page cache warm), `aftercare --help`, `show` of one
case, and warm `due`. Then the ratios, each against its target (✗ when missed), the figures in
seconds, and the cost per person at each size (so that growth is visible: linear is flat).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from synth import generate  # noqa: E402

import installed  # noqa: E402  (bench/ is on sys.path when a script here runs)
from installed import cli  # noqa: E402

HERE = Path(__file__).resolve().parent
TODAY = date(2026, 11, 23)
SEED = 20261123


def env() -> dict:
    return installed.env(TODAY.isoformat())


def run(args: list, check: bool = True, rss: bool = False):
    """Wall time of one command (and its peak memory in MB with rss=True)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cli() + args, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    dt = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if check and proc.returncode != 0:
        raise SystemExit(f"aftercare {' '.join(args)} failed ({proc.returncode}): {err.decode()[-500:]}")
    return (dt, usage.ru_maxrss / 1024) if rss else dt


def python(code: str, *args: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True)
    return time.perf_counter() - t


READ_ALL = """
import os, sys
n = 0
for d, ds, fs in os.walk(sys.argv[1]):
    ds[:] = [x for x in ds if x not in (".git", "out")]
    for f in fs:
        with open(os.path.join(d, f), "rb") as fh:
            n += len(fh.read())
"""

# what any check of one worker's agenda must do at least: one stat of every case.yaml (a hand edit may
# have given that case to the worker), in a loop with nothing else (either layout: cases/<id>/ or
# cases/<bucket>/<id>/)
STAT_CASES = """
import glob, os, sys
n = 0
for p in glob.glob(os.path.join(sys.argv[1], "cases", "*", "case.yaml")) + glob.glob(
        os.path.join(sys.argv[1], "cases", "*", "*", "case.yaml")):
    os.stat(p)
    n += 1
"""


def git_objects_bytes(root: Path) -> int:
    total = 0
    for d, _ds, fs in os.walk(root / ".git" / "objects"):
        for f in fs:
            total += os.path.getsize(os.path.join(d, f))
    return total


def median(xs: list) -> float:
    return statistics.median(xs)


def drop_cache(store: Path) -> None:
    shutil.rmtree(store / ".git" / "aftercare-cache", ignore_errors=True)


def build(n: int, keep: bool) -> tuple[Path, dict]:
    root = HERE / "stores" / f"scale-{n}"
    meta = HERE / "stores" / f"scale-{n}.json"
    if keep and meta.exists() and (root / ".git").is_dir():
        stats = json.loads(meta.read_text())
        base = stats["commit"]
        # back to the generated state: drop what earlier runs recorded
        subprocess.run(["git", "reset", "-q", "--hard", base], cwd=root, check=True)
        subprocess.run(["git", "clean", "-q", "-fd", "-e", ".aftercare-cache"], cwd=root, check=True)
        return root, stats
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating {n} cases …", file=sys.stderr, flush=True)
    stats = generate(root, n, SEED, TODAY, git=True)
    stats["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                     check=True).stdout.strip()
    meta.write_text(json.dumps(stats))
    print(f"  {stats['events']} events, {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB "
          f"in {stats['seconds']:.1f} s", file=sys.stderr, flush=True)
    return root, stats


def bench(n: int, runs: int, keep: bool) -> dict:
    root, stats = build(n, keep)
    s = ["--store", str(root)]
    active = stats["case_ids"]["active"]
    r: dict = {"cases": stats["cases"], "active": len(active), "events": stats["events"], "files": stats["files"],
               "mb": stats["bytes"] / 1e6}
    time.sleep(2.1)       # files younger than 2 s are never trusted by the cache: let the generated ones settle
    print(f"measuring {n} cases …", file=sys.stderr, flush=True)
    m = lambda f: median([f() for _ in range(runs)])  # noqa: E731
    r["pass"] = m(lambda: python("pass"))
    r["read"] = m(lambda: python(READ_ALL, str(root)))
    r["stat_cases"] = m(lambda: python(STAT_CASES, str(root)))
    run(["--help"])
    r["help"] = m(lambda: run(["--help"]))

    def cold():
        drop_cache(root)
        return run(["due", *s])

    r["due_cold"] = m(cold)
    run(["due", *s])
    r["due_warm"] = m(lambda: run(["due", *s]))
    from aftercare.store import Store

    staff = Store(root).staff
    worker = staff[len(staff) // 2]["name"]
    show_case = active[len(active) // 2]
    r["show"] = m(lambda: run(["show", show_case, *s]))
    r["due_worker"] = m(lambda: run(["due", "--worker", worker, *s]))
    r["due_case"] = m(lambda: run(["due", "--case", show_case, *s]))
    r["check"] = m(lambda: run(["check", *s]))
    after, warm2 = [], []
    for i in range(runs):       # each `due` after a record beside the warm `due` that follows it: the
        run(["record", "visit", active[i % len(active)], "--kind", "phone", "--note", "基准测试", *s])
        after.append(run(["due", *s]))          # same minute's conditions on a shared machine
        warm2.append(run(["due", *s]))
    r["due_after_record"] = median(after)
    r["due_warm2"] = median(warm2)
    before = git_objects_bytes(root)
    rec = [run(["record", "test", active[-1 - i], "--result", "negative", "--method", "urine", *s]) for i in range(runs)]
    r["record"] = median(rec)
    r["git_kb_per_record"] = (git_objects_bytes(root) - before) / runs / 1024
    r["rss_due_warm"] = max(run(["due", *s], rss=True)[1] for _ in range(2))
    r["due_warm_per_person_ms"] = r["due_warm"] / n * 1000
    r["due_cold_per_person_ms"] = r["due_cold"] / n * 1000
    r["check_per_person_ms"] = r["check"] / n * 1000
    return r


# (label, measured key, floor key, target ratio); a floor of None: an absolute figure
TARGETS = [
    ("due warm / read", "due_warm", "read", 1.2),
    ("due --worker W / show", "due_worker", "show", 1.3),
    ("due --case C / show", "due_case", "show", 1.3),
    ("due after 1 record / due warm", "due_after_record", "due_warm2", 1.1),
    ("due cold / read", "due_cold", "read", 15),
    ("check (unchanged) / due warm", "check", "due_warm", 1.5),
    ("show / --help", "show", "help", 1.3),
    ("record with commit / --help", "record", "help", 2),
    ("--help / python -c pass", "help", "pass", 8),
    (".git growth per record (KB)", "git_kb_per_record", None, 50),
    ("peak memory, due warm (MB)", "rss_due_warm", None, 150),
    # no target: how much of `show` the stat of every case.yaml alone costs (what a worker's agenda
    # must at least do to see a case given to that worker by a hand edit)
    ("(stat every case.yaml / show)", "stat_cases", "show", None),
]
FIGURES = [("python -c pass", "pass"), ("read every byte (python)", "read"),
           ("stat every case.yaml (python)", "stat_cases"), ("--help", "help"), ("due cold", "due_cold"),
           ("due warm", "due_warm"), ("due --worker W", "due_worker"), ("due --case C", "due_case"),
           ("due after 1 record", "due_after_record"), ("check", "check"), ("show", "show"),
           ("record test (commit)", "record"), ("due warm per person (ms)", "due_warm_per_person_ms"),
           ("due cold per person (ms)", "due_cold_per_person_ms"), ("check per person (ms)", "check_per_person_ms")]


def table(results: dict) -> str:
    sizes = list(results)
    head = ["", *[f"{n:,} persons" for n in sizes], "target"]
    rows = [["events / files / MB", *[f"{r['events']}/{r['files']}/{r['mb']:.1f}" for r in results.values()], ""]]
    for label, key, floor, target in TARGETS:
        cells = []
        for r in results.values():
            v = r[key] / r[floor] if floor else r[key]
            cells.append(f"{v:.2f}{'' if target is None or v <= target else ' ✗'}")
        rows.append([label, *cells, "" if target is None else f"≤ {target}{'×' if floor else ''}"])
    rows.append(["— seconds (medians) —", *[""] * len(sizes), ""])
    for label, key in FIGURES:
        rows.append([label, *[f"{r[key]:.3f}" for r in results.values()], ""])
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(len(head))]
    fmt = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def main() -> int:
    ap = argparse.ArgumentParser(description="aftercare scale benchmark (medians, seconds)")
    ap.add_argument("--sizes", default="200,2000", help="comma-separated store sizes (default 200,2000)")
    ap.add_argument("--full", action="store_true", help="also 20,000 cases")
    ap.add_argument("--runs", type=int, default=5, help="runs per figure (≥5; 3 for 20,000 cases)")
    ap.add_argument("--keep", action="store_true", help="reuse stores already generated in bench/stores")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if args.full and 20000 not in sizes:
        sizes.append(20000)
    results = {}
    for n in sizes:
        results[n] = bench(n, max(3, args.runs if n < 20000 else min(args.runs, 3)), args.keep)
    print(f"aftercare scale benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"AFTERCARE_TODAY={TODAY}; ratios measured in one run")
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
