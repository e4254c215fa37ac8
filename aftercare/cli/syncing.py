"""sync: pull (rebase) and push with the store's git remote."""


from typing import Annotated, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import StoreOpt, handle, open_store, say


@app.command("sync")
@handle
def sync(
    remote: Annotated[Optional[str], typer.Option("--remote", help="远程仓库名（默认 origin）")] = None,
    store: StoreOpt = None,
) -> None:
    """与共享的 git 远程仓库同步：先拉取（变基）再推送。"""
    from aftercare.store.sync import sync as do_sync

    say(do_sync(open_store(store), remote or "origin"))
