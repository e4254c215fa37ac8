"""find: who is this person? (names, pinyin initials, case IDs, ID-number and phone fragments)."""


import json
from typing import Annotated

import typer

from aftercare.cli import app
from aftercare.cli.common import STATE, StoreOpt, handle, say, show_on_terminal


@app.command("find")
@handle
def find(
    text: Annotated[str, typer.Argument(help="姓名或其一部分、拼音首字母（如 zmm）、个案编号、身份证号或电话号码的一部分（至少 4 位）")],
    fmt: Annotated[str, typer.Option("--format", help="输出格式：table 或 json")] = "table",
    store: StoreOpt = None,
) -> None:
    """在名册中查找人员：姓名（含拼音首字母）、个案编号、身份证号片段、电话号码。"""
    from aftercare.core.errors import AftercareError
    from aftercare.store import find_store
    from aftercare.store.directory import people
    from aftercare.views.find import search

    if fmt not in ("table", "json"):
        raise AftercareError(f"输出格式“{fmt}”无效，应为 table 或 json", code="bad-enum")
    hits = search(people(find_store(store or STATE["store"])), text)
    if fmt == "json":
        say(json.dumps([{"case": p.case, "name": p.name, "worker": p.worker, "phone": p.phone, "id_number": p.id_number,
                         "matched": why} for p, why in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        raise AftercareError(f"没有找到与“{text}”相符的个案", code="not-found")
    show_on_terminal(_hits, hits)


def _hits(sink, hits) -> None:
    from aftercare.cli.output import table

    table(sink, ["编号", "姓名", "工作人员", "电话", "身份证号", "匹配"],
          [[p.case, p.name, p.worker or "—", p.phone or "—", p.id_number, why] for p, why in hits], flex=(5,))
    sink.write(f"共 {len(hits)} 人")
