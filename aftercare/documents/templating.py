"""The Jinja environment: the store's own templates first, then the shipped ones; the filters."""

from __future__ import annotations

from datetime import date
import os
import re
from pathlib import Path
from typing import Any

from aftercare.core.dates import cn
from aftercare.core.errors import AftercareError
from aftercare.documents.catalogue import cn_count
from aftercare.documents.context import money, txt

_SHIPPED: list[Path] = []
COMPILED_DIR = "aftercare-templates"      # in the store's git directory: compiled templates (see _compiled_cache)


def shipped_templates() -> Path:
    """The folder of the templates that ship with the program.

    The project keeps them in the top-level `templates/` folder; pyproject.toml maps that folder into the
    package as `aftercare.templates` (package data), so an installed wheel has them inside
    `site-packages/aftercare/templates`, found here through importlib. Only a source checkout that is run
    without being installed (PYTHONPATH, or an editable install of another checkout) uses the checkout's
    own `templates/`, recognised by the pyproject.toml beside it; nothing outside the package is ever
    looked at in an installed program."""
    if _SHIPPED:
        return _SHIPPED[0]
    import importlib.resources
    import importlib.util

    import aftercare

    pkg = Path(aftercare.__file__).resolve().parent
    try:
        spec = importlib.util.find_spec("aftercare.templates")
    except (ImportError, ValueError):
        spec = None
    found = Path(str(importlib.resources.files("aftercare.templates"))) if spec is not None else None
    if found is None or not found.is_relative_to(pkg):
        checkout = pkg.parent
        project = checkout / "pyproject.toml"
        if (project.is_file() and (checkout / "templates" / "base.html.j2").is_file()
                and 'name = "aftercare"' in project.read_text(encoding="utf-8", errors="replace")):
            found = checkout / "templates"
    if found is None or not (found / "base.html.j2").is_file():
        raise AftercareError("找不到随程序安装的文书模板（aftercare.templates）；请重新安装：pip install .",
                             code="bad-template")
    _SHIPPED.append(found)
    return found


class Templates:
    """A sandboxed, autoescaping Jinja environment over the store's templates, then the shipped ones."""

    def __init__(self, store):
        from jinja2 import FileSystemLoader
        from jinja2.sandbox import SandboxedEnvironment

        self.store = store
        self.dirs = []
        own = Path(store.root) / "templates"
        if own.is_dir():
            self.dirs.append(own)
        self.dirs.append(shipped_templates())
        root = Path(store.root)

        class _NoSymlinks(FileSystemLoader):
            """The store's own templates may not be symlinks (one to /etc/passwd would be printed)."""

            def get_source(self, environment, template):
                from aftercare.store.fsutil import check_inside

                source, filename, uptodate = super().get_source(environment, template)
                if os.path.abspath(filename).startswith(os.path.abspath(root) + os.sep):
                    check_inside(root, Path(filename), "读取")
                return source, filename, uptodate

        self.env = SandboxedEnvironment(loader=_NoSymlinks([str(d) for d in self.dirs], encoding="utf-8"),
                                        autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                                        cache_size=-1)
        self.env.filters.update(cn=_f_cn, cnp=_f_cn_plain, dot=_f_dot, fill=_f_fill, txt=_txt_markup, lines=_f_lines, cb=_f_cb, money=money,
                                cn_count=cn_count, whole_dates=_f_whole_dates)
        self.env.bytecode_cache = _compiled_cache(store, self.env)
        self._cache: dict = {}

    def where(self, filename: str | None) -> str:
        if not filename:
            return "templates/?"
        p = Path(filename)
        try:
            return str(p.resolve().relative_to(Path(self.store.root).resolve()))
        except ValueError:
            pass
        try:
            return str(p.resolve().relative_to(shipped_templates().parent))
        except ValueError:
            return str(p)

    def get(self, name: str):
        t = self._cache.get(name)
        if t is not None:
            return t
        from jinja2 import TemplateNotFound, TemplateSyntaxError

        try:
            t = self.env.get_template(name)
        except TemplateSyntaxError as exc:
            raise AftercareError(f"{self.where(exc.filename)}:{exc.lineno}: 模板错误：{exc.message}",
                                 code="bad-template") from None
        except TemplateNotFound as exc:
            raise AftercareError(f"找不到模板 {exc.name}（查找位置：{'、'.join(map(str, self.dirs))}）",
                                 code="bad-template") from None
        self._cache[name] = t
        return t

    def render(self, name: str, ctx: dict) -> str:
        from jinja2 import TemplateError, TemplateSyntaxError

        t = self.get(name)
        try:
            return t.render(ctx)
        except TemplateSyntaxError as exc:      # a broken template reached through include/extends
            raise AftercareError(f"{self.where(exc.filename)}:{exc.lineno}: 模板错误：{exc.message}",
                                 code="bad-template") from None
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError) as exc:
            where, line = self._locate(exc, t.filename)
            raise AftercareError(f"{where}:{line}: 模板错误：{type(exc).__name__}: {exc}", code="bad-template") from None

    def _locate(self, exc: BaseException, default: str | None) -> tuple[str, int]:
        """The template file and line an error was raised in (jinja rewrites tracebacks to point there)."""
        found = (default, 1)
        tb = exc.__traceback__
        roots = tuple({str(d) for d in self.dirs} | {str(d.resolve()) for d in self.dirs})
        while tb is not None:
            fn = tb.tb_frame.f_code.co_filename
            if fn.startswith(roots):
                found = (fn, tb.tb_lineno)
            tb = tb.tb_next
        return self.where(found[0]), found[1]


def _compiled_cache(store, env):
    """Jinja's compiled templates, kept between commands (compiling the ~20 templates is a tenth of a second,
    most of a re-render after one record). They live in the store's git directory, `.git/aftercare-templates/
    <options>/`, where no commit, pull or clone can put a file — compiled templates are Python code (whoever
    can write there can already run code through git's hooks) — and apart from the read cache, which holds
    plain data only. Each entry is checked against its template's source (Jinja's checksum); the folder's
    name holds what else the compiled code depends on (Jinja's and Python's versions, the environment's
    options, the filters' and tests' names). A store outside git, or a folder that cannot be read or
    written, compiles every time."""
    import hashlib
    import sys

    import jinja2
    from jinja2.bccache import BytecodeCache

    git_dir = getattr(store, "git_dir", None)
    if git_dir is None or not getattr(store, "use_cache", True):
        return None
    opts = (jinja2.__version__, sys.version, type(env).__name__, env.autoescape, env.trim_blocks, env.lstrip_blocks,
            env.keep_trailing_newline, env.newline_sequence, env.block_start_string, env.variable_start_string,
            env.comment_start_string, env.line_statement_prefix, env.line_comment_prefix, tuple(sorted(env.filters)),
            tuple(sorted(env.tests)))
    folder = Path(git_dir) / COMPILED_DIR / hashlib.sha1(repr(opts).encode()).hexdigest()[:16]

    class Compiled(BytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                data = (folder / f"{bucket.key}.cache").read_bytes()
            except OSError:
                return
            try:
                bucket.bytecode_from_string(data)   # a wrong magic or checksum (the source changed) resets it
            except Exception:                       # noqa: BLE001 (a torn or foreign file: compile instead)
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            from aftercare.store.fsutil import atomic_write

            try:
                atomic_write(folder / f"{bucket.key}.cache", bucket.bytecode_to_string(), durable=False)
            except OSError:
                pass

    return Compiled()


def _markup(s: str):
    from markupsafe import Markup

    return Markup(s)


def _esc(value) -> Any:
    from markupsafe import escape

    return escape(value)


_DATE_BLANK = '<span class="dblank">\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日</span>'


def _f_cn(value, blank: bool = True):
    """2026年5月14日, never broken across lines; a date to fill in by hand when unknown."""
    if isinstance(value, date):
        return _markup('<span class="nw">') + cn(value) + _markup("</span>")
    if value in (None, ""):
        return _markup(_DATE_BLANK) if blank else ""
    return txt(value)


def _f_cn_plain(value, blank: bool = True):
    """2026年5月14日 as plain text (table columns kept whole by the stylesheet)."""
    return cn(value) if isinstance(value, date) else _f_cn(value, blank)


_CN_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def _f_whole_dates(value):
    """Text whose dates (2026年11月19日) are each kept whole: a line may break between two dates of a span
    (2024年1月17日至2026年8月20日) or around one, never inside one."""
    text = txt(value) if not isinstance(value, str) else value
    out, at = _markup(""), 0
    for m in _CN_DATE.finditer(text):
        out += _esc(text[at:m.start()]) + _markup('<span class="nw">') + _esc(m.group()) + _markup("</span>")
        at = m.end()
    return out + _esc(text[at:])


def _f_dot(value):
    """2026.5.14, for narrow table cells."""
    if isinstance(value, date):
        return f"{value.year}.{value.month}.{value.day}"
    return txt(value)


def _f_fill(value, width: int = 6):
    """A value underlined in running text; an empty rule line to write on when unknown."""
    text = value.strip() if isinstance(value, str) else txt(value)
    if not text:
        return _markup(f'<span class="fill blank" style="min-width:{int(width)}em">\u00a0</span>')
    return _markup('<span class="fill">') + _esc(text) + _markup("</span>")


def _txt_markup(value):
    return txt(value)


def _f_lines(value, n: int = 3):
    """Recorded text, keeping its line breaks, followed by ruled blank lines up to `n` lines."""
    text = txt(value) if not isinstance(value, str) else value
    parts = [_esc(x) for x in text.splitlines()] if text else []
    out = _markup('<div class="ruled">')
    for x in parts:
        out += _markup('<div class="rl">') + x + _markup("</div>")
    for _ in range(max(0, int(n) - len(parts))):
        out += _markup('<div class="rl">\u00a0</div>')
    return out + _markup("</div>")


def _f_cb(on, label: str = ""):
    """A check box (√ when on) with its label."""
    mark = "√" if on else "\u00a0"
    return _markup(f'<span class="nw"><span class="cb">{mark}</span>') + _esc(label) + _markup("</span>")


