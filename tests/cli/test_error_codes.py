"""Every error code of the program has a test that triggers it, through the command line.

Each scenario builds what it needs, runs the command once with --debug (the error comes out as an
exception, so its `code` can be read) and once as a user would: exit 1, one Chinese line on stderr.
`test_every_code_has_a_scenario` greps the package for the codes it raises; a new code needs a scenario
here (or, when it cannot be triggered from outside, a line in NOT_TRIGGERABLE saying why; a code that no
input can reach is dead code and is removed from the package instead).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftercare.cli import full_app
from aftercare.core.errors import AftercareError
from conftest import HAN, case_dir, case_path, git, person, show_json

app = full_app()

PKG = Path(__file__).resolve().parents[2] / "aftercare"
runner = CliRunner()

NOT_TRIGGERABLE = {
    "internal": "programming-error guards: a write left uncommitted (the transaction guard), a path built outside "
                "the store (fsutil.check_inside); no input reaches them",
    "git-failed": "git itself failing for a reason other than a lock (disk full, corrupt object store)",
    "sync-conflict": "a git conflict outside the case layout's guarantees (hand edits of one file on two clones)",
    "no-history": "the hand-over commits its own event first, so the case always has a history to bundle",
    "refused": "the default code of AftercareError, for messages that name no specific code",
}


def package_codes() -> set:
    codes = set()
    for p in PKG.rglob("*.py"):
        s = p.read_text(encoding="utf-8")
        codes.update(re.findall(r'code="([a-z][a-z0-9-]*)"', s))
        for m in re.finditer(r"Problem\(", s):
            chunk = s[m.end(): m.end() + 300]
            for end in (")\n", ")`"):                   # the call's end (or a docstring's mention of it)
                chunk = chunk[: chunk.find(end)] if end in chunk else chunk
            hit = re.search(r'"([a-z][a-z0-9-]*)",\s*f?"', chunk)
            if hit:
                codes.add(hit.group(1))
    return codes


# ---------------------------------------------------------------- the scenarios


def base(cli):
    return cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05")


def events_file(cli, cid) -> Path:
    return sorted((case_dir(cli.root, cid) / "events").glob("*.yaml"))[0]


def hand_edit(cli, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    git(cli.root, "commit", "-qam", "Edit by hand")


def appended(text: str):
    """A scenario: `text` added by hand (and committed) to a case's events file, then `show`."""
    def scenario(cli):
        cid = base(cli)
        f = events_file(cli, cid)
        hand_edit(cli, f, f.read_text() + text)
        return ["show", cid]
    return scenario


def _old_folder_too(cli, differs: bool) -> str:
    """A case whose old-layout folder `cases/<id>/` is also there (committed): a copy of its folder, its
    events file with one more record when `differs`."""
    cid = base(cli)
    old = cli.root / "cases" / cid
    shutil.copytree(case_dir(cli.root, cid), old)
    if differs:
        [f] = (old / "events").glob("*.yaml")
        f.write_text(f.read_text() + '- id: "old1"\n  type: "visit"\n  date: 2026-05-01\n', encoding="utf-8")
    git(cli.root, "add", "-A")
    git(cli.root, "commit", "-qm", "An old-layout folder merged in by hand")
    return cid


def s_case_twice(cli):
    # the same events file in both folders with other contents: the move into the bucket is refused
    return ["record", "visit", _old_folder_too(cli, True), "--kind", "phone"]


def s_unknown_case(cli):
    return ["show", "2026-9999"]


def s_bad_case_id(cli):
    return ["show", "a/../b"]


def s_no_store(cli):
    cli.root = cli.root.parent / "nowhere"
    return ["due"]


def s_exists(cli):
    return ["init", str(cli.root)]


def s_bad_config(cli):
    hand_edit(cli, cli.root / "aftercare.yaml", "- 一\n- 二\n")
    return ["due"]


def s_bad_rule(cli):
    cfg = cli.root / "aftercare.yaml"
    hand_edit(cli, cfg, cfg.read_text().replace("rules: []", "rules: 5"))
    return ["due"]


def s_bad_calendar(cli):
    cfg = cli.root / "aftercare.yaml"
    hand_edit(cli, cfg, cfg.read_text().replace("calendar: {}", "calendar: [1, 2]"))
    return ["due"]


def s_bad_security_period(cli):
    cfg = cli.root / "aftercare.yaml"
    hand_edit(cli, cfg, cfg.read_text().replace("security_periods: []",
                                                "security_periods:\n  - {name: 国庆, from: 2026-10-07, to: 2026-10-01}"))
    return ["due"]


def s_bad_date(cli):
    cid = base(cli)
    return ["record", "visit", cid, "--date", "2026-02-30"]


def s_future_date(cli):
    cid = base(cli)
    return ["record", "visit", cid, "--date", "2026-05-21"]


def s_bad_enum(cli):
    cid = base(cli)
    return ["record", "test", cid, "--result", "maybe"]


def s_bad_id_number(cli):
    return ["case", "add", "--name", "某某", "--id-number", "123", "--measure", "detox"]


def s_bad_term(cli):
    name, idn = person(2)
    return ["case", "add", "--name", name, "--id-number", idn, "--measure", "rehab", "--term-months", "0"]


def s_bad_text(cli):
    cid = base(cli)
    return ["record", "visit", cid, "--note", "x\x07y"]


def s_bad_number(cli):
    cid = base(cli)
    return ["record", "violation", cid, "--kind", "absence", "--days", "x"]


def s_bad_makeup(cli):
    cid = base(cli)
    return ["record", "test", cid, "--result", "refused", "--makeup"]


def s_no_makeup_window(cli):
    cid = cli.add(1, notified_on="2026-05-01", reported_on="2026-05-10")
    return ["record", "test", cid, "--result", "negative", "--makeup"]


def s_before_decision(cli):
    cid = cli.add(1, notified_on="2026-05-10")
    return ["record", "report-in", cid, "--date", "2026-05-01"]


def s_before_start(cli):
    cid = base(cli)
    return ["record", "test", cid, "--date", "2026-03-01", "--result", "negative"]


def s_not_started(cli):
    cid = cli.add(1, notified_on="2026-05-10")
    return ["record", "test", cid, "--result", "negative"]


def s_duplicate_report_in(cli):
    cid = base(cli)
    return ["record", "report-in", cid, "--date", "2026-03-06"]


def s_duplicate_case(cli):
    cid = base(cli)
    name, idn = person(2)
    return ["case", "add", "--name", name, "--id-number", idn, "--measure", "detox", "--id", cid]


def s_duplicate_person(cli):
    base(cli)
    name, idn = person(1)
    return ["case", "add", "--name", name, "--id-number", idn, "--measure", "detox"]


def s_nothing(cli):
    cid = base(cli)
    return ["case", "set", cid]


def s_missing(cli):
    cid = base(cli)
    return ["record", "family-change", cid, "--note", ""]


def s_case_closed(cli):
    cid = base(cli)
    cli.ok("terminate", cid, "--date", "2026-05-01", "--reason", "imprisonment")
    return ["record", "visit", cid, "--date", "2026-05-10"]


def s_suspended(cli):
    cid = base(cli)
    cli.ok("suspend", cid, "--date", "2026-05-01", "--reason", "detention")
    return ["record", "visit", cid, "--date", "2026-05-10"]


def s_already_suspended(cli):
    cid = base(cli)
    cli.ok("suspend", cid, "--date", "2026-05-01", "--reason", "detention")
    return ["suspend", cid, "--date", "2026-05-10", "--reason", "arrest"]


def s_not_suspended(cli):
    cid = base(cli)
    return ["resume", cid]


def s_period_over(cli):
    cid = cli.add(1, measure="rehab", term_months="3", notified_on="2026-01-02", reported_on="2026-01-05")
    return ["suspend", cid, "--date", "2026-05-10", "--reason", "detention"]


def s_too_early(cli):
    cid = base(cli)
    return ["release", cid, "--date", "2026-05-10"]


def s_date_order(cli):
    cid = base(cli)
    return ["leave", "request", cid, "--from", "2026-06-10", "--to", "2026-06-01", "--destination", "长沙"]


def s_leave_too_short(cli):
    cid = base(cli)
    return ["leave", "request", cid, "--from", "2026-06-01", "--to", "2026-06-01", "--destination", "长沙"]


def s_leave_too_long(cli):
    cid = base(cli)      # reported 2026-03-05: the period ends 2029-03-04
    return ["leave", "request", cid, "--from", "2026-06-01", "--to", "9999-12-31", "--destination", "长沙"]


def s_leave_overlap(cli):
    cid = base(cli)
    cli.ok("leave", "request", cid, "--from", "2026-06-01", "--to", "2026-06-05", "--destination", "长沙")
    return ["leave", "request", cid, "--from", "2026-06-04", "--to", "2026-06-08", "--destination", "株洲"]


def s_unknown_leave(cli):
    cid = base(cli)
    return ["leave", "approve", cid, "nosuch"]


def s_leave_state(cli):
    cid = base(cli)
    lid = cli.ok("leave", "request", cid, "--from", "2026-06-01", "--to", "2026-06-05",
                 "--destination", "长沙").stdout.strip().splitlines()[-1]
    return ["leave", "return", cid, lid]


def s_no_such_item(cli):
    cid = base(cli)
    return ["explain", cid, "visit", "2026-01-01", "--reason", "无"]


def s_not_overdue(cli):
    cid = base(cli)
    due = [i for i in json.loads(cli.ok("due", "--case", cid, "--format", "json").stdout)
           if i["status"] != "overdue"]
    return ["explain", cid, due[0]["kind"], due[0]["deadline"], "--reason", "无"]


def s_transfer_state(cli):
    cid = base(cli)
    return ["transfer", "form", cid]


def s_no_bundle(cli):
    return ["transfer", "import", str(cli.root / "nosuch.bundle")]


def s_bad_bundle(cli):
    junk = cli.root.parent / "junk.bundle"
    junk.write_bytes(b"not a bundle\n")
    return ["transfer", "import", str(junk)]


def s_no_git(cli):
    shutil.rmtree(cli.root / ".git")
    return ["sync"]


def s_not_own_repo(cli):
    cid = base(cli)
    shutil.rmtree(cli.root / ".git")
    git(cli.root.parent, "init", "-q")
    return ["record", "visit", cid]


def s_push_failed(cli):
    base(cli)
    remote = cli.root.parent / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    git(cli.root, "remote", "add", "origin", str(remote))
    return ["sync"]


def s_bad_source(cli):
    cid = base(cli)
    bundle = cli.root.parent / "case.bundle"
    for argv in (["transfer", "apply", cid, "--to", "某街道"], ["transfer", "form", cid], ["transfer", "approve", cid],
                 ["transfer", "handover", cid, "--bundle", str(bundle)]):
        cli.ok(*argv)
    other = cli.root.parent / "other"
    cli.ok("init", str(other), "--office", "乙镇社区戒毒（康复）工作办公室", store=False)
    cli.root = other
    return ["transfer", "import", str(bundle), "--from", "丙镇社区戒毒（康复）工作办公室"]


def s_duplicate_staff(cli):
    cli.ok("staff", "add", "李娟")
    return ["staff", "add", "李娟"]


def s_staff_in_use(cli):
    cli.ok("staff", "add", "李娟")
    cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05", worker="李娟")
    return ["staff", "remove", "李娟"]


def s_unknown_worker(cli):
    name, idn = person(2)
    return ["case", "add", "--name", name, "--id-number", idn, "--measure", "detox", "--worker", "无此人"]


def s_no_remote(cli):
    return ["sync"]


def s_no_branch(cli):
    git(cli.root, "checkout", "-q", "--detach")
    git(cli.root, "remote", "add", "origin", str(cli.root))
    return ["sync"]


def _kept_by_hand(cli, commit: str) -> None:
    """What the repair of an interrupted sync does with a commit it cannot put back (store.kept)."""
    git(cli.root, "update-ref", f"refs/aftercare/kept/{commit}", commit)


def s_no_kept(cli):
    return ["kept", "apply", "abc1234"]


def s_ambiguous_kept(cli):
    cid = base(cli)
    commits = git(cli.root, "rev-list", "HEAD").split()       # 4 commits here, and more to share a first digit
    while True:
        by_first = {}
        for c in commits:
            by_first.setdefault(c[0], []).append(c)
        two = next((cs for cs in by_first.values() if len(cs) > 1), None)
        if two:
            break
        cli.ok("record", "visit", cid, "--date", f"2026-05-{len(commits):02d}")
        commits = git(cli.root, "rev-list", "HEAD").split()
    for c in two:
        _kept_by_hand(cli, c)
    return ["kept", "drop", two[0][0]]


def s_kept_conflict(cli):
    cid = base(cli)
    cli.ok("case", "set", cid, "--phone", "13500000000")
    start = git(cli.root, "rev-parse", "HEAD")
    cli.ok("case", "set", cid, "--phone", "13700000001")
    branch = git(cli.root, "symbolic-ref", "--short", "HEAD")
    git(cli.root, "checkout", "-q", "--detach", start)           # a commit on a detached HEAD …
    cli.ok("case", "set", cid, "--phone", "13600000003")
    side = git(cli.root, "rev-parse", "HEAD")
    git(cli.root, "checkout", "-q", branch)
    _kept_by_hand(cli, side)                                     # … that could not be put back
    return ["kept", "apply", side[:7]]


def s_bad_format(cli):
    cid = base(cli)
    return ["render", cid, "--format", "doc"]


def s_io(cli):
    cid = base(cli)
    blocker = cli.root.parent / "file-not-dir"
    blocker.write_text("x")
    return ["render", cid, "--out", str(blocker / "sub")]


def s_bad_template(cli):
    cid = base(cli)
    (cli.root / "templates").mkdir()
    (cli.root / "templates" / "cover.html.j2").write_text("{% if %}", encoding="utf-8")
    return ["render", cid]


def s_yaml_syntax(cli):
    cid = base(cli)
    hand_edit(cli, case_dir(cli.root, cid) / "case.yaml", "name: [unclosed\n")
    return ["show", cid]


s_yaml_alias = appended("- &a {id: zz1, type: visit, date: 2026-05-01}\n- *a\n")


s_too_large = appended("# " + "x" * (3 * 1024 * 1024) + "\n")


s_bad_value = appended("- {id: zz1, type: visit, date: 2026-04-31}\n")


def s_bad_events_file(cli):
    cid = base(cli)
    hand_edit(cli, events_file(cli, cid), "a: 1\n")
    return ["show", cid]


s_bad_event = appended("- just text\n")


s_bad_event_id = appended("- {type: visit, date: 2026-05-01}\n")


s_bad_event_type = appended("- {id: zz1, type: party, date: 2026-05-01}\n")


s_duplicate_event_id = appended("- {id: zz1, type: visit, date: 2026-05-01}\n- {id: zz1, type: visit, date: 2026-05-02}\n")


s_missing_field = appended("- {id: zz1, type: test, date: 2026-05-01}\n")


s_bad_field = appended("- {id: zz1, type: test, date: 2026-05-01, result: maybe}\n")


def s_bad_case(cli):
    cid = base(cli)
    hand_edit(cli, case_dir(cli.root, cid) / "case.yaml", "- 一\n")
    return ["show", cid]


def s_ambiguous_name(cli):
    base(cli)
    name = person(1)[0]
    p2 = person(2)[1]
    cli.ok("case", "add", "--name", name, "--id-number", p2, "--measure", "detox")
    return ["show", name]


def s_not_found(cli):
    base(cli)
    return ["find", "nobody"]


def isolation(cli, seed: int = 2) -> str:
    """A person in compulsory isolation since 2026-01-10 (the path's non-community measure)."""
    return cli.add(seed, measure="isolation", entered_on="2026-01-10")


def event_id(cli, cid: str, etype: str) -> str:
    return next(e["id"] for e in show_json(cli, cid)["timeline"] if e["type"] == etype)


# ---- a person's path (PATHWAY.md)


def s_already_lost(cli):
    cid = base(cli)
    cli.ok("record", "lost", cid, "--date", "2026-05-01")
    return ["record", "lost", cid]


def s_bad_state(cli):
    return ["record", "lost", isolation(cli)]


def s_not_lost(cli):
    return ["record", "found", base(cli)]


def s_already_on_methadone(cli):
    cid = base(cli)
    cli.ok("record", "methadone", cid, "--clinic", "某县美沙酮门诊", "--date", "2026-04-01")
    return ["record", "methadone", cid, "--clinic", "某县美沙酮门诊"]


def s_not_on_methadone(cli):
    return ["record", "methadone-end", base(cli)]


def s_no_methadone(cli):
    return ["record", "police-filing", base(cli)]


def s_not_in_followup(cli):
    return ["record", "followup", base(cli), "--outcome", "abstinent"]


def s_not_in_isolation(cli):
    return ["record", "pickup", base(cli)]


def s_duplicate_pickup(cli):
    cid = isolation(cli)
    cli.ok("record", "pickup", cid, "--date", "2026-05-01")
    return ["record", "pickup", cid, "--date", "2026-05-02"]


def s_measure_open(cli):
    return ["case", "start", base(cli), "--measure", "rehab"]


def s_bad_measure(cli):
    return ["case", "start", isolation(cli), "--measure", "detox"]


def s_bad_option(cli):
    name, idn = person(2)
    return ["case", "add", "--name", name, "--id-number", idn, "--measure", "isolation", "--entered-on", "2026-01-10",
            "--term-months", "24"]


def s_wrong_measure(cli):
    return ["record", "visit", isolation(cli)]


def s_unknown_measure(cli):
    return ["case", "set", isolation(cli), "--measure-no", "3", "--term-months", "12", "--reason", "按决定书更正"]


def s_overlap(cli):
    cid = base(cli)
    cli.ok("case", "history", "add", cid, "--measure", "isolation", "--from", "2020-01-01", "--to", "2021-01-01")
    return ["case", "history", "add", cid, "--measure", "isolation", "--from", "2020-06-01", "--to", "2021-06-01"]


def s_duplicate(cli):
    cid = base(cli)
    cli.ok("case", "family", "add", cid, "--name", "王某", "--relation", "母亲")
    return ["case", "family", "add", cid, "--name", "王某", "--relation", "母亲"]


def s_unknown_member(cli):
    return ["case", "family", "remove", base(cli), "--name", "无此人"]


def s_ambiguous(cli):
    cid = base(cli)
    cli.ok("case", "family", "add", cid, "--name", "王某", "--relation", "母亲")
    cli.ok("case", "family", "add", cid, "--name", "王某", "--relation", "姐姐")
    return ["case", "family", "remove", cid, "--name", "王某"]


# ---- void (撤销)


def s_unknown_record(cli):
    return ["void", base(cli), "nosuch", "--reason", "录入错误"]


def _voided_visit(cli) -> tuple:
    cid = base(cli)
    cli.ok("record", "visit", cid, "--date", "2026-04-02")
    visit = event_id(cli, cid, "visit")
    cli.ok("void", cid, visit, "--reason", "录入错误")
    return cid, visit


def s_already_void(cli):
    cid, visit = _voided_visit(cli)
    return ["void", cid, visit, "--reason", "录入错误"]


def s_void_of_void(cli):
    cid, _visit = _voided_visit(cli)
    return ["void", cid, show_json(cli, cid)["voided"][0]["void_record"], "--reason", "录入错误"]


def s_has_dependents(cli):
    cid = base(cli)
    cli.ok("record", "visit", cid, "--date", "2026-04-02")
    return ["void", cid, event_id(cli, cid, "report-in"), "--reason", "录入错误"]


def s_void_refused(cli):
    cid = base(cli)
    for argv in (["transfer", "apply", cid, "--to", "某街道"], ["transfer", "form", cid], ["transfer", "approve", cid],
                 ["transfer", "handover", cid, "--bundle", str(cli.root.parent / "case.bundle")]):
        cli.ok(*argv)
    return ["void", cid, event_id(cli, cid, "transfer-handover"), "--reason", "录入错误"]


# ---- the store's files and git


HELD = []          # open files the scenario keeps open while its command runs (closed after the test)


def s_git_locked(cli):
    cid = base(cli)
    HELD.append(open(cli.root / ".git" / "index.lock", "w"))   # a live git process's lock: held open, not stale
    return ["record", "visit", cid]


def s_symlink(cli):
    cid = base(cli)
    real = cli.root.parent / "elsewhere.yaml"
    case_yaml = case_dir(cli.root, cid) / "case.yaml"
    real.write_bytes(case_yaml.read_bytes())
    case_yaml.unlink()
    case_yaml.symlink_to(real)
    return ["show", cid]


s_too_deep = appended("- {id: zz1, type: visit, date: 2026-05-01, note: " + "[" * 70 + "]" * 70 + "}\n")


def s_duplicate_key(cli):
    cid = base(cli)
    f = case_dir(cli.root, cid) / "case.yaml"
    hand_edit(cli, f, f.read_text() + "name: 某某\n")
    return ["show", cid]


def s_bad_shell(cli):
    return ["completion", "tcsh"]


def s_no_completion(cli, monkeypatch):
    """A later typer without the (non-public) completion functions, on its vendored click, which has no
    completion classes of its own."""
    from types import SimpleNamespace

    from aftercare.cli import completion

    monkeypatch.setattr(completion, "_typer_internal", lambda module, name: None)
    monkeypatch.setattr(completion, "_shell_completion", lambda: SimpleNamespace(get_completion_class=lambda shell: None))
    return ["completion", "bash"]


# ---- an optional library missing: hidden from the import system (`import X` then raises ImportError)


def hide(monkeypatch, *modules: str) -> None:
    import sys

    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)


def s_no_matplotlib(cli, monkeypatch):
    base(cli)
    hide(monkeypatch, "matplotlib")
    return ["report", "monthly", "--month", "2026-04"]


def s_no_xlsx(cli, monkeypatch):
    base(cli)
    hide(monkeypatch, "openpyxl")
    return ["due", "--format", "xlsx", "--output", str(cli.root.parent / "待办.xlsx")]


def s_no_pdf(cli, monkeypatch):
    cid = base(cli)
    hide(monkeypatch, "weasyprint", "typst")          # no engine: typst is the default, WeasyPrint the fallback
    return ["render", cid, "--format", "pdf"]


def s_no_parquet(cli, monkeypatch):
    base(cli)
    hide(monkeypatch, "pyarrow", "pyarrow.parquet")
    return ["export", "--redact", str(cli.root.parent / "research"), "--format", "parquet"]


# codes that `check` reports (it lists every problem; the codes are read from the check itself)
CHECK_ONLY = {
    "stray-file": lambda cli: (cli.root / "cases" / "notes.txt").write_text("x"),
    "missing-case-file": lambda cli: case_dir(cli.root, "2026-0500").mkdir(parents=True),
    "no-cases": lambda cli: shutil.rmtree(cli.root / "cases"),
}


def _check_unknown_test(cli):
    cid = base(cli)
    f = events_file(cli, cid)
    f.write_text(f.read_text() + "- {id: zz2, type: test-result, date: 2026-05-01, of: nosuch, result: negative}\n")


def _check_tracked_cache(cli):
    (cli.root / ".aftercare-cache").mkdir()
    (cli.root / ".aftercare-cache" / "summaries.pickle").write_bytes(b"x")
    git(cli.root, "add", "-f", ".aftercare-cache")
    git(cli.root, "commit", "-qm", "Commit a cache by mistake")


def _check_permissions(cli):
    cid = base(cli)
    (case_dir(cli.root, cid) / "case.yaml").chmod(0o644)          # readable by every local user


def _check_uncommitted(cli):
    cid = base(cli)
    f = case_dir(cli.root, cid) / "case.yaml"
    f.write_text(f.read_text() + "# 手工改动，未提交\n")


CHECK_ONLY["unknown-test"] = _check_unknown_test
CHECK_ONLY["tracked-cache"] = _check_tracked_cache
CHECK_ONLY["permissions"] = _check_permissions
CHECK_ONLY["uncommitted"] = _check_uncommitted
CHECK_ONLY["kept-commit"] = lambda cli: _kept_by_hand(cli, git(cli.root, "rev-parse", "HEAD"))


def _check_wrong_bucket(cli):
    cid = base(cli)                                           # 2026-0001, in cases/2026-00xx
    (cli.root / "cases" / "2026-01xx").mkdir()
    git(cli.root, "mv", case_path(cid), f"cases/2026-01xx/{cid}")
    git(cli.root, "commit", "-qm", "Move a case folder into another bucket by hand")


CHECK_ONLY["wrong-bucket"] = _check_wrong_bucket
CHECK_ONLY["case-twice"] = lambda cli: _old_folder_too(cli, False)

# warnings of `check` (exit 0): the code, its line and its hint
CHECK_WARNINGS = {
    "old-layout": lambda cli: git(cli.root, "mv", case_path(base(cli)), "cases/") and None,
}

SCENARIOS = {name[2:].replace("_", "-"): fn for name, fn in dict(globals()).items() if name.startswith("s_")}


# ---------------------------------------------------------------- the tests


def codes_of(exc) -> set:
    problems = getattr(exc, "problems", None)
    return {p.code for p in problems} if problems else {getattr(exc, "code", None)}


@pytest.fixture
def held_files():
    yield HELD
    while HELD:
        HELD.pop().close()


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_error_code(cli, code, monkeypatch, held_files):
    scenario = SCENARIOS[code]
    argv = scenario(cli, monkeypatch) if scenario.__code__.co_argcount == 2 else scenario(cli)
    full = argv + (["--store", str(cli.root)] if argv[0] not in ("init", "completion") else [])
    env = {"AFTERCARE_TODAY": cli.today}
    res = runner.invoke(app, ["--debug", *full], env=env)
    assert isinstance(res.exception, AftercareError), (code, res.exit_code, res.output, res.exception)
    assert code in codes_of(res.exception), (code, codes_of(res.exception), str(res.exception))
    res = runner.invoke(app, full, env=env)
    assert res.exit_code == 1, (code, res.exit_code, res.output)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and HAN.search(lines[0]), (code, res.stderr)
    assert lines[0].startswith("错误：") or re.match(r"^[^:\s]+:\d+: ", lines[0]), (code, lines[0])
    assert "Traceback" not in res.output


@pytest.mark.parametrize("code", sorted(CHECK_ONLY))
def test_check_reports_code(cli, code):
    from datetime import date

    from aftercare.views.check import check_store

    CHECK_ONLY[code](cli)
    assert code in {p.code for p in check_store(cli.root, date(2026, 5, 20))}
    res = cli("check")
    # a file's mode is not a line of it: `path: message` (issue 9), every other problem `path:line: message`
    def at(p):
        return p["path"] if code == "permissions" else f"{p['path']}:{p['line']}"
    where = r"^\S+: .*[\u4e00-\u9fff]" if code == "permissions" else r"^\S+:\d+: .*[\u4e00-\u9fff]"
    assert res.exit_code == 1 and re.search(where, res.stdout, re.M), res.output
    # the JSON names the code and what to do; the table shows that hint beside the problem
    res_json = cli("check", "--format", "json")
    assert res_json.exit_code == 1
    mine = [p for p in json.loads(res_json.stdout)["problems"] if p["code"] == code]
    assert mine and all(HAN.search(p["hint"]) for p in mine), mine
    for p in mine:
        assert f"{at(p)}: {p['message']}  提示：{p['hint']}" in res.stdout.splitlines(), (p, res.stdout)


@pytest.mark.parametrize("code", sorted(CHECK_WARNINGS))
def test_check_warns_code(cli, code):
    CHECK_WARNINGS[code](cli)
    git(cli.root, "commit", "-qm", "By hand")
    res = cli("check", "--format", "json")
    assert res.exit_code == 0, res.output
    mine = [p for p in json.loads(res.stdout)["warnings"] if p["code"] == code]
    assert len(mine) == 1 and HAN.search(mine[0]["message"]) and HAN.search(mine[0]["hint"]), mine
    res = cli("check")
    p = mine[0]
    assert res.exit_code == 0 and f"{p['path']}:{p['line']}: 警告：{p['message']}  提示：{p['hint']}" in res.stdout.splitlines()


def test_binary_export_is_not_written_to_a_terminal(monkeypatch):
    import sys

    from aftercare.cli.common import emit

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    with pytest.raises(AftercareError) as exc:
        emit(b"PK\x03\x04 an xlsx file")
    assert exc.value.code == "binary-to-terminal" and "--output" in exc.value.message


def test_every_code_has_a_scenario():
    covered = set(SCENARIOS) | set(CHECK_ONLY) | set(CHECK_WARNINGS) | set(NOT_TRIGGERABLE) | {"binary-to-terminal"}
    missing = sorted(package_codes() - covered)
    assert not missing, f"error codes without a scenario in tests/test_error_codes.py: {missing}"
