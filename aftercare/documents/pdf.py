"""Several documents as one: one HTML (the browser's `全卷.html`) or one WeasyPrint layout cut into PDFs.

Laying a case's documents out as one WeasyPrint document shares the stylesheet, the fonts and the font
subsetting between them; each document is a <section> that starts a new page, found again after layout
by its anchor. weasyprint and pydyf are imported only here, and only when a PDF is made.
"""

from __future__ import annotations

import re

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_BODY = re.compile(r"<body([^>]*)>(.*)</body>", re.S)
_CLASS = re.compile(r'class="([^"]*)"')
ANCHOR = "aftercare-doc-"
FOOTER = '@page { @bottom-center { content: "— " counter(page) " —"; font-family: %s; font-size: 14pt; } }'


def combine(pages: list[str], title: str, numbered: bool = False, font: str = "serif") -> str:
    """Rendered HTML documents as one: the first one's stylesheet, then each body in a section of its own
    that starts on a new page (anchor `aftercare-doc-K`, K from 1). `numbered`: archive page numbers in the
    footer (in `font`, a CSS font-family value), running on from 1."""
    style = _STYLE.search(pages[0]).group(1) if pages and _STYLE.search(pages[0]) else ""
    parts = []
    for k, html in enumerate(pages, 1):
        m = _BODY.search(html)
        attrs, inner = (m.group(1), m.group(2)) if m else ("", html)
        cls = _CLASS.search(attrs)
        parts.append(f'<section class="doc {cls.group(1) if cls else ""}" id="{ANCHOR}{k}">{inner}</section>')
    extra = ".doc + .doc { break-before: page; }\n" + (FOOTER % font if numbered else "")
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


class PdfMaker:
    """WeasyPrint with one font configuration and a URL fetcher that fetches nothing (documents are
    self-contained; nothing leaves the machine)."""

    def __init__(self):
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

    @staticmethod
    def spans(document, n: int) -> list[tuple[int, int]]:
        """The page range [a, b) of each of the n sections of a combined document."""
        starts = {}
        for i, page in enumerate(document.pages):
            for name in page.anchors:
                if name.startswith(ANCHOR):
                    starts.setdefault(int(name[len(ANCHOR):]), i)
        firsts = [starts[k] for k in range(1, n + 1)]
        return [(a, firsts[k + 1] if k + 1 < n else len(document.pages)) for k, a in enumerate(firsts)]

    @staticmethod
    def write(document, pages, labels: list[tuple[int, str]] = (), numbered_from: int | None = None) -> bytes:
        """The PDF of some pages of a layout. `labels`: (first page index, label) for unnumbered parts;
        `numbered_from`: the page index labelled 1, so that a viewer's page number is the printed one."""
        finisher = None
        if labels or numbered_from is not None:
            def finisher(_doc, pdf):
                import pydyf

                nums = []
                for index, label in labels:
                    nums += [index, pydyf.Dictionary({"P": pydyf.String(label)})]
                if numbered_from is not None:
                    nums += [numbered_from, pydyf.Dictionary({"S": "/D", "St": 1})]
                pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(nums)})
        return document.copy(list(pages)).write_pdf(finisher=finisher)


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
