"""staff add / list / remove: the office's staff list; every --worker must name someone on it."""


import json
from typing import Annotated, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import FormatOpt, StoreOpt, handle, open_store, say, show_result, table

staff_app = typer.Typer(help="工作人员名单：添加、查看、移除（--worker 必须是名单上的人）", no_args_is_help=True)
app.add_typer(staff_app, name="staff")

Opt = typer.Option


@staff_app.command("add")
@handle
def staff_add(
    name: Annotated[str, typer.Argument(help="姓名")],
    role: Annotated[Optional[str], Opt("--role", help="职务：worker 专职社工 / police 社区民警 / doctor 医生 / volunteer 志愿者（默认 worker）",
                                       show_default=False)] = None,
    phone: Annotated[Optional[str], Opt("--phone", help="联系电话", show_default=False)] = None,
    store: StoreOpt = None,
) -> None:
    """把一名工作人员加入名单（写入 aftercare.yaml 的 staff，注释保留）。"""
    from aftercare.actions import staff

    show_result(staff.add_staff(open_store(store), name, role, phone))


@staff_app.command("list")
@handle
def staff_list(fmt: FormatOpt = "table", store: StoreOpt = None) -> None:
    """工作人员名单：姓名、职务、电话、负责的个案数。"""
    from aftercare.actions import staff
    from aftercare.core.errors import AftercareError

    if fmt not in ("table", "json"):
        raise AftercareError(f"输出格式“{fmt}”无效，应为 table 或 json")
    s = open_store(store)
    rows = [{**p, "cases": len(staff.cases_of(s, p["name"]))} for p in staff.roster(s)]
    if fmt == "json":
        say(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        say("工作人员名单为空（用 aftercare staff add 姓名 --role worker 添加）")
        return
    say(table(["姓名", "职务", "电话", "负责个案"],
              [[r["name"], staff.role_label(r["role"]) or "—", r["phone"] or "—", r["cases"]] for r in rows]))
    say(f"共 {len(rows)} 人")


@staff_app.command("remove")
@handle
def staff_remove(name: Annotated[str, typer.Argument(help="姓名")], store: StoreOpt = None) -> None:
    """从名单移除一名工作人员（仍有个案由其负责时拒绝）。"""
    from aftercare.actions import staff

    show_result(staff.remove_staff(open_store(store), name))
