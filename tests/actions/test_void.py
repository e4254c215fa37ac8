"""aftercare void CASE EVENT_ID --reason T (撤销): a record entered by mistake never happened, for every
day asked; it stays in its file and in git, listed apart in `show`; every refusal leaves nothing behind."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from aftercare.core.engine import agenda_items, evaluate
from aftercare.core.model import Case, Event, mark_void
from aftercare.core.rules import load_rules
from aftercare.core.workcal import WorkCalendar
from conftest import committed, due_json, git, refused, show_json, case_dir


def timeline_id(cli, cid: str, etype: str, day: str) -> str:
    hits = [e["id"] for e in show_json(cli, cid)["timeline"] if e["type"] == etype and e["date"] == day]
    assert len(hits) == 1, hits
    return hits[0]


def events_in_files(cli, cid: str) -> list:
    out = []
    for f in sorted((case_dir(cli.root, cid) / "events").glob("*.yaml")):
        out += yaml.safe_load(f.read_text()) or []
    return out


def reported(cli) -> str:
    """社区戒毒 reported in on 2026-03-02 (today 2026-05-20)."""
    return cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")


def test_a_voided_positive_test_never_asked_for_a_report_not_even_on_a_past_day(cli):
    cid = reported(cli)
    committed(cli, "record", "test", cid, "--date", "2026-04-10", "--result", "positive")
    # 24 hours: the violation report was due on 2026-04-11
    assert [it["deadline"] for it in due_json(cli, cid, "2026-04-12") if it["kind"] == "violation-report"] == ["2026-04-11"]
    tid = timeline_id(cli, cid, "test", "2026-04-10")
    res = committed(cli, "void", cid, tid, "--reason", "录入错误：结果应为阴性")
    assert tid in res.stdout and "录入错误" in res.stdout
    for day in ("2026-04-10", "2026-04-12", "2026-05-20"):        # past days replay without it
        assert not [it for it in due_json(cli, cid, day) if it["kind"] == "violation-report"], day
    # the test window of 2026-04-02..05-01 is open again: the voided test satisfied nothing
    assert ("test", "2026-05-01") in {(it["kind"], it["deadline"]) for it in due_json(cli, cid, "2026-04-20")}
    rep = show_json(cli, cid)
    assert tid not in [e["id"] for e in rep["timeline"]]
    assert all("id" in e for e in rep["timeline"])
    [v] = rep["voided"]
    assert (v["id"], v["type"], v["date"], v["reason"], v["by"], v["voided_on"]) == (
        tid, "test", "2026-04-10", "录入错误：结果应为阴性", "测试员", "2026-05-20")
    assert rep["compliance"]["test"]["satisfied"] == 0
    # the record is still in its file and in history; the void names it
    recs = events_in_files(cli, cid)
    assert [e["id"] for e in recs if e["type"] == "test"] == [tid]
    [void] = [e for e in recs if e["type"] == "void"]
    assert (void["of"], void["reason"], str(void["date"])) == (tid, "录入错误：结果应为阴性", "2026-05-20")
    body = git(cli.root, "log", "-1", "--format=%B")
    assert tid in body and "录入错误：结果应为阴性" in body
    # counts ignore it; check is clean
    [row] = json.loads(cli.ok("case", "list", "--format", "json").stdout)
    assert row["counts"]["tests"] == 0
    cli.ok("check")


def test_show_table_lists_ids_and_voided_records_apart(cli):
    cid = reported(cli)
    committed(cli, "record", "visit", cid, "--date", "2026-04-03", "--kind", "home")
    committed(cli, "record", "visit", cid, "--date", "2026-04-04", "--kind", "talk")
    vid = timeline_id(cli, cid, "visit", "2026-04-03")
    keep = timeline_id(cli, cid, "visit", "2026-04-04")
    committed(cli, "void", cid, vid, "--reason", "重复录入", "--by", "王芳")
    out = cli.ok("show", cid).stdout
    timeline, voided = out.split("时间线：")[1].split("已撤销的记录")
    assert keep in timeline and vid not in timeline
    assert vid in voided and "重复录入" in voided and "王芳" in voided and "2026-04-03" in voided


def test_void_then_record_again_corrects_a_record(cli):
    cid = cli.add(2, notified_on="2026-05-01")
    committed(cli, "record", "report-in", cid, "--date", "2026-05-02")
    rid = timeline_id(cli, cid, "report-in", "2026-05-02")
    committed(cli, "void", cid, rid, "--reason", "日期录错")
    assert show_json(cli, cid)["status"] == "awaiting"
    committed(cli, "record", "report-in", cid, "--date", "2026-05-06")
    assert show_json(cli, cid)["period"]["start"] == "2026-05-06"
    cli.ok("check")


def test_check_ignores_a_voided_record_and_flags_a_void_of_nothing(cli):
    cid = reported(cli)
    f = next((case_dir(cli.root, cid) / "events").glob("*.yaml"))
    f.write_text(f.read_text() + "- {id: dup222, type: report-in, date: 2026-03-03}\n")
    git(cli.root, "commit", "-qam", "hand edit")
    res = cli("check")
    assert res.exit_code == 1 and "dup222" in res.stdout
    committed(cli, "void", cid, "dup222", "--reason", "手工误加的重复报到")
    cli.ok("check")
    f.write_text(f.read_text() + "- {id: void99, type: void, date: 2026-05-20, of: nosuch, reason: x}\n")
    git(cli.root, "commit", "-qam", "hand edit")
    res = cli("check")
    assert res.exit_code == 1 and "nosuch" in res.stdout


# ---------------------------------------------------------------- refusals


def test_refusals(cli):
    cid = reported(cli)
    committed(cli, "record", "test", cid, "--date", "2026-04-10", "--result", "negative")
    tid = timeline_id(cli, cid, "test", "2026-04-10")
    assert "没有编号为“zzzzzz”的记录" in refused(cli, "void", cid, "zzzzzz", "--reason", "x")
    assert "撤销原因" in refused(cli, "void", cid, tid)
    assert "撤销原因" in refused(cli, "void", cid, tid, "--reason", "  ")
    committed(cli, "void", cid, tid, "--reason", "录错")
    assert "已于 2026-05-20 撤销" in refused(cli, "void", cid, tid, "--reason", "再撤一次")
    [void] = [e for e in events_in_files(cli, cid) if e["type"] == "void"]
    assert "撤销记录" in refused(cli, "void", cid, void["id"], "--reason", "x")
    assert "没有编号为“NOPE-1”的个案" in refused(cli, "void", "NOPE-1", tid, "--reason", "x")


def test_refused_when_others_depend_on_it(cli):
    cid = reported(cli)
    committed(cli, "leave", "request", cid, "--from", "2026-04-10", "--to", "2026-04-14", "--destination", "长沙",
              "--date", "2026-04-01")
    lid = timeline_id(cli, cid, "leave-request", "2026-04-01")
    committed(cli, "leave", "approve", cid, lid, "--date", "2026-04-02")
    committed(cli, "leave", "return", cid, lid, "--date", "2026-04-14")
    ret = timeline_id(cli, cid, "leave-return", "2026-04-14")
    appr = timeline_id(cli, cid, "leave-approve", "2026-04-02")
    msg = refused(cli, "void", cid, lid, "--reason", "x")
    assert ret in msg and appr in msg and "依赖" in msg
    assert ret in refused(cli, "void", cid, appr, "--reason", "x")
    # undone from the end, in order, it is allowed
    committed(cli, "void", cid, ret, "--reason", "销假日期录错")
    committed(cli, "void", cid, appr, "--reason", "未批准")
    committed(cli, "void", cid, lid, "--reason", "没有请假")
    assert show_json(cli, cid)["leaves"] == []

    # a suspension that was resumed
    committed(cli, "suspend", cid, "--date", "2026-05-01", "--reason", "detention")
    committed(cli, "resume", cid, "--date", "2026-05-11")
    sus = timeline_id(cli, cid, "suspend", "2026-05-01")
    assert timeline_id(cli, cid, "resume", "2026-05-11") in refused(cli, "void", cid, sus, "--reason", "x")

    # a delegated test whose result came back
    committed(cli, "record", "test", cid, "--date", "2026-04-20", "--result", "pending", "--delegated-to", "长沙市公安局")
    committed(cli, "record", "test", cid, "--date", "2026-04-20", "--result", "negative")
    pend = timeline_id(cli, cid, "test", "2026-04-20")
    res_id = timeline_id(cli, cid, "test-result", "2026-05-20")
    assert res_id in refused(cli, "void", cid, pend, "--reason", "x")

    # the report-in, once records hang on it: the clock fact is corrected with case set
    rin = timeline_id(cli, cid, "report-in", "2026-03-02")
    msg = refused(cli, "void", cid, rin, "--reason", "x")
    assert "依赖" in msg and "case set" in msg and "--reported-on" in msg



# ---------------------------------------------------------------- property: void + record again = never mistaken

RULES = load_rules()
CASE = Case(id="P-1", name="测试", id_number="x", sex="男", birth_date=date(1990, 6, 15), measure="detox",
            term_months=36, created_on=date(2020, 1, 1), notified_on=date(2024, 12, 30), risk="medium")
START = date(2025, 1, 2)
_ids = itertools.count()

KINDS = [("test", {"result": "negative"}), ("test", {"result": "positive"}), ("test", {"result": "refused"}),
         ("test", {"result": "evaded"}), ("visit", {"kind": "home"}), ("report", {}), ("education", {}),
         ("evaluation", {}), ("violation", {"kind": "absence", "days": 5}), ("family-change", {"note": "变故"}),
         ("warning", {}), ("violation-report", {})]
record = st.tuples(st.integers(1, 700), st.integers(0, len(KINDS) - 1))


def _ev(rec, line: int) -> Event:
    off, k = rec
    etype, data = KINDS[k]
    return Event(f"r{next(_ids)}", etype, START + timedelta(days=off), dict(data), "f", line)


def _items(events, day):
    events = mark_void(sorted(events, key=lambda e: (e.date, e.line)))     # as the store reads them
    v = evaluate(CASE, events, RULES, WorkCalendar(), day, ())
    return v.items, agenda_items(v.items, v.status, day, 7), (v.status, v.last_day, len(v.refusals), v.absence_days)


@settings(max_examples=80, deadline=None)
@given(recs=st.lists(record, max_size=25), mistake=record, correct=st.one_of(st.none(), record),
       void_after=st.integers(0, 200), looks=st.lists(st.integers(0, 1000), min_size=1, max_size=4))
def test_void_and_record_again_is_never_having_made_the_mistake(recs, mistake, correct, void_after, looks):
    base = [Event("rin", "report-in", START, {}, "f", 0)] + [_ev(r, i + 1) for i, r in enumerate(recs)]
    wrong = _ev(mistake, 500)
    void = Event("v1", "void", wrong.date + timedelta(days=void_after), {"of": wrong.id, "reason": "录错"}, "f", 501)
    again = [] if correct is None else [_ev(correct, 502)]
    for look in looks:
        day = START + timedelta(days=look)
        assert _items(base + [wrong, void] + again, day) == _items(base + again, day)


def test_documents_ignore_a_voided_record(cli, tmp_path):
    cid = reported(cli)
    committed(cli, "record", "test", cid, "--date", "2026-04-10", "--result", "positive")
    committed(cli, "void", cid, timeline_id(cli, cid, "test", "2026-04-10"), "--reason", "录错")
    out = tmp_path / "docs"
    cli.ok("render", cid, "--format", "html", "--out", str(out))
    files = {p.name: p.read_text() for p in out.rglob("*.html")}
    assert not [n for n in files if "违法违规行为报告" in n]
    [log] = [t for n, t in files.items() if "检测记录表" in n]
    assert "2026年4月10日" not in log and "2026-04-10" not in log


# ---------------------------------------------------------------- the same property through real stores

STORE_KINDS = [("test", {"result": "negative"}), ("test", {"result": "positive"}), ("test", {"result": "refused"}),
               ("visit", {"kind": "home"}), ("report", {}), ("education", {}), ("family-change", {"note": "变故"})]


def _store(tmp, name):
    from aftercare.actions import cases
    from aftercare.store import Store, init_store
    from conftest import person

    root = init_store(tmp / name, "测试办公室")
    s = Store(root)
    pname, idn = person(1)
    cid = cases.add_case(s, name=pname, id_number=idn, measure="detox", today=date(2026, 1, 5),
                         notified_on="2026-01-02", reported_on="2026-01-05").case
    return s, cid


def _record(store, cid, kind, day, today):
    from aftercare.actions import records

    etype, fields = STORE_KINDS[kind]
    if etype == "test":
        return records.record_test(store, cid, day.isoformat(), fields["result"], today).event_id
    return records.record_simple(store, cid, etype, day.isoformat(), today, **fields).event_id


def _agenda(store, days):
    from aftercare.views.agenda import agenda

    return [[(ln.item.kind, ln.item.deadline, ln.item.window_start, ln.item.status) for ln in agenda(store, d, 7)[0]]
            for d in days]


@pytest.mark.slow
@settings(max_examples=6, deadline=None)
@given(recs=st.lists(st.tuples(st.integers(1, 120), st.integers(0, len(STORE_KINDS) - 1)), max_size=4),
       mistake=st.tuples(st.integers(1, 120), st.integers(0, len(STORE_KINDS) - 1)),
       correct=st.tuples(st.integers(1, 120), st.integers(0, len(STORE_KINDS) - 1)))
def test_void_and_record_again_through_the_store(tmp_path_factory, recs, mistake, correct):
    from aftercare.actions.void import void_record
    from aftercare.store import Store

    tmp = tmp_path_factory.mktemp("p")
    today = date(2026, 5, 20)
    start = date(2026, 1, 5)
    (clean, cid_a), (fixed, cid_b) = _store(tmp, "clean"), _store(tmp, "fixed")
    for off, kind in recs:
        _record(clean, cid_a, kind, start + timedelta(days=off), today)
        _record(fixed, cid_b, kind, start + timedelta(days=off), today)
    wrong = _record(fixed, cid_b, mistake[1], start + timedelta(days=mistake[0]), today)
    void_record(fixed, cid_b, wrong, "录错", today)
    for store, cid in ((clean, cid_a), (fixed, cid_b)):
        _record(store, cid, correct[1], start + timedelta(days=correct[0]), today)
    days = [start + timedelta(days=n) for n in (0, 30, 61, 95, 135)]
    assert _agenda(Store(fixed.root), days) == _agenda(Store(clean.root), days)
