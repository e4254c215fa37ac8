"""kept list / apply / drop: commits that the repair of an interrupted sync could not put back on the branch."""


import json
from typing import Annotated

import typer

from aftercare.cli import app
from aftercare.cli.common import FormatOpt, StoreOpt, check_format, handle, open_store, say

kept_app = typer.Typer(help="中断的同步之后做的、未能自动接回分支的提交（已完整保存）：查看、接回、放弃", no_args_is_help=True)
app.add_typer(kept_app, name="kept")

CommitArg = Annotated[str, typer.Argument(help="保存的提交的编号（aftercare kept list 显示的前几位即可）")]


@kept_app.command("list")
@handle
def kept_list(fmt: FormatOpt = "table", store: StoreOpt = None) -> None:
    """每条保存的提交：编号、时间、记录人、涉及的个案，以及它增删的行。"""
    from aftercare.store import kept

    check_format(fmt, ("table", "json"))
    s = open_store(store)
    rows = [{**kept.describe(s.git, c), "changes": kept.changes(s.git, c)} for c in kept.kept_commits(s.git)]
    if fmt == "json":
        say(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        say("没有保存的提交")
        return
    for r in rows:
        say(f"{r['short']}  {r['when']}  {r['author']}  {'、'.join(r['cases']) or '—'}  {r['subject']}")
        for line in r["changes"]:
            say("    " + line)
    say(f"共 {len(rows)} 条：aftercare kept apply 编号 接回分支；已按其内容重新录入或不需要的，aftercare kept drop 编号 放弃")


@kept_app.command("apply")
@handle
def kept_apply(commit: CommitArg, store: StoreOpt = None) -> None:
    """把一条保存的提交接回分支（一次提交）；与分支上的改动冲突时拒绝，并说明哪一项、两边的值。"""
    from aftercare.store import kept

    say(kept.apply(open_store(store), commit))


@kept_app.command("drop")
@handle
def kept_drop(commit: CommitArg, store: StoreOpt = None) -> None:
    """放弃一条保存的提交（其内容已重新录入，或确认不需要）：check 不再报告它。"""
    from aftercare.store import kept

    say(kept.drop(open_store(store), commit))
