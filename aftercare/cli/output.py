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


def measure(rows: list) -> tuple[list, list, list]:
    """A table's cells as text, by row and by column, and each cell's display width by column."""
    texts = [[str(c) for c in r] for r in rows]
    n = len(texts[0]) if texts else 0
    columns = [[r[i] for r in texts] for i in range(n)]
    col_widths = [list(map(width, col)) if not any("\n" in t for t in col) else list(map(_natural, col))
                  for col in columns]
    return texts, columns, col_widths


@dataclass
class Fitted:
    """A table laid out for a width: its columns' widths, and whether the foldable column goes under
    its row. Every line a table writes comes from here, so that a row rendered alone (a stored answer
    brought up to date) is the very line the whole table would have."""

    widths: list
    folded: bool
    cols: int | None
    fold: int | None

    @classmethod
    def of(cls, headers: list, col_widths: list, cols: int | None, flex: tuple = (), fold: int | None = None) -> "Fitted":
        widths, folded = layout(headers, [], cols, flex, fold, col_widths)
        return cls(widths, folded, cols, fold)

    @property
    def shown(self) -> list:
        return [i for i in range(len(self.widths)) if not (self.folded and i == self.fold)]

    def head(self, headers: list) -> list:
        """The header row and the rule under it."""
        shown = self.shown
        rule = [min(self.widths[i], (self.cols or self.widths[i])) for i in shown]
        return [*self.row([str(h) for h in headers]), GAP.join("─" * w for w in rule)[: (self.cols or 10 ** 6)]]

    def _under(self, cell: str) -> list:
        return ["    " + ln for ln in _cell_lines(cell, (self.cols or 80) - 4) if ln]

    def row(self, cells: list) -> list:
        """The lines of one row (cells as text): each cell wrapped in its width, the folded one under it."""
        shown = self.shown
        last = shown[-1]
        parts = {i: _cell_lines(cells[i], self.widths[i] if self.cols else None) for i in shown}
        out = []
        for k in range(max(len(p) for p in parts.values())):
            line = []
            for i in shown:
                piece = parts[i][k] if k < len(parts[i]) else ""
                line.append(piece if i == last else pad(piece, self.widths[i]))
            out.append(GAP.join(line).rstrip())
        if self.folded:
            out.extend(self._under(cells[self.fold]))
        return out

    def rows(self, texts: list, columns: list, col_widths: list):
        """(row index, its lines) of every row. A row whose shown cells are each one line that fits is
        padded by the widths measured already; only the others (a cell to wrap, a line break) go through
        `row`. In chunks: a county's table is not held padded all at once."""
        shown = self.shown
        last = shown[-1]
        widths = self.widths
        limit = [widths[i] if self.cols else 10 ** 9 for i in range(len(widths))]
        for lo in range(0, len(texts), 2048):
            hi = lo + 2048
            fits = [[w <= limit[i] and "\n" not in t for t, w in zip(columns[i][lo:hi], col_widths[i][lo:hi])]
                    for i in shown]
            padded = [columns[i][lo:hi] if i == last else
                      [t + " " * (widths[i] - w) for t, w in zip(columns[i][lo:hi], col_widths[i][lo:hi])] for i in shown]
            for j, (simple, cells) in enumerate(zip(map(all, zip(*fits)), zip(*padded)), lo):
                if not simple:
                    yield j, self.row(texts[j])
                elif self.folded:
                    yield j, [GAP.join(cells).rstrip(), *self._under(texts[j][self.fold])]
                else:
                    yield j, [GAP.join(cells).rstrip()]


def table(sink: Sink, headers: list, rows: list, flex: tuple = (), fold: int | None = None,
          styles: list | None = None) -> None:
    """Write an aligned table (CJK-aware) to `sink`, fitted to its width; `styles[i]` styles row i."""
    texts, columns, col_widths = measure(rows)
    if not texts:
        col_widths = [[] for _ in headers]
    fitted = Fitted.of(headers, col_widths, sink.cols, flex, fold)
    for line in fitted.head(headers):
        sink.write(line)
    for j, lines in fitted.rows(texts, columns, col_widths):
        style = styles[j] if styles else None
        for line in lines:
            sink.write(line, style)


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
