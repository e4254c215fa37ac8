"""Several documents as one: one HTML (the browser's `全卷.html`) or one WeasyPrint layout cut into PDFs.

Laying documents out as one WeasyPrint document shares the stylesheet, the fonts and the font subsetting
between them; each document is a <section> that starts a new page, found again after layout by its
anchor. The engine writes each document's pages without page numbers; `parts` stamps the archive page
numbers and assembles the combined PDF. weasyprint and pydyf are imported only here, and only when a PDF
is made.
"""

from __future__ import annotations

import re

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_BODY = re.compile(r"<body([^>]*)>(.*)</body>", re.S)
_CLASS = re.compile(r'class="([^"]*)"')
ANCHOR = "aftercare-doc-"
FOOTER = '@page { @bottom-center { content: "— " counter(page) " —"; font-family: %s; font-size: 14pt; } }'


def combine(pages: list[str], title: str) -> str:
    """Rendered HTML documents as one: the first one's stylesheet, then each body in a section of its own
    that starts on a new page (anchor `aftercare-doc-K`, K from 1)."""
    style = style_of(pages[0]) if pages else ""
    parts = []
    for k, html in enumerate(pages, 1):
        m = _BODY.search(html)
        attrs, inner = (m.group(1), m.group(2)) if m else ("", html)
        cls = _CLASS.search(attrs)
        parts.append(f'<section class="doc {cls.group(1) if cls else ""}" id="{ANCHOR}{k}">{inner}</section>')
    extra = ".doc + .doc { break-before: page; }\n"
    from markupsafe import escape

    return ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<meta name="generator" content="aftercare">\n'
            f"<title>{escape(title)}</title>\n<style>\n{style}\n{extra}\n</style>\n</head>\n<body>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n")


def unavailable(exc: Exception):
    """The one Chinese error when WeasyPrint cannot be used: not installed (ImportError), or installed
    without a system library it loads (OSError, which names the library)."""
    from aftercare.core.errors import AftercareError

    why = "未安装 weasyprint" if isinstance(exc, ImportError) else f"WeasyPrint 缺少系统库（{exc}）"
    return AftercareError(f"无法生成 PDF：{why}；请安装 weasyprint 及其系统依赖（见 README）", code="no-pdf")


# Called with the names of the documents each time an engine lays documents out (tests count renders).
RENDER_HOOKS: list = []


def style_of(html: str) -> str:
    """The stylesheet of a rendered document (every document inlines the same one)."""
    m = _STYLE.search(html)
    return m.group(1) if m else ""


def numbers_html(style: str, font: str, n: int) -> str:
    """n pages with nothing but the archive page number in the footer, 1 to n: laid out with the documents'
    own stylesheet (their @page margins) and the same footer rule, they are stamped onto the documents' pages
    (so nothing else may be painted: no page background)."""
    pages = "\n".join('<section class="num"></section>' for _ in range(n))
    return ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<style>\n'
            f"{style}\n{FOOTER % font}\nhtml, body {{ background: none !important; }}\n.num {{ height: 1px; }}\n"
            ".num + .num { break-before: page; }\n</style>\n</head>\n<body>\n"
            f"{pages}\n</body>\n</html>\n")


class WeasyPrint:
    """The PDF engine: WeasyPrint with one font configuration and a URL fetcher that fetches nothing
    (documents are self-contained; nothing leaves the machine)."""

    def __init__(self):
        import weasyprint  # noqa: F401  (the package first: a hidden or broken package is refused here)
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        class NoFetch(URLFetcher):
            def fetch(self, url, headers=None):
                raise ValueError(f"外部资源已禁用：{url}")

        self.fonts = FontConfiguration()
        self.fetcher = NoFetch()
        _share_font_files()

    def layout(self, html: str):
        from weasyprint import HTML

        return HTML(string=html, base_url=None, url_fetcher=self.fetcher).render(font_config=self.fonts)

    def documents(self, items: list[tuple[str, str]]) -> list[tuple[bytes, int]]:
        """(PDF, pages) of each (name, html) document, without page numbers. The documents are laid out as
        ONE WeasyPrint document (one stylesheet, one font set) and cut: each page is painted once."""
        if not items:
            return []
        for hook in RENDER_HOOKS:
            hook([name for name, _ in items])
        body = self.layout(combine([html for _, html in items], ""))
        return [(body.copy(body.pages[a:b]).write_pdf(), b - a) for a, b in spans(body, len(items))]

    def start(self, items: list[tuple[str, str]]):
        """`documents`, as the typst engine starts it: here laid out at once (WeasyPrint holds Python's lock)."""
        done = self.documents(items)
        return lambda: done

    def numbers(self, style: str, font: str, n: int) -> bytes:
        """A PDF of n pages numbered 1..n in the footer, nothing else (see numbers_html)."""
        return self.layout(numbers_html(style, font, n)).write_pdf()


PdfMaker = WeasyPrint          # the monthly report lays its one page out through the same set-up


def spans(document, n: int) -> list[tuple[int, int]]:
    """The page range [a, b) of each of the n sections of a combined document."""
    starts = {}
    for i, page in enumerate(document.pages):
        for name in page.anchors:
            if name.startswith(ANCHOR):
                starts.setdefault(int(name[len(ANCHOR):]), i)
    firsts = [starts[k] for k in range(1, n + 1)]
    return [(a, firsts[k + 1] if k + 1 < n else len(document.pages)) for k, a in enumerate(firsts)]


def _share_font_files() -> None:
    """WeasyPrint copies a font's whole file into Python for every font of every PDF it writes (a CJK font
    is 20 MB; a case's archive writes ~85 PDFs). The file is the same memory each time: copy it once.
    Keyed by the blob's address and length, which stay the same while the font configuration that holds
    the face lives (the job's). Only the plain face-blob case is shared; anything unexpected is left alone."""
    try:
        import weasyprint.pdf.fonts as pdf_fonts
        from weasyprint.text.ffi import ffi, harfbuzz
    except ImportError:
        return
    original = getattr(pdf_fonts, "get_hb_object_data", None)
    if original is None or getattr(original, "_aftercare_shared", False):
        return
    copies: dict = {}

    def shared(hb_object, ot_color=None, glyph=None):
        if ot_color is not None or glyph is not None:
            return original(hb_object, ot_color, glyph)
        blob = harfbuzz.hb_face_reference_blob(hb_object)
        try:
            with ffi.new("unsigned int *") as length:
                data = harfbuzz.hb_blob_get_data(blob, length)
                if data == ffi.NULL:
                    return None
                key = (int(ffi.cast("uintptr_t", data)), int(length[0]))
                found = copies.get(key)
                if found is None:
                    found = copies[key] = ffi.unpack(data, key[1])
                return found
        finally:
            harfbuzz.hb_blob_destroy(blob)

    shared._aftercare_shared = True
    pdf_fonts.get_hb_object_data = shared
