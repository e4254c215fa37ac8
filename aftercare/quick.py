"""The command line's front door: a stored answer while it still holds, else the whole program.

`aftercare due` asked again of an unchanged store prints what it printed before. The answer cache
(`.git/aftercare-cache/<store>.answers.sqlite3`: plain rows of text and integers, like the read
cache, never executable) holds each recent agenda as laid-out rows with the key of every file it was
computed from. Before anything else of the program is loaded, this module checks that key against
the files (one `stat` each, as the read cache does), the program's code, the office file, the
holiday data, today's date and the output's width; if all hold it writes the stored rows, else it
hands over to `aftercare.cli.main`, which computes the agenda and keeps it. A write (`record`, …)
brings the stored agendas up to date for the cases it wrote, so the next `due` is answered here too.

Only a plain `due` to a pipe or a file qualifies (the table format, `--store`, `--on`, `--within`,
`--worker`, `--case`); anything else, anything pending (an interrupted command, a sync to repair, a
work tree git rewrote), any doubt, goes the whole way.
"""

from __future__ import annotations

import json
import os
import sys

FORMAT = "4"
SCHEMA = {
    "meta": "CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
    # one stored agenda: its query (JSON), when it was made (for keeping the newest few), its layout (JSON)
    "answer": "CREATE TABLE answer (qid TEXT PRIMARY KEY, made INTEGER NOT NULL, layout TEXT NOT NULL)",
    # the state it was computed from: each case's case.yaml key, the key of all its files, its worker;
    # and its rows (JSON: [group, deadline, kind, seq, w0..w7] each), so that a write finds them at once
    "answer_case": ("CREATE TABLE answer_case (qid TEXT NOT NULL, cid TEXT NOT NULL, head TEXT, keys TEXT, "
                    "worker TEXT NOT NULL, rows TEXT NOT NULL, PRIMARY KEY (qid, cid))"),
    # its rows, in the agenda's order by the primary key; w0..w7: the display width of each cell
    "answer_row": ("CREATE TABLE answer_row (qid TEXT NOT NULL, grp INTEGER NOT NULL, deadline INTEGER NOT NULL, "
                   "cid TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL, "
                   "w0 INTEGER, w1 INTEGER, w2 INTEGER, w3 INTEGER, w4 INTEGER, w5 INTEGER, w6 INTEGER, w7 INTEGER, "
                   "PRIMARY KEY (qid, grp, deadline, cid, kind, seq)) WITHOUT ROWID"),
    # a whole command's output (`check` of a clean store) with the key of the work tree and of git
    "answer_text": ("CREATE TABLE answer_text (qid TEXT PRIMARY KEY, made INTEGER NOT NULL, tree TEXT NOT NULL, "
                    "git TEXT NOT NULL, out TEXT NOT NULL, err TEXT NOT NULL)"),
}
AGENDA_OPTIONS = ("--store", "--on", "--within", "--worker", "--case")
COUNT = "\x00"          # in a stored title or closing line: where a count goes


def main() -> None:
    """The `aftercare` command."""
    args = sys.argv[1:]
    look = {"due": agenda_answer, "check": check_answer}.get(args[0] if args else "")
    if look is not None:
        try:
            found = look(args[1:])
        except Exception:           # any doubt: the whole program answers
            found = None
        if found is not None:
            out, err = found if isinstance(found, tuple) else (found, "")
            _write(out)           # a clean check: its warnings, then how many (as the whole program writes them)
            if err:
                sys.stderr.write(err)
                sys.stderr.flush()
            return
    from aftercare.cli import main as whole

    whole()


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise SystemExit(141) from None


def _iso_day(text: str):
    from datetime import date

    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not (text[:4] + text[5:7] + text[8:]).isdigit():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _options(args: list, names: tuple) -> dict | None:
    """{option: value} of `--name value` / `--name=value` pairs, each of `names`, each once, with a value
    that is not empty and does not look like an option; None for anything else."""
    opts: dict = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") and "=" in a:
            name, value = a.split("=", 1)
            i += 1
        elif i + 1 < len(args):
            name, value = a, args[i + 1]
            i += 2
        else:
            return None
        if name not in names or name in opts or not value or value.startswith("-"):
            return None
        opts[name] = value
    return opts


def parse_agenda_args(args: list) -> dict | None:
    """The options of a plain `due`, each given once with a value; None for anything else."""
    opts = _options(args, AGENDA_OPTIONS)
    if opts is None:
        return None
    q = {"store": opts.get("--store"), "on": None, "within": None, "worker": opts.get("--worker"),
         "case": opts.get("--case")}
    if "--on" in opts:
        q["on"] = _iso_day(opts["--on"])
        if q["on"] is None:
            return None
    if "--within" in opts:
        w = opts["--within"]
        if not (w.isascii() and w.isdigit()) or len(w) > 5:
            return None
        q["within"] = int(w)
    if q["case"] is not None:
        c = q["case"]
        if ".." in c or len(c) > 40 or not c.isascii() or not c[:1].isalnum() or not c.replace("-", "").replace("_", "").isalnum():
            return None
    return q


def current_day():
    """Today as every command takes it (AFTERCARE_TODAY in the plain form only; else the clock)."""
    from datetime import date

    fixed = os.environ.get("AFTERCARE_TODAY")
    return date.today() if not fixed else _iso_day(fixed)


def output_columns() -> int | None:
    """The width a table is fitted to when standard output is not a terminal ($COLUMNS, else none)."""
    cols_env = os.environ.get("COLUMNS", "")
    return int(cols_env) if cols_env.isdigit() and int(cols_env) > 0 else None


def query_id(root, day, within, worker, case, today) -> str:
    """Everything that decides an agenda's text besides the files: the same from the parsed options
    (`due` itself) as from the command line (here)."""
    return json.dumps(["due", str(root), day.isoformat(), within, worker, case, output_columns(), today.isoformat(),
                       sys.stdout.encoding, sys.stdout.errors], ensure_ascii=False)


def answers_path(git_dir, root):
    from aftercare.store.stamps import cache_dir

    folder, tag = cache_dir(git_dir, root)
    return folder / f"{tag}.answers.sqlite3"


def parse_check_args(args: list) -> dict | None:
    """`check`'s options (--store, --format table|json), each once; None for anything else."""
    opts = _options(args, ("--store", "--format"))
    if opts is None:
        return None
    if opts.get("--format", "table") not in ("table", "json"):
        return None
    return {"store": opts.get("--store"), "format": opts.get("--format", "table")}


def check_id(root, fmt: str, today) -> str:
    return json.dumps(["check", str(root), fmt, today.isoformat(), sys.stdout.encoding, sys.stdout.errors,
                       sys.stderr.encoding], ensure_ascii=False)


def _open(q: dict):
    """(root, git folder, the answer file open for reading) when a stored answer may apply, else None."""
    from pathlib import Path

    from aftercare.store import stamps
    from aftercare.store.cache import schema_holds

    if os.environ.get("AFTERCARE_NO_CACHE"):
        return None
    found = stamps.locate_store(q["store"])
    if found is None:
        return None
    root = found.resolve()
    git_dir = root / ".git"
    if not git_dir.is_dir() or not stamps.nothing_pending(git_dir):
        return None
    path = answers_path(git_dir, root)
    if not path.is_file():
        return None
    import sqlite3

    db = sqlite3.connect(Path(path).as_uri() + "?mode=ro", uri=True, timeout=0.5)
    try:
        db.execute("PRAGMA trusted_schema=OFF")
        if schema_holds(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), SCHEMA):
            meta = dict(db.execute("SELECT k, v FROM meta"))
            if meta.get("format") == FORMAT and meta.get("ctx") == stamps.context_fingerprint((root / stamps.CONFIG).read_bytes()):
                return root, git_dir, db
    except BaseException:
        db.close()
        raise
    db.close()
    return None


def check_answer(args: list) -> tuple[str, str] | None:
    """The stored output of `check ARGS` (a clean store's) while the work tree and git are as they were."""
    import time

    from aftercare.store.stamps import tree_state

    q = parse_check_args(args)
    today = current_day()
    if q is None or today is None:
        return None
    opened = _open(q)
    if opened is None:
        return None
    root, git_dir, db = opened
    try:
        row = db.execute("SELECT tree, git, out, err FROM answer_text WHERE qid = ?",
                         (check_id(root, q["format"], today),)).fetchone()
    finally:
        db.close()
    if row is None or tree_state(root, git_dir, time.time_ns()) != (row[0], row[1]):
        return None
    return row[2], row[3]


def agenda_answer(args: list) -> str | None:
    """The stored text of `due ARGS` when every file, the program and the settings are as they were."""
    q = parse_agenda_args(args)
    today = current_day()
    if q is None or today is None or os.isatty(1):
        return None
    opened = _open(q)
    if opened is None:
        return None
    root, _git_dir, db = opened
    day = q["on"] or today
    qid = query_id(root, day, q["within"], q["worker"], q["case"], max(day, today))
    try:
        row = db.execute("SELECT layout FROM answer WHERE qid = ?", (qid,)).fetchone()
        if row is None:
            return None
        layout = json.loads(row[0])
        # one worker's agenda: the key of every file of that worker's cases, of the others' case.yaml only
        keys = "keys" if q["worker"] is None else "CASE WHEN worker = ?2 THEN keys END"
        cases = db.execute(f"SELECT cid, head, {keys}, worker FROM answer_case WHERE qid = ?1 ORDER BY cid",
                           (qid,) if q["worker"] is None else (qid, q["worker"])).fetchall()
        if not _files_hold(root, cases, q["worker"], q["case"]):
            return None
        rows = db.execute("SELECT grp, text FROM answer_row WHERE qid = ? ORDER BY grp, deadline, cid, kind, seq",
                          (qid,)).fetchall()
    finally:
        db.close()
    return compose(layout, rows)


def _files_hold(root, cases: list, worker: str | None, case: str | None) -> bool:
    """Every case folder is the one the answer was computed from, with the same files (a case of
    another worker: the same case.yaml). Each key is compared as the file is now, young or not: a key
    is stored only for a file trusted then (old enough, or just written by the command that stored it),
    so the same stat is the same file, and the `due` right after a `record` is answered too."""
    from aftercare.store.stamps import AS_STORED, case_folder, case_folders, case_keys, keys_text, stat_key

    if case is None:
        try:
            found, odd = case_folders(root)
        except OSError:
            return False
        if odd or [c for c, _d in found] != [c[0] for c in cases]:
            return False
        where = dict(found)
    elif [c[0] for c in cases] != [case]:
        return False
    else:
        where = {case: case_folder(root, case)}
    stat = os.stat
    for cid, head, keys, owner in cases:
        folder = where[cid]
        try:
            if worker is not None and owner != worker:
                # another worker's case: still not this worker's while its case.yaml is the same (a key
                # is stored only for a file old enough to be trusted, so the same stat is the same file)
                if head is None or stat_key("case.yaml", stat(folder + "/case.yaml")) != head:
                    return False
            elif keys is None or keys_text(case_keys(folder, AS_STORED)[1]) != keys:
                return False
        except OSError:
            return False
    return True


def compose(layout: dict, rows: list) -> str:
    """The agenda's text from its layout and its rows [(group, text)] in order (as `present.agenda` writes it)."""
    if not rows:
        return layout["empty"] + "\n"
    counts = [0] * len(layout["titles"])
    for grp, _text in rows:
        counts[grp] += 1
    out = []
    i = 0
    for grp, n in enumerate(counts):
        if not n:
            continue
        out.append(layout["titles"][grp].replace(COUNT, str(n)))
        out.extend(layout["heads"][str(grp)])
        out.extend(text for _g, text in rows[i:i + n])
        out.append("")
        i += n
    parts = layout["total"].split(COUNT)
    out.append("".join(p + (str(counts[k]) if k < len(counts) else "") for k, p in enumerate(parts)))
    return "\n".join(out) + "\n"
