"""Shell completion (typer's bash, zsh and fish scripts): case IDs and staff names come from the store.

The completers read the folder names under cases/ and the staff list of aftercare.yaml only: no
events, no engine, so a Tab press answers at once even on a large store.
"""

from __future__ import annotations

from typing import Annotated

import typer

from aftercare.cli import app

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
    """Give the CASE and staff parameters of a command their completers."""
    for p in params:
        if p.name in CASE_PARAMS:
            p._custom_shell_complete = _adapt(complete_cases)
        elif p.name in STAFF_PARAMS:
            p._custom_shell_complete = _adapt(complete_staff)


def _adapt(fn):
    def complete(ctx, param, incomplete):
        from typer.core import CompletionItem

        return [CompletionItem(value, help=help_) for value, help_ in fn(ctx, param, incomplete)]

    return complete


def init_shells() -> None:
    """Register typer's completion classes (typer does this only when it adds its own --install-completion)."""
    from typer._completion_classes import completion_init

    completion_init()


@app.command("completion")
def completion_cmd(
    shell: Annotated[str, typer.Argument(help="bash、zsh 或 fish")],
) -> None:
    """输出命令补全脚本（个案编号、工作人员姓名从案卷库补全）；安装方法见 README。"""
    from aftercare.cli.common import fail

    if shell not in SHELLS:
        fail(f"不支持的 shell“{shell}”，应为 bash、zsh 或 fish")
    init_shells()
    from typer._completion_shared import get_completion_script

    typer.echo(get_completion_script(prog_name="aftercare", complete_var="_AFTERCARE_COMPLETE", shell=shell))
