"""render: the archive documents (一人一档)."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from aftercare.cli import app
from aftercare.cli.common import StoreOpt, handle, note, open_store, say, today

Opt = typer.Option


@app.command("render")
@handle
def render(
    case: Annotated[Optional[str], typer.Argument(help="个案编号（或用 --all）")] = None,
    all_: Annotated[bool, Opt("--all", help="全部个案")] = False,
    measure_no: Annotated[Optional[int], Opt("--measure-no", help="打印第几项措施的档案（序号见 show 的“措施经过”，"
                                                              "只限社区戒毒、社区康复；默认最近一项；"
                                                              "较早措施的档案放在 <个案编号>-第N项措施 文件夹）")] = None,
    out: Annotated[Optional[Path], Opt("--out", help="输出目录（默认案卷库的 out/）")] = None,
    fmt: Annotated[str, Opt("--format", help="html 或 pdf")] = "html",
    engine: Annotated[str, Opt("--engine", help="PDF 排版引擎：auto（默认：typst；案卷库有自己的模板时用 weasyprint）、typst 或 weasyprint")] = "auto",
    store: StoreOpt = None,
) -> None:
    """生成一人一档文书（卷皮、卷内目录、18 种文书），可打印的 HTML 或 PDF。"""
    from aftercare.core.errors import AftercareError
    from aftercare.documents import render as R

    if fmt not in ("html", "pdf"):
        raise AftercareError(f"格式“{fmt}”无效，应为 html 或 pdf", code="bad-format")
    if bool(case) == bool(all_):
        raise AftercareError("请指定一个个案编号，或使用 --all（二者选一）")
    if all_ and measure_no is not None:
        raise AftercareError("--measure-no 只用于一个个案（--all 打印每人最近一项措施的档案）", code="bad-option")
    s = open_store(store)
    out_dir = out or (s.root / "out")
    day = today()
    if case:
        files = R.render_case(s, case, out_dir, fmt, day, engine=engine, measure_no=measure_no)
        which = f"第 {measure_no} 项措施" if measure_no is not None else ""
        say(f"已生成个案 {case} {which}的档案 {len(files)} 个文件：{files[0].parent}")
        _font_note(s, fmt)
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("生成档案", total=None)

        def tick(done, total, cid):
            progress.update(task, total=total, completed=done, description=f"生成档案 {cid}")

        files = R.render_all(s, out_dir, fmt, day, progress=tick, engine=engine)
    say(f"已生成 {len(s.case_ids())} 个个案的档案，共 {len(files)} 个文件：{out_dir}")
    _font_note(s, fmt)


def _font_note(store, fmt: str) -> None:
    """After PDFs were made (never before a refusal, whose one line stays alone): the body font used
    when FangSong is missing; once per command, not per case."""
    from aftercare.documents import render as R

    text = R.font_note(store) if fmt == "pdf" else ""
    if text:
        note(text)
