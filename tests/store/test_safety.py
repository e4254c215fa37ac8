"""Issue 9: nothing lost, nothing leaked. Each test reproduces a finding on a store through the command
line with real git (and real bundles), and checks that it can no longer happen."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import HAN, Cli, case_dir, case_path, committed, git, person, refused, show_json

# the transfer tests' helpers (tests/actions/test_transfer.py), also when this file runs on its own
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "actions"))

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-05-20"


def run(root: Path, *args: str, today: str = TODAY, env: dict | None = None, store: bool = True, cwd=None):
    """The command line as a real process (kills and PATH wrappers need one)."""
    e = dict(os.environ, AFTERCARE_TODAY=today, **(env or {}))
    argv = [sys.executable, "-m", "aftercare", *args] + (["--store", str(root)] if store else [])
    return subprocess.run(argv, env=e, capture_output=True, text=True, timeout=120, cwd=cwd)


def one_chinese_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("错误：") and HAN.search(lines[0]), stderr
    return lines[0]


# ---------------------------------------------------------------- 1. a store inside another repository


@pytest.fixture
def outer(tmp_path) -> Path:
    """A project checkout (its own files, committed) that ships a copy of the demo store `cases/`."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("print('hello')\n")
    shutil.copytree(REPO / "cases", root / "cases")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "project")
    return root


def test_store_inside_another_repository_refuses_every_write(outer):
    head = git(outer, "rev-parse", "HEAD")
    store = outer / "cases"
    for argv in (["record", "visit", "2026-0001", "--date", "2026-05-19"],
                 ["case", "add", "--name", person(1)[0], "--id-number", person(1)[1], "--measure", "detox"],
                 ["sync"]):
        res = run(store, *argv)
        assert res.returncode == 1, res.stderr
        msg = one_chinese_line(res.stderr)
        assert "aftercare demo" in msg and "独立的 git 仓库" in msg
        assert git(outer, "rev-parse", "HEAD") == head
        assert git(outer, "status", "--porcelain") == ""
    assert git(outer, "ls-tree", "-r", "--name-only", "HEAD", "src") == "src/main.py"


def test_shipped_demo_store_still_reads(outer):
    """The README's first command: the agenda and the register of the shipped demo store."""
    for argv in (["due"], ["case", "list"]):
        res = run(outer / "cases", *argv, today="2026-11-23")
        assert res.returncode == 0, res.stderr
    assert "共 12 人" in run(outer / "cases", "case", "list", today="2026-11-23").stdout


def test_readme_first_command_runs_in_the_checkout():
    res = subprocess.run([sys.executable, "-m", "aftercare", "due", "--store", "cases"], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> tuple[Path, date]:
    root = tmp_path_factory.mktemp("demo") / "试用"
    day = date(2027, 3, 10)
    env = {"GIT_AUTHOR_NAME": "演示", "GIT_AUTHOR_EMAIL": "demo@example.invalid",
           "GIT_COMMITTER_NAME": "演示", "GIT_COMMITTER_EMAIL": "demo@example.invalid"}
    res = run(root, "demo", str(root), today=day.isoformat(), env=env, store=False)
    assert res.returncode == 0, res.stderr
    return root, day


@pytest.mark.slow
def test_demo_makes_a_writable_store_of_its_own(demo_store):
    root, day = demo_store
    t = day.isoformat()
    assert (root / ".git").is_dir()
    assert git(root, "rev-parse", "--show-toplevel") == str(root.resolve())
    assert git(root, "status", "--porcelain") == ""
    assert run(root, "check", today=t).returncode == 0
    rows = json.loads(run(root, "case", "list", "--format", "json", today=t).stdout)
    assert len(rows) == 17          # 12, and 5 on the whole path (PATHWAY.md; issue 13 item 8)
    assert {r["status"] for r in rows} == {"awaiting", "active", "suspended", "released", "terminated"}
    # one commit per action, through the library's own write path
    subjects = git(root, "log", "--format=%s").splitlines()
    assert sum(s.startswith("Register case ") for s in subjects) == 17
    assert any(s.startswith("Record test for ") and "(refused)" in s for s in subjects)
    assert any(s.startswith("Suspend case ") for s in subjects)
    # the agenda is a morning's work around that day: a few overdue items, a few due
    items = json.loads(run(root, "due", "--format", "json", today=t).stdout)
    statuses = [it["status"] for it in items]
    assert 1 <= statuses.count("overdue") <= 8 and statuses.count("due") >= 3
    for it in items:
        assert abs((date.fromisoformat(it["deadline"]) - day).days) <= 120, it
    kinds = {it["kind"] for it in items}
    assert {"report-in", "warning", "violation-report", "release-suggestion", "leave-return",
            "birthday-visit", "pickup", "followup"} <= kinds
    # and recording works
    active = next(r["case"] for r in rows if r["status"] == "active")
    n = int(git(root, "rev-list", "--count", "HEAD"))
    assert run(root, "record", "visit", active, "--kind", "home", today=t).returncode == 0
    assert int(git(root, "rev-list", "--count", "HEAD")) == n + 1


def test_demo_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    res = run(tmp_path, "demo", str(tmp_path / "x"), store=False)
    assert res.returncode == 1 and "不为空" in one_chinese_line(res.stderr)
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


# ---------------------------------------------------------------- 2. sync keeps merge commits (transfer-in)


def _handed_over_bundle(tmp_path: Path) -> tuple[Path, str]:
    """Office A (2025) hands a case over; the bundle it writes."""
    from test_transfer import approved, handover, new_store

    a = new_store(tmp_path, "A", "甲镇社区戒毒（康复）工作办公室")
    a.today = "2025-01-10"
    cid = a.add(1, notified_on="2025-01-06", reported_on="2025-01-10")
    a.ok("record", "test", cid, "--date", "2025-01-20", "--result", "negative", today="2025-01-20")
    approved(a, cid)
    bundle = tmp_path / "handover.bundle"
    handover(a, cid, bundle)
    return bundle, cid


def _with_remote(c: Cli, tmp_path: Path, name: str) -> Cli:
    bare = tmp_path / f"{name}.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git(c.root, "remote", "add", "origin", str(bare))
    c.ok("sync")
    other = Cli(tmp_path / f"{name}-2", today=c.today)
    subprocess.run(["git", "clone", "-q", str(bare), str(other.root)], check=True)
    return other


def test_transfer_in_survives_sync_with_a_moved_remote(tmp_path):
    from test_transfer import new_store

    bundle, cid = _handed_over_bundle(tmp_path)
    b = new_store(tmp_path, "B", "乙镇社区戒毒（康复）工作办公室")
    b.today = "2025-03-19"
    local = b.add(5, reported_on="2025-03-01", id="B-0001")
    b2 = _with_remote(b, tmp_path, "B")
    # the import (a merge commit) on one clone; meanwhile the other clone records and pushes
    b.ok("transfer", "import", str(bundle), "--date", "2025-03-19")
    b2.ok("record", "visit", local, "--date", "2025-03-18", "--note", "二号机记录")
    b2.ok("sync")
    b.ok("sync")
    b2.ok("sync")
    for c in (b, b2):
        shown = json.loads(c.ok("show", cid, "--format", "json").stdout)
        assert shown["status"] == "active", shown["status"]
        assert shown["timeline"][-1]["type"] == "transfer-in"
        assert any(e["type"] == "test" and e["date"] == "2025-01-20" for e in shown["timeline"])
        visits = json.loads(c.ok("show", local, "--format", "json").stdout)["timeline"]
        assert [e["summary"] for e in visits if e["type"] == "visit"] == ["见面访谈；二号机记录"]
        assert git(c.root, "status", "--porcelain") == ""
        assert c("check").exit_code == 0
    assert git(b.root, "rev-parse", "HEAD") == git(b2.root, "rev-parse", "HEAD")


# ---------------------------------------------------------------- 8. a failed push after a renumbering


def test_sync_completes_after_a_renumbering_whose_push_failed(tmp_path):
    a = Cli(tmp_path / "A")
    a.ok("init", str(a.root), store=False)
    first = a.add(1, reported_on="2026-03-05")
    b = _with_remote(a, tmp_path, "A")
    bare = tmp_path / "A.git"
    hook = bare / "hooks" / "pre-receive"
    flag = tmp_path / "refuse-pushes"
    hook.write_text(f"#!/bin/sh\nif [ -e '{flag}' ]; then echo 'policy: pushes paused' >&2; exit 1; fi\nexit 0\n")
    hook.chmod(0o755)
    a_id, b_id = a.add(11, reported_on="2026-05-01"), b.add(12, reported_on="2026-05-02")
    assert a_id == b_id == "2026-0002"
    a.ok("sync")
    flag.write_text("")
    res = b("sync")
    assert res.exit_code == 1
    msg = one_chinese_line(res.stderr)
    assert "推送失败" in msg and "钩子" in msg and str(bare) not in msg
    flag.unlink()
    a.ok("record", "visit", first, "--date", "2026-05-19", "--note", "甲")   # the remote moves on meanwhile
    a.ok("sync")
    b.ok("sync")
    a.ok("sync")
    for c in (a, b):
        assert c("check").exit_code == 0 and git(c.root, "status", "--porcelain") == ""
        assert json.loads(c.ok("show", "2026-0002", "--format", "json").stdout)["id_number"] == person(11)[1]
        assert json.loads(c.ok("show", "2026-0003", "--format", "json").stdout)["id_number"] == person(12)[1]
        visits = json.loads(c.ok("show", first, "--format", "json").stdout)["timeline"]
        assert [e["summary"] for e in visits if e["type"] == "visit"] == ["见面访谈；甲"]
    assert git(a.root, "rev-parse", "HEAD") == git(b.root, "rev-parse", "HEAD")


# ---------------------------------------------------------------- 4. crafted bundles


def _scratch_with(tmp_path: Path, bundle: Path, cid: str) -> tuple[Path, str]:
    """A scratch repository holding the honest hand-over; returns it and the bundle's tip commit."""
    s = tmp_path / "scratch"
    subprocess.run(["git", "init", "-q", str(s)], check=True)
    ref = f"refs/aftercare/transfer/{cid}"
    git(s, "fetch", "-q", str(bundle), f"{ref}:{ref}")
    return s, git(s, "rev-parse", ref)


def _commit(repo: Path, tree: str, *parents: str, msg: str = "x") -> str:
    args = ["commit-tree", tree, "-m", msg]
    for p in parents:
        args += ["-p", p]
    return git(repo, *args)


def _tree_plus(repo: Path, base: str, entries: list) -> str:
    """The tree of commit `base` with extra top-level or events/ entries [(mode, type, oid, path)]."""
    top = git(repo, "ls-tree", f"{base}^{{tree}}").splitlines()
    ev = git(repo, "ls-tree", f"{base}:events").splitlines()
    for mode, typ, oid, path in entries:
        if path.startswith("events/"):
            ev.append(f"{mode} {typ} {oid}\t{path[7:]}")
        else:
            top.append(f"{mode} {typ} {oid}\t{path}")
    ev_tree = subprocess.run(["git", "-C", str(repo), "mktree"], input="\n".join(ev) + "\n", capture_output=True,
                             text=True, check=True).stdout.strip()
    top = [ln for ln in top if not ln.endswith("\tevents")] + [f"040000 tree {ev_tree}\tevents"]
    return subprocess.run(["git", "-C", str(repo), "mktree"], input="\n".join(top) + "\n", capture_output=True,
                          text=True, check=True).stdout.strip()


def _blob(repo: Path, data: bytes) -> str:
    return subprocess.run(["git", "-C", str(repo), "hash-object", "-w", "--stdin"], input=data, capture_output=True,
                          check=True).stdout.decode().strip()


def _bundle(repo: Path, cid: str, tip: str, out: Path, *exclude: str) -> Path:
    ref = f"refs/aftercare/transfer/{cid}"
    git(repo, "update-ref", ref, tip)
    git(repo, "bundle", "create", "-q", str(out), ref, *[f"^{x}" for x in exclude])
    return out


@pytest.fixture
def receiver(tmp_path):
    """Office B, with a person of its own whose data must never leave it."""
    from test_transfer import new_store

    b = new_store(tmp_path, "B", "乙镇社区戒毒（康复）工作办公室")
    b.today = "2025-03-19"
    b.add(7, reported_on="2025-03-01", id="B-0001")
    b.ok("record", "visit", "B-0001", "--date", "2025-03-10", "--note", "乙镇私密记录")
    return b


def _refused_whole(b: Cli, bundle: Path, fragment: str) -> None:
    head = git(b.root, "rev-parse", "HEAD")
    refs = git(b.root, "for-each-ref")
    msg = refused(b, "transfer", "import", str(bundle), "--date", "2025-03-19")
    assert fragment in msg, msg
    assert git(b.root, "rev-parse", "HEAD") == head and git(b.root, "for-each-ref") == refs
    assert sorted(p.name for p in (b.root / "cases").glob("*/*")) == ["B-0001"]
    assert not list(b.root.glob(".git/aftercare-import-*"))


def test_bundle_whose_history_reaches_into_the_receiving_store_is_refused(tmp_path, receiver):
    bundle, cid = _handed_over_bundle(tmp_path)
    s, tip = _scratch_with(tmp_path, bundle, cid)
    git(s, "fetch", "-q", str(receiver.root), "HEAD:refs/heads/b")   # the attacker has the receiver's history
    b_head = git(s, "rev-parse", "refs/heads/b")
    evil = _commit(s, git(s, "rev-parse", f"{tip}^{{tree}}"), tip, b_head)
    thin = _bundle(s, cid, evil, tmp_path / "thin.bundle", b_head)     # needs the receiver's commits
    _refused_whole(receiver, thin, "不完整")
    full = _bundle(s, cid, evil, tmp_path / "full.bundle")            # carries them
    _refused_whole(receiver, full, "个案文件夹以外")


@pytest.mark.parametrize("what", ["symlink", "outside", "dotgit", "too-large", "executable"])
def test_every_commit_of_a_bundle_is_checked(tmp_path, receiver, what):
    """A bad file in a middle commit (removed again by the tip) is refused as if it were at the tip."""
    bundle, cid = _handed_over_bundle(tmp_path)
    s, tip = _scratch_with(tmp_path, bundle, cid)
    entry, fragment = {
        "symlink": (("120000", "blob", _blob(s, b"/etc/passwd"), "events/2025-evil.yaml"), "2025-evil.yaml"),
        "outside": (("100644", "blob", _blob(s, b"echo pwned\n"), "evil.sh"), "evil.sh"),
        "dotgit": (("040000", "tree", git(s, "rev-parse", f"{tip}:events"), ".git"), ".git"),
        "too-large": (("100644", "blob", _blob(s, b"# x\n" * 700_000), "events/2025-big.yaml"), "过大"),
        "executable": (("100755", "blob", _blob(s, b"- x\n"), "events/2025-x.yaml"), "2025-x.yaml"),
    }[what]
    bad = _commit(s, _tree_plus(s, tip, [entry]), tip)
    clean = _commit(s, git(s, "rev-parse", f"{tip}^{{tree}}"), bad)
    _refused_whole(receiver, _bundle(s, cid, clean, tmp_path / "bad.bundle"), fragment)


def test_import_names_the_sending_office_from_the_bundle(tmp_path, receiver):
    bundle, cid = _handed_over_bundle(tmp_path)
    assert "不符" in refused(receiver, "transfer", "import", str(bundle), "--date", "2025-03-19", "--from", "丙镇")
    receiver.ok("transfer", "import", str(bundle), "--date", "2025-03-19")
    import yaml

    events = [e for f in (case_dir(receiver.root, cid) / "events").glob("*.yaml") for e in yaml.safe_load(f.read_text())]
    assert [e["from"] for e in events if e["type"] == "transfer-in"] == ["甲镇社区戒毒（康复）工作办公室"]
    rows = [ln for ln in receiver.ok("log", cid).stdout.splitlines()[2:] if not ln.startswith(" ")]   # not the subjects under them
    assert "测试员（转自甲镇社区戒毒（康复）工作办公室）" in rows[1] and "转自" not in rows[0]
    assert "转自" not in receiver.ok("log", "B-0001").stdout


# ---------------------------------------------------------------- 5-6. interrupted commands, full disk


@pytest.fixture
def store(tmp_path) -> tuple[Cli, str]:
    c = Cli(tmp_path / "store")
    c.ok("init", str(c.root), store=False)
    return c, c.add(1, reported_on="2026-03-05")


def test_check_reports_anything_uncommitted_in_cases(store):
    c, cid = store
    (case_dir(c.root, cid) / "events" / "2026-hand.yaml").write_text('- id: "h1"\n  type: "visit"\n  date: 2026-05-01\n')
    res = c("check")
    assert res.exit_code == 1
    assert any(ln.startswith(f"{case_path(cid)}/events/2026-hand.yaml:") and "未提交" in ln for ln in res.stdout.splitlines())


def test_left_overs_of_a_killed_record_are_rolled_back_by_the_next_command(store):
    """A record killed after writing its event, before its commit: the next command undoes it, and
    says so, instead of committing it under its own message."""
    c, cid = store
    import signal

    bindir = c.root.parent / "bin"
    bindir.mkdir()
    real = shutil.which("git")
    (bindir / "git").write_text(f'#!/bin/sh\ncase "$*" in *commit-tree*) kill -9 $PPID; exit 137;; esac\nexec {real} "$@"\n')
    (bindir / "git").chmod(0o755)
    res = run(c.root, "record", "visit", cid, "--note", "被中断的记录",
              env={"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"})
    assert res.returncode == -signal.SIGKILL
    assert "被中断的记录" in "".join(p.read_text() for p in (case_dir(c.root, cid) / "events").glob("*.yaml"))
    res = run(c.root, "record", "report", cid, "--note", "下一条")
    assert res.returncode == 0 and "已撤销" in res.stderr
    assert git(c.root, "status", "--porcelain") == ""
    text = "".join(p.read_text() for p in (case_dir(c.root, cid) / "events").glob("*.yaml"))
    assert "被中断的记录" not in text and text.count("下一条") == 1
    assert "被中断的记录" not in git(c.root, "log", "-p")


def test_a_stale_index_lock_is_cleared(store):
    c, cid = store
    (c.root / ".git" / "index.lock").write_text("")       # left by a killed git: no process holds it
    c.ok("record", "visit", cid, "--date", "2026-05-19")
    assert not (c.root / ".git" / "index.lock").exists() and git(c.root, "status", "--porcelain") == ""


@pytest.mark.parametrize("where", ["git", "write", "journal"])
def test_disk_full_leaves_nothing_and_a_retry_records_once(store, monkeypatch, where):
    """No space left: during git's object write (then every later write fails too), during the
    record's own write, or while preparing the rollback. Nothing stays; the retry records once."""
    import errno

    from aftercare.store import fsutil, journal, store as store_mod

    c, cid = store
    before = {p: p.read_bytes() for p in c.root.rglob("*") if p.is_file() and ".git" not in p.parts}
    commits = c.commits()
    full = {"on": False, "calls": 0}
    real_write = fsutil.atomic_write

    def atomic_write(path, data, durable=True):
        full["calls"] += 1
        if full["on"] or (where == "journal" and "aftercare-journal" in str(path)) or \
                (where == "write" and str(path).endswith(".yaml") and "aftercare-journal" not in str(path)):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_write(path, data, durable)

    monkeypatch.setattr(store_mod, "atomic_write", atomic_write)
    monkeypatch.setattr(journal, "atomic_write", atomic_write)
    if where == "git":
        real_commit = store_mod.Git.commit

        def commit(self, *a, **kw):
            full["on"] = True                      # the disk is full from now on
            raise store_mod.GitError("git 写入对象失败：fatal: No space left on device", code="git-failed")

        monkeypatch.setattr(store_mod.Git, "commit", commit)
    res = c("record", "visit", cid, "--date", "2026-05-19", "--note", "满盘")
    assert res.exit_code == 1
    # the system's reason in Chinese words (issue 11.2); git's own report is quoted as git gave it
    said = "No space left on device" if where == "git" else "磁盘空间已满"
    assert len(res.stderr.strip().splitlines()) == 1 and said in res.stderr, res.stderr
    after = {p: p.read_bytes() for p in c.root.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before and c.commits() == commits and git(c.root, "status", "--porcelain") == ""
    assert not (c.root / ".git" / "aftercare-journal").exists()
    monkeypatch.undo()
    c.ok("record", "visit", cid, "--date", "2026-05-19", "--note", "满盘")
    text = "".join(p.read_text() for p in (case_dir(c.root, cid) / "events").glob("*.yaml"))
    assert text.count("满盘") == 1 and c.commits() == commits + 1


# ---------------------------------------------------------------- 10. permissions


def _modes(root: Path) -> set:
    out = set()
    for p in [root, *root.rglob("*")]:
        if ".git" in p.relative_to(root).parts:
            continue
        out.add((p.is_dir(), stat.S_IMODE(p.stat().st_mode)))
    return out


def test_a_plain_git_clone_and_what_sync_brings_are_private(store, tmp_path):
    c, cid = store
    b = _with_remote(c, tmp_path, "P")
    subprocess.run(["chmod", "-R", "go+rX", str(b.root)], check=True)      # as a umask-022 clone leaves it
    assert (False, 0o644) in _modes(b.root)
    b.ok("due")
    assert _modes(b.root) <= {(True, 0o700), (False, 0o600)}
    c.add(2, reported_on="2026-05-01")
    c.ok("sync")
    os.umask(0o022)                                                          # as the user's shell has it
    b.ok("sync")
    assert (case_dir(b.root, "2026-0002") / "case.yaml").exists()
    assert _modes(b.root) <= {(True, 0o700), (False, 0o600)}


def test_check_says_when_files_are_readable_by_others(store):
    c, cid = store
    (case_dir(c.root, cid) / "case.yaml").chmod(0o644)
    (case_dir(c.root, cid)).chmod(0o755)
    res = c("check")
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert any(ln.startswith(f"{case_path(cid)}/case.yaml:") and "600" in ln for ln in lines)
    assert any(ln.startswith(f"{case_path(cid)}:") and "700" in ln for ln in lines)


# ---------------------------------------------------------------- 7. symlinks


def test_an_events_file_that_is_a_symlink_is_refused(store):
    c, cid = store
    ev = next((case_dir(c.root, cid) / "events").glob("*.yaml"))
    secret = c.root.parent / "elsewhere.yaml"
    secret.write_bytes(ev.read_bytes())
    ev.unlink()
    ev.symlink_to(secret)
    git(c.root, "add", "-A")
    git(c.root, "commit", "-qm", "hand-made symlink")
    assert git(c.root, "ls-tree", "HEAD", f"{case_path(cid)}/events/{ev.name}").startswith("120000")
    n = c.commits()
    res = c("record", "visit", cid, "--date", "2026-05-19")
    assert res.exit_code == 1 and len(res.stderr.strip().splitlines()) == 1 and "符号链接" in res.stderr
    assert c.commits() == n and git(c.root, "status", "--porcelain") == ""
    res = c("check")
    assert res.exit_code == 1 and any(ln.startswith(f"{case_path(cid)}/events/{ev.name}:") and "符号链接" in ln
                                      for ln in res.stdout.splitlines())
    assert secret.read_bytes().count(b"- id:") == 1          # nothing written through the link


def test_a_store_template_that_is_a_symlink_is_not_rendered(store):
    c, cid = store
    (c.root / "templates").mkdir()
    (c.root / "templates" / "base.html.j2").symlink_to("/etc/passwd")
    res = c("render", cid, "--out", str(c.root.parent / "out"))
    assert res.exit_code == 1 and "符号链接" in res.stderr
    out = c.root.parent / "out"
    assert not out.exists() or "root:" not in "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


# ---------------------------------------------------------------- 11. smaller ones


@pytest.mark.parametrize("argv", [["due", "--on", "9999-12-31"], ["explain", "{c}", "", "2026-04-04", "--reason", "x"]])
def test_no_traceback_for_extreme_or_empty_arguments(store, argv):
    c, cid = store
    res = run(c.root, *[a.format(c=cid) for a in argv])
    assert res.returncode == 1 and "Traceback" not in res.stderr
    one_chinese_line(res.stderr)


def test_an_event_with_a_list_for_a_code_is_a_problem_not_a_traceback(store):
    c, cid = store
    ev = next((case_dir(c.root, cid) / "events").glob("*.yaml"))
    ev.write_text(ev.read_text() + '- id: "bad1"\n  type: "test"\n  date: 2026-05-01\n  result: [1]\n')
    for argv in (["check"], ["due"], ["show", cid]):
        res = run(c.root, *argv)
        assert res.returncode == 1 and "Traceback" not in res.stderr + res.stdout
        assert f"{case_path(cid)}/events/{ev.name}:" in res.stdout + res.stderr


def test_a_failed_case_add_leaves_no_folder_nor_part_files(store, monkeypatch):
    c, cid = store
    from aftercare.store import store as store_mod

    def commit(self, *a, **kw):
        raise store_mod.GitError("git 提交失败：模拟", code="git-failed")

    monkeypatch.setattr(store_mod.Git, "commit", commit)
    name, idn = person(3)
    res = c("case", "add", "--name", name, "--id-number", idn, "--measure", "detox", "--reported-on", "2026-05-01")
    assert res.exit_code == 1
    assert sorted(p.name for p in (c.root / "cases").glob("*/*")) == [cid]
    assert not list(c.root.rglob(".tmp-*.part")) and git(c.root, "status", "--porcelain") == ""


def test_delegated_result_keeps_by(store):
    c, cid = store
    c.ok("record", "test", cid, "--date", "2026-05-10", "--result", "pending", "--delegated-to", "外地公安")
    c.ok("record", "test", cid, "--date", "2026-05-10", "--result", "negative", "--by", "王警官")
    text = "".join(p.read_text() for p in (case_dir(c.root, cid) / "events").glob("*.yaml"))
    assert 'type: "test-result"' in text and 'by: "王警官"' in text
    assert c("check").exit_code == 0


def test_a_record_appended_to_a_hand_edited_events_file_reads_back_through_libyaml(store):
    """The appended file must read back as before plus exactly the new record, as every reader reads it:
    a hand-edited file (a comment after a value: not the shape the program writes) goes through libyaml."""
    c, cid = store
    origin = git(c.root, "config", "aftercare.origin")
    ev = case_dir(c.root, cid) / "events" / f"2026-{origin}.yaml"
    ev.write_text(ev.read_text().replace('type: "report-in"', 'type: "report-in"   # 手工核对过'))
    git(c.root, "commit", "-qam", "hand edit")
    committed(c, "record", "visit", cid, "--date", "2026-05-19", "--note", "手改之后")
    text = ev.read_text()
    assert "# 手工核对过" in text and text.count("- id:") == 2 and '"手改之后"' in text
    assert [e["type"] for e in show_json(c, cid)["timeline"]] == ["report-in", "visit"]


def test_a_record_that_would_not_read_back_is_refused(store):
    """An events file written by hand as a flow list (`[]`): a record appended under it would not be
    YAML any more, so the record is refused and nothing is written."""
    c, cid = store
    git(c.root, "config", "aftercare.origin", "zz99")
    ev = case_dir(c.root, cid) / "events" / "2026-zz99.yaml"
    ev.write_text("[]\n")
    git(c.root, "add", str(ev))
    git(c.root, "commit", "-qm", "an empty events file by hand")
    before = c.commits()
    res = c("record", "visit", cid, "--date", "2026-05-19")
    assert res.exit_code == 1 and len(res.stderr.strip().splitlines()) == 1
    assert f"{case_path(cid)}/events/2026-zz99.yaml:" in res.stderr and "未做任何更改" in res.stderr
    assert ev.read_text() == "[]\n" and c.commits() == before and git(c.root, "status", "--porcelain") == ""
