"""Scale benchmark: the real CLI on synthetic stores of 200 and 2,000 cases (20,000 with --full).

    python bench/bench_scale.py                     # 200 and 2,000 cases, 5 runs each
    python bench/bench_scale.py --full              # also 20,000 cases (3 runs)
    python bench/bench_scale.py --sizes 200 --runs 7 --keep

Stores are generated (synth, fixed seed, one commit) under bench/stores/ (git-ignored) and
measured through the installed `aftercare` command as subprocesses, with AFTERCARE_TODAY fixed, output
to /dev/null. Each figure is the median wall time of the runs:

  --help                     the command line starting up
  due cold                   `due` after deleting <store>/.git/aftercare-cache (table, and --format json)
  due --no-cache             `due` that neither reads nor writes the cache
  due warm                   `due` again (table, and --format json)
  due after 1 record         `record visit` on one case (not timed), then `due` (timed)
  check                      `check` (validates every file; no cache)
  show                       `show` of one active case
  record test (commit)       `record test` on an active case, including the git commit
  floor: read all bytes      Python reading every file of the store (os.walk + read; page cache warm)

then per case (due cold and warm divided by the number of cases) and the effect of closed cases:
`due` warm on a copy of the store holding only its open cases vs. on the whole store.
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
from synth import generate

HERE = Path(__file__).resolve().parent
TODAY = date(2026, 11, 23)
SEED = 20261123
TARGETS = {  # (200, 2,000) from the issue; 20,000: measure
    "help": (0.15, 0.15), "due_warm": (0.2, 0.6), "due_cold": (1.5, 10), "due_after_record": (0.25, 0.7),
    "record_test": (0.3, 0.3),
}


def cli() -> list:
    # the console script beside this interpreter (a pyenv shim on PATH would add ~50 ms of bash)
    here = Path(sys.executable).parent / "aftercare"
    exe = str(here) if here.exists() else shutil.which("aftercare")
    return [exe] if exe else [sys.executable, "-m", "aftercare"]


def env() -> dict:
    e = dict(os.environ, AFTERCARE_TODAY=TODAY.isoformat())
    for k, v in (("GIT_AUTHOR_NAME", "基准测试"), ("GIT_AUTHOR_EMAIL", "bench@example.invalid"),
                 ("GIT_COMMITTER_NAME", "基准测试"), ("GIT_COMMITTER_EMAIL", "bench@example.invalid")):
        e.setdefault(k, v)
    e.pop("AFTERCARE_NO_CACHE", None)
    return e


def run(args: list, check: bool = True) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cli() + args, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if check and proc.returncode != 0:
        raise SystemExit(f"aftercare {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return dt


def median(xs: list) -> float:
    return statistics.median(xs)


def drop_cache(store: Path) -> None:
    shutil.rmtree(store / ".git" / "aftercare-cache", ignore_errors=True)


def read_all(store: Path) -> tuple[float, int, int]:
    t = time.perf_counter()
    n = files = 0
    for dirpath, dirnames, filenames in os.walk(store):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".aftercare-cache", "out")]
        for f in filenames:
            with open(os.path.join(dirpath, f), "rb") as fh:
                n += len(fh.read())
            files += 1
    return time.perf_counter() - t, n, files


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


def open_copy(root: Path, stats: dict) -> Path:
    """A copy of the store holding only its open cases (files keep their times, so the cache trusts them)."""
    dest = root.parent / (root.name + "-open")
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "cases").mkdir(parents=True)
    for name in ("aftercare.yaml", ".gitignore"):
        shutil.copy2(root / name, dest / name)
    for status in ("active", "suspended", "awaiting"):
        for cid in stats["case_ids"].get(status, []):
            shutil.copytree(root / "cases" / cid, dest / "cases" / cid, copy_function=shutil.copy2)
    return dest


def bench(n: int, runs: int, keep: bool) -> dict:
    root, stats = build(n, keep)
    s = ["--store", str(root)]
    active = stats["case_ids"]["active"]
    closed = sum(len(stats["case_ids"].get(k, [])) for k in ("released", "terminated", "transferred"))
    r: dict = {"cases": stats["cases"], "active": len(active), "closed": closed,
               "other": stats["cases"] - len(active) - closed, "events": stats["events"],
               "files": stats["files"], "mb": stats["bytes"] / 1e6, "gen_s": stats["seconds"]}
    # files younger than 2 s are never trusted by the cache: let the generated ones settle
    time.sleep(2.1)
    print(f"measuring {n} cases …", file=sys.stderr, flush=True)
    run(["--help"])
    r["help"] = median([run(["--help"]) for _ in range(runs)])

    def cold(args):
        out = []
        for _ in range(runs):
            drop_cache(root)
            out.append(run(args))
        return median(out)

    r["due_cold"] = cold(["due", *s])
    r["due_cold_json"] = cold(["due", "--format", "json", *s])
    r["due_nocache"] = median([run(["--no-cache", "due", *s]) for _ in range(runs)])
    run(["due", *s])
    r["due_warm"] = median([run(["due", *s]) for _ in range(runs)])
    run(["due", "--format", "json", *s])
    r["due_warm_json"] = median([run(["due", "--format", "json", *s]) for _ in range(runs)])
    after = []
    for i in range(runs):
        run(["record", "visit", active[i % len(active)], "--kind", "phone", "--note", "基准测试", *s])
        after.append(run(["due", *s]))
    r["due_after_record"] = median(after)
    r["check"] = median([run(["check", *s]) for _ in range(runs)])
    show_case = active[len(active) // 2]
    r["show"] = median([run(["show", show_case, *s]) for _ in range(runs)])
    r["record_test"] = median([run(["record", "test", active[-1 - i], "--result", "negative", "--method", "urine", *s])
                               for i in range(runs)])
    floors = [read_all(root) for _ in range(runs)]
    r["floor"] = median([f[0] for f in floors])
    r["read_mb"] = floors[0][1] / 1e6
    r["due_cold_per_case_ms"] = r["due_cold"] / n * 1000
    r["due_warm_per_case_ms"] = r["due_warm"] / n * 1000
    # closed cases must not slow today's agenda: the open cases alone vs. the whole store (both warm)
    openc = open_copy(root, stats)
    so = ["--store", str(openc)]
    time.sleep(2.1)
    run(["due", *so])
    r["open_only_cases"] = len(list((openc / "cases").iterdir()))
    r["due_warm_open_only"] = median([run(["due", *so]) for _ in range(runs)])
    r["due_warm_whole"] = median([run(["due", *s]) for _ in range(runs)])
    shutil.rmtree(openc, ignore_errors=True)
    return r


ROWS = [
    ("cases (active / closed / other)", lambda r: f"{r['cases']} ({r['active']}/{r['closed']}/{r['other']})", None),
    ("events / files / MB", lambda r: f"{r['events']}/{r['files']}/{r['mb']:.1f}", None),
    ("--help", "help", "help"),
    ("due cold (table)", "due_cold", "due_cold"),
    ("due cold (json)", "due_cold_json", None),
    ("due --no-cache", "due_nocache", None),
    ("due warm (table)", "due_warm", "due_warm"),
    ("due warm (json)", "due_warm_json", None),
    ("due after 1 new record", "due_after_record", "due_after_record"),
    ("check", "check", None),
    ("show one case", "show", None),
    ("record test (with commit)", "record_test", "record_test"),
    ("floor: read all bytes (Python)", "floor", None),
    ("due cold per case (ms)", lambda r: f"{r['due_cold_per_case_ms']:.2f}", None),
    ("due warm per case (ms)", lambda r: f"{r['due_warm_per_case_ms']:.3f}", None),
    ("due warm, open cases only", lambda r: f"{r['due_warm_open_only']:.3f} ({r['open_only_cases']})", None),
    ("due warm, whole store", "due_warm_whole", None),
]


def table(results: dict) -> str:
    sizes = list(results)
    head = ["", *[f"{n:,} cases" for n in sizes], "target (200 / 2,000)"]
    rows = []
    for label, key, tkey in ROWS:
        cells = []
        for n in sizes:
            r = results[n]
            cells.append(key(r) if callable(key) else f"{r[key]:.3f}")
        t = TARGETS.get(tkey) if tkey else None
        rows.append([label, *cells, f"≤{t[0]} / ≤{t[1]} s" if t else ""])
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
          f"AFTERCARE_TODAY={TODAY}, medians in seconds")
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
