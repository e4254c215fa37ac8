"""Regenerate the shipped demo store `cases/` (12 fictional persons, seen on 2026-11-23) exactly.

    python bench/make_demo.py            # rewrites <repo>/cases
    python bench/make_demo.py --check    # exit 1 if <repo>/cases differs from what the generator writes

Try it:  AFTERCARE_TODAY=2026-11-23 aftercare --store cases due
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from synth import generate_demo

REPO = Path(__file__).resolve().parents[1]


def _tree(root: Path) -> dict:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".aftercare-cache", "out")]
        for f in filenames:
            p = Path(dirpath) / f
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare, do not write")
    ap.add_argument("--dest", default=str(REPO / "cases"), help="where the demo store lives (default: <repo>/cases)")
    args = ap.parse_args()
    dest = Path(args.dest)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        fresh = Path(tmp) / "cases"
        stats = generate_demo(fresh)
        if args.check:
            same = dest.is_dir() and _tree(dest) == _tree(fresh)
            print("cases/ is up to date" if same else "cases/ differs from the generator: run python bench/make_demo.py")
            return 0 if same else 1
        if dest.exists():
            if not (dest / "aftercare.yaml").is_file() or (dest / ".git").exists():
                print(f"{dest} exists and is not the demo store: not touching it", file=sys.stderr)
                return 1
            shutil.rmtree(dest)
        fresh.rename(dest)
    print(f"wrote {dest}: {stats['cases']} cases, {stats['events']} events, {stats['files']} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
