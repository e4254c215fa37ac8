"""The read cache: a disposable SQLite file that git can never bring, holding plain data only.

It lives inside the repository's git directory (`.git/aftercare-cache/<store>.sqlite3`), where no
commit, pull or clone can put a file, and it holds no executable data: rows of text and integers,
values as JSON. Opening it checks its schema, format and key (program version, rules, office file,
holiday data); anything unexpected (another schema, a corrupt file, a row of the wrong shape) is
discarded and rebuilt from the YAML, never trusted. A store outside any git repository has no cache.

Two tables: `summary` (one row per case: what a view computed from the case's files, keyed on
the files' (path, mtime_ns, size, inode)) and `files` (the parsed content of each file, so that one
new event re-reads one file). Rows are read per case on demand and only changed rows are written.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sqlite3
from pathlib import Path

from aftercare.store.plain import decode_value, encode_value
from aftercare.store.stamps import cache_dir

FORMAT = "4"
_SCHEMA = {
    "meta": "CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
    "summary": ("CREATE TABLE summary (cid TEXT PRIMARY KEY, worker TEXT NOT NULL, keys TEXT NOT NULL, "
                "data TEXT NOT NULL)"),
    "files": ("CREATE TABLE files (cid TEXT NOT NULL, rel TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, "
              "PRIMARY KEY (cid, rel))"),
}
OLD_CACHE_DIR = ".aftercare-cache"      # the pickle cache of earlier versions (inside the store: never read)


def cache_path(git_dir: Path | None, root: Path) -> Path | None:
    """Where the cache of the store at `root` lives: inside the git directory, never in the work tree."""
    if git_dir is None:
        return None
    folder, tag = cache_dir(git_dir, root)
    return folder / f"{tag}.sqlite3"


def file_key_text(k: tuple) -> str | None:
    return None if len(k) < 4 else f"{k[1]}\x1f{k[2]}\x1f{k[3]}"


# ---------------------------------------------------------------- the database


def open_plain_db(path: Path, schema: dict, meta: dict) -> sqlite3.Connection | None:
    """Open (or make) a disposable SQLite derivative holding exactly `schema`'s tables (a `meta` table of
    k/v text among them). A file with anything else (a view, a trigger, other tables) or that SQLite cannot
    read is deleted and made anew; one whose meta differs from `meta` (another program version, rule set or
    office file) is emptied. None when even a fresh file cannot be made: the caller runs without a cache."""
    for _attempt in range(2):
        try:
            return _connect(path, schema, meta)
        except (sqlite3.Error, OSError, ValueError):
            discard_db(path, None)
    return None


def schema_holds(objects: list, schema: dict) -> bool:
    """`objects` (sqlite_master's type, name, sql) are exactly `schema`'s tables and their automatic
    indexes: no view, trigger or anything else."""
    tables = {name: sql for kind, name, sql in objects if kind == "table"}
    return tables == schema and all(kind == "table" or (kind == "index" and sql is None) for kind, _n, sql in objects)


def discard_db(path: Path, db: sqlite3.Connection | None) -> None:
    """Close `db` and delete the file with its journals; returns None for `self.db = discard_db(...)`."""
    if db is not None:
        with contextlib.suppress(sqlite3.Error):
            db.close()
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(str(path) + suffix)
    return None


def _connect(path: Path, schema: dict, meta: dict) -> sqlite3.Connection:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=0.5, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA trusted_schema=OFF")
        # a disposable derivative: no fsync (a torn file fails the schema or a query and is rebuilt,
        # and a stale row never matches the files' keys)
        db.execute("PRAGMA synchronous=OFF")
        objects = db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        if not objects:
            db.execute("BEGIN IMMEDIATE")
            for sql in schema.values():
                db.execute(sql)
            db.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
            db.execute("COMMIT")
            with contextlib.suppress(OSError):
                os.chmod(path, 0o600)
            return db
        if not schema_holds(objects, schema):
            raise ValueError("unexpected cache schema")
        have = dict(db.execute("SELECT k, v FROM meta"))
        if any(have.get(k) != v for k, v in meta.items()):
            # another program version, rule set or office file: start again from nothing
            db.execute("BEGIN IMMEDIATE")
            for table in schema:
                if table != "meta":
                    db.execute(f"DELETE FROM {table}")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
            db.execute("COMMIT")
        return db
    except BaseException:
        db.close()
        raise


class ReadCache:
    """The cache of one store for one context; every failure degrades to "no cache"."""

    def __init__(self, path: Path | None, ctx: str):
        self.path = path
        self.ctx = ctx
        self.db: sqlite3.Connection | None = None
        if path is not None:
            self._open()

    @property
    def enabled(self) -> bool:
        return self.db is not None

    def _open(self) -> None:
        self.db = open_plain_db(self.path, _SCHEMA, {"format": FORMAT, "ctx": self.ctx})

    def _discard(self) -> None:
        self.db = discard_db(self.path, self.db)

    def _failed(self) -> None:
        """A query failed: the file is not what we wrote. Throw it away; it is rebuilt next time."""
        self._discard()

    # ---------------------------------------------------------------- summaries

    def summaries(self, cids: list | None = None, worker: str | None = None) -> dict:
        """{cid: (worker, keys_text, data_text)} for the given cases (all when None). With `worker`, the
        data of other workers' cases is not read: their rows come as (worker, keys_text, None). A failed
        read gives no rows at all."""
        gc_was = gc.isenabled()
        gc.disable()
        try:
            out = {row[0]: row[1:] for row in self.iter_summaries(worker, cids)}
            return out if self.db is not None else {}
        finally:
            if gc_was:
                gc.enable()

    def iter_summaries(self, worker: str | None = None, cids: list | None = None):
        """(cid, worker, keys_text, data_text) of the rows (all, or the given cases') in case-ID order, one
        at a time (a county's rows are never all in memory); with `worker`, other workers' data comes as
        None. A row of another shape is left out; a failed read ends the rows (and throws the file away)."""
        if self.db is None:
            return
        data = "data" if worker is None else "CASE WHEN worker = ? THEN data ELSE NULL END"
        head = () if worker is None else (worker,)
        sql = f"SELECT cid, worker, keys, {data} FROM summary"
        if cids is None:
            queries = [(sql + " ORDER BY cid", head)]
        else:
            parts = [cids[i:i + 500] for i in range(0, len(cids), 500)]
            queries = [(f"{sql} WHERE cid IN ({','.join('?' * len(p))}) ORDER BY cid", (*head, *p)) for p in parts]
        try:
            for query, args in queries:
                for row in self.db.execute(query, args):
                    if len(row) == 4 and all(isinstance(x, str) for x in row[:3]) and (
                            isinstance(row[3], str) or (worker is not None and row[3] is None and row[1] != worker)):
                        yield row
        except sqlite3.Error:
            self._failed()

    def save(self, put: dict, drop: list) -> None:
        """Write changed summary rows ({cid: (worker, keys_text, data_text)}) and drop gone ones."""
        if self.db is None or not (put or drop):
            return
        gc_was = gc.isenabled()
        gc.disable()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO summary VALUES (?, ?, ?, ?)",
                                [(cid, *row) for cid, row in put.items()])
            self.db.executemany("DELETE FROM summary WHERE cid = ?", [(c,) for c in drop])
            self.db.executemany("DELETE FROM files WHERE cid = ?", [(c,) for c in drop])
            self.db.execute("COMMIT")
        except sqlite3.OperationalError:
            self._rollback()               # busy (another command is writing): this result is not kept
        except sqlite3.Error:
            self._failed()
        finally:
            if gc_was:
                gc.enable()

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("ROLLBACK")

    # ---------------------------------------------------------------- parsed files

    def parsed_files(self, cid: str, keys: tuple) -> dict:
        """The parsed content of the case's files whose key has not changed."""
        if self.db is None:
            return {}
        current = {k[0]: file_key_text(k) for k in keys}
        out = {}
        try:
            for rel, key, data in self.db.execute("SELECT rel, key, data FROM files WHERE cid = ?", (cid,)):
                if key is not None and current.get(rel) == key:
                    try:
                        out[rel] = decode_value(data)
                    except (ValueError, TypeError, RecursionError):
                        continue
        except sqlite3.Error:
            self._failed()
            return {}
        return out

    def save_files(self, rows: list) -> None:
        """rows: [(cid, keys, parsed)]: replace the cached files of each case with those parsed."""
        if self.db is None or not rows:
            return
        out = []
        for cid, keys, parsed in rows:
            for k in keys:
                kt = file_key_text(k)
                if kt is None or k[0] not in parsed:
                    continue
                data = encode_value(parsed[k[0]])
                if data is not None:
                    out.append((cid, k[0], kt, data))
        gc_was = gc.isenabled()
        gc.disable()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("DELETE FROM files WHERE cid = ?", [(r[0],) for r in rows])
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", out)
            self.db.execute("COMMIT")
        except sqlite3.OperationalError:
            self._rollback()
        except sqlite3.Error:
            self._failed()
        finally:
            if gc_was:
                gc.enable()

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None
