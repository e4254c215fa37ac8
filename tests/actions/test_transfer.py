"""Change of place (变更执行地) through the command line: application → form → police decision →
hand-over of the archive as a git bundle → import, with the whole history, into another office's store.

Dates are in 2025 (known to the holiday calendar, and in the past of the machine clock, which
`aftercare check` uses).
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import Cli, committed as ok, due_json as due, git, person, refused, show_json as show, case_dir

OFFICE_A, OFFICE_B = "甲镇社区戒毒（康复）工作办公室", "乙镇社区戒毒（康复）工作办公室"
CLERK_A, CLERK_B = "甲镇工作员", "乙镇工作员"


# ---------------------------------------------------------------- helpers






def imported(cli, *args, today: str):
    """An import: one new commit on the store's own line (a merge that brings the case's history)."""
    before = int(git(cli.root, "rev-list", "--first-parent", "--count", "HEAD"))
    res = cli("transfer", "import", *args, today=today)
    assert res.exit_code == 0, f"{args}: exit {res.exit_code}\n{res.output}"
    assert int(git(cli.root, "rev-list", "--first-parent", "--count", "HEAD")) == before + 1
    assert len(git(cli.root, "rev-parse", "HEAD^@").split()) == 2
    assert git(cli.root, "status", "--porcelain") == ""
    return res






def kinds(items) -> set:
    return {it["kind"] for it in items}


def log_rows(cli, cid: str, today: str) -> list:
    """(author, subject) rows of `aftercare log CASE`: each row is the Chinese action, the commit subject under it."""
    res = cli("log", cid, today=today)
    assert res.exit_code == 0, res.output
    rows = []
    lines = res.stdout.splitlines()[2:]
    assert len(lines) % 2 == 0, res.stdout
    for line, under in zip(lines[::2], lines[1::2]):
        m = re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d\s+(\S+)\s+(.*)$", line)
        assert m and under.startswith(" "), (line, under)
        rows.append((m.group(1), under.strip()))
    return rows


def author(monkeypatch, name: str) -> None:
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, name)


def new_store(tmp_path: Path, name: str, office: str) -> Cli:
    c = Cli(tmp_path / name)
    c.ok("init", str(c.root), "--office", office, store=False)
    return c


@pytest.fixture
def a(tmp_path, monkeypatch) -> Cli:
    author(monkeypatch, CLERK_A)
    return new_store(tmp_path, "A", OFFICE_A)


@pytest.fixture
def b(tmp_path) -> Cli:
    return new_store(tmp_path, "B", OFFICE_B)


@pytest.fixture
def case(a) -> str:
    """社区戒毒 reported in on 2025-01-10 at office A."""
    a.today = "2025-01-10"
    return a.add(1, notified_on="2025-01-06", reported_on="2025-01-10")


def approved(a, cid: str) -> None:
    ok(a, "transfer", "apply", cid, "--date", "2025-03-10", "--to", "乙镇", "--reason", "随家人迁居", today="2025-03-10")
    ok(a, "transfer", "form", cid, "--date", "2025-03-11", "--opinion", "同意", today="2025-03-11")
    ok(a, "transfer", "approve", cid, "--date", "2025-03-14", "--by", "某县公安局", today="2025-03-14")


def handover(a, cid: str, bundle: Path, day: str = "2025-03-18"):
    res = ok(a, "transfer", "handover", cid, "--date", day, "--bundle", str(bundle), today=day)
    assert res.stdout.strip().splitlines()[-1] == str(bundle)
    return res


# ---------------------------------------------------------------- the steps in the sending store


def test_application_form_decision(a, case, tmp_path):
    cid = case
    t = "2025-03-10"
    refused(a, "transfer", "form", cid, "--date", t, today=t)                        # nothing applied for
    refused(a, "transfer", "approve", cid, "--date", t, today=t)
    refused(a, "transfer", "report-in", cid, "--date", t, today=t)
    refused(a, "transfer", "apply", cid, "--date", t, "--to", "", today=t)
    refused(a, "transfer", "apply", cid, "--date", "2025-01-09", "--to", "乙镇", today=t)   # before report-in
    ok(a, "transfer", "apply", cid, "--date", t, "--to", "乙镇", "--reason", "随家人迁居", "--proof", "租房合同", today=t)
    r = show(a, cid, t)
    assert r["transfer"]["state"] == "applied" and r["status"] == "active"
    # the office fills the form within 3 working days (Monday 2025-03-10 -> Thursday 2025-03-13)
    form_items = [it for it in due(a, cid, t) if it["kind"] == "transfer-form"]
    assert [(it["deadline"], it["document"]) for it in form_items] == [("2025-03-13", 15)]
    refused(a, "transfer", "apply", cid, "--date", t, "--to", "丙镇", today=t)       # one at a time
    assert "审批表" in refused(a, "transfer", "approve", cid, "--date", t, today=t)  # the police decide on the form
    refused(a, "transfer", "form", cid, "--date", "2025-03-09", today=t)           # before the application
    ok(a, "transfer", "form", cid, "--date", "2025-03-11", today="2025-03-11")
    refused(a, "transfer", "form", cid, "--date", "2025-03-11", today="2025-03-11")
    assert "transfer-form" not in kinds(due(a, cid, "2025-03-11"))
    refused(a, "transfer", "handover", cid, "--date", "2025-03-11", "--bundle", str(tmp_path / "x.bundle"),
            today="2025-03-11")
    assert not (tmp_path / "x.bundle").exists()
    # refused by the police: nothing more to do; a new application is possible
    ok(a, "transfer", "refuse", cid, "--date", "2025-03-12", "--note", "证明材料不足", today="2025-03-12")
    assert show(a, cid, "2025-03-12")["transfer"]["state"] == "refused"
    refused(a, "transfer", "approve", cid, "--date", "2025-03-12", today="2025-03-12")
    refused(a, "transfer", "report-in", cid, "--date", "2025-03-12", today="2025-03-12")
    refused(a, "transfer", "handover", cid, "--date", "2025-03-12", "--bundle", str(tmp_path / "x.bundle"),
            today="2025-03-12")
    assert not kinds(due(a, cid, "2025-03-12")) & {"transfer-form", "transfer-report-in", "archive-transfer"}
    ok(a, "transfer", "apply", cid, "--date", "2025-04-01", "--to", "乙镇", today="2025-04-01")
    ok(a, "transfer", "form", cid, "--date", "2025-04-01", today="2025-04-01")
    ok(a, "transfer", "approve", cid, "--date", "2025-04-02", today="2025-04-02")
    items = {it["kind"]: it for it in due(a, cid, "2025-04-02")}
    assert items["transfer-report-in"]["deadline"] == "2025-04-17"          # 15 days
    assert items["archive-transfer"]["deadline"] == "2025-04-09"            # 7 days
    refused(a, "transfer", "refuse", cid, "--date", "2025-04-02", today="2025-04-02")
    refused(a, "transfer", "handover", cid, "--date", "2025-04-01", "--bundle", str(tmp_path / "x.bundle"),
            today="2025-04-02")                                              # before the approval
    (tmp_path / "taken.bundle").write_text("x")
    refused(a, "transfer", "handover", cid, "--date", "2025-04-02", "--bundle", str(tmp_path / "taken.bundle"),
            today="2025-04-02")                                              # never overwrite a file


def test_apply_refused_unless_in_progress(a, tmp_path):
    a.today = "2025-01-10"
    waiting = a.add(3, notified_on="2025-01-06")
    refused(a, "transfer", "apply", waiting, "--date", "2025-01-10", "--to", "乙镇", today="2025-01-10")
    cid = a.add(4, reported_on="2025-01-10")
    ok(a, "suspend", cid, "--date", "2025-02-01", "--reason", "detention", today="2025-02-01")
    refused(a, "transfer", "apply", cid, "--date", "2025-02-05", "--to", "乙镇", today="2025-02-05")
    ok(a, "resume", cid, "--date", "2025-02-10", today="2025-02-10")
    # not dated inside the past suspension either
    refused(a, "transfer", "apply", cid, "--date", "2025-02-05", "--to", "乙镇", today="2025-02-10")
    ok(a, "transfer", "apply", cid, "--date", "2025-02-10", "--to", "乙镇", today="2025-02-10")


# ---------------------------------------------------------------- end to end between two stores


def test_transfer_between_two_stores(a, b, case, tmp_path, monkeypatch):
    cid = case
    # another person in the sending store, whose data must not leave it
    other_name, other_idn = person(2)
    other = a.add(2, reported_on="2025-01-12", today="2025-01-12")
    ok(a, "record", "test", other, "--date", "2025-02-03", "--result", "negative", "--method", "urine",
       today="2025-02-03")
    ok(a, "record", "visit", other, "--date", "2025-02-04", "--note", "家中情况稳定", today="2025-02-04")
    # the case's own history at office A
    ok(a, "record", "test", cid, "--date", "2025-01-20", "--result", "negative", today="2025-01-20")
    ok(a, "record", "visit", cid, "--date", "2025-01-21", "--kind", "home", "--note", "与母亲同住", today="2025-01-21")
    ok(a, "record", "test", cid, "--date", "2025-02-20", "--result", "refused", today="2025-02-20")
    ok(a, "record", "warning", cid, "--date", "2025-02-21", today="2025-02-21")
    approved(a, cid)
    bundle = tmp_path / "handover" / f"{cid}.bundle"
    handover(a, cid, bundle)

    # the sending store: transferred out, nothing due, history kept
    t = "2025-03-20"
    ra = show(a, cid, "2025-03-18")
    assert ra["status"] == "transferred" and ra["period"]["closed_on"] == "2025-03-18"
    assert show(a, cid, t)["open_items"] == [] and due(a, cid, t) == [] and due(a, cid, "2026-01-01") == []
    assert cid not in {it["case"] for it in json.loads(a("due", "--format", "json", today=t).stdout)}
    assert other in {it["case"] for it in json.loads(a("due", "--format", "json", today=t).stdout)}
    refused(a, "record", "test", cid, "--date", t, "--result", "negative", today=t)
    refused(a, "transfer", "report-in", cid, "--date", t, today=t)
    refused(a, "transfer", "handover", cid, "--date", t, "--bundle", str(tmp_path / "again.bundle"), today=t)
    log_a = log_rows(a, cid, t)
    assert len(log_a) == 9 and log_a[0][1].startswith(f"Hand over case {cid}")
    assert all(who == CLERK_A for who, _ in log_a)
    assert (case_dir(a.root, cid) / "case.yaml").is_file()
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    heads = subprocess.run(["git", "bundle", "list-heads", str(bundle)], capture_output=True, text=True,
                           check=True).stdout.split()
    assert heads[1::2] == [f"refs/aftercare/transfer/{cid}"]

    # the receiving store
    author(monkeypatch, CLERK_B)
    refused(b, "transfer", "import", str(bundle), "--date", "2025-03-17", today=t)      # before the hand-over
    res = imported(b, str(bundle), "--date", "2025-03-19", "--from", OFFICE_A, today="2025-03-19")
    assert res.stdout.strip().splitlines()[-1] == cid
    rb = show(b, cid, "2025-03-19")
    assert rb["status"] == "active" and rb["name"] == ra["name"] and rb["id_number"] == ra["id_number"]
    assert rb["period"]["start"] == "2025-01-10" and rb["period"]["last_day"] == "2028-01-09"
    assert rb["violations"]["refusals"] == 1
    assert rb["timeline"][:-1] == ra["timeline"]                         # every event, same ids and dates
    assert rb["timeline"][-1]["type"] == "transfer-in" and rb["timeline"][-1]["date"] == "2025-03-19"

    # the original commits (subjects and authors) under the receiving store's log
    log_b = log_rows(b, cid, "2025-03-19")
    assert log_b[0] == (CLERK_B, f"Receive case {cid} by change of place on 2025-03-19 (history imported)")
    assert log_b[1:] == [(f"{who}（转自{OFFICE_A}）", subject) for who, subject in log_a]   # shown as imported
    # nothing of the other person came along
    everything = git(b.root, "log", "--all", "-p", "--format=%an %ae %s%n%b")
    assert other_idn not in everything and other_name not in everything and other not in everything
    assert OFFICE_A not in git(b.root, "show", "HEAD:aftercare.yaml")
    assert sorted(p.name for p in (b.root / "cases").glob("*/*")) == [cid]

    # the person still has to report at the new place
    items = {it["kind"]: it for it in due(b, cid, "2025-03-19")}
    assert items["transfer-report-in"]["deadline"] == "2025-03-29" and items["transfer-report-in"]["document"] == 16
    assert "archive-transfer" not in items
    refused(b, "transfer", "report-in", cid, "--date", "2025-03-13", today="2025-03-20")   # before the approval
    ok(b, "transfer", "report-in", cid, "--date", "2025-03-20", "--note", "本人到乙镇报到", today="2025-03-20")
    refused(b, "transfer", "report-in", cid, "--date", "2025-03-21", today="2025-03-21")   # once
    assert "transfer-report-in" not in kinds(due(b, cid, "2025-03-21"))
    ok(b, "record", "test", cid, "--date", "2025-03-21", "--result", "negative", today="2025-03-21")
    assert show(b, cid, "2025-03-21")["status"] == "active"
    assert b("check", today="2025-03-21").exit_code == 0

    # the same bundle again: the same person, whose measure is open here; under another ID it is still the same person
    msg = refused(b, "transfer", "import", str(bundle), "--date", "2025-03-22", today="2025-03-22")
    assert cid in msg and "身份证号" in msg and "尚未结束" in msg
    assert "身份证号" in refused(b, "transfer", "import", str(bundle), "--date", "2025-03-22", "--id", "X-1",
                              today="2025-03-22")
    assert not case_dir(b.root, "X-1").exists()


def test_import_under_a_new_id_when_the_id_is_taken(a, case, tmp_path, monkeypatch):
    cid = case
    approved(a, cid)
    bundle = tmp_path / "x.bundle"
    handover(a, cid, bundle)
    author(monkeypatch, CLERK_B)
    c = new_store(tmp_path, "C", OFFICE_B)
    c.today = "2025-01-10"
    local = c.add(5, reported_on="2025-01-10")      # a different person under the same sequence number
    assert local == cid
    before = show(c, local, "2025-03-20")
    msg = refused(c, "transfer", "import", str(bundle), "--date", "2025-03-20", today="2025-03-20")
    assert cid in msg and "--id" in msg
    refused(c, "transfer", "import", str(bundle), "--date", "2025-03-20", "--id", "../x", today="2025-03-20")
    res = imported(c, str(bundle), "--date", "2025-03-20", "--id", "2025-0101", today="2025-03-20")
    assert res.stdout.strip().splitlines()[-1] == "2025-0101"
    r = show(c, "2025-0101", "2025-03-20")
    assert r["id_number"] == person(1)[1] and r["status"] == "active"
    assert f"原编号 {cid}" in r["timeline"][-1]["summary"]
    assert show(c, local, "2025-03-20") == before                   # the local person is untouched
    subjects = [s for _, s in log_rows(c, "2025-0101", "2025-03-20")]
    assert subjects[-1].startswith(f"Register case {cid}") and len(subjects) == 6
    assert c("check", today="2025-03-20").exit_code == 0


def test_import_refusals(a, b, case, tmp_path):
    t = "2025-03-20"
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(b"# v2 git bundle\nnot really\n")
    assert "移交文件" in refused(b, "transfer", "import", str(junk), today=t)
    refused(b, "transfer", "import", str(tmp_path / "missing.bundle"), today=t)
    # a plain git bundle of some other repository
    plain = tmp_path / "plain.bundle"
    git(a.root, "bundle", "create", str(plain), "HEAD")
    refused(b, "transfer", "import", str(plain), today=t)
    # a bundle of a case that was never handed over
    from aftercare.actions import transfer
    from aftercare.store import Store

    early = tmp_path / "early.bundle"
    transfer.write_bundle(Store(a.root), case, early)
    assert "移交" in refused(b, "transfer", "import", str(early), today=t)
    assert list((b.root / "cases").glob("*/*")) == []


def test_crafted_bundle_cannot_write_outside_the_case(b, tmp_path):
    """A bundle holding a file other than case.yaml / events/*.yaml is refused before anything is written."""
    src = tmp_path / "src"
    src.mkdir()
    git(src, "init", "-q")
    (src / "case.yaml").write_text("name: x\n")
    (src / "evil.sh").write_text("echo pwned\n")
    git(src, "add", ".")
    git(src, "commit", "-qm", "x")
    git(src, "update-ref", "refs/aftercare/transfer/2025-0009", "HEAD")
    bad = tmp_path / "bad.bundle"
    git(src, "bundle", "create", str(bad), "refs/aftercare/transfer/2025-0009")
    assert "evil.sh" in refused(b, "transfer", "import", str(bad), today="2025-03-20")
    assert not case_dir(b.root, "2025-0009").exists() and not list(b.root.rglob("evil.sh"))


def test_history_with_a_merge_between_two_clones(a, b, case, tmp_path, monkeypatch):
    """Two clones of office A record concurrently and merge: the hand-over keeps both records and the merge."""
    cid = case
    a2 = Cli(tmp_path / "A2")
    subprocess.run(["git", "clone", "-q", str(a.root), str(a2.root)], check=True)
    ok(a2, "record", "visit", cid, "--date", "2025-02-01", "--note", "二号机记录", today="2025-02-01")
    ok(a, "record", "test", cid, "--date", "2025-02-02", "--result", "negative", today="2025-02-02")
    branch = git(a2.root, "rev-parse", "--abbrev-ref", "HEAD")
    git(a.root, "pull", "-q", "--no-rebase", "--no-edit", str(a2.root), branch)
    assert git(a.root, "status", "--porcelain") == ""
    approved(a, cid)
    bundle = tmp_path / "m.bundle"
    handover(a, cid, bundle)
    author(monkeypatch, CLERK_B)
    imported(b, str(bundle), "--date", "2025-03-19", today="2025-03-19")
    types = [e["type"] for e in show(b, cid, "2025-03-19")["timeline"]]
    assert types.count("visit") == 1 and types.count("test") == 1
    # the imported history still has the merge (a commit with two parents touching the case)
    merges = git(b.root, "rev-list", "--merges", "HEAD^2")
    assert len(merges.split()) == 1
    assert b("check", today="2025-03-19").exit_code == 0


def test_failed_bundle_undoes_the_hand_over(a, case, tmp_path):
    cid = case
    approved(a, cid)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    refused(a, "transfer", "handover", cid, "--date", "2025-03-18", "--bundle", str(blocker / "x.bundle"),
            today="2025-03-18")
    r = show(a, cid, "2025-03-18")
    assert r["status"] == "active" and r["transfer"]["state"] == "approved"
    assert "archive-transfer" in kinds(due(a, cid, "2025-03-18"))
    handover(a, cid, tmp_path / "ok.bundle")                  # and then it works
    assert show(a, cid, "2025-03-18")["status"] == "transferred"


# ---------------------------------------------------------------- a person with several measures (PATHWAY §1)


def measures(r: dict) -> list:
    return [(m["kind"], m["start"], m["end"], m["outcome"]) for m in r["measures"]]


def test_transfer_of_the_current_measure_after_isolation(a, b, case, tmp_path, monkeypatch):
    """社区戒毒 → 强制隔离戒毒 → 社区康复, handed over during the rehab: the bundle holds the whole path; the
    receiving office sees the earlier measures closed and only the rehab open."""
    cid = case
    ok(a, "record", "test", cid, "--date", "2025-02-03", "--result", "positive", today="2025-02-03")
    # terminated for isolation and taken in on the same day (Monday 2025-02-10)
    ok(a, "terminate", cid, "--date", "2025-02-10", "--reason", "isolation", today="2025-02-10")
    ok(a, "case", "start", cid, "--measure", "isolation", "--facility", "某强制隔离戒毒所", "--entered-on", "2025-02-10",
       "--expected-release", "2025-08-09", today="2025-02-10")
    msg = refused(a, "transfer", "apply", cid, "--date", "2025-03-10", "--to", "乙镇", today="2025-03-10")
    assert "强制隔离戒毒" in msg and "社区康复" in msg
    ok(a, "record", "pickup", cid, "--date", "2025-08-09", "--by", CLERK_A, today="2025-08-09")
    # 社区康复 24 months, served on the release day, reported Monday 08-11: 2025-08-11 .. 2027-08-10
    ok(a, "case", "start", cid, "--measure", "rehab", "--term-months", "24", "--notified-on", "2025-08-09",
       "--reported-on", "2025-08-11", today="2025-08-11")
    # the application of this measure starts afresh (the detox had none either)
    assert show(a, cid, "2025-08-11")["transfer"] == {}
    ok(a, "record", "test", cid, "--date", "2025-08-12", "--result", "negative", today="2025-08-12")
    ok(a, "transfer", "apply", cid, "--date", "2025-09-01", "--to", "乙镇", "--reason", "随家人迁居", today="2025-09-01")
    ok(a, "transfer", "form", cid, "--date", "2025-09-02", today="2025-09-02")
    ok(a, "transfer", "approve", cid, "--date", "2025-09-03", today="2025-09-03")
    bundle = tmp_path / "rehab.bundle"
    handover(a, cid, bundle, day="2025-09-05")

    t = "2025-09-08"
    path_a = [("detox", "2025-01-10", "2025-02-10", "terminated"), ("isolation", "2025-02-10", "2025-08-09", "ended")]
    ra = show(a, cid, t)
    assert ra["state"] == "closed" and ra["status"] == "transferred"
    assert measures(ra) == path_a + [("rehab", "2025-08-11", "2025-09-05", "transferred")]
    assert due(a, cid, t) == [] and due(a, cid, "2027-08-01") == []
    assert "接收单位" in refused(a, "case", "start", cid, "--measure", "isolation", "--entered-on", t, today=t)
    refused(a, "record", "contact", cid, "--date", t, "--result", "reached", today=t)

    author(monkeypatch, CLERK_B)
    imported(b, str(bundle), "--date", t, "--from", OFFICE_A, today=t)
    rb = show(b, cid, t)
    assert rb["state"] == "rehab" and rb["status"] == "active" and rb["measure"] == "rehab"
    assert measures(rb) == path_a + [("rehab", "2025-08-11", None, None)]
    assert rb["period"]["start"] == "2025-08-11" and rb["period"]["last_day"] == "2027-08-10"
    assert rb["violations"]["refusals"] == 0                      # the detox's positive test is the detox's
    items = {it["kind"]: it for it in due(b, cid, t)}
    # approved Wednesday 09-03 + 15 days = 09-18; the archive went with the bundle; the pick-up was done at A
    assert items["transfer-report-in"]["deadline"] == "2025-09-18"
    assert not {"archive-transfer", "pickup", "report-in", "test"} & set(items)   # test window 08-11..10-10 done 08-12
    ok(b, "transfer", "report-in", cid, "--date", "2025-09-09", today="2025-09-09")
    ok(b, "record", "test", cid, "--date", "2025-10-13", "--result", "negative", today="2025-10-13")
    rb = show(b, cid, "2025-10-13")
    assert rb["state"] == "rehab" and [e["type"] for e in rb["timeline"]][-3:] == ["transfer-in", "transfer-report-in", "test"]
    assert b("check", today="2025-10-13").exit_code == 0


def test_transfer_refused_in_follow_up_care(a, b, tmp_path, monkeypatch):
    """Follow-up care has no change of place: moving away ends it (terminate --reason moved-away). A person
    registered in follow-up who relapses is transferred during the new measure."""
    name, idn = person(7)
    cid = ok(a, "case", "add", "--name", name, "--id-number", idn, "--measure", "followup", "--released-on", "2025-01-06",
             "--released-from", "某强制隔离戒毒所", today="2025-01-06").stdout.strip().splitlines()[-1]
    msg = refused(a, "transfer", "apply", cid, "--date", "2025-02-03", "--to", "乙镇", today="2025-02-03")
    assert "后续照管" in msg and "moved-away" in msg
    ok(a, "record", "followup", cid, "--date", "2025-02-03", "--outcome", "abstinent", today="2025-02-03")
    # relapse: a new 社区戒毒 decision served 03-03, reported 03-05 (period 2025-03-05 .. 2028-03-04)
    ok(a, "case", "start", cid, "--measure", "detox", "--notified-on", "2025-03-03", "--reported-on", "2025-03-05",
       today="2025-03-05")
    ok(a, "transfer", "apply", cid, "--date", "2025-03-10", "--to", "乙镇", today="2025-03-10")
    ok(a, "transfer", "form", cid, "--date", "2025-03-11", today="2025-03-11")
    ok(a, "transfer", "approve", cid, "--date", "2025-03-14", today="2025-03-14")
    bundle = tmp_path / "fu.bundle"
    handover(a, cid, bundle)
    author(monkeypatch, CLERK_B)
    imported(b, str(bundle), "--date", "2025-03-19", today="2025-03-19")
    rb = show(b, cid, "2025-03-19")
    # the follow-up ended as relapsed on the day the new measure opened (served 03-03)
    assert measures(rb) == [("followup", "2025-01-06", "2025-03-03", "relapsed"), ("detox", "2025-03-05", None, None)]
    assert rb["state"] == "detox" and rb["period"]["last_day"] == "2028-03-04"
    kinds_b = {it["kind"] for it in due(b, cid, "2025-03-19")}
    assert "followup" not in kinds_b and "transfer-report-in" in kinds_b
    refused(b, "record", "followup", cid, "--date", "2025-03-19", "--outcome", "abstinent", today="2025-03-19")


def test_import_refused_while_the_same_person_is_followed_up_here(a, b, case, tmp_path, monkeypatch):
    """The receiving store already follows the same person up (released there earlier): not a second folder."""
    b.today = "2022-01-10"
    here = b.add(1, notified_on="2022-01-06", reported_on="2022-01-10")
    ok(b, "release", here, "--date", "2025-01-10", today="2025-01-10")
    assert show(b, here, "2025-03-19")["state"] == "followup"
    approved(a, case)
    bundle = tmp_path / "dup.bundle"
    handover(a, case, bundle)
    author(monkeypatch, CLERK_B)
    msg = refused(b, "transfer", "import", str(bundle), "--date", "2025-03-19", today="2025-03-19")
    assert here in msg and "后续照管" in msg
    assert not (case_dir(b.root, case)).exists()


# ---------------------------------------------------------------- a person who lived here before (PATHWAY §1)


def test_import_of_a_person_released_here_before_adds_the_measure_to_their_folder(a, b, case, tmp_path, monkeypatch):
    """Office B registered the person in 2021 (社区戒毒 reported 2021-01-05, 36 months: last day 2024-01-04),
    released them on 2024-01-05 (follow-up care from that day), and the follow-up ended when they moved away
    (2024-12-02). Office A registered them again (the `case` fixture: served 2025-01-06, reported 2025-01-10)
    and hands them over to B: one folder per person, the old history kept, B's case ID kept."""
    author(monkeypatch, CLERK_B)
    here = b.add(1, notified_on="2021-01-04", reported_on="2021-01-05", today="2021-01-05")
    ok(b, "record", "test", here, "--date", "2021-01-20", "--result", "negative", today="2021-01-20")
    ok(b, "release", here, "--date", "2024-01-05", today="2024-01-05")
    ok(b, "terminate", here, "--date", "2024-12-02", "--reason", "moved-away", today="2024-12-02")
    assert here != case and show(b, here, "2025-03-19")["state"] == "closed"
    before = show(b, here, "2025-03-19")["timeline"]
    author(monkeypatch, CLERK_A)
    ok(a, "record", "test", case, "--date", "2025-01-20", "--result", "negative", today="2025-01-20")
    approved(a, case)
    from aftercare.actions import transfer
    from aftercare.store import Store

    early = tmp_path / "early.bundle"                 # a bundle of the measure before its hand-over
    transfer.write_bundle(Store(a.root), case, early)
    bundle = tmp_path / "back.bundle"
    handover(a, case, bundle)
    sent = show(a, case, "2025-03-18")["timeline"]

    author(monkeypatch, CLERK_B)
    # refused, the folder here untouched (no change left, `refused` checks): a measure not handed over;
    # received before the hand-over; another case ID for the same person
    assert "移交" in refused(b, "transfer", "import", str(early), "--date", "2025-03-19", today="2025-03-19")
    assert show(b, here, "2025-03-19")["timeline"] == before
    refused(b, "transfer", "import", str(bundle), "--date", "2025-03-17", today="2025-03-19")
    assert here in refused(b, "transfer", "import", str(bundle), "--date", "2025-03-19", "--id", "2025-0100",
                           today="2025-03-19")
    res = imported(b, str(bundle), "--date", "2025-03-19", "--from", OFFICE_A, today="2025-03-19")
    assert res.stdout.strip().splitlines()[-1] == here and f"并入本库个案 {here}" in res.stdout
    assert "第 2 项措施" in res.stdout            # the detox here (its follow-up after release belongs to it), then A's
    assert sorted(p.name for p in (b.root / "cases").glob("*/*")) == [here]
    rb = show(b, here, "2025-03-19")
    assert measures(rb) == [("detox", "2021-01-05", "2024-01-05", "released"),
                            ("followup", "2024-01-05", "2024-12-02", "moved-away"),
                            ("detox", "2025-01-10", None, None)]
    # the measure from A: reported 2025-01-10, 36 months -> last day 2028-01-09
    assert rb["state"] == "detox" and rb["status"] == "active"
    assert rb["period"]["start"] == "2025-01-10" and rb["period"]["last_day"] == "2028-01-09"
    ids = [e["id"] for e in rb["timeline"]]
    assert len(ids) == len(set(ids)) == len(before) + len(sent) + 1
    assert {e["id"] for e in before} | {e["id"] for e in sent} < set(ids)
    last = rb["timeline"][-1]
    assert last["type"] == "transfer-in" and last["date"] == "2025-03-19" and f"原编号 {case}" in last["summary"]
    # the old measure's records stay its own: the negative test of 2021 does not count in the new one
    assert [(e["type"], e["date"], e["measure"]) for e in rb["timeline"] if e["type"] == "test"] == [
        ("test", "2021-01-20", 1), ("test", "2025-01-20", 2)]
    # approved Friday 2025-03-14 + 15 days: report at B by 03-29
    items = {it["kind"]: it for it in due(b, here, "2025-03-19")}
    assert items["transfer-report-in"]["deadline"] == "2025-03-29"
    rows = log_rows(b, here, "2025-03-19")
    assert rows[0][1] == f"Receive into the existing case {here} by change of place on 2025-03-19 (history imported)"
    assert (f"{CLERK_A}（转自{OFFICE_A}）", f"Register case {case} (detox) reported in on 2025-01-10") in rows
    assert (CLERK_B, f"Register case {here} (detox) reported in on 2021-01-05") in rows
    assert (CLERK_B, f"End followup of case {here} on 2024-12-02 (moved-away)") in rows and len(rows) == 11
    ok(b, "transfer", "report-in", here, "--date", "2025-03-20", today="2025-03-20")
    ok(b, "record", "test", here, "--date", "2025-03-21", "--result", "negative", today="2025-03-21")
    assert show(b, here, "2025-03-21")["timeline"][-1]["measure"] == 2
    assert b("check", today="2025-03-21").exit_code == 0
    # the person is now under a measure here: the same bundle again is refused, nothing written
    msg = refused(b, "transfer", "import", str(bundle), "--date", "2025-03-22", today="2025-03-22")
    assert here in msg and "社区戒毒" in msg and "尚未结束" in msg


def test_import_refused_when_the_incoming_measure_overlaps_the_one_here(a, b, case, tmp_path, monkeypatch):
    """B released the person on 2025-01-03 and the follow-up ended when they moved away on 2025-01-08; A's
    measure began with its service on 2025-01-06, before that end: two measures at once, refused."""
    author(monkeypatch, CLERK_B)
    here = b.add(1, notified_on="2021-01-04", reported_on="2021-12-20", today="2021-12-20")
    ok(b, "release", here, "--date", "2025-01-03", "--early-reason", "公安机关提前解除", today="2025-01-03")
    ok(b, "terminate", here, "--date", "2025-01-08", "--reason", "moved-away", today="2025-01-08")
    approved(a, case)
    bundle = tmp_path / "overlap.bundle"
    handover(a, case, bundle)
    before = show(b, here, "2025-03-19")
    msg = refused(b, "transfer", "import", str(bundle), "--date", "2025-03-19", today="2025-03-19")
    assert "2025-01-06" in msg and "2025-01-08" in msg and "重叠" in msg
    assert show(b, here, "2025-03-19") == before and sorted(p.name for p in (b.root / "cases").glob("*/*")) == [here]


def test_a_person_transferred_out_and_back_again_returns_to_their_folder(a, b, case, tmp_path, monkeypatch):
    """A → B → A during one 社区戒毒: B's bundle holds A's own history; A keeps one folder with every record once."""
    cid = case
    ok(a, "record", "test", cid, "--date", "2025-01-20", "--result", "negative", today="2025-01-20")
    approved(a, cid)
    handover(a, cid, tmp_path / "out.bundle")
    author(monkeypatch, CLERK_B)
    imported(b, str(tmp_path / "out.bundle"), "--date", "2025-03-19", today="2025-03-19")
    ok(b, "transfer", "report-in", cid, "--date", "2025-03-20", today="2025-03-20")
    ok(b, "record", "test", cid, "--date", "2025-04-07", "--result", "negative", today="2025-04-07")
    ok(b, "transfer", "apply", cid, "--date", "2025-05-06", "--to", "甲镇", "--reason", "回原籍", today="2025-05-06")
    ok(b, "transfer", "form", cid, "--date", "2025-05-07", today="2025-05-07")
    ok(b, "transfer", "approve", cid, "--date", "2025-05-08", today="2025-05-08")
    back = tmp_path / "back.bundle"
    ok(b, "transfer", "handover", cid, "--date", "2025-05-09", "--bundle", str(back), today="2025-05-09")
    sent = show(b, cid, "2025-05-09")["timeline"]

    author(monkeypatch, CLERK_A)
    assert show(a, cid, "2025-05-12")["status"] == "transferred"
    res = imported(a, str(back), "--date", "2025-05-12", "--from", OFFICE_B, today="2025-05-12")
    assert res.stdout.strip().splitlines()[-1] == cid and "移回" in res.stdout
    assert sorted(p.name for p in (a.root / "cases").glob("*/*")) == [cid]
    # the log: A's own 6 commits once (B's copies of them are A's commits again), B's 7, the receipt
    rows = log_rows(a, cid, "2025-05-12")
    assert len(rows) == 14 and len(set(rows)) == 14
    assert [who for who, _ in rows].count(CLERK_A) == 7 and [who for who, _ in rows].count(f"{CLERK_B}（转自{OFFICE_B}）") == 7
    ra = show(a, cid, "2025-05-12")
    assert ra["status"] == "active" and measures(ra) == [("detox", "2025-01-10", None, None)]
    assert ra["period"]["last_day"] == "2028-01-09"
    # every record once: A's, B's, and the new transfer-in
    assert [e["id"] for e in ra["timeline"]] == [e["id"] for e in sent] + [ra["timeline"][-1]["id"]]
    assert [(e["type"], e["date"]) for e in ra["timeline"] if e["type"] in ("test", "transfer-in", "transfer-handover")] == [
        ("test", "2025-01-20"), ("transfer-handover", "2025-03-18"), ("transfer-in", "2025-03-19"), ("test", "2025-04-07"),
        ("transfer-handover", "2025-05-09"), ("transfer-in", "2025-05-12")]
    # B approved Thursday 2025-05-08 + 15 days: report back at A by 05-23
    assert {it["kind"]: it["deadline"] for it in due(a, cid, "2025-05-12")}["transfer-report-in"] == "2025-05-23"
    ok(a, "transfer", "report-in", cid, "--date", "2025-05-13", today="2025-05-13")
    assert a("check", today="2025-05-13").exit_code == 0


def test_a_receipt_on_the_hand_over_day_keeps_the_person_under_the_measure(a, b, tmp_path, monkeypatch):
    """A hand-over and its receipt on one day (2025-03-18): the receiving store holds both records, the
    sender's in the sender's events file, the receipt in its own. Each clone names its file by its origin
    (`events/2025-<origin>.yaml`); here the receiver's sorts first ("2222" < "zzzz"), so the files' order is
    the wrong one for the day, yet the receipt follows the hand-over: the person is under the measure at B.
    Detox reported 2025-01-10 at A: monthly windows 01-10..02-09 and 02-10..03-09 done at A (test, visit,
    report, education; intake evaluation 01-24), the third 03-10..04-09 due (deadline 04-09), the first
    quarterly evaluation 01-10..04-09 (04-09); approved 03-14: the person reports at the new place within 15
    days (03-14 + 15 = 03-29); the archive was handed over (03-18, within 7 days of 03-14). The last sign of
    the person is 03-05, so no contact check (45 days: 04-19) within the 7 days shown ahead."""
    git(a.root, "config", "--local", "aftercare.origin", "zzzz")
    git(b.root, "config", "--local", "aftercare.origin", "2222")
    a.today = "2025-01-10"
    cid = a.add(1, notified_on="2025-01-06", reported_on="2025-01-10")
    for day in ("2025-01-20", "2025-03-05"):
        ok(a, "record", "test", cid, "--date", day, "--result", "negative", today=day)
        for kind in ("visit", "report", "education"):
            ok(a, "record", kind, cid, "--date", day, today=day)
    ok(a, "record", "evaluation", cid, "--date", "2025-01-24", "--kind", "intake", today="2025-01-24")
    approved(a, cid)
    bundle = tmp_path / "same-day.bundle"
    handover(a, cid, bundle)
    author(monkeypatch, CLERK_B)
    imported(b, str(bundle), "--date", "2025-03-18", "--from", OFFICE_A, today="2025-03-18")
    assert sorted(p.name for p in (case_dir(b.root, cid) / "events").iterdir()) == ["2025-2222.yaml", "2025-zzzz.yaml"]
    t = "2025-03-18"
    r = show(b, cid, t)
    assert (r["status"], r["state"], r["period"]["closed_on"], r["closed"]) == ("active", "detox", None, None)
    assert r["transfer"]["state"] == "received"
    assert [m["outcome"] for m in r["measures"]] == [None]
    assert [e["type"] for e in r["timeline"] if e["date"] == t] == ["transfer-handover", "transfer-in"]
    assert [(it["kind"], it["status"], it["deadline"]) for it in due(b, cid, t)] == [
        ("transfer-report-in", "due", "2025-03-29"),
        ("education", "due", "2025-04-09"), ("evaluation", "due", "2025-04-09"), ("report", "due", "2025-04-09"),
        ("test", "due", "2025-04-09"), ("visit", "due", "2025-04-09")]
    assert cid in {it["case"] for it in json.loads(b("due", "--format", "json", today=t).stdout)}
    # and the next day's records are taken at B
    ok(b, "transfer", "report-in", cid, "--date", "2025-03-19", today="2025-03-19")
    ok(b, "record", "test", cid, "--date", "2025-03-19", "--result", "negative", today="2025-03-19")
    assert [(it["kind"], it["deadline"]) for it in due(b, cid, "2025-03-19")] == [
        ("education", "2025-04-09"), ("evaluation", "2025-04-09"), ("report", "2025-04-09"), ("visit", "2025-04-09")]
    # the sending store: transferred out on that day, nothing due
    ra = show(a, cid, t)
    assert (ra["status"], ra["period"]["closed_on"]) == ("transferred", t) and due(a, cid, t) == []
