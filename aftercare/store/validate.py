"""The validate step of the load pipeline: content checks over one case's records, and discovery checks.

Run by every command that reads a case (not only `check`): a case whose records fail a check is
reported as a `Problem(path, line, ...)` and left out, never acted on. Pure over model objects; line
numbers are looked up only for the records that fail.
"""

from __future__ import annotations

import os
from datetime import date

from aftercare.core.model import Problem, counts, measure_events
from aftercare.store import yamlio

PERSON_RECORDS = ("test", "visit", "report", "education", "support", "evaluation")


def content_problems(root, case, events: list, today: date | None) -> list:
    """Checks across a case's records: one report-in, nothing after today, nothing needing the person before
    report-in, references to existing leaves and tests, leave dates in order."""
    out = []
    lines: dict = {}

    def at(e) -> int:
        if e.file not in lines:
            try:
                with open(os.path.join(root, e.file), "rb") as fh:
                    lines[e.file] = yamlio.item_lines(fh.read())
            except OSError:
                lines[e.file] = []
        idx = e.line % 100000
        got = lines[e.file]
        return got[idx] if idx < len(got) else 0

    known = {e.id for e in events}
    for v in (e for e in events if e.type == "void"):
        if v.get("of") not in known:
            out.append(Problem(v.file, at(v), "unknown-record", f"撤销记录 {v.id} 指向不存在的记录 {v.get('of')}",
                               "修正 of 字段"))
    events = [e for e in events if counts(e)]          # a voided record is not checked: it never happened
    start_of = {}         # event id -> report-in date of its measure (a person with a path reports in once per measure)
    for group in measure_events(case, events).values():
        reports = [e for e in group if e.type == "report-in"]
        for e in reports[1:]:
            out.append(Problem(e.file, at(e), "duplicate-report-in", f"重复的报到记录 {e.id}", "删除多余的一条"))
        if reports:
            start_of.update((e.id, reports[0].date) for e in group)
    leaves = {e.id for e in events if e.type == "leave-request"}
    tests = {e.id for e in events if e.type == "test"}
    for e in events:
        if today is not None and e.date > today:
            out.append(Problem(e.file, at(e), "future-date", f"记录 {e.id} 的日期 {e.date} 在今天之后", "修正日期"))
        start = start_of.get(e.id)
        if start and e.date < start and e.type in PERSON_RECORDS:
            out.append(Problem(e.file, at(e), "before-start", f"记录 {e.id} 的日期 {e.date} 早于报到日期 {start}", "修正日期"))
        if e.type in ("leave-approve", "leave-deny", "leave-return") and e.get("leave") not in leaves:
            out.append(Problem(e.file, at(e), "unknown-leave", f"记录 {e.id} 指向不存在的请假 {e.get('leave')}", "修正 leave 字段"))
        if e.type == "test-result" and e.get("of") not in tests:
            out.append(Problem(e.file, at(e), "unknown-test", f"记录 {e.id} 指向不存在的检测 {e.get('of')}", "修正 of 字段"))
        if e.type == "leave-request" and e.get("to") < e.get("from"):
            out.append(Problem(e.file, at(e), "date-order", f"请假 {e.id} 的结束日期早于开始日期", "修正日期"))
    return out
