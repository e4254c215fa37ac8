"""Terminal text: display width (CJK takes two cells), wrapping, the terminal's width."""

from __future__ import annotations

import functools
import os
import shutil


class _DropWide(dict):
    """A `str.translate` table that deletes the characters a terminal shows two cells wide; filled on
    first sight of each character (the lookups of known characters stay in C)."""

    def __missing__(self, code: int):
        from unicodedata import east_asian_width

        v = None if east_asian_width(chr(code)) in "WF" else code
        self[code] = v
        return v


_DROP_WIDE = _DropWide()


@functools.lru_cache(maxsize=16384)
def width(text: str) -> int:
    """Display width in a terminal: CJK characters take two cells."""
    if text.isascii():
        return len(text)
    return 2 * len(text) - len(text.translate(_DROP_WIDE))


def term_width(default: int = 100) -> int:
    """The terminal's width ($COLUMNS first, as shells and rich do); `default` when unknown (a pipe)."""
    cols = os.environ.get("COLUMNS", "")
    if cols.isdigit() and int(cols) > 0:
        return int(cols)
    size = shutil.get_terminal_size((0, 0))
    return size.columns if size.columns > 0 else default


def wrap(text: str, cols: int) -> list[str]:
    """Wrap to `cols` display cells: CJK may break anywhere, Latin words break at spaces when they can."""
    cols = max(cols, 2)
    out: list[str] = []
    for para in str(text).split("\n"):
        line, w = "", 0
        i = 0
        while i < len(para):
            c = para[i]
            if c.isascii() and not c.isspace():          # a Latin word (or number, date) kept whole if it fits
                j = i
                while j < len(para) and para[j].isascii() and not para[j].isspace():
                    j += 1
                word = para[i:j]
                ww = len(word)
                if w + ww > cols and w > 0 and ww <= cols:
                    out.append(line.rstrip())
                    line, w = "", 0
                while ww > cols:                          # longer than a whole line: cut it
                    room = cols - w
                    line += word[:room]
                    out.append(line)
                    word, ww, line, w = word[room:], ww - room, "", 0
                line += word
                w += ww
                i = j
                continue
            j = i + 1
            if not c.isspace():                           # a CJK character stays with the number after it (报35)
                while j < len(para) and para[j].isascii() and para[j].isalnum():
                    j += 1
            unit = para[i:j] if width(para[i:j]) <= cols else c
            uw = width(unit)
            if w + uw > cols and w > 0:
                out.append(line.rstrip())
                line, w = "", 0
                if c.isspace():
                    i += 1
                    continue
            line += unit
            w += uw
            i += len(unit)
        out.append(line.rstrip())
    return out


def pad(text: str, cols: int) -> str:
    return text + " " * max(0, cols - width(text))
