"""How the benchmarks run the program: as a user's install does.

A `pip install` compiles the program's bytecode once; a run never recompiles it. Where the
environment says PYTHONDONTWRITEBYTECODE (this machine does), every run would compile every
module again (~75 ms), a cost no installed copy pays. So the benchmarks keep bytecode in a
cache of their own (outside the checkout) and run the console script beside this interpreter,
or `python -m aftercare` when a worktree is put first on PYTHONPATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PYCACHE = Path("/tmp/aftercare-bench-pycache")
IDENTITY = (("GIT_AUTHOR_NAME", "基准测试"), ("GIT_AUTHOR_EMAIL", "bench@example.invalid"),
            ("GIT_COMMITTER_NAME", "基准测试"), ("GIT_COMMITTER_EMAIL", "bench@example.invalid"))


def cli() -> list:
    # the console script beside this interpreter (a pyenv shim on PATH would add ~50 ms of bash)
    here = Path(sys.executable).parent / "aftercare"
    if os.environ.get("PYTHONPATH") or not here.exists():
        return [sys.executable, "-m", "aftercare"]
    return [str(here)]


def env(today: str, **extra: str) -> dict:
    """The environment of a measured run: the day fixed, a git identity, bytecode kept, the cache on."""
    e = dict(os.environ, AFTERCARE_TODAY=today, PYTHONPYCACHEPREFIX=str(PYCACHE), **extra)
    for k, v in IDENTITY:
        e.setdefault(k, v)
    e.pop("AFTERCARE_NO_CACHE", None)
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    return e
