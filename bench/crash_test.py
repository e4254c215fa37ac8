"""Crash test: kill `aftercare record` and `aftercare case add` at every git step, and count outcomes.

    python bench/crash_test.py            # prints the figures (README "Safety" quotes them)
    python bench/crash_test.py --sync     # the same for `sync` (a sync that merges, one that rebases)

A `git` wrapper first on PATH kills the aftercare process (SIGKILL, as a power cut would) when it
reaches the n-th call of a named git subcommand: before git runs, after it ran, or — for the steps
that take git's index lock — while git "holds" the lock (the lock file is left behind, as when git
itself dies). Every git call of each command is a kill point. After each kill, the next command (a
new record or registration) runs normally; then the store is examined:

- lost: a record that a finished command reported, missing from HEAD;
- duplicated: a record present twice;
- uncommitted: anything in the working tree that differs from HEAD (`git status`), or the killed
  record on disk but not committed; `.tmp-*.part` files or empty case folders;
- swept: the killed record committed under the next command's commit.

The killed command's own record is either committed whole (completed) or absent (rolled back).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-05-20"

WRAPPER = r"""#!/bin/sh
sub=""
skip=0
for a in "$@"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in
    -c|-C) skip=1 ;;
    -*) ;;
    *) sub="$a"; break ;;
  esac
done
if [ -n "$AFTERCARE_CRASH_LOG" ]; then echo "$sub" >> "$AFTERCARE_CRASH_LOG"; fi
if [ -n "$AFTERCARE_CRASH_AT" ] && [ "$sub" = "$AFTERCARE_CRASH_AT" ]; then
  n=$(cat "$AFTERCARE_CRASH_COUNTER" 2>/dev/null || echo 0)
  n=$((n + 1))
  echo "$n" > "$AFTERCARE_CRASH_COUNTER"
  if [ "$n" = "$AFTERCARE_CRASH_NTH" ]; then
    case "$AFTERCARE_CRASH_WHEN" in
      after) "@GIT@" "$@" >/dev/null 2>&1 ;;
      during) : > .git/index.lock ;;
    esac
    kill -9 "$PPID"
    exit 137
  fi
fi
exec "@GIT@" "$@"
"""


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ, AFTERCARE_TODAY=TODAY, GIT_AUTHOR_NAME="测试员", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="测试员", GIT_COMMITTER_EMAIL="t@example.invalid")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


def _cli(root: Path, *args: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aftercare", *args, "--store", str(root)], env=_env(extra),
                          capture_output=True, text=True, timeout=120, cwd=str(REPO))


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=_env()).stdout


def _person(seed: int) -> tuple[str, str]:
    from aftercare.core.ids import fictional_id_number, fictional_name

    rng = random.Random(seed)
    return fictional_name(rng), fictional_id_number(rng, date(1990, 1, 1), "男")


def _count_committed(root: Path, needle: str) -> int:
    out = _git(root, "grep", "-c", "-F", needle, "HEAD", "--", "cases")
    return sum(int(line.rsplit(":", 1)[1]) for line in out.splitlines() if line.strip())


def _count_on_disk(root: Path, needle: str) -> int:
    return sum(p.read_text(encoding="utf-8", errors="replace").count(needle)
               for p in (root / "cases").rglob("*.yaml") if p.is_file())


def _untidy(root: Path) -> list:
    """Left-overs: uncommitted changes, temporary files, empty case folders, a lock left behind."""
    bad = [ln for ln in _git(root, "status", "--porcelain", "--untracked-files=all").splitlines() if ln.strip()]
    bad += [str(p) for p in root.rglob(".tmp-*.part")]
    bad += [str(d) for d in (root / "cases").rglob("*") if d.is_dir() and not any(d.iterdir())]
    if (root / ".git" / "index.lock").exists():
        bad.append(".git/index.lock")
    return bad


def _trace(root: Path, args: list, log: Path, path_env: dict) -> list:
    """The git subcommands a command runs, in order, as (subcommand, n-th call)."""
    log.unlink(missing_ok=True)
    res = _cli(root, *args, extra={**path_env, "AFTERCARE_CRASH_LOG": str(log)})
    assert res.returncode == 0, res.stderr
    seen: dict = {}
    steps = []
    for sub in log.read_text().split():
        seen[sub] = seen.get(sub, 0) + 1
        steps.append((sub, seen[sub]))
    return steps


def run(work: Path) -> dict:
    """Run every kill point of both commands in `work`; returns the figures."""
    real_git = shutil.which("git")
    bindir = work / "bin"
    bindir.mkdir(parents=True)
    (bindir / "git").write_text(WRAPPER.replace("@GIT@", real_git))
    (bindir / "git").chmod(0o755)
    path_env = {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    root = work / "store"
    subprocess.run([sys.executable, "-m", "aftercare", "init", str(root)], env=_env(), check=True,
                   capture_output=True, cwd=str(REPO))
    name, idn = _person(1)
    res = _cli(root, "case", "add", "--name", name, "--id-number", idn, "--measure", "detox",
               "--reported-on", "2026-03-05")
    assert res.returncode == 0, res.stderr
    cid = res.stdout.split()[-1]
    figures = {"commands": {}, "runs": 0, "killed": 0, "completed": 0, "rolled_back": 0,
               "lost": 0, "duplicated": 0, "uncommitted": 0, "swept": 0, "where": []}
    counter = work / "counter"
    seed = [100]

    def record_args(tag):
        return ["record", "visit", cid, "--date", "2026-05-19", "--note", tag]

    def add_args(tag):
        seed[0] += 1
        n, i = _person(seed[0])
        return ["case", "add", "--name", n, "--id-number", i, "--measure", "detox"], i

    expected: set = set()                          # records reported done: must stay, once
    for command in ("record", "case add"):
        steps = _trace(root, record_args("trace-r") if command == "record" else add_args("trace")[0], work / "log",
                       path_env)
        if command == "record":
            expected.add('"trace-r"')
        done = 0
        for sub, nth in steps:
            whens = ["before", "after"] + (["during"] if sub in ("update-index", "reset") else [])
            for when in whens:
                figures["runs"] += 1
                if command == "record":
                    tag = f"crash-{figures['runs']}"
                    killed_args, needle = record_args(tag), f'"{tag}"'
                else:
                    killed_args, needle = add_args(None)
                counter.unlink(missing_ok=True)
                res = _cli(root, *killed_args, extra={**path_env, "AFTERCARE_CRASH_AT": sub,
                                                      "AFTERCARE_CRASH_NTH": str(nth), "AFTERCARE_CRASH_WHEN": when,
                                                      "AFTERCARE_CRASH_COUNTER": str(counter)})
                killed = res.returncode == -9
                figures["killed"] += killed
                # the next command, without the wrapper
                nxt = f"next-{figures['runs']}"
                if command == "record":
                    after = _cli(root, "record", "report", cid, "--date", "2026-05-19", "--note", nxt)
                    next_needle = f'"{nxt}"'
                else:
                    args, next_needle = add_args(None)
                    after = _cli(root, *args)
                here = f"{command} killed {when} git {sub} #{nth}"
                if after.returncode != 0:
                    figures["lost"] += 1               # the next command could not record
                    figures["where"].append(f"{here}: next command failed: {after.stderr.strip()}")
                    continue
                expected.add(next_needle)
                c = _count_committed(root, needle)
                if c == 1:
                    figures["completed"] += 1
                    expected.add(needle)
                elif c == 0:
                    figures["rolled_back"] += 1
                figures["duplicated"] += int(c > 1) + int(_count_committed(root, next_needle) > 1)
                if _count_on_disk(root, needle) != c or _untidy(root):
                    figures["uncommitted"] += 1
                    figures["where"].append(f"{here}: left {_untidy(root)}")
                added = [ln for ln in _git(root, "diff", "HEAD^", "HEAD").splitlines() if ln.startswith("+")]
                if any(needle in ln for ln in added):
                    figures["swept"] += 1
                    figures["where"].append(f"{here}: swept into the next commit")
                done += 1
        figures["commands"][command] = {"kill_points": len(steps), "runs": done, "steps": [sub for sub, _n in steps]}
    missing = [n for n in expected if _count_committed(root, n) != 1]
    figures["lost"] += len(missing)
    figures["where"] += [f"missing at the end: {n}" for n in missing]
    figures["check"] = _cli(root, "check").returncode
    return figures


# ---------------------------------------------------------------- sync

def _ok(res: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert res.returncode == 0, res.stderr
    return res


def _sync_template(work: Path, kind: str) -> dict:
    """Office A and office B, clones of one bare remote, each with work not yet synced. kind "merge":
    both registered a new person under the same number 2026-0002 (A's sync renumbers its case in a
    commit, then joins by a merge), "rebase": records only (A's sync rebases). In both, each added a
    worker to the staff list (aftercare.yaml merged by the YAML driver). B has synced; A has not."""
    tpl = work / f"template-{kind}"
    a, b, bare = tpl / "A", tpl / "B", tpl / "shared.git"
    _ok(subprocess.run([sys.executable, "-m", "aftercare", "init", str(a)], env=_env(), capture_output=True, cwd=str(REPO)))
    _ok(_cli(a, "staff", "add", "李娟"))
    name, idn = _person(1)
    cid = _ok(_cli(a, "case", "add", "--name", name, "--id-number", idn, "--measure", "detox",
                   "--reported-on", "2026-03-05")).stdout.split()[-1]
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env=_env())
    _git(a, "remote", "add", "origin", str(bare))
    _ok(_cli(a, "sync"))
    subprocess.run(["git", "clone", "-q", str(bare), str(b)], check=True, env=_env())
    facts = {"dir": tpl, "cid": cid, "staff": ["李娟", "王强", "赵敏"], "notes": ['"甲"', '"乙"'], "persons": [idn]}
    for office, worker, note, seed in ((b, "赵敏", "乙", 12), (a, "王强", "甲", 11)):
        _ok(_cli(office, "staff", "add", worker))
        if kind == "merge":
            n, i = _person(seed)
            _ok(_cli(office, "case", "add", "--name", n, "--id-number", i, "--measure", "detox", "--reported-on", "2026-05-01"))
            facts["persons"].append(i)
        _ok(_cli(office, "record", "visit", cid, "--date", "2026-05-10", "--note", note))
        if office == b:
            _ok(_cli(b, "sync"))
    return facts


def _sync_left_overs(root: Path) -> list:
    """Anything half done: a rebase, merge or cherry-pick, the sync's journal, a kept commit."""
    g = root / ".git"
    bad = [n for n in ("MERGE_HEAD", "CHERRY_PICK_HEAD", "rebase-merge", "rebase-apply", "aftercare-sync.json",
                       "MERGE_AUTOSTASH") if (g / n).exists()]
    if not _git(root, "symbolic-ref", "-q", "HEAD").strip():
        bad.append("detached HEAD")
    bad += _git(root, "for-each-ref", "--format=%(refname)", "refs/aftercare/kept/").split()
    return bad + _untidy(root)


def run_sync(work: Path) -> dict:
    """Kill `sync` at every git step of a sync that merges and of one that rebases; after each kill
    the next command (a record) runs, then `sync` again. Returns the figures."""
    real_git = shutil.which("git")
    bindir = work / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    (bindir / "git").write_text(WRAPPER.replace("@GIT@", real_git))
    (bindir / "git").chmod(0o755)
    path_env = {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    figures = {"kinds": {}, "runs": 0, "killed": 0, "completed": 0, "rolled_back": 0, "lost": 0,
               "duplicated": 0, "left": 0, "stuck": 0, "check": 0, "where": []}
    counter = work / "counter"
    for kind in ("merge", "rebase"):
        facts = _sync_template(work, kind)
        tpl = facts["dir"]
        trace_dir = work / f"trace-{kind}"
        shutil.copytree(tpl, trace_dir, symlinks=True)
        _git(trace_dir / "A", "remote", "set-url", "origin", str(trace_dir / "shared.git"))
        steps = _trace(trace_dir / "A", ["sync"], work / "log", path_env)
        figures["kinds"][kind] = {"kill_points": len(steps)}
        for sub, nth in steps:
            for when in ["before", "after"] + (["during"] if sub in ("update-index", "reset", "merge", "rebase") else []):
                figures["runs"] += 1
                here = f"sync ({kind}) killed {when} git {sub} #{nth}"
                run_dir = work / f"run-{figures['runs']}"
                shutil.copytree(tpl, run_dir, symlinks=True)
                a, bare = run_dir / "A", run_dir / "shared.git"
                _git(a, "remote", "set-url", "origin", str(bare))
                remote_tip = _git(bare, "rev-parse", "HEAD").strip()
                counter.unlink(missing_ok=True)
                res = _cli(a, "sync", extra={**path_env, "AFTERCARE_CRASH_AT": sub, "AFTERCARE_CRASH_NTH": str(nth),
                                             "AFTERCARE_CRASH_WHEN": when, "AFTERCARE_CRASH_COUNTER": str(counter)})
                figures["killed"] += res.returncode == -9
                nxt = f"next-{figures['runs']}"
                after = _cli(a, "record", "visit", facts["cid"], "--date", "2026-05-19", "--note", nxt)
                if after.returncode != 0:
                    figures["lost"] += 1
                    figures["where"].append(f"{here}: next command failed: {after.stderr.strip()}")
                    shutil.rmtree(run_dir, ignore_errors=True)
                    continue
                joined = subprocess.run(["git", "-C", str(a), "merge-base", "--is-ancestor", remote_tip, "HEAD"],
                                        env=_env(), capture_output=True).returncode == 0
                figures["completed" if joined else "rolled_back"] += 1
                left = _sync_left_overs(a)
                if left:
                    figures["left"] += 1
                    figures["where"].append(f"{here}: left {left}")
                again = _cli(a, "sync")
                if again.returncode != 0:
                    figures["stuck"] += 1
                    figures["where"].append(f"{here}: the next sync failed: {again.stderr.strip()}")
                # every record of both offices, once, on A and on the remote
                wanted = facts["notes"] + [f'"{nxt}"']
                for needle in wanted + facts["persons"]:
                    c = _count_committed(a, needle)
                    if c != 1:
                        figures["lost" if c == 0 else "duplicated"] += 1
                        figures["where"].append(f"{here}: {needle} committed {c} times")
                import yaml

                staff = [s.get("name") for s in yaml.safe_load(_git(a, "show", "HEAD:aftercare.yaml")).get("staff") or []]
                for name in facts["staff"]:
                    if staff.count(name) != 1:
                        figures["lost" if name not in staff else "duplicated"] += 1
                        figures["where"].append(f"{here}: staff {name} {staff.count(name)} times")
                if _git(a, "rev-parse", "HEAD") != _git(bare, "rev-parse", "HEAD"):
                    figures["stuck"] += 1
                    figures["where"].append(f"{here}: the remote is not at A's HEAD after the next sync")
                if _sync_left_overs(a):
                    figures["left"] += 1
                    figures["where"].append(f"{here}: after the next sync, left {_sync_left_overs(a)}")
                if _cli(a, "check").returncode != 0:
                    figures["check"] += 1
                    figures["where"].append(f"{here}: check failed")
                shutil.rmtree(run_dir, ignore_errors=True)
    return figures


def _report(f: dict, steps: str, what: str, failures: tuple) -> int:
    """Print the figures (each failure's place first); 1 when any of `failures` is not 0."""
    for w in f.pop("where"):
        print("  ", w)
    for name, c in f.pop(steps).items():
        print(f"{name}: {c['kill_points']} git steps")
    print(json.dumps(f, ensure_ascii=False))
    print(what.format(**f))
    return 1 if sum(f[k] for k in failures) else 0


def main() -> int:
    sync = sys.argv[1:] == ["--sync"]
    with tempfile.TemporaryDirectory() as tmp:
        f = (run_sync if sync else run)(Path(tmp))
    if sync:
        return _report(f, "kinds", "{runs} kills of sync: {completed} joined with the remote by the next command, "
                       "{rolled_back} as before the sync; {lost} lost, {duplicated} duplicated, {left} left half done, "
                       "{stuck} stuck, {check} failed check", ("lost", "duplicated", "left", "stuck", "check"))
    return _report(f, "commands", "{runs} kills: {completed} completed, {rolled_back} rolled back; {lost} lost, "
                   "{duplicated} duplicated, {uncommitted} left uncommitted, {swept} swept into another commit",
                   ("lost", "duplicated", "uncommitted", "swept", "check"))


if __name__ == "__main__":
    sys.exit(main())
