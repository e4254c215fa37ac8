"""One test per problem code of the load pipeline (discover → parse → validate) and of `check`: each is
triggered on a real store, reported as `path:line` by `check`, and by `due`, which still lists the
other cases (issue 15: every content check, for every command)."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import git, case_dir, case_path

from aftercare.views.check import check_store
from aftercare.store import Store

HAND = "events/2026-hand.yaml"
# code -> the hand-written record that triggers it (the case reported in on 2026-03-05; today 2026-05-20)
RECORDS = {
    "duplicate-report-in": '- id: "h1"\n  type: "report-in"\n  date: 2026-03-09\n',
    "future-date": '- id: "h1"\n  type: "visit"\n  date: 2026-06-01\n',
    "before-start": '- id: "h1"\n  type: "visit"\n  date: 2026-03-01\n',
    "unknown-leave": '- id: "h1"\n  type: "leave-approve"\n  date: 2026-04-01\n  leave: "nope"\n',
    "unknown-test": '- id: "h1"\n  type: "test-result"\n  date: 2026-04-01\n  of: "nope"\n  result: "negative"\n',
    "date-order": ('- id: "h1"\n  type: "leave-request"\n  date: 2026-04-01\n  from: 2026-04-10\n  to: 2026-04-05\n'
                   '  destination: "外县"\n'),
}


@pytest.fixture
def damaged(cli):
    cases = {}
    for seed, code in enumerate(RECORDS, start=1):
        cid = cli.add(seed, reported_on="2026-03-05")
        (case_dir(cli.root, cid) / HAND).write_text("# hand edit\n" + RECORDS[code])
        cases[code] = cid
    clean = cli.add(20, reported_on="2026-01-05")
    # discovery: a stray file, a folder with a bad name, a case folder without case.yaml, the same person twice
    (cli.root / "cases" / "notes.txt").write_text("x")
    shutil.copytree(case_dir(cli.root, clean), cli.root / "cases" / "bad name")
    (case_dir(cli.root, "2026-0099") / "events").mkdir(parents=True)
    twin = "2026-0098"
    shutil.copytree(case_dir(cli.root, clean), case_dir(cli.root, twin))
    (case_dir(cli.root, "2026-0099") / "events" / ".keep").write_text("")
    git(cli.root, "add", "-A")                      # hand edits, committed (nothing left uncommitted)
    git(cli.root, "commit", "-q", "-m", "Hand edits")
    return cli, cases, clean, twin


def test_every_content_and_discovery_code_is_reported_with_its_place(damaged):
    cli, cases, clean, twin = damaged
    got = {(p.code, p.path, p.line) for p in check_store(Store(cli.root), __import__("datetime").date(2026, 5, 20))}
    want = {(code, f"{case_path(cid)}/{HAND}", 2) for code, cid in cases.items()}
    want |= {("stray-file", "cases/notes.txt", 0), ("bad-case-id", "cases/bad name", 0),
             ("missing-case-file", f"{case_path('2026-0099')}/case.yaml", 0),
             ("duplicate-person", f"{case_path(twin)}/case.yaml", 1)}
    assert got == want


def test_due_reports_each_problem_and_still_lists_the_other_cases(damaged):
    cli, cases, clean, twin = damaged
    res = cli("due", "--format", "json")
    assert res.exit_code == 1
    listed = {it["case"] for it in json.loads(res.stdout)}
    assert listed == {clean, twin}                  # the damaged cases are left out, never acted on
    for code, cid in cases.items():
        assert f"{case_path(cid)}/{HAND}:2:" in res.stderr, (code, res.stderr)
    for where in ("cases/notes.txt:0:", "cases/bad name:0:", f"{case_path('2026-0099')}/case.yaml:0:"):
        assert where in res.stderr
    # show and record refuse a damaged case with the same place (record does not judge "future" records:
    # a clock set back must not block recording)
    for code, cid in cases.items():
        for args in (["show", cid], ["record", "visit", cid]) if code != "future-date" else (["show", cid],):
            r = cli(*args)
            assert r.exit_code == 1 and r.stderr.startswith(f"{case_path(cid)}/{HAND}:2:"), (code, args, r.stderr)
