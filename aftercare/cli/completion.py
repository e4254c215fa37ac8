"""Shell completion (typer's bash, zsh and fish scripts): case IDs and staff names come from the store.

The completers read the folder names under cases/ and the staff list of aftercare.yaml only: no
events, no engine, so a Tab press answers at once even on a large store.
"""

from __future__ import annotations

from typing import Annotated

import typer
import typer.main

from aftercare.cli import app
from aftercare.cli.common import handle

SHELLS = ("bash", "zsh", "fish")
CASE_PARAMS = {"case"}
STAFF_PARAMS = {"worker", "by"}


def _root(ctx):
    """The store the command line being completed points at (its --store, else the usual search); None if none."""
    from aftercare.store import find_store

    store = None
    c = ctx
    while c is not None and store is None:
        store = (c.params or {}).get("store")
        c = c.parent
    if isinstance(store, (list, tuple)):
        store = store[0] if store else None
    try:
        return find_store(store)
    except Exception:  # noqa: BLE001 - no store: nothing to offer
        return None


def complete_cases(ctx, param, incomplete: str) -> list:
    from aftercare.store import directory

    root = _root(ctx)
    if root is None:
        return []
    if incomplete and not incomplete.isascii():          # a name being typed: offer names on the register
        return list([(p.name, p.case) for p in directory.people(root) if p.name.startswith(incomplete)])
    return list([(cid, None) for cid in directory.case_ids(root) if cid.startswith(incomplete)])


def complete_staff(ctx, param, incomplete: str) -> list:
    from aftercare.store import directory

    root = _root(ctx)
    if root is None:
        return []
    names = list(dict.fromkeys(directory.staff_names(root)))
    return list([(n, None) for n in names if n.startswith(incomplete)])


def attach(params) -> None:
    """Give the CASE and staff parameters of a command their completers, through click's public
    `Parameter.shell_complete(ctx, incomplete)` (set on the parameter itself)."""
    for p in params:
        if p.name in CASE_PARAMS:
            p.shell_complete = _adapt(complete_cases, p)
        elif p.name in STAFF_PARAMS and not (getattr(p, "help", "") or "").startswith("分组"):   # stats --by groups
            p.shell_complete = _adapt(complete_staff, p)


def _adapt(fn, param):
    def shell_complete(ctx, incomplete):
        item = _shell_completion().CompletionItem
        return [item(value, help=help_) for value, help_ in fn(ctx, param, incomplete)]

    return shell_complete


def _typer_internal(module: str, name: str):
    """A function of typer's completion support, which has no public API (typer adds it only as its own
    --install-completion option). Present with the same signature in typer 0.20 to 0.29; None if a
    later typer moves it, and then click's own completion scripts are used instead."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def init_shells() -> None:
    """Register typer's completion classes (typer does this only when it adds its own --install-completion)."""
    completion_init = _typer_internal("typer._completion_classes", "completion_init")
    if completion_init is not None:
        completion_init()


def completion_script(shell: str) -> str:
    init_shells()
    get_completion_script = _typer_internal("typer._completion_shared", "get_completion_script")
    if get_completion_script is not None:
        return get_completion_script(prog_name="aftercare", complete_var="_AFTERCARE_COMPLETE", shell=shell)
    sc = _shell_completion()
    cls = sc.get_completion_class(shell) or getattr(sc, shell.capitalize() + "Complete", None)   # click's own (typer < 0.26)
    if cls is None:
        from aftercare.core.errors import AftercareError

        raise AftercareError(f"当前安装的 typer 不提供 {shell} 的补全脚本；请安装 typer 0.20 至 0.29（见 README 的依赖说明）",
                             code="no-completion")
    return cls(typer.main.get_command(app), {}, "aftercare", "_AFTERCARE_COMPLETE").source()


def _shell_completion():
    """click's public `shell_completion` module (of the vendored click in typer >= 0.26)."""
    import importlib

    from aftercare.cli.usage import click

    return importlib.import_module(click.__name__ + ".shell_completion")


@app.command("completion")
@handle
def completion_cmd(
    shell: Annotated[str, typer.Argument(help="bash、zsh 或 fish")],
) -> None:
    """输出命令补全脚本（个案编号、工作人员姓名从案卷库补全）；安装方法见 README。"""
    from aftercare.core.errors import AftercareError

    if shell not in SHELLS:
        raise AftercareError(f"不支持的 shell“{shell}”，应为 bash、zsh 或 fish", code="bad-shell")
    typer.echo(completion_script(shell))
