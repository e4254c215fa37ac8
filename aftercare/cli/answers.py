"""Keeping agendas for `aftercare.quick`: written by `due`, brought up to date by every write.

`due` keeps what it printed (table format, to a pipe or a file, nothing else to say) as laid-out rows
with the key of every case's files (`aftercare.quick.SCHEMA`). After a write, `update` replaces the
rows of the cases written in each stored agenda of that day, when the layout does not move (a new
cell no wider than its column, the widest cell of a column not gone); otherwise, or on any doubt,
that agenda is dropped and the next `due` computes it. The newest `KEEP` agendas of a store are kept.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from datetime import date

from aftercare import quick
from aftercare.cli import present
from aftercare.cli.output import Fitted, measure
from aftercare.cli.text import width
from aftercare.store.cache import discard_db, open_plain_db
from aftercare.store.stamps import head_key, nothing_pending, tree_state
from aftercare.views.agenda import STATUS_ORDER

KEEP = 8
GROUPS = present.AGENDA_GROUPS            # in the order of views.agenda.STATUS_ORDER


def _keyed(store) -> bool:
    """The store has caches `quick` can find (its own .git folder) and they are in use."""
    return store.use_cache and store.git_dir is not None and store.git_dir == store.root / ".git"


def _db(store, create: bool):
    if not _keyed(store):
        return None, None
    path = quick.answers_path(store.git_dir, store.root)
    if not create and not path.is_file():
        return None, None
    return open_plain_db(path, quick.SCHEMA, {"format": quick.FORMAT, "ctx": store.context_fingerprint()}), path


def _grouped(lines: list) -> dict:
    """{group: [(line, seq)]} of lines in the agenda's order; seq: the line's place among its case's lines."""
    seq: dict = {}
    by: dict = {}
    for ln in lines:
        n = seq.get(ln.item.case, 0)
        seq[ln.item.case] = n + 1
        by.setdefault(STATUS_ORDER[ln.item.status], []).append((ln, n))
    return by


def _rows(qid: str, grp: int, pairs: list, day: date, fitted: Fitted | None, cols):
    """The answer_row tuples of these lines of one group; with `fitted` None, fitted to them (returned too)."""
    headers = present.AGENDA_HEADERS
    texts, columns, col_widths = measure([present.agenda_cells(ln, day) for ln, _n in pairs])
    if fitted is None:
        fitted = Fitted.of(headers, col_widths, cols, **present.AGENDA_TABLE)
    out = []
    for j, lines in fitted.rows(texts, columns, col_widths):
        ln, n = pairs[j]
        it = ln.item
        out.append((qid, grp, it.deadline.toordinal(), it.case, it.kind, n, "\n".join(lines),
                    *(col_widths[i][j] for i in range(len(headers)))))
    return out, fitted, col_widths


def keep_and_compose(store, lines: list, day: date, within: int | None, worker: str | None, case: str | None,
                     today: date, seen: dict) -> str:
    """The agenda's text for a pipe; kept in the answer cache when everything it rests on could be keyed."""
    qid = quick.query_id(store.root, day, within, worker, case, today)
    cols = quick.output_columns()
    layout = {"empty": present.agenda_empty(day), "titles": [present.agenda_title(g, quick.COUNT) for g in GROUPS],
              "total": present.agenda_total(day, dict.fromkeys(GROUPS, quick.COUNT)), "heads": {}, "fitted": {},
              "natural": {}, "counts": {}, "cols": cols, "day": day.toordinal(),
              "within": store.rules.for_day(day).upcoming_days if within is None else within,
              "worker": worker, "case": case}
    rows = []
    for grp, pairs in sorted(_grouped(lines).items()):
        got, fitted, col_widths = _rows(qid, grp, pairs, day, None, cols)
        rows.extend(got)
        layout["heads"][str(grp)] = fitted.head(present.AGENDA_HEADERS)
        layout["fitted"][str(grp)] = [fitted.widths, fitted.folded]
        layout["natural"][str(grp)] = [max([width(h), *ws]) for h, ws in zip(present.AGENDA_HEADERS, col_widths)]
        layout["counts"][str(grp)] = len(pairs)
    text = quick.compose(layout, [(r[1], r[6]) for r in rows])
    keyed = seen and all(v[0] is not None and (v[1] is not None or (worker is not None and v[2] != worker))
                         for v in seen.values())
    if keyed and not any(ln.item.provisional for ln in lines) and nothing_pending(store.git_dir):
        with contextlib.suppress(Exception):        # a cache that cannot be written is no cache
            _keep(store, qid, layout, rows, seen)
    return text


def _keep(store, qid: str, layout: dict, rows: list, seen: dict) -> None:
    db, path = _db(store, create=True)
    if db is None:
        return
    try:
        db.execute("BEGIN IMMEDIATE")
        _drop(db, qid)
        db.execute("INSERT INTO answer VALUES (?, ?, ?)", (qid, time.time_ns(), json.dumps(layout, ensure_ascii=False)))
        mine: dict = {}
        for r in rows:
            mine.setdefault(r[3], []).append(_own(r))
        db.executemany("INSERT INTO answer_case VALUES (?, ?, ?, ?, ?, ?)",
                       [(qid, cid, head, keys, owner or "", json.dumps(mine.get(cid, [])))
                        for cid, (head, keys, owner) in seen.items()])
        db.executemany(f"INSERT INTO answer_row VALUES ({','.join('?' * 15)})", rows)
        for (old,) in db.execute("SELECT qid FROM answer ORDER BY made DESC LIMIT -1 OFFSET ?", (KEEP,)).fetchall():
            _drop(db, old)
        db.execute("COMMIT")
    except sqlite3.OperationalError:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")           # busy: another command is writing; this answer is not kept
    except sqlite3.Error:
        discard_db(path, db)
        return
    db.close()


def _own(r: tuple) -> list:
    """What a case keeps of one of its rows: the rest of the row's key (group, deadline, kind, seq) and its cells' widths."""
    return [r[1], r[2], r[4], r[5], *r[7:]]


def _drop(db, qid: str) -> None:
    for table in ("answer", "answer_case", "answer_row"):
        db.execute(f"DELETE FROM {table} WHERE qid = ?", (qid,))


def update(store, done: dict, today: date) -> None:
    """After a write: in every stored agenda, the rows of the cases written (`done`: {cid: (Summary or
    None, the key of its files or None)}), or the agenda dropped. Never fails the write."""
    if not done:
        return
    try:
        db, path = _db(store, create=False)
    except Exception:
        return
    if db is None:
        return
    try:
        db.execute("BEGIN IMMEDIATE")
        for qid, layout_text in db.execute("SELECT qid, layout FROM answer").fetchall():
            layout = json.loads(layout_text)
            if not _brought_up(db, qid, layout, done, today):
                _drop(db, qid)
            else:
                db.execute("UPDATE answer SET layout = ? WHERE qid = ?", (json.dumps(layout, ensure_ascii=False), qid))
        db.execute("COMMIT")
    except Exception:
        discard_db(path, db)            # whatever the state of the file: gone, rebuilt by the next `due`
        return
    db.close()


def _brought_up(db, qid: str, layout: dict, done: dict, today: date) -> bool:
    """Replace the rows of the cases in `done`; False when the agenda cannot stay (then it is dropped)."""
    from aftercare.core.model import live_agenda
    from aftercare.views.agenda import HORIZON_DAYS, AgendaLine, line_order

    day = date.fromordinal(layout["day"])
    within, worker, case = layout["within"], layout["worker"], layout["case"]
    if day != today or within > HORIZON_DAYS:      # the summaries just computed are for today, this far ahead
        return False
    for cid, (s, keys) in sorted(done.items()):
        if case is not None and cid != case:
            continue
        if s is None or keys is None:
            return False
        lines = []
        if worker is None or s.worker == worker:
            lines = [AgendaLine(it, s.name, s.worker) for it in live_agenda(s.items, s.state, day, within)]
        if any(ln.item.provisional for ln in lines):
            return False
        lines.sort(key=line_order)
        new_rows = []
        for grp, pairs in sorted(_grouped(lines).items()):
            g = str(grp)
            if g not in layout["fitted"]:
                return False                  # a group not shown before: its layout is not known
            widths, folded = layout["fitted"][g]
            got, _f, col_widths = _rows(qid, grp, pairs, day, Fitted(widths, folded, layout["cols"],
                                                                       present.AGENDA_TABLE["fold"]), layout["cols"])
            if any(max(ws) > nat for ws, nat in zip(col_widths, layout["natural"][g])):
                return False                  # wider than its column: the table moves
            new_rows.extend(got)
        found = db.execute("SELECT rows FROM answer_case WHERE qid = ? AND cid = ?", (qid, cid)).fetchone()
        old = json.loads(found[0]) if found else []
        headers = [width(h) for h in present.AGENDA_HEADERS]
        for grp in sorted({o[0] for o in old}):
            g = str(grp)
            nat = layout["natural"][g]
            gone = [o[4:] for o in old if o[0] == grp]
            mine = [r[7:] for r in new_rows if r[1] == grp]
            layout["counts"][g] += len(mine) - len(gone)
            if not layout["counts"][g]:
                for k in ("heads", "fitted", "natural", "counts"):
                    layout[k].pop(g, None)    # the group is gone: a row in it later needs a new layout
                continue
            # a column whose widest cell may be gone: one of the old rows had it, no header or new row has it
            risk = [i for i in range(len(nat)) if headers[i] < nat[i] and any(w[i] == nat[i] for w in gone)
                    and not any(m[i] == nat[i] for m in mine)]
            if risk:
                others = db.execute("SELECT " + ", ".join(f"max(w{i})" for i in risk) + " FROM answer_row "
                                    "WHERE qid = ? AND grp = ? AND cid <> ?", (qid, grp, cid)).fetchone()
                if any((o or 0) < nat[i] for o, i in zip(others, risk)):
                    return False              # the widest cell of a column is gone: the table narrows
        for grp in {r[1] for r in new_rows} - {o[0] for o in old}:
            layout["counts"][str(grp)] += sum(1 for r in new_rows if r[1] == grp)
        db.executemany("DELETE FROM answer_row WHERE qid = ? AND grp = ? AND deadline = ? AND cid = ? AND kind = ? "
                       "AND seq = ?", [(qid, o[0], o[1], cid, o[2], o[3]) for o in old])
        db.executemany(f"INSERT INTO answer_row VALUES ({','.join('?' * 15)})", new_rows)
        db.execute("INSERT OR REPLACE INTO answer_case VALUES (?, ?, ?, ?, ?, ?)",
                   (qid, cid, head_key(keys), keys, s.worker or "", json.dumps([_own(r) for r in new_rows])))
    return True


# ---------------------------------------------------------------- a clean `check`

def check_begins(store):
    """The work tree's key before `check` reads it (None: not keyed, nothing will be kept)."""
    if not _keyed(store):
        return None
    try:
        return tree_state(store.root, store.git_dir, time.time_ns())
    except OSError:
        return None


def keep_check(store, before, fmt: str, today: date, out: str, err: str) -> None:
    """Keep a clean check's output, when the work tree did not change while it ran (git's key is taken
    as `check` left it: `git status` may have refreshed the index)."""
    if before is None:
        return
    with contextlib.suppress(Exception):          # a cache that cannot be written is no cache
        after = tree_state(store.root, store.git_dir, time.time_ns())
        if after is None or after[0] != before[0] or not nothing_pending(store.git_dir):
            return
        db, path = _db(store, create=True)
        if db is None:
            return
        try:
            db.execute("INSERT OR REPLACE INTO answer_text VALUES (?, ?, ?, ?, ?, ?)",
                       (quick.check_id(store.root, fmt, today), time.time_ns(), after[0], after[1], out, err))
        except sqlite3.Error:
            discard_db(path, db)
            return
        db.close()
