"""Help and usage errors in Chinese.

click writes its help boilerplate and usage errors in English, with no gettext catalogue to hook. So
the help page is written here from the parameters themselves, and a usage error is rebuilt in Chinese
from the exception's class and attributes (which option, which parameter, which type), never by
translating its English text.

Works with typer 0.20 to 0.29 (README, dependencies). What it leans on, and why:
- `typer.core.TyperGroup` / `TyperCommand`: the classes typer builds, subclassed through the documented
  `cls=` hook (here set on the app's registered commands, `localise`).
- click's public API (`Command.format_help`, `get_help_option`, `Group.resolve_command`, `main`, the
  exception classes and their attributes). typer >= 0.26 vendors click as `typer._click` (an internal
  module name: the one import of it is below, with the fallback to click itself for typer < 0.26).
- a parameter's type: click's `param.type` (typer < 0.29) or typer's `param.type_descriptor` (0.29),
  read defensively in `_type_of`.
"""

from __future__ import annotations

import os
import sys
from difflib import get_close_matches
from pathlib import PurePath

import typer.core

try:  # typer >= 0.26 vendors click (internal module name; no public alias exists)
    from typer import _click as click
except ImportError:  # typer < 0.26 runs on click itself
    import click

# click >= 8.2 raises this for a group called without a command; older click exits 0 after the help
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())

from aftercare.cli.text import pad, term_width, width, wrap

PROG = "aftercare"

# metavars: what to type, in Chinese (options by name, arguments by parameter name)
OPTION_METAVARS = {
    "--date": "日期", "--on": "日期", "--from": "日期", "--reported-on": "日期", "--notified-on": "日期",
    "--decided-on": "日期", "--within": "天数", "--days": "天数", "--limit": "条数", "--case": "个案编号",
    "--worker": "姓名", "--by": "姓名", "--name": "姓名", "--format": "格式", "--store": "目录", "--out": "目录",
    "--id-number": "身份证号", "--measure": "措施", "--phone": "电话", "--address": "住址", "--household": "户籍",
    "--risk": "风险等级", "--term-months": "月数", "--id": "个案编号", "--result": "结果", "--method": "方式",
    "--kind": "类别", "--note": "说明", "--reason": "原因", "--amount": "金额", "--remote": "远程名",
    "--bundle": "文件", "--destination": "目的地", "--status": "状态", "--office": "名称", "--township": "名称",
    "--county": "名称", "--place": "地点", "--met": "对象", "--guarantor": "姓名", "--notice-no": "文号",
    "--issued-by": "机关", "--early-reason": "原因", "--opinion": "意见", "--proof": "材料", "--decision-no": "文号",
    "--decided-by": "机关", "--delegated-to": "机关", "--role": "角色", "--output": "文件", "--measure-no": "序号",
}
ARGUMENT_METAVARS = {
    "case": "个案编号", "directory": "目录", "leave_id": "请假编号", "kind": "事项", "deadline": "期限",
    "bundle": "文件", "text": "文字", "event_id": "记录编号", "name": "姓名", "shell": "终端类型",
}
HELP_TEXTS = {
    "help": "显示本帮助并退出",
    "install_completion": "为当前 shell 安装命令补全",
    "show_completion": "显示当前 shell 的补全脚本（可复制后自行安装）",
}


def metavar(param) -> str:
    """The Chinese placeholder shown for a parameter's value."""
    if _is_argument(param):
        return ARGUMENT_METAVARS.get(param.name, "参数")
    if (getattr(param, "help", "") or "").startswith("分组"):        # stats --by: a grouping, not a person
        return "分组"
    for opt in param.opts:
        if opt in OPTION_METAVARS:
            if opt in ("--to", "--from") and "日期" not in (param.help or ""):
                return "地点"
            return OPTION_METAVARS[opt]
    if "日期" in (getattr(param, "help", "") or ""):
        return "日期"
    return {"integer": "数字", "float": "数字", "path": "路径", "boolean": "是否"}.get(_type_of(param)[0], "文本")


def _type_of(param) -> tuple[str, tuple | None]:
    """(click's type name — integer, float, path, boolean, text, choice —, the choices or None)."""
    t = getattr(param, "type", None)                    # click's ParamType (typer < 0.29)
    if t is not None:
        name = getattr(t, "name", "")
        return ("integer" if name == "int" else name), getattr(t, "choices", None)
    d = getattr(param, "type_descriptor", None)         # typer >= 0.29 describes the annotation instead
    ann = getattr(d, "annotation", None)
    if ann is bool:
        name = "boolean"
    elif ann is int:
        name = "integer"
    elif ann is float:
        name = "float"
    elif getattr(d, "is_path", False) or (isinstance(ann, type) and issubclass(ann, PurePath)):
        name = "path"
    else:
        name = "text"
    choices = getattr(d, "choices", None)
    return name, (tuple(choices) if choices else None)


def _is_argument(param) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _is_flag(param) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


def usage_line(ctx) -> str:
    cmd = ctx.command
    pieces = [ctx.command_path]
    if any(p.param_type_name == "option" for p in cmd.get_params(ctx)):
        pieces.append("[选项]")
    for p in cmd.get_params(ctx):
        if _is_argument(p):
            pieces.append(metavar(p) if p.required else f"[{metavar(p)}]")
    if isinstance(cmd, typer.core.TyperGroup):
        pieces.append("命令 [参数]…")
    return "用法：" + " ".join(pieces)


def _rows(cols: int, rows: list[tuple[str, str]]) -> list[str]:
    if not rows:
        return []
    first = min(max(width(a) for a, _ in rows), max(12, cols // 3))
    out = []
    for a, b in rows:
        room = max(cols - first - 4, 20)
        body = wrap(b, room) if b else [""]
        if width(a) > first:
            out.append("  " + a)
            out.extend(" " * (first + 4) + ln for ln in body if ln)
            continue
        out.append("  " + pad(a, first) + "  " + body[0])
        out.extend(" " * (first + 4) + ln for ln in body[1:])
    return [ln.rstrip() for ln in out]


def format_help(cmd, ctx) -> str:
    cols = min(term_width(100), 100)
    lines = [usage_line(ctx), ""]
    if cmd.help:
        for para in cmd.help.strip().split("\n\n"):
            lines.extend("  " + ln for ln in wrap(" ".join(para.split("\n")), cols - 2))
            lines.append("")
    args, opts = [], []
    help_option = cmd.get_help_option(ctx)
    for p in cmd.get_params(ctx):
        if getattr(p, "hidden", False):
            continue
        extra = []
        default = getattr(p, "default", None)
        if (p.param_type_name == "option" and not _is_flag(p) and p.show_default is not False
                and default not in (None, "", False, ()) and not callable(default)):
            extra.append(f"默认：{default}")
        if p.required:
            extra.append("必填")
        text = HELP_TEXTS["help"] if p is help_option else (HELP_TEXTS.get(p.name) or getattr(p, "help", None)
                                                            or _declared_help(cmd, p))
        if extra:
            text = f"{text}  [{'；'.join(extra)}]".strip()
        if _is_argument(p):
            args.append((metavar(p), text))
        else:
            names = ", ".join(sorted(p.opts, key=len))
            args_or_opts = names if _is_flag(p) else f"{names} {metavar(p)}"
            opts.append((args_or_opts, text))
    if args:
        lines += ["参数："] + _rows(cols, args) + [""]
    if opts:
        lines += ["选项："] + _rows(cols, opts) + [""]
    if isinstance(cmd, typer.core.TyperGroup):
        subs = []
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            subs.append((name, (sub.short_help or (sub.help or "").strip().split("\n")[0]).strip()))
        if subs:
            lines += ["命令："] + _rows(cols, subs) + [""]
            lines.append(f"运行 {ctx.command_path} 命令 -h 查看各命令的用法。")
    return "\n".join(lines).rstrip() + "\n"


def _declared_help(cmd, param) -> str:
    """An argument's help as declared (`typer.Argument(help=...)`), for typer < 0.26 on click >= 8.5, whose
    Argument.__init__ resets the help typer stored just before; "" when there is none."""
    import inspect
    import typing

    if not _is_argument(param) or getattr(cmd, "callback", None) is None:
        return ""
    try:
        hints = typing.get_type_hints(inspect.unwrap(cmd.callback), include_extras=True)
    except Exception:  # noqa: BLE001 - a help text is not worth failing --help for
        return ""
    for meta in getattr(hints.get(param.name), "__metadata__", ()):
        if getattr(meta, "help", None):
            return meta.help
    return ""


def _hint(ctx) -> str:
    path = ctx.command_path if ctx is not None else PROG
    return f"（运行 {path} -h 查看用法）"


def _param_name(param) -> str:
    if param is None:
        return "参数"
    if _is_argument(param):
        return f"参数 {metavar(param)}"
    return f"选项 {max(param.opts, key=len)}"


def usage_message(exc) -> str:
    """One Chinese line for a click usage error, built from the exception's class and attributes."""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, ZhUsageError):
        msg = exc.message
    elif isinstance(exc, click.exceptions.NoSuchOption):
        msg = f"没有选项 {exc.option_name}"
        if exc.possibilities:
            msg += f"，可能是：{'、'.join(sorted(exc.possibilities))}"
    elif isinstance(exc, click.exceptions.MissingParameter):
        param = exc.param
        if _is_argument(param):
            msg = f"缺少{_param_name(param)}"
        else:
            msg = f"缺少必填的{_param_name(param)}" + (f" {metavar(param)}" if param is not None else "")
    elif isinstance(exc, click.exceptions.BadParameter):
        param = exc.param
        kind, choices = _type_of(param)
        want = {"integer": "应为整数", "float": "应为数字", "path": "路径不可用", "boolean": "应为是或否"}.get(kind, "")
        if choices:
            want = "应为 " + " / ".join(map(str, choices)) + " 之一"
        msg = f"{_param_name(param)} 的值无效" + (f"：{want}" if want else "")
    elif isinstance(exc, click.exceptions.BadOptionUsage):
        if "does not take a value" in exc.message:
            msg = f"选项 {exc.option_name} 不带值"
        else:
            msg = f"选项 {exc.option_name} 需要一个值"
    elif "unexpected extra argument" in exc.message:
        extra = exc.message.rsplit("(", 1)[-1].rstrip(")")
        msg = f"多余的参数“{extra}”"
    elif "Missing command" in exc.message:
        msg = "缺少命令"
    else:
        msg = "命令用法不正确"
    return f"错误：{msg}{_hint(ctx)}"


class ZhUsageError(click.exceptions.UsageError):
    """A usage error whose message is already Chinese."""


class ZhCommand(typer.core.TyperCommand):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from aftercare.cli.completion import attach

        attach(self.params)

    def format_help(self, ctx, formatter) -> None:
        formatter.write(format_help(self, ctx))

    def parse_args(self, ctx, args):
        return _in_context(super().parse_args, ctx, args)


def _in_context(parse, ctx, args):
    """click's parser raises some usage errors (an option without its value) without the command's
    context: give it, so the hint names this command's help, not the program's."""
    try:
        return parse(ctx, args)
    except click.exceptions.UsageError as exc:
        if exc.ctx is None:
            exc.ctx = ctx
        raise


class ZhGroup(typer.core.TyperGroup):
    def format_help(self, ctx, formatter) -> None:
        formatter.write(format_help(self, ctx))

    def parse_args(self, ctx, args):
        return _in_context(super().parse_args, ctx, args)

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            close = get_close_matches(name, list(self.commands))
            msg = f"没有命令“{name}”" + (f"，可能是：{'、'.join(close)}" if close else "")
            raise ZhUsageError(msg, ctx)
        return super().resolve_command(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if os.environ.get(complete_var or f"_{prog_name or PROG}_COMPLETE".replace("-", "_").upper()):
            from aftercare.cli.completion import init_shells       # a shell asks for completions

            init_shells()
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
        except _NO_ARGS_IS_HELP as exc:
            click.echo(exc.ctx.get_help(), err=True)
            code = 2
        except click.exceptions.UsageError as exc:
            click.echo(usage_message(exc), err=True)
            code = 2
        except typer.Abort:
            click.echo("已取消", err=True)
            code = 1
        except click.exceptions.ClickException as exc:   # e.g. a file option that cannot be opened
            click.echo(f"错误：{exc.format_message()}", err=True)
            code = exc.exit_code
        if not standalone_mode:
            return code
        sys.exit(code)


def localise(app) -> None:
    """Give every group and command of a typer app the Chinese help and errors (call once, after all are added)."""
    app.info.cls = ZhGroup
    for info in app.registered_commands:
        if info.cls in (None, typer.core.TyperCommand):
            info.cls = ZhCommand
    for group in app.registered_groups:
        group.cls = ZhGroup
        localise(group.typer_instance)
