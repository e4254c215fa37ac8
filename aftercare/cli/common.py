"""What every command shares: the --store option, today, error handling, output."""


import functools
import os
import sys
from datetime import date
from typing import Annotated, Optional

import typer

from aftercare.cli.text import width  # noqa: F401 - the display width, used by other command modules
from aftercare.core.errors import AftercareError

STATE = {"debug": False, "no_cache": False, "store": None}

StoreOpt = Annotated[Optional[str], typer.Option("--store", help="案卷库目录（默认从当前目录向上查找，其次 $AFTERCARE_STORE）",
                                                 show_default=False)]
DateOpt = Annotated[Optional[str], typer.Option("--date", help="日期，如 2026-11-5、2026/11/5、2026年11月5日、今天、昨天（默认今天）", show_default=False)]
NoteOpt = Annotated[Optional[str], typer.Option("--note", help="说明", show_default=False)]
ByOpt = Annotated[Optional[str], typer.Option("--by", help="经办人", show_default=False)]
FormatOpt = Annotated[str, typer.Option("--format", help="输出格式：table 或 json")]


def today() -> date:
    """Today's date; AFTERCARE_TODAY=YYYY-MM-DD fixes it (drills, tests). The same day 今天/昨天 refer to."""
    from aftercare.core.dates import current_day

    return current_day()


def open_store(store: str | None):
    from aftercare.store import Store, find_store

    s = Store(find_store(store or STATE["store"]), use_cache=not STATE["no_cache"] and not os.environ.get("AFTERCARE_NO_CACHE"))
    for n in s.notices:                 # e.g. the left-overs of an interrupted command were rolled back
        note(n)
    s.on_commit.append(_refresh_read_cache)
    s.on_notice.append(note)
    return s


def _refresh_read_cache(store, written: list):
    """With a write: the cases just written are summarised (while git finishes the commit); once it is
    made, `kept(True)` keeps them in the read cache, so that the next `due` finds them warm, and brings
    their rows up to date in the agendas kept for `due` (a failure here is silent: the next read
    computes them)."""
    from aftercare.cli import answers
    from aftercare.views.agenda import refreshed

    day = today()
    keep = refreshed(store, written, day)

    def kept(made: bool) -> None:
        done = keep(made)
        if made:
            answers.update(store, done, day)

    return kept


def check_format(fmt: str, formats: tuple) -> None:
    """Refuse an output format the command does not write."""
    if fmt not in formats:
        raise AftercareError(f"输出格式“{fmt}”无效，应为 {' / '.join(formats)}", code="bad-format")


def fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


def error_line(exc: AftercareError) -> str:
    """The one formatter of program errors: `path:line: message` (or `错误：message`), then the hint."""
    problem = exc.problems[0] if getattr(exc, "problems", None) else None
    msg = exc.message
    head = msg if problem is not None and problem.path else f"错误：{msg}"
    if problem is None and _has_location(msg):
        head = msg
    return with_hint(head, exc.hint)


def with_hint(head: str, hint: str | None) -> str:
    """A message and, on the same line, what to do about it (errors, `check`'s problems and warnings)."""
    hint = (hint or "").strip()
    return f"{head}  提示：{hint}" if hint else head


def quiet_broken_pipe() -> None:
    """The reader of our output went away (`| head`, quitting `less`): stop without a word."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def handle(fn):
    """Turn library errors into one Chinese line on stderr and exit 1 (a traceback only with --debug)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            if isinstance(kwargs.get("case"), str) and kwargs["case"]:
                kwargs["case"] = resolve_case(kwargs["case"], kwargs.get("store"))
            return fn(*args, **kwargs)
        except AftercareError as exc:
            if STATE["debug"]:
                raise
            typer.echo(error_line(exc), err=True)
            raise typer.Exit(1) from None
        except OverflowError:
            if STATE["debug"]:
                raise
            typer.echo("错误：日期超出可计算的范围（公元 1 年至 9999 年），请检查 --on、--within 等日期或天数", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("已中断", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            quiet_broken_pipe()
            raise typer.Exit(141) from None
        except OSError as exc:
            if STATE["debug"]:
                raise
            typer.echo(os_error_line(exc), err=True)
            raise typer.Exit(1) from None

    return wrapper


def os_error_line(exc: OSError) -> str:
    """One Chinese line for a failure of the operating system (a write that failed was rolled back)."""
    import errno

    from aftercare.core.errors import os_reason

    where = f"（{exc.filename}）" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"错误：{os_reason(exc)}{where}；未做任何更改，请腾出空间后重试"
    return f"错误：文件操作失败{where}：{os_reason(exc)}"


def resolve_case(text: str, store: str | None = None) -> str:
    """CASE may be a case ID or the exact name of one person on the register (said on stderr); else unchanged."""
    from aftercare.core.ids import CASE_ID_RE

    if CASE_ID_RE.match(text) and ".." not in text:
        return text
    from aftercare.store import find_store
    from aftercare.store.directory import people
    from aftercare.views.find import resolve_name

    if isinstance(store, (list, tuple)):          # due takes --store more than once (a county)
        store = store[0] if len(store) == 1 else None
    person = resolve_name(people(find_store(store or STATE["store"])), text)
    if person is None:
        if any(not c.isascii() for c in text) and "/" not in text:
            raise AftercareError(f"名册中没有姓名为“{text}”的人员，也没有该编号的个案（用 aftercare find 查找）",
                                 code="unknown-case")
        return text
    note(f"按姓名“{text}”找到个案 {person.case}")
    return person.case


def _has_location(msg: str) -> bool:
    head = msg.split(":", 2)
    return len(head) == 3 and head[1].isdigit()


def say(text: str = "") -> None:
    typer.echo(text)


def note(text: str) -> None:
    typer.echo(text, err=True)


def report_problems(problems: list) -> None:
    """After a listing that skipped damaged cases: each problem as `path:line: message` on stderr, exit 1."""
    if not problems:
        return
    for p in problems:
        note(with_hint(str(p), p.hint))
    note(f"以上 {len(problems)} 处问题所在的个案未列出，其余个案照常列出；修正后运行 aftercare check 复核。")
    raise typer.Exit(1)


def show_result(res, last_line: str | None = None) -> None:
    say(res.message)
    for n in res.notes:
        say(n)
    for w in getattr(res, "warnings", ()):
        note(w)
    if last_line is not None:
        say(last_line)


def table(headers: list, rows: list) -> str:
    """A plain aligned table (CJK-aware) as text, no width limit (see cli.output for fitted tables)."""
    from aftercare.cli.output import table as fitted, to_text

    return to_text(fitted, headers, rows)


def emit(data, output: str | None = None) -> None:
    """Write an export (text or bytes) to a file (--output) or to standard output; binary never to a terminal."""
    if output:
        from pathlib import Path

        from aftercare.store.fsutil import atomic_write

        atomic_write(Path(output), data if isinstance(data, bytes) else data.encode("utf-8"))
        note(f"已写入 {output}")
        return
    if isinstance(data, bytes):
        if data[:2] == b"PK" and sys.stdout.isatty():
            raise AftercareError("xlsx 是二进制文件，不能直接显示：请用 --output 文件名.xlsx 或重定向（> 文件名.xlsx）",
                                 code="binary-to-terminal")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        say(data)


def show_on_terminal(render, *args, **kw) -> None:
    """Run a presenter (a function, or the name of one in cli.present) on stdout, fitted to the terminal."""
    from aftercare.cli.output import terminal_sink

    if isinstance(render, str):
        from aftercare.cli import present

        render = getattr(present, render)

    sink = terminal_sink()
    render(sink, *args, **kw)
    sink.flush()


def is_tty() -> bool:
    return sys.stdout.isatty()
