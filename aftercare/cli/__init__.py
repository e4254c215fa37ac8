"""The command line: thin wrappers that parse options, call one library function and print."""


from typing import Annotated

import typer

from aftercare.cli.common import STATE, StoreOpt

app = typer.Typer(
    name="aftercare",
    help="社区戒毒（康复）工作办公室个案管理：登记、记录、每日待办、一人一档文书、审计轨迹。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        import aftercare          # the one place the version lives (pyproject.toml reads it from there)

        typer.echo(f"aftercare {aftercare.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    _show_version: Annotated[bool, typer.Option("--version", help="显示版本号并退出", callback=_version,
                                                is_eager=True)] = False,
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整调用栈")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="不使用读取缓存")] = False,
    store: StoreOpt = None,
) -> None:
    STATE["debug"] = debug
    STATE["no_cache"] = no_cache
    STATE["store"] = store


from aftercare.cli import agenda_cmd, cases, completion, docs, find_cmd, kept, lifecycle, pathway, records, staff, stats, syncing  # noqa: E402,F401
from aftercare.cli.usage import localise  # noqa: E402

localise(app)


def main() -> None:
    try:
        app(prog_name="aftercare")
    finally:
        _flush_quietly()


def _flush_quietly() -> None:
    """Output still buffered when the reader has gone (`| head`): drop it without a traceback."""
    import sys

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        from aftercare.cli.common import quiet_broken_pipe

        quiet_broken_pipe()
        raise SystemExit(141) from None
