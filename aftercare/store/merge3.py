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


def _plain(data: bytes, path: str):
    from aftercare.store import yamlio

    try:
        return yamlio.parse(data, path) if data.strip() else None
    except yamlio.YamlProblem as exc:
        raise ValueError(str(exc.problem)) from None


def merge_bytes(base: bytes, ours: bytes, theirs: bytes, path: str) -> bytes:
    """The merged document. Raises Conflict, CommentLost, or ValueError for a file that does not parse.

    Git's own line merge is taken when it is clean and reads as the same data as the content merge:
    it keeps every line of both sides. Otherwise the content merge (ours' text, edited), with every
    comment line that a side added and the content merge lost put back before the same line."""
    merged = _content_merge(base, ours, theirs, path)
    want = _plain(merged, path)
    lined = line_merge(base, ours, theirs)
    if lined is not None and lined != merged:
        try:
            if _plain(lined, path) == want:
                return lined
        except ValueError:
            pass
    return carry_comments(base, ours, theirs, merged, want, path)


def _content_merge(base: bytes, ours: bytes, theirs: bytes, path: str) -> bytes:
    from ruamel.yaml import YAML

    b, o, t = _plain(base, path), _plain(ours, path), _plain(theirs, path)
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
    _plain(out, path)                                          # what is written must read back
    return out


def line_merge(base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
    """git's line-based three-way merge of the three texts; None when it conflicts (or git fails)."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="aftercare-merge3-") as tmp:
        files = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            f = Path(tmp) / name
            f.write_bytes(data)
            files.append(str(f))
        try:
            proc = subprocess.run(["git", "merge-file", "-p", "--quiet", *files], capture_output=True)
        except OSError:
            return None
    return proc.stdout if proc.returncode == 0 else None


class CommentLost(Exception):
    """A comment line that one side added has no unambiguous place in the content merge's result."""

    def __init__(self, comment: str):
        super().__init__(comment)
        self.comment = comment


def _comment_at(line: str) -> int | None:
    """Where the comment of a YAML line starts: its first character for a comment line, else the
    `#` of a trailing comment outside quotes (None when the line has no comment)."""
    text = line.lstrip()
    if text.startswith("#"):
        return len(line) - len(text)
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:-[{,"):
            quote = ch
        elif ch == "#" and i > 0 and line[i - 1] in " \t":
            return i
    return None


def _comment_of(line: str) -> str | None:
    at = _comment_at(line)
    return None if at is None else line[at:].rstrip()


def _lost_lines(base: list, side: list, out: list) -> list:
    """Positions in `side` of the comments it added (relative to base) that `out` does not have."""
    from collections import Counter
    from difflib import SequenceMatcher

    added: dict = {}
    for tag, _i1, _i2, j1, j2 in SequenceMatcher(None, base, side, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            for j in range(j1, j2):
                c = _comment_of(side[j])
                if c:
                    added.setdefault(c, []).append(j)
    if not added:
        return []
    had = Counter(c for c in map(_comment_of, base) if c)
    now = Counter(c for c in map(_comment_of, out) if c)
    lost = []
    for c, js in added.items():
        missing = len(js) - max(0, now[c] - had[c])
        if missing > 0:
            lost.extend(js[-missing:])
    return sorted(lost)


def carry_comments(base: bytes, ours: bytes, theirs: bytes, merged: bytes, want, path: str) -> bytes:
    """`merged` with the comment lines that ours or theirs added and the content merge dropped put
    back: a comment line right before the same (unique) line as on its side, else right after the
    same line above it; a trailing comment onto the same (unique) line. Raises CommentLost when a
    comment has no such place, or when putting it back would change what the file says."""
    b = base.decode("utf-8").splitlines()
    out = merged.decode("utf-8").splitlines()
    first = None
    for side in (ours, theirs):
        s = side.decode("utf-8").splitlines()
        lost = _lost_lines(b, s, out)
        if not lost:
            continue
        gone, j = set(lost), 0
        while j < len(s):
            if j not in gone:
                j += 1
                continue
            first = first or _comment_of(s[j])
            if not s[j].strip().startswith("#"):               # a trailing comment on a line of data
                code = s[j][:_comment_at(s[j])].rstrip()
                at = [i for i, ln in enumerate(out) if ln.rstrip() == code]
                if len(at) > 1 and j > 0:                      # the one under the same line as on its side
                    at = [i for i in at if i > 0 and out[i - 1] == s[j - 1]]
                if len(at) != 1:
                    raise CommentLost(_comment_of(s[j]))
                out[at[0]] = s[j]
                j += 1
                continue
            group, k = [], j                                   # a run of lost comment lines (blanks between)
            while k < len(s) and (k in gone and s[k].strip().startswith("#") or not s[k].strip()):
                if s[k].strip():
                    group.append(s[k])
                k += 1
            after = [i for i, ln in enumerate(out) if k < len(s) and ln == s[k]]
            p = j - 1
            while p >= 0 and not s[p].strip():
                p -= 1
            before = [i for i, ln in enumerate(out) if p >= 0 and ln == s[p]]
            if len(after) == 1:
                out[after[0]:after[0]] = group
            elif len(before) == 1:
                out[before[0] + 1:before[0] + 1] = group
            else:
                raise CommentLost(group[0].strip())
            j = k
    if first is None:
        return merged
    text = ("\n".join(out) + "\n").encode("utf-8")
    try:
        same = _plain(text, path) == want
    except ValueError:
        same = False
    if not same:
        raise CommentLost(first)
    return text


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
    except CommentLost as c:
        entry = {"path": path, "field": None, "comment": c.comment}
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
