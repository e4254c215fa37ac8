"""Tables that fit the terminal, and colour only where a person looks at it.

A table is laid out to the terminal's width (80 columns included): the flexible columns (the rule,
the item) wrap inside their cell, and when even that does not fit, the foldable column moves to an
indented line under its row; nothing runs back to column 0. Colour (overdue red, due today bold,
upcoming dim) only on a terminal, never with NO_COLOR, never in a pipe. Rendering is plain string
work (thousands of rows stay fast); rich is used only to decide width and colour and to write styles.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from aftercare.cli.text import pad, width, wrap

GAP = "  "
MIN_FLEX = 8


@dataclass
class Sink:
    """Where lines go: `cols` is the width to fit (None: no limit, e.g. a pipe); `color` decides styles."""

    cols: int | None = None
    color: bool = False
    console: object = None
    lines: list = field(default_factory=list)   # (text, style) for a console; plain lines waiting for stdout
    buffer: list | None = None                  # collect plain lines instead of writing (to_text)

    def write(self, text: str = "", style: str | None = None) -> None:
        if self.buffer is not None:
            self.buffer.append(text)
        elif self.console is not None:
            self.lines.append((text, style if self.color else None))
        else:
            self.lines.append(text)
            if len(self.lines) >= 2048:          # a pipe gets the lines in large writes, not one call each
                self._write_plain()

    def _write_plain(self) -> None:
        if self.lines:
            sys.stdout.write("\n".join(self.lines) + "\n")
            self.lines = []

    def flush(self) -> None:
        if self.console is None:
            self._write_plain()
            sys.stdout.flush()
            return
        if not self.lines:
            return
        if not self.color:
            self.console.out("\n".join(t for t, _ in self.lines), highlight=False)
        else:
            from rich.text import Text

            text = Text(no_wrap=True, overflow="ignore")
            for i, (t, style) in enumerate(self.lines):
                text.append(t, style=style)
                if i < len(self.lines) - 1:
                    text.append("\n")
            self.console.print(text, soft_wrap=True, crop=False, highlight=False)
        self.lines = []


def terminal_sink() -> Sink:
    """The sink for stdout: width from $COLUMNS or the terminal; colour on a terminal unless NO_COLOR."""
    cols_env = os.environ.get("COLUMNS", "")
    tty = sys.stdout.isatty()
    cols = int(cols_env) if cols_env.isdigit() and int(cols_env) > 0 else None
    if not tty:
        return Sink(cols=cols)
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    color = console.is_terminal and not console.no_color and console.color_system is not None
    return Sink(cols=cols or console.width, color=color, console=console)


def console_sink(console) -> Sink:
    """A sink writing to a given rich Console (tests: Console(width=80, file=…))."""
    color = console.is_terminal and not console.no_color and console.color_system is not None
    return Sink(cols=console.width, color=color, console=console)


def to_text(render, *args, cols: int | None = None, **kw) -> str:
    """Run a renderer into a string (no colour)."""
    sink = Sink(cols=cols, buffer=[])
    render(sink, *args, **kw)
    return "\n".join(sink.buffer)


def _cell_lines(value, w: int | None) -> list[str]:
    text = str(value)
    if w is None:
        return text.split("\n")
    out = []
    for part in text.split("\n"):
        out.extend(wrap(part, w) if width(part) > w else [part])
    return out or [""]


def _natural(text: str) -> int:
    return max(width(x) for x in text.split("\n")) if "\n" in text else width(text)


def layout(headers: list, rows: list, cols: int | None, flex: tuple = (), fold: int | None = None,
           col_widths: list | None = None):
    """Column widths for `cols` cells: returns (widths, folded) where a folded column goes under its row.
    `col_widths`: each column's cells' widths, when the caller has measured them already."""
    n = len(headers)
    if col_widths is None:
        col_widths = [[_natural(str(r[i])) for r in rows] for i in range(n)]
    natural = [max(width(h), max(ws, default=0)) for h, ws in zip(headers, col_widths)]
    if cols is None or sum(natural) + len(GAP) * (n - 1) <= cols:
        return natural, False
    flex = tuple(i for i in flex if i != fold) if fold is not None else tuple(flex)
    for folded in (False, True):
        if folded and fold is None:
            break
        idx = [i for i in range(n) if not (folded and i == fold)]
        fixed = sum(natural[i] for i in idx if i not in flex)
        room = cols - fixed - len(GAP) * (len(idx) - 1)
        fl = [i for i in idx if i in flex]
        if fl and room >= MIN_FLEX * len(fl):
            widths = list(natural)
            # water-filling: narrow columns keep their natural width, the rest share what is left
            left, todo = room, sorted(fl, key=lambda i: natural[i])
            while todo:
                share = left // len(todo)
                i = todo.pop(0)
                widths[i] = min(natural[i], share)
                left -= widths[i]
            return widths, folded
        if not fl and room >= 0:
            return list(natural), folded
    # still too wide: every shown column shares the width (narrow terminals)
    idx = [i for i in range(n) if not (fold is not None and i == fold)]
    room = cols - len(GAP) * (len(idx) - 1) - natural[0]
    widths = list(natural)       # the first column (date, case ID) stays whole: rows start with it
    left, todo = room, sorted(idx[1:], key=lambda i: natural[i])
    while todo:
        share = max(left // len(todo), 2)
        i = todo.pop(0)
        widths[i] = min(natural[i], share)
        left -= widths[i]
    return widths, fold is not None


def table(sink: Sink, headers: list, rows: list, flex: tuple = (), fold: int | None = None,
          styles: list | None = None) -> None:
    """Write an aligned table (CJK-aware) to `sink`, fitted to its width; `styles[i]` styles row i."""
    n = len(headers)
    texts = [[str(c) for c in r] for r in rows]
    columns = [[r[i] for r in texts] for i in range(n)]
    col_widths = [list(map(width, col)) if not any("\n" in t for t in col) else list(map(_natural, col))
                  for col in columns]
    widths, folded = layout(headers, rows, sink.cols, flex, fold, col_widths)
    shown = [i for i in range(n) if not (folded and i == fold)]
    last = shown[-1]

    def fold_under(cell: str, style) -> None:
        for ln in _cell_lines(cell, (sink.cols or 80) - 4):
            if ln:
                sink.write("    " + ln, style)

    def fmt(cells, style=None):
        parts = {i: _cell_lines(cells[i], widths[i] if sink.cols else None) for i in shown}
        height = max(len(p) for p in parts.values())
        for k in range(height):
            out = []
            for i in shown:
                piece = parts[i][k] if k < len(parts[i]) else ""
                out.append(piece if i == last else pad(piece, widths[i]))
            sink.write(GAP.join(out).rstrip(), style)
        if folded:
            fold_under(cells[fold], style)

    fmt([str(h) for h in headers])
    rule = [min(widths[i], (sink.cols or widths[i])) for i in shown]
    sink.write(GAP.join("─" * w for w in rule)[: (sink.cols or 10 ** 6)])
    # a row whose shown cells are each one line that fits is padded by the widths measured above;
    # only the others (a cell to wrap, a line break) go through `fmt`. In chunks: a county's table
    # is not held padded all at once.
    limit = [widths[i] if sink.cols else 10 ** 9 for i in range(n)]
    for lo in range(0, len(texts), 2048):
        hi = lo + 2048
        fits = [[w <= limit[i] and "\n" not in t for t, w in zip(columns[i][lo:hi], col_widths[i][lo:hi])]
                for i in shown]
        padded = [columns[i][lo:hi] if i == last else
                  [t + " " * (widths[i] - w) for t, w in zip(columns[i][lo:hi], col_widths[i][lo:hi])] for i in shown]
        for j, (simple, cells) in enumerate(zip(map(all, zip(*fits)), zip(*padded)), lo):
            style = styles[j] if styles else None
            if simple:
                sink.write(GAP.join(cells).rstrip(), style)
                if folded:
                    fold_under(texts[j][fold], style)
            else:
                fmt(texts[j], style)


def para(sink: Sink, text: str, indent: int = 0, hang: int = 0, style: str | None = None) -> None:
    """A paragraph wrapped to the sink's width, continuation lines indented by `hang` more cells."""
    if sink.cols is None:
        sink.write(" " * indent + text, style)
        return
    lines = wrap(text, max(sink.cols - indent, 10))
    sink.write(" " * indent + lines[0], style)
    if len(lines) > 1:
        rest = text[len(lines[0]):].lstrip()
        for ln in wrap(rest, max(sink.cols - indent - hang, 10)):
            sink.write(" " * (indent + hang) + ln, style)
