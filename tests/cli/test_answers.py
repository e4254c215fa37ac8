"""The answer cache: `due` asked again prints what the whole program would print, or the whole program answers.

Each check runs the real command (`python -m aftercare`, as a user does) and compares its output with
the same command run without any cache (AFTERCARE_NO_CACHE=1). `answered` runs it with the rest of the
program made unimportable (typer is the command line's first import): it succeeds only when the stored
answer was used, so a test can tell "answered from the cache" from "computed again".
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aftercare.quick import SCHEMA, answers_path, parse_agenda_args
from aftercare.store.stamps import RACY_FINE_NS, RACY_NS
from conftest import staff, case_dir, case_path

TODAY = "2026-05-20"
BLOCKED = ("import sys; sys.modules['typer'] = None; sys.argv = ['aftercare', *sys.argv[1:]]; "
           "from aftercare.quick import main; main()")


def env(**extra) -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("AFTERCARE_NO_CACHE", "COLUMNS")}
    e.update({"AFTERCARE_TODAY": TODAY, **extra})
    return e


def run(root: Path, *args: str, blocked: bool = False, **extra) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-c", BLOCKED] if blocked else [sys.executable, "-m", "aftercare"]
    return subprocess.run([*argv, "due", *args, "--store", str(root)], capture_output=True, text=True,
                          env=env(**extra), timeout=120)


def settle(root: Path) -> None:
    """Wait past the racy window of the newest file (0.1 s, or 2 s where times are whole seconds)."""
    newest = max(f.stat().st_mtime_ns for f in root.rglob("*.yaml") if ".git" not in f.parts)
    wait = (RACY_FINE_NS if newest % 10 ** 9 else RACY_NS) + 50_000_000 - (time.time_ns() - newest)
    if wait > 0:
        time.sleep(wait / 1e9)


def reference(root: Path, *args: str, **extra) -> str:
    proc = run(root, *args, AFTERCARE_NO_CACHE="1", **extra)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def answered(root: Path, *args: str, **extra) -> str | None:
    """The output when the stored answer was used; None when the whole program was needed."""
    proc = run(root, *args, blocked=True, **extra)
    if proc.returncode != 0:
        assert "typer" in proc.stderr, proc.stderr       # it reached for the whole program, nothing else failed
        return None
    return proc.stdout


def computed_and_kept(root: Path, *args: str, **extra) -> str:
    settle(root)
    proc = run(root, *args, **extra)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == reference(root, *args, **extra)
    return proc.stdout


@pytest.fixture
def office(cli):
    staff(cli, "王强", "赵敏")
    a = cli.add(1, notified_on="2026-01-05", reported_on="2026-01-08", worker="王强")
    b = cli.add(2, notified_on="2026-03-02", reported_on="2026-03-05", worker="赵敏")
    c = cli.add(3, notified_on="2026-04-20", reported_on="2026-04-22", worker="王强")
    cli.ok("record", "test", a, "--date", "2026-02-03", "--result", "negative")
    return cli, (a, b, c)


def test_an_unchanged_store_is_answered_from_the_cache_exactly(office):
    cli, _ids = office
    for args in ([], ["--within", "30"], ["--worker", "王强"], ["--case", _ids[1]], ["--on", "2026-05-25"]):
        first = computed_and_kept(cli.root, *args)
        assert "【逾期】" in first or "【待办】" in first
        assert answered(cli.root, *args) == first, args
    # a narrow width folds the rule under each row; the stored answer is for that width only
    narrow = computed_and_kept(cli.root, COLUMNS="80")
    assert narrow != reference(cli.root) and answered(cli.root, COLUMNS="80") == narrow
    assert answered(cli.root, COLUMNS="100") is None


def test_after_a_record_the_next_due_is_answered_and_true(office):
    cli, (a, b, c) = office
    before = computed_and_kept(cli.root)
    worker = computed_and_kept(cli.root, "--worker", "赵敏")
    # a test of b on 05-19 meets the window it falls in: that row leaves the agenda (compared below with
    # the agenda computed without any cache)
    cli.ok("record", "test", b, "--date", "2026-05-19", "--result", "negative")
    settle(cli.root)
    after = answered(cli.root)
    assert after is not None and after == reference(cli.root) and after != before
    # 赵敏's agenda is b's rows alone: a row gone may narrow a column, and then that answer is dropped
    mine = reference(cli.root, "--worker", "赵敏")
    assert answered(cli.root, "--worker", "赵敏") in (None, mine) and mine != worker
    assert run(cli.root, "--worker", "赵敏").stdout == mine
    # another worker's case written: that worker's agenda is still answered
    cli.ok("record", "visit", a, "--date", "2026-05-19", "--kind", "home")
    settle(cli.root)
    assert answered(cli.root, "--worker", "赵敏") == reference(cli.root, "--worker", "赵敏")
    assert answered(cli.root) == reference(cli.root)


def test_a_new_case_and_a_change_of_worker_are_in_the_next_answer(office):
    cli, (a, b, c) = office
    computed_and_kept(cli.root)
    computed_and_kept(cli.root, "--worker", "王强")
    cli.add(4, notified_on="2026-05-01", reported_on="2026-05-06", worker="赵敏")
    cli.ok("case", "set", b, "--worker", "王强")
    settle(cli.root)
    for args in ([], ["--worker", "王强"]):
        got = answered(cli.root, *args)
        want = reference(cli.root, *args)
        assert got is None or got == want          # answered only when it is right
        assert run(cli.root, *args).stdout == want
    assert reference(cli.root, "--worker", "王强").count(b) >= 1


@pytest.mark.parametrize("change", ["hand-edit", "stray-file", "case-gone", "office-file", "journal", "today",
                                    "git-rewrote-index"])
def test_anything_the_answer_does_not_know_sends_due_the_whole_way(office, change):
    cli, (a, b, c) = office
    computed_and_kept(cli.root)
    extra = {}
    if change == "hand-edit":
        ev = sorted((case_dir(cli.root, b) / "events").glob("*.yaml"))[0]
        ev.write_text(ev.read_text(encoding="utf-8").replace("2026-03-05", "2026-03-06"), encoding="utf-8")
    elif change == "stray-file":
        (cli.root / "cases" / "说明.txt").write_text("x", encoding="utf-8")
    elif change == "case-gone":
        subprocess.run(["mv", str(case_dir(cli.root, c)), str(cli.root / f"{c}.bak")], check=True)
    elif change == "office-file":
        cfg = cli.root / "aftercare.yaml"
        cfg.write_text(cfg.read_text(encoding="utf-8") + "\n# 手工注释\n", encoding="utf-8")
    elif change == "journal":
        (cli.root / ".git" / "aftercare-journal").mkdir()
    elif change == "today":
        extra = {"AFTERCARE_TODAY": "2026-05-21"}
    elif change == "git-rewrote-index":
        subprocess.run(["git", "-C", str(cli.root), "update-index", "--refresh"], capture_output=True)
        os.utime(cli.root / ".git" / "index")
    settle(cli.root)
    assert answered(cli.root, **extra) is None
    if change != "journal":
        assert same_as_without_cache(cli.root, **extra)


def same_as_without_cache(root: Path, *args: str, **extra) -> bool:
    """Exit code, output and messages of the command equal those of the command run without any cache."""
    got, want = run(root, *args, **extra), run(root, *args, AFTERCARE_NO_CACHE="1", **extra)
    return (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)


def test_a_row_wider_than_its_column_drops_the_answer_and_the_next_due_is_still_true(office):
    cli, (a, b, c) = office
    computed_and_kept(cli.root)
    staff(cli, "欧阳长名字工作人员")
    computed_and_kept(cli.root)                  # the office file changed: a new answer
    cli.ok("case", "set", b, "--worker", "欧阳长名字工作人员")     # the worker column gets wider
    settle(cli.root)
    assert answered(cli.root) is None
    assert computed_and_kept(cli.root) == reference(cli.root)
    assert answered(cli.root) == reference(cli.root)


def test_what_is_not_a_plain_agenda_is_never_answered(office):
    cli, _ids = office
    for args in (["--format", "json"], ["--limit", "2"], ["--brief"]):
        computed_and_kept(cli.root, *args)
        assert answered(cli.root, *args) is None, args
    # a store with a damaged case: the problem is said every time, never from a stored answer
    (case_dir(cli.root, _ids[2]) / "case.yaml").write_text("name: [\n", encoding="utf-8")
    settle(cli.root)
    proc = run(cli.root)
    assert proc.returncode == 1 and _ids[2] in proc.stderr and same_as_without_cache(cli.root)
    assert answered(cli.root) is None


def test_a_damaged_or_foreign_answer_file_is_never_trusted(office):
    cli, _ids = office
    want = computed_and_kept(cli.root)
    path = answers_path(cli.root / ".git", cli.root.resolve())
    db = sqlite3.connect(path)
    db.execute("UPDATE answer_row SET text = 'x' WHERE grp = 0")
    db.execute("CREATE TRIGGER t AFTER INSERT ON meta BEGIN SELECT 1; END")
    db.commit()
    db.close()
    assert answered(cli.root) is None                   # another schema: not ours
    assert computed_and_kept(cli.root) == want          # thrown away and made anew
    assert answered(cli.root) == want
    path.write_bytes(b"not a database at all" * 100)
    assert answered(cli.root) is None
    assert computed_and_kept(cli.root) == want


def test_the_kept_answer_is_plain_rows():
    for sql in SCHEMA.values():
        assert "BLOB" not in sql
    assert set(SCHEMA) == {"meta", "answer", "answer_case", "answer_row", "answer_text"}


@pytest.mark.parametrize("args, ok", [
    ([], True), (["--store", "x"], True), (["--store=x", "--within=7"], True), (["--worker", "王强"], True),
    (["--on", "2026-05-25"], True), (["--case", "2026-0001"], True),
    (["--on", "2026/05/25"], False), (["--on", "20260525"], False), (["--within", "-1"], False),
    (["--within", "7x"], False), (["--format", "table"], False), (["--limit", "3"], False), (["--brief"], False),
    (["--store", "a", "--store", "b"], False), (["--worker"], False), (["--worker", ""], False),
    (["--case", "../x"], False), (["--case", "张三"], False), (["-o", "x"], False), (["extra"], False),
])
def test_only_a_plain_due_is_looked_up(args, ok):
    assert (parse_agenda_args(args) is not None) == ok


def test_the_stored_query_names_its_day_and_width(office):
    cli, _ids = office
    computed_and_kept(cli.root, "--within", "30", COLUMNS="120")
    db = sqlite3.connect(answers_path(cli.root / ".git", cli.root.resolve()))
    (qid,) = db.execute("SELECT qid FROM answer").fetchone()
    db.close()
    q = json.loads(qid)
    # due, the store, the day, --within, --worker, --case, the width, today
    assert q[:8] == ["due", str(cli.root.resolve()), TODAY, 30, None, None, 120, TODAY]


# ---------------------------------------------------------------- a clean `check`

def run_check(root: Path, *args: str, blocked: bool = False, **extra) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-c", BLOCKED] if blocked else [sys.executable, "-m", "aftercare"]
    return subprocess.run([*argv, "check", *args, "--store", str(root)], capture_output=True, text=True,
                          env=env(**extra), timeout=120)


def check_same_as_without_cache(root: Path, *args: str, **extra) -> subprocess.CompletedProcess:
    # the run without the cache first: its `git status` may rewrite git's index (part of the key)
    want, got = run_check(root, *args, AFTERCARE_NO_CACHE="1", **extra), run_check(root, *args, **extra)
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)
    return got


def check_answered(root: Path, *args: str, **extra) -> subprocess.CompletedProcess | None:
    proc = run_check(root, *args, blocked=True, **extra)
    if proc.returncode != 0 and "typer" in proc.stderr:
        return None
    return proc


def test_a_clean_check_is_answered_until_anything_changes(office):
    cli, (a, b, c) = office
    # a worker not on the staff list is a warning (stdout) with its count (stderr): a clean store still
    case_yaml = case_dir(cli.root, c) / "case.yaml"
    case_yaml.write_text(case_yaml.read_text(encoding="utf-8").replace("worker: \"王强\"", "worker: \"不在名单\""), encoding="utf-8")
    subprocess.run(["git", "-C", str(cli.root), "commit", "-q", "-am", "hand edit"], check=True)
    for args in ([], ["--format", "json"]):
        settle(cli.root)
        first = check_same_as_without_cache(cli.root, *args)
        assert first.returncode == 0 and "不在名单" in first.stdout
        again = check_answered(cli.root, *args)
        assert again is not None and (again.returncode, again.stdout, again.stderr) == (0, first.stdout, first.stderr)
    assert "共 1 处警告" in first.stderr or args == ["--format", "json"]


@pytest.mark.parametrize("change", ["hand-edit", "mode", "untracked", "staged", "commit", "kept-ref", "exclude", "today"])
def test_a_check_after_any_change_is_made_again(office, change):
    cli, (a, b, c) = office
    settle(cli.root)
    check_same_as_without_cache(cli.root)
    assert check_answered(cli.root) is not None
    extra = {}
    case_yaml = case_dir(cli.root, b) / "case.yaml"
    if change == "hand-edit":
        case_yaml.write_text(case_yaml.read_text(encoding="utf-8") + "# 手工注释\n", encoding="utf-8")
    elif change == "mode":
        os.chmod(case_yaml, 0o644)
    elif change == "untracked":
        (case_dir(cli.root, b) / "备注.txt").write_text("x", encoding="utf-8")
    elif change == "staged":
        subprocess.run(["git", "-C", str(cli.root), "rm", "-q", "--cached", f"{case_path(b)}/case.yaml"], check=True)
    elif change == "commit":
        subprocess.run(["git", "-C", str(cli.root), "commit", "-q", "--allow-empty", "-m", "hand"], check=True)
    elif change == "kept-ref":
        head = subprocess.run(["git", "-C", str(cli.root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        subprocess.run(["git", "-C", str(cli.root), "update-ref", f"refs/aftercare/kept/{head}", head], check=True)
    elif change == "exclude":
        (cli.root / ".git" / "info").mkdir(exist_ok=True)
        (cli.root / ".git" / "info" / "exclude").write_text("*.txt\n", encoding="utf-8")
    elif change == "today":
        extra = {"AFTERCARE_TODAY": "2026-05-21"}
    settle(cli.root)
    assert check_answered(cli.root, **extra) is None
    got = check_same_as_without_cache(cli.root, **extra)
    if change in ("hand-edit", "mode", "untracked", "staged", "kept-ref"):
        assert got.returncode == 1                  # each is a problem check reports, never hidden by an answer
        assert check_answered(cli.root, **extra) is None


def test_a_hand_edit_giving_another_workers_case_to_this_worker_is_seen(office):
    """The worker's agenda rests on the case.yaml of every other worker's case too: an edit in place
    (the folder's time unchanged, as nano or a Windows editor writes) moving b to 王强 is in the next
    answer; so is one moving a away from 王强."""
    cli, (a, b, c) = office
    before = computed_and_kept(cli.root, "--worker", "王强")
    assert b not in before
    for cid, old, new in ((b, "赵敏", "王强"), (a, "王强", "赵敏")):
        folder = next(p for p in (cli.root / "cases").rglob(cid) if (p / "case.yaml").is_file())
        case_yaml = folder / "case.yaml"
        folder_time = folder.stat().st_mtime_ns
        with open(case_yaml, "r+", encoding="utf-8") as f:      # in place: same inode, no rename
            text = f.read().replace(f'worker: "{old}"', f'worker: "{new}"')
            f.seek(0)
            f.write(text)
            f.truncate()
        assert folder.stat().st_mtime_ns == folder_time
        settle(cli.root)
        want = reference(cli.root, "--worker", "王强")
        assert answered(cli.root, "--worker", "王强") is None
        assert run(cli.root, "--worker", "王强").stdout == want
        assert (cid in want) == (new == "王强")
        assert answered(cli.root, "--worker", "王强") == want


def test_a_series_of_writes_never_leaves_a_wrong_answer(office):
    """Each write brings the stored agendas up to date or drops them; after each, what `due` prints
    (from the cache or not) is the agenda computed without any cache. Most are answered from the cache."""
    cli, (a, b, c) = office
    computed_and_kept(cli.root)
    computed_and_kept(cli.root, "--worker", "王强")
    steps = [("test", a, "2026-05-11"), ("visit", b, "2026-05-12"), ("test", c, "2026-05-13"),
             ("report", a, "2026-05-14"), ("visit", c, "2026-05-15"), ("test", b, "2026-05-16"),
             ("education", a, "2026-05-17"), ("report", b, "2026-05-18")]
    hits = 0
    for kind, cid, day in steps:
        extra = {"test": ["--result", "negative"], "visit": ["--kind", "home"], "report": [],
                 "education": ["--note", "禁毒法规"]}[kind]
        cli.ok("record", kind, cid, "--date", day, *extra)
        settle(cli.root)
        for args in ([], ["--worker", "王强"]):
            want = reference(cli.root, *args)
            got = answered(cli.root, *args)
            assert got in (None, want), (kind, cid, day, args)
            hits += got is not None
            if got is None:
                computed_and_kept(cli.root, *args)    # made anew, as the next `due` does
    assert hits >= len(steps)           # at least half of the 16 were answered after a write


@pytest.mark.parametrize("args, ok", [
    ([], True), (["--format", "json"], True), (["--store=x", "--format=table"], True),
    (["--format", "csv"], False), (["--format"], False), (["--store", "a", "--store", "b"], False),
    (["--debug"], False), (["x"], False),
])
def test_only_a_plain_check_is_looked_up(args, ok):
    from aftercare.quick import parse_check_args

    assert (parse_check_args(args) is not None) == ok


def test_a_key_stored_for_a_file_just_written_holds_while_the_file_is_young(tmp_path):
    """The command that writes a file stores its key at once (trusted: it wrote it); the `due` that
    follows within the racy window compares the file as it is and is answered. Any change still
    differs: another size, another time, another inode."""
    import time

    from aftercare.quick import _files_hold
    from aftercare.store.stamps import AS_STORED, case_keys, keys_text

    folder = case_dir(tmp_path, "2026-0001")
    (folder / "events").mkdir(parents=True)
    (folder / "case.yaml").write_text("name: 甲\n", encoding="utf-8")
    (folder / "events" / "2026-abcd.yaml").write_text("- {type: test}\n", encoding="utf-8")
    stored = keys_text(case_keys(str(folder), AS_STORED)[1])
    now = time.time_ns()
    assert keys_text(case_keys(str(folder), now)[1]) is None           # young: not trusted as a new key
    cases = [("2026-0001", stored.split("\x1e")[0], stored, "王强")]
    assert _files_hold(tmp_path, cases, None, None) is True
    assert _files_hold(tmp_path, cases, None, "2026-0001") is True
    f = folder / "events" / "2026-abcd.yaml"
    f.write_text("- {type: test}\n- {type: visit}\n", encoding="utf-8")           # another size
    assert _files_hold(tmp_path, cases, None, None) is False
    cases = [("2026-0001", None, keys_text(case_keys(str(folder), AS_STORED)[1]), "王强")]
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1))                         # another time
    assert _files_hold(tmp_path, cases, None, None) is False


def test_a_write_whose_commit_fails_keeps_nothing_in_the_caches(office):
    """The written case is summarised while git finishes the commit and kept only once the commit is
    made: when HEAD cannot move (another git holds the branch's lock), the read cache and the kept
    agenda are as they were, and `due` says what it said (once git's index, put back, is seen to be
    private again, from the kept agenda)."""
    from aftercare.store.cache import cache_path
    from conftest import git, refused

    cli, (a, b, c) = office
    before = computed_and_kept(cli.root)
    gd = cli.root / ".git"

    def rows():
        with sqlite3.connect(cache_path(gd, cli.root)) as db:
            summary = db.execute("SELECT cid, keys, data FROM summary ORDER BY cid").fetchall()
        with sqlite3.connect(answers_path(gd, cli.root)) as db:
            kept = db.execute("SELECT qid, cid, keys, rows FROM answer_case ORDER BY qid, cid").fetchall()
        return summary, kept

    was = rows()
    lock = gd / (git(cli.root, "symbolic-ref", "HEAD") + ".lock")
    lock.write_text("")
    assert "git 更新分支失败" in refused(cli, "record", "test", b, "--date", "2026-05-19", "--result", "negative")
    assert rows() == was
    settle(cli.root)
    assert run(cli.root).stdout == before == reference(cli.root) and answered(cli.root) == before
    lock.unlink()
    cli.ok("record", "test", b, "--date", "2026-05-19", "--result", "negative")
    settle(cli.root)
    assert rows() != was and answered(cli.root) == reference(cli.root) != before


def test_the_hooks_of_a_write_work_while_git_commits_and_keep_once_it_is_made(cli):
    """Store.on_commit: each hook is called once the files are written and the commit object made,
    before HEAD moves; what it returns is told whether the commit was made, after HEAD moved."""
    from datetime import date

    from aftercare.actions import records
    from aftercare.store import Store
    from conftest import git

    cid = cli.add(1, reported_on="2026-03-05")
    store = Store(cli.root)
    old = git(cli.root, "rev-parse", "HEAD")
    seen = []

    def hook(s, paths):
        seen.append(("work", git(cli.root, "rev-parse", "HEAD"), [p.rsplit("/", 1)[-1] for p in paths]))
        return lambda made: seen.append(("keep", git(cli.root, "rev-parse", "HEAD"), made))

    store.on_commit.append(hook)
    res = records.record_simple(store, cid, "visit", "2026-05-19", date(2026, 5, 20), kind="phone")
    origin = git(cli.root, "config", "aftercare.origin")
    assert seen == [("work", old, [f"2026-{origin}.yaml"]), ("keep", res.commit, True)] and res.commit != old
