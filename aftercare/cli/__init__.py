"""The command line: thin wrappers that parse options, call one library function and print."""


import os
import sys
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


# which modules register each top-level command; `main` imports only those of the command asked for
# (a small command's start-up stays small), anything else loads every module (tests check this map)
ALL_MODULES = ("agenda_cmd", "cases", "completion", "docs", "find_cmd", "kept", "lifecycle", "pathway", "records",
               "staff", "stats", "syncing")
COMMAND_MODULES = {
    "due": ("agenda_cmd",), "init": ("cases",), "demo": ("cases",), "show": ("cases",), "log": ("cases",),
    "check": ("cases",), "migrate": ("cases",), "case": ("cases", "pathway"), "completion": ALL_MODULES, "render": ("docs",),
    "find": ("find_cmd",), "leave": ("lifecycle",), "suspend": ("lifecycle",), "resume": ("lifecycle",),
    "terminate": ("lifecycle",), "release": ("lifecycle",), "explain": ("lifecycle",), "transfer": ("lifecycle",),
    "record": ("records", "pathway"), "void": ("records",), "staff": ("staff",), "stats": ("stats",),
    "export": ("stats",), "report": ("stats",), "sync": ("syncing",), "kept": ("kept",),
}
# a group whose sub-commands come from several modules: the modules each sub-command needs (a word not
# named here — a typo, `--help`, none — loads the group's every module, so that help and suggestions see all)
SUB_MODULES = {
    "record": dict.fromkeys(("report-in", "test", "visit", "report", "education", "support", "evaluation", "violation",
                             "family-change", "warning", "violation-report", "release-suggestion"), ("records",)),
    "case": dict.fromkeys(("add", "set", "list"), ("cases",)),
}
_ROOT_VALUE_OPTIONS = ("--store",)


def load(modules=ALL_MODULES):
    """Import the command modules (each registers its commands on `app`) and give them Chinese help."""
    import importlib

    from aftercare.cli.usage import localise

    for m in modules:
        importlib.import_module(f"aftercare.cli.{m}")
    localise(app)
    return app


def full_app():
    """The app with every command (tests, `--help`, completion)."""
    return load()


def modules_for(argv: list) -> tuple:
    """The command modules that `argv` needs: the first word that is not a root option (or its value)."""
    if any(k.startswith("_AFTERCARE_COMPLETE") for k in os.environ):
        return ALL_MODULES
    words = _command_words(argv)
    if not words:
        return ALL_MODULES
    if len(words) > 1 and words[1] in SUB_MODULES.get(words[0], {}):
        return SUB_MODULES[words[0]][words[1]]
    return COMMAND_MODULES.get(words[0], ALL_MODULES)


def _command_words(argv: list) -> list:
    """The words of `argv` from the command on (the root's options and --store's value left out)."""
    skip = False
    for i, a in enumerate(argv):
        if skip:
            skip = False
        elif a in _ROOT_VALUE_OPTIONS:
            skip = True
        elif not a.startswith("-"):
            return argv[i:]
    return []


def _name(info) -> str | None:
    if info.name:
        return info.name
    callback = getattr(info, "callback", None)
    return callback.__name__.lower().replace("_", "-") if callback is not None else None


def keep_only(typer_app, words: list) -> None:
    """Register on `typer_app` only the command that `words` runs (a group: only its sub-command named by
    the next word, when that word is one): typer builds, and checks, every registered command on each
    run, and one command's start-up need not pay for all. A word that names nothing (a typo, `--help`
    of a group, a missing sub-command) keeps that level whole, so that help and suggestions see all."""
    if not words:
        return
    commands = [c for c in typer_app.registered_commands if _name(c) == words[0]]
    groups = [g for g in typer_app.registered_groups if _name(g) == words[0]]
    if len(commands) + len(groups) != 1 or any(_name(x) is None for x in
                                                 (*typer_app.registered_commands, *typer_app.registered_groups)):
        return
    typer_app.registered_commands, typer_app.registered_groups = commands, groups
    if groups:
        keep_only(groups[0].typer_instance, words[1:])


def main() -> None:

    load(modules_for(sys.argv[1:]))
    if not any(k.startswith("_AFTERCARE_COMPLETE") for k in os.environ):
        keep_only(app, _command_words(sys.argv[1:]))
    code = 0
    try:
        app(prog_name="aftercare")
    except SystemExit as exc:
        code = exc.code
    finally:
        _flush_quietly()
    leave(code)


def leave(code) -> None:
    """End the process with `code` once the command is done and its output flushed, without the
    interpreter's teardown: freeing every object of every module loaded, one by one, costs a small
    command 15-30 ms, a quarter of its time, and frees nothing the system does not free at exit.
    The exit handlers still run first (`atexit`: temporary folders, logging); a thread still at work,
    or an exit with a message, takes the ordinary way out."""
    import atexit
    import threading

    if code is None:
        code = 0
    if not isinstance(code, int) or threading.active_count() != 1 or not hasattr(atexit, "_run_exitfuncs"):
        raise SystemExit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code & 0xFF)


def _flush_quietly() -> None:
    """Output still buffered when the reader has gone (`| head`): drop it without a traceback."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        from aftercare.cli.common import quiet_broken_pipe

        quiet_broken_pipe()
        raise SystemExit(141) from None
