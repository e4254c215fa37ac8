"""The three-way merge of a store's YAML files, as git's merge driver during `sync`.

Two offices that change the same shared file between syncs (`staff add` on both sides, `case set
--phone` here and `case set --address` there) change different keys or add different list items of
one YAML document: git's line merge calls that a conflict, this merge does not. It compares the
parsed documents — base (the common ancestor), ours, theirs — key by key and list item by list item
(a staff member by name, a record by id, any other item by its value), takes from theirs every change
that ours did not make, and writes the result as a round-trip edit of ours (comments, order and quoting
kept). Only when both sides changed the SAME field to different values does it refuse: the file stays
conflicted, and the field with both values is written to the conflict report that `sync` reads to say
exactly what happened and what to do.

Run by git as: python -m aftercare.store.merge3 BASE OURS THEIRS PATH REPORT LOCAL
(LOCAL is "ours" or "theirs": which side is this office's — a rebase replays local commits as theirs).
"""

from __future__ import annotations

import copy
import json
import sys
from io import StringIO

MISSING = object()


class Conflict(Exception):
    def __init__(self, where: str, ours, theirs):
        super().__init__(where)
        self.where, self.ours, self.theirs = where, ours, theirs


def _identity(item, keyed: str | None):
    if isinstance(item, dict):
        if "id" in item:
            return ("id", str(item["id"]))
        if keyed and keyed in item:
            return (keyed, str(item[keyed]))
    return ("value", json.dumps(item, sort_keys=True, default=str, ensure_ascii=False))


def _index(items: list, keyed: str | None) -> dict:
    """identity -> position; a repeated identity gets its occurrence number (two equal corrections)."""
    out: dict = {}
    for i, item in enumerate(items):
        ident = _identity(item, keyed)
        n = 0
        while (ident, n) in out:
            n += 1
        out[(ident, n)] = i
    return out


def _label(path: list) -> str:
    return ".".join(str(p) for p in path) or "（整个文件）"


def merge_value(base, ours, theirs, o_rt, t_rt, path: list, parent=None, key=None):
    """Merge theirs' change into ours. Mutates the round-trip node `o_rt` (or parent[key]) in place."""
    if theirs == base or theirs == ours:
        return
    if ours == base:
        _put(parent, key, t_rt, theirs)
        return
    if isinstance(ours, dict) and isinstance(theirs, dict) and isinstance(base, (dict, type(None))) \
            or (base is MISSING and isinstance(ours, dict) and isinstance(theirs, dict)):
        _merge_map(base if isinstance(base, dict) else {}, ours, theirs, o_rt, t_rt, path)
        return
    if isinstance(ours, list) and isinstance(theirs, list) and (isinstance(base, list) or base in (MISSING, None)):
        _merge_list(base if isinstance(base, list) else [], ours, theirs, o_rt, t_rt, path)
        return
    raise Conflict(_label(path), ours, theirs)


def _put(parent, key, t_rt, theirs):
    if parent is None:
        raise Conflict("（整个文件）", None, theirs)
    if theirs is MISSING:
        del parent[key]
    else:
        parent[key] = copy.deepcopy(t_rt)


def _merge_map(base: dict, ours: dict, theirs: dict, o_rt, t_rt, path: list) -> None:
    for k in list(dict.fromkeys([*ours, *theirs, *base])):
        b, o, t = base.get(k, MISSING), ours.get(k, MISSING), theirs.get(k, MISSING)
        if t == b or t == o:
            continue
        if o == b:
            if t is MISSING:
                del o_rt[k]
            else:
                o_rt[k] = copy.deepcopy(t_rt[k])
            continue
        if o is MISSING or t is MISSING:         # one side changed what the other removed: keep the change
            if o is MISSING:
                o_rt[k] = copy.deepcopy(t_rt[k])
            continue
        merge_value(b, o, t, o_rt[k], t_rt[k], path + [k], o_rt, k)


def _merge_list(base: list, ours: list, theirs: list, o_rt, t_rt, path: list) -> None:
    keyed = "name" if path == ["staff"] else None
    ib, io, it = _index(base, keyed), _index(ours, keyed), _index(theirs, keyed)
    drop = []
    for ident, i in io.items():
        if ident in ib and ident not in it:                  # theirs removed it
            if ours[i] == base[ib[ident]]:
                drop.append(i)
            # else ours changed what theirs removed: keep ours
        elif ident in it:
            b = base[ib[ident]] if ident in ib else MISSING
            name = ident[0][1] if ident[0][0] != "value" else str(i)
            merge_value(b, ours[i], theirs[it[ident]], o_rt[i], t_rt[it[ident]], path + [name], o_rt, i)
    for i in sorted(drop, reverse=True):
        del o_rt[i]
    for ident, j in it.items():
        if ident not in ib and ident not in io:              # added by theirs
            o_rt.append(copy.deepcopy(t_rt[j]))


def merge_bytes(base: bytes, ours: bytes, theirs: bytes, path: str) -> bytes:
    """The merged document (bytes of ours, edited). Raises Conflict, or ValueError for a file that
    does not parse."""
    from ruamel.yaml import YAML

    from aftercare.store import yamlio

    def plain(data: bytes):
        try:
            return yamlio.parse(data, path) if data.strip() else None
        except yamlio.YamlProblem as exc:
            raise ValueError(str(exc.problem)) from None

    b, o, t = plain(base), plain(ours), plain(theirs)
    if t == b or t == o:
        return ours
    if o == b:
        return theirs
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.representer.ignore_aliases = lambda *_: True
    o_rt, t_rt = yaml.load(ours.decode("utf-8")), yaml.load(theirs.decode("utf-8"))
    merge_value(b if b is not None else MISSING, o, t, o_rt, t_rt, [])
    buf = StringIO()
    yaml.dump(o_rt, buf)
    out = buf.getvalue().encode("utf-8")
    if ours.startswith(b"#") and not out.startswith(b"#"):
        raise ValueError("header comment lost")
    plain(out)                                                 # what is written must read back
    return out


def _shown(value) -> str:
    if value is MISSING or value is None:
        return "（空）"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def main(argv: list[str]) -> int:
    base_f, ours_f, theirs_f, path, report, local = argv[:6]
    with open(base_f, "rb") as fh:
        base = fh.read()
    with open(ours_f, "rb") as fh:
        ours = fh.read()
    with open(theirs_f, "rb") as fh:
        theirs = fh.read()
    try:
        merged = merge_bytes(base, ours, theirs, path)
    except Conflict as c:
        here, there = (c.ours, c.theirs) if local == "ours" else (c.theirs, c.ours)
        entry = {"path": path, "field": c.where, "local": _shown(here), "remote": _shown(there)}
    except Exception as exc:                                   # noqa: BLE001 — git falls back to a conflict
        entry = {"path": path, "field": None, "error": str(exc)}
    else:
        with open(ours_f, "wb") as fh:
            fh.write(merged)
        return 0
    with open(report, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
