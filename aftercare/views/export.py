"""The research export (`aftercare export --redact OUT`): persons, measures and records, de-identified.

What goes out is chosen field by field (a whitelist), never filtered out of the whole: a person is a
pseudonym, an HMAC-SHA256 of the ID number keyed with a secret kept in the store's git directory
(`.git/aftercare-export.key`, never committed), so it is stable from one export to the next and cannot
be recomputed by hashing candidate ID numbers; then the birth year, sex, household class, prior
isolations, drug types, state and risk; each measure's kind and dates; each record's type, date and
coded values only (a text field goes out only when its value is one of the program's codes; numbers,
yes/no and dates go out; names, ID numbers, phones, addresses, notes, places, reasons, workers do not).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import secrets
from datetime import date
from pathlib import Path

from aftercare.core import model as M
from aftercare.core.errors import AftercareError, DataError
from aftercare.core.engine import evaluate_in

KEY_FILE = "aftercare-export.key"
PERSON_COLUMNS = ["person", "birth_year", "sex", "household", "prior_isolations", "drug_types", "state", "risk",
                  "first_date"]
MEASURE_COLUMNS = ["person", "seq", "kind", "start", "end", "outcome", "term_months", "planned_end"]
EVENT_COLUMNS = ["person", "type", "date", "result", "outcome", "method", "kind", "risk", "reason", "item", "via",
                 "days", "amount", "makeup", "forced", "delegated", "late", "early", "from", "to", "deadline"]
DRUG_TYPES = ("heroin", "methamphetamine", "ketamine", "cannabis", "other")
# a text field goes out only when its value is one of these codes
CODES = {
    "result": set(M.TEST_RESULTS) | {"reached", "unreachable"},
    "outcome": {"abstinent", "relapsed", "lost", "refused", "clean"},
    "method": set(M.TEST_METHODS) | {"visit", "phone", "test", "family"},
    "kind": set(M.VISIT_KINDS) | set(M.SUPPORT_KINDS) | set(M.EVALUATION_KINDS) | set(M.VIOLATION_KINDS)
            | {"voluntary-detox", "rehab-venue", "detox", "rehab", "isolation", "followup"},
    "risk": set(M.RISKS),
    "reason": set(M.SUSPEND_REASONS) | set(M.TERMINATE_REASONS) | {"deceased", "moved-away"},
    "item": set(M.ITEM_KINDS) | {"pickup", "lost-report", "police-filing", "contact-check", "followup"},
    "via": {"phone", "home", "family", "police"},
}
NUMBERS = ("days", "amount")
FLAGS = ("makeup", "forced", "late", "early")
DATES = ("from", "to", "deadline")
SEX = {"男": "M", "女": "F"}


def secret_key(store) -> bytes:
    """The store's export key: made once, kept in the git directory (no commit, push or clone carries it)."""
    if store.git_dir is None:
        raise AftercareError("案卷库不在 git 仓库中，无法保存化名密钥；请先 git init", code="no-git")
    path = Path(store.git_dir) / KEY_FILE
    try:
        text = path.read_text().strip()
        if len(text) == 64:
            return bytes.fromhex(text)
    except (FileNotFoundError, ValueError):
        pass
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    return key


def pseudonym(key: bytes, id_number: str) -> str:
    return "P" + hmac.new(key, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()[:16]


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, date):
        return v.isoformat()
    return v


def event_row(pid: str, e) -> dict:
    d = e.data
    row = {"person": pid, "type": e.type, "date": e.date}
    for f, codes in CODES.items():
        v = d.get(f)
        if isinstance(v, str) and v in codes:
            row[f] = v
    for f in NUMBERS:
        v = d.get(f)
        if isinstance(v, bool) or v is None:
            continue
        try:
            row[f] = int(v) if f == "days" else float(v)
        except (TypeError, ValueError):
            pass
    for f in FLAGS:
        if isinstance(d.get(f), bool):
            row[f] = d[f]
    for f in DATES:
        if isinstance(d.get(f), date):
            row[f] = d[f]
    if e.type == "test":
        row["delegated"] = bool(d.get("delegated_to"))
    return row


def _drug_types(case) -> str:
    raw = getattr(case, "drug_types", None) or (case.extra or {}).get("drug_types") or ()
    if isinstance(raw, str):
        raw = [raw]
    return ";".join(x for x in raw if x in DRUG_TYPES)


def _measures(pid: str, case, view) -> list:
    path = getattr(view, "path", None)
    if path is not None and getattr(path, "segments", None):
        out = []
        for seg in path.segments:
            out.append({"person": pid, "seq": seg.seq, "kind": seg.kind, "start": seg.start, "end": seg.end,
                        "outcome": seg.outcome or "", "term_months": getattr(seg.measure, "term_months", None),
                        "planned_end": seg.last_day})
        return out
    outcome = view.status if view.status in M.CLOSED_STATES else ""
    return [{"person": pid, "seq": 1, "kind": case.measure, "start": view.start, "end": view.closed_on,
             "outcome": outcome, "term_months": case.term_months, "planned_end": view.last_day}]


def collect(store, day: date) -> dict:
    """The three tables of the export: {"persons": [...], "measures": [...], "events": [...]} (rows as dicts)."""
    from aftercare.views.stats_facts import person_state

    key = secret_key(store)
    persons, measures, events, problems = [], [], [], []
    for cid in store.case_ids():
        case, evs, probs = store.parse_case_files(store.files_of(cid))
        if probs or case is None:
            problems.extend(probs)
            continue
        view = evaluate_in(store, case, evs, day)
        pid = pseudonym(key, case.id_number)
        path = getattr(view, "path", None)
        prior = getattr(path, "prior_isolations", None)
        if prior is None:
            prior = (case.extra or {}).get("prior_isolations")
        first = min([d for d in (case.created_on, case.notified_on, evs[0].date if evs else None) if d], default=None)
        persons.append({"person": pid, "birth_year": case.birth_date.year, "sex": SEX.get(case.sex, ""),
                        "household": case.household, "prior_isolations": prior if isinstance(prior, int) else None,
                        "drug_types": _drug_types(case), "state": person_state(case, view), "risk": view.risk,
                        "first_date": first})
        measures.extend(_measures(pid, case, view))
        events.extend(event_row(pid, e) for e in view.events)
    if problems:
        raise DataError(problems)
    persons.sort(key=lambda r: r["person"])
    measures.sort(key=lambda r: (r["person"], r["seq"]))
    events.sort(key=lambda r: (r["person"], r["date"], r["type"]))
    return {"persons": persons, "measures": measures, "events": events}


COLUMNS = {"persons": PERSON_COLUMNS, "measures": MEASURE_COLUMNS, "events": EVENT_COLUMNS}


def write(tables: dict, out: Path, fmt: str) -> list:
    """Write persons/measures/events as CSV (UTF-8 with BOM) or Parquet into `out`; returns the paths."""
    from aftercare.store.fsutil import atomic_write, ensure_dir

    if fmt not in ("csv", "parquet"):
        raise AftercareError(f"导出格式“{fmt}”无效，应为 csv 或 parquet")
    if out.exists() and not out.is_dir():
        raise AftercareError(f"“{out}”已存在且不是目录")
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise AftercareError("无法导出 parquet：缺少 pyarrow（pip install 'aftercare[parquet]'）", code="no-parquet") from None
    ensure_dir(out)
    written = []
    for name, cols in COLUMNS.items():
        rows = tables[name]
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            from aftercare.cli.export import csv_bytes       # the one CSV writer (UTF-8 with BOM, CRLF)

            atomic_write(path, csv_bytes(cols, [[_cell(r.get(c)) for c in cols] for r in rows]))
        else:
            table = pa.table({c: pa.array([r.get(c) for r in rows], type=_ptype(pa, c)) for c in cols})
            sink = io.BytesIO()
            pq.write_table(table, sink)
            atomic_write(path, sink.getvalue())
        written.append(path)
    return written


def _ptype(pa, col):
    if col in ("date", "start", "end", "planned_end", "first_date", "from", "to", "deadline"):
        return pa.date32()
    if col in ("birth_year", "prior_isolations", "seq", "term_months", "days"):
        return pa.int64()
    if col == "amount":
        return pa.float64()
    if col in FLAGS or col == "delegated":
        return pa.bool_()
    return pa.string()
