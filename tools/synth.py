"""Synthetic case stores: fictional persons on realistic paths, reproducible from a seed.

    python tools/synth.py DIR --cases 2000 --seed 1 [--today 2026-11-23] [--no-git] [--rules FILE]
    python tools/synth.py --demo [DIR]             # the demo store (default: ./cases)

Used by the benchmarks (`bench/bench_scale.py` …), the tests (`import synth`) and to build the shipped
demo store (`cases/`, see `bench/make_demo.py`). Every person is fictional, generated from code
(`aftercare.core.ids.fictional_*`).

The generator holds no copy of the rules. It writes the office's aftercare.yaml first (with rule
overrides, if given) and opens it as a `Store`, so it works under exactly the rules, calendar and
security periods every command reads. Then each person's path is walked measure by measure
(synthlib/walk.py: `case add` / `case start` fields from the actions' own checks, report-in inside the
rules' limit, the engine's last day, incidents), the engine is asked what the office had to do, and it
is done on random days inside the windows, with the person's diligence, sometimes late, missed, made
up or explained (synthlib/duties.py). The files are written by the store's writer
(`store.write_case_bulk`: the case.yaml and events files `case add` and `record` would leave, the records
built by `store.new_record`) without a commit per record; then, with git, one `git add -A` and one
commit, and `aftercare.origin` set to another origin, as a second clone would be.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))      # synthlib, beside this file

from aftercare.core.ids import fictional_id_number  # noqa: E402
from aftercare.store import Store, yamlio  # noqa: E402
from aftercare.store.store import CONFIG, EVENT_HEADER, GITIGNORE, write_case_bulk  # noqa: E402,F401 (EVENT_HEADER: tests)
from synthlib import duties, office, people  # noqa: E402
from synthlib.demo import DEMO_SEED, DEMO_TODAY, plans as demo_plans  # noqa: E402,F401 (API)
from synthlib.office import DEFAULT_OFFICE, SECURITY_PERIODS, TOWNSHIP  # noqa: E402,F401 (API)
from synthlib.walk import Walk  # noqa: E402

FILE_ORIGIN = "syn1"                             # the origin named in the generated event files


def generate(root: Path, n_cases: int, seed: int, today: date, *, git: bool = True, office_name: str = DEFAULT_OFFICE,
             closed_share: float | None = None, plans: list | None = None, origin: str = FILE_ORIGIN,
             rules: list | None = None) -> dict:
    """Write a synthetic store of `n_cases` fictional persons into `root` (created; must not hold a store).

    Same arguments → byte-identical files. `closed_share` forces that share of persons to have finished
    their measure (released) and the others to be in it; `plans` (the demo) gives each person instead of
    drawing them; `rules` are the office's rule overrides (aftercare.yaml `rules:`), which the histories
    follow. Returns statistics: persons per status (and their case IDs), per state of the path, events,
    files, bytes, seconds.
    """
    t0 = time.perf_counter()
    root = Path(root)
    os.umask(0o077)                               # the store's files are private (as aftercare makes them)
    if (root / CONFIG).exists():
        raise FileExistsError(f"{root / CONFIG} exists: refusing to overwrite a store")
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    rng = random.Random(f"aftercare-synth:{seed}")
    if plans is not None:
        n_cases = len(plans)
    members = office.staff(rng, max(3, round(n_cases / 30)))
    nbytes = office.write(root / CONFIG, office.office_yaml(office_name, members, SECURITY_PERIODS, rules))
    nbytes += office.write(root / ".gitignore", GITIGNORE)
    (root / "cases").mkdir(exist_ok=True)
    store = Store(root, use_cache=False)          # the office as every command reads it: rules, calendar, periods
    if plans is None:
        rs = store.rules.for_day(today)
        plans = [people.draw(random.Random(f"{seed}:plan:{i}"), i, today, members, rs, closed_share, TOWNSHIP)
                 for i in range(n_cases)]
    _number(plans, seed)
    stats: dict = {"cases": 0, "events": 0, "files": 2, "bytes": nbytes, "status": {}, "state": {}, "case_ids": {},
                   "paths": {"measures>=2": 0, "followup": 0, "lost": 0, "methadone": 0, "isolation": 0}}
    for p in sorted(plans, key=lambda p: p.case_id):
        walk = Walk(store, p, random.Random(f"{seed}:history:{p.key}"), today)
        walk.run()
        view = duties.settle(walk)
        records = [walk.records[e.line] for e in walk.sorted_events()]
        files, size = write_case_bulk(root, p.case_id, walk.body, records, origin)   # the files the actions write
        _count(stats, p.case_id, view, walk, files, size)
    stats["write_seconds"] = round(time.perf_counter() - t0, 2)
    if git:
        office.git_commit(root, rng, n_cases, seed)
    stats["seconds"] = round(time.perf_counter() - t0, 2)
    return stats


def _number(plans: list, seed: int) -> None:
    """Unique ID numbers (the register refuses a second registration) and case IDs by registration year,
    numbered in order of registration."""
    seen: set = set()
    for p in plans:
        r = random.Random(f"{seed}:idn:{p.key}")
        while p.id_number in seen or not p.id_number:
            p.id_number = fictional_id_number(r, p.birth, p.sex)
        seen.add(p.id_number)
    per_year: dict = {}
    for p in sorted(plans, key=lambda p: (p.registered, p.key)):
        if not p.case_id:
            y = p.registered.year
            per_year[y] = per_year.get(y, 0) + 1
            p.case_id = f"{y}-{per_year[y]:04d}"


def _count(stats: dict, cid: str, view, walk: Walk, files: int, size: int) -> None:
    st, state = view.status, view.path.state
    stats["status"][st] = stats["status"].get(st, 0) + 1
    stats["state"][state] = stats["state"].get(state, 0) + 1
    stats["case_ids"].setdefault(st, []).append(cid)
    kinds = {s.kind for s in view.path.segments}
    paths = stats["paths"]
    paths["measures>=2"] += len(walk.case.path) >= 2
    paths["followup"] += "followup" in kinds
    paths["isolation"] += "isolation" in kinds
    paths["lost"] += bool(view.path.lost)
    paths["methadone"] += bool(view.path.methadone)
    stats["cases"] += 1
    stats["events"] += len(walk.records)
    stats["files"] += files
    stats["bytes"] += size


def generate_demo(root: Path) -> dict:
    """The shipped demo store (`cases/`): 12 fictional persons, `today` 2026-11-23, no git of its own."""
    return generate(root, 0, DEMO_SEED, DEMO_TODAY, git=False, plans=demo_plans(), origin="demo")


def main(argv: list | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python tools/synth.py", description="Write a synthetic store of fictional persons.")
    ap.add_argument("root", nargs="?", help="the store folder to create")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--today", default=DEMO_TODAY.isoformat(), help="the day the histories end (YYYY-MM-DD)")
    ap.add_argument("--no-git", action="store_true", help="do not make a git repository and commit")
    ap.add_argument("--closed-share", type=float, default=None, help="share of finished cases (default: natural mix)")
    ap.add_argument("--rules", help="a YAML file with the office's rule overrides (a list, as `rules:` in aftercare.yaml)")
    ap.add_argument("--demo", action="store_true", help="write the demo store (default folder: ./cases)")
    args = ap.parse_args(argv)
    if args.demo:
        stats = generate_demo(Path(args.root or "cases"))
    else:
        if not args.root:
            ap.error("the store folder is required")
        rules = yamlio.parse(Path(args.rules).read_bytes(), args.rules) if args.rules else None
        stats = generate(Path(args.root), args.cases, args.seed, date.fromisoformat(args.today), git=not args.no_git,
                         closed_share=args.closed_share, rules=rules)
    stats.pop("case_ids")
    print(stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
