"""The typst PDF engine: the documents' own HTML, set by typst instead of WeasyPrint.

The templates stay the one source of every document (Jinja, autoescaped HTML: the HTML files, the golden
files and a store's overrides all come from them). This module reads the HTML the templates produced — the
small vocabulary of elements and classes that templates/style.css styles — and writes typst markup for it,
following that stylesheet: the A4 page and its margins, the font chains, sizes and line heights, tables
with their column widths, check boxes, fill-in lines, the GB/T 9704 head, the seal area, the receipt to cut
off. typst (a self-contained wheel, no system libraries) sets a case's archive in a fraction of
WeasyPrint's time; a store with its own templates or stylesheet is set by WeasyPrint, which reads any CSS.

Every piece of text reaches typst through ONE function, `lit`, as a typst string literal (`#"…"`, with `\\`
and `"` escaped): nothing a person typed — `#`, `$`, `*`, `_`, `@`, `<label>`, `[`, `]`, `//`, `{{ }}` — is
ever read as typst markup or code. Markup is only ever written by this module.
"""

from __future__ import annotations

import re

VOID = {"br", "col", "meta", "img", "hr", "link", "input", "wbr"}
SKIP = {"head", "style", "title", "script", "template"}
BLOCK = {"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ol", "ul", "li", "section", "body", "html",
         "thead", "tbody", "tr", "td", "th", "blockquote", "pre", "article", "header", "footer", "main", "nav"}
_WS = re.compile(r"[ \t\r\n\f]+")
_LEN = re.compile(r"^\s*(-?[\d.]+)\s*(em|pt|mm|cm|px|%)\s*$")


# ---------------------------------------------------------------- the HTML, as a tree


class Node:
    __slots__ = ("tag", "attrs", "cls", "kids", "cols")

    def __init__(self, tag: str, attrs: dict):
        self.tag, self.attrs, self.kids, self.cols = tag, attrs, [], []
        self.cls = set((attrs.get("class") or "").split())

    def style(self) -> dict:
        out = {}
        for part in (self.attrs.get("style") or "").split(";"):
            if ":" in part:
                k, v = part.split(":", 1)
                out[k.strip().lower()] = v.strip()
        return out

    def text(self) -> str:
        return "".join(k if isinstance(k, str) else k.text() for k in self.kids)

    def elements(self, *tags: str) -> list["Node"]:
        return [k for k in self.kids if isinstance(k, Node) and (not tags or k.tag in tags)]


def parse(html: str) -> Node:
    """The document as a tree of Nodes and text (libxml2's HTML parser, through lxml: pikepdf's own
    dependency). The head, styles and scripts are left out; a table's <col> widths are kept on the table."""
    import lxml.html

    root = Node("root", {})
    _convert(lxml.html.document_fromstring(html), root, None)
    return root


def _convert(el, parent: Node, table: Node | None) -> None:
    tag = el.tag if isinstance(el.tag, str) else None             # a comment or processing instruction
    if tag == "col" and table is not None:
        table.cols.append(Node("col", dict(el.attrib)).style().get("width", ""))
    elif tag == "colgroup":
        for child in el:
            _convert(child, parent, table)
    elif tag is not None and tag not in SKIP:
        node = Node(tag, dict(el.attrib))
        parent.kids.append(node)
        if el.text:
            node.kids.append(el.text)
        for child in el:
            _convert(child, node, node if tag == "table" else table)
    if el.tail:
        parent.kids.append(el.tail)


# ---------------------------------------------------------------- the one escaping function


def lit(text: str) -> str:
    """Text as a typst string literal in markup, `#"…"`: the only way text enters the typst source."""
    return '#"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "") + '"'


def _code_str(text: str) -> str:
    """A typst string literal in code (a font family name)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _len(value: str, default: str = "") -> str:
    """A CSS length as a typst one (1px = 0.75pt), or `default`."""
    m = _LEN.match(value or "")
    if not m:
        return default
    n, unit = float(m.group(1)), m.group(2)
    return f"{n * 0.75:g}pt" if unit == "px" else f"{n:g}{unit}"


def typst_fonts(chain: tuple) -> str:
    """A font fallback chain as a typst array. fontconfig names a face of a collection with its language
    ("AR PL UMing CN"), typst with the collection's family name ("AR PL UMing"): both are listed."""
    names: list[str] = []
    for n in chain:
        names.append(n)
        for tail in (" CN", " GB"):
            if n.endswith(tail):
                names.append(n[: -len(tail)])
    return "(" + ", ".join(_code_str(n) for n in dict.fromkeys(names)) + ",)"


# ---------------------------------------------------------------- the stylesheet, in typst

PREAMBLE = r"""
#let RED = rgb("#d40000")
#let BODY = __BODY__
#let TITLE = __TITLE__
#let HEADING = __HEADING__
#let SONG = __SONG__
// a run of lines of CSS line-height l: l apart, half the leading above the first and below the last
#let L(l, body) = block(width: 100%, inset: (y: (l - 1em) / 2), { set par(leading: l - 1em, spacing: l - 1em); par(body) })
#let minh(h, al, body) = grid(columns: (0pt, 1fr), align: (left + top, al), box(height: h), body)
#let cb(on) = box(width: 0.9em, height: 0.9em, stroke: 0.75pt, baseline: 0.1em,
  align(center + horizon, text(size: 0.9em, if on { "√" } else { " " })))
#let fillv(body) = underline(offset: 0.2em, stroke: 0.6pt, evade: false, [#h(0.2em)#body#h(0.2em)])
#let fillb(w) = box(width: w, height: 1em, baseline: 0.2em, stroke: (bottom: 0.75pt))
#let seal-area = place(center + top, dy: -6mm,
  circle(radius: 20mm, stroke: (paint: RED.transparentize(50%), thickness: 0.75pt, dash: "dashed"),
    align(center + horizon, text(size: 9pt, fill: RED.transparentize(50%))[印章位置])))
// white-space: nowrap: as wide as the text would be on one line
#let nw(body) = context box(width: measure(body).width, body)
#let spread(..items) = items.pos().join(h(1fr))
#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm))
#set text(font: BODY, size: 12pt, lang: "zh", region: "cn", top-edge: 0.88em, bottom-edge: -0.12em,
  cjk-latin-spacing: none)
#set par(leading: 0.5em, spacing: 0.5em)
#set block(above: 0pt, below: 0pt)
#set table(stroke: 0.75pt)
#set table.cell(breakable: false)
"""

NUMBERS = r"""
#set page(foreground: context place(bottom + center, dx: 1mm, dy: -17.5mm + 0.5em,
  text(font: SONG, size: 14pt)[— #counter(page).display() —]))
#for i in range(__N__) { if i > 0 { pagebreak() }; box() }
"""


class _Ctx:
    """What the cascade of style.css gives an element: its line height and the enclosing classes that matter."""

    __slots__ = ("official", "wen", "clauses", "cell", "lh", "lst", "dated")

    def __init__(self, **kw):
        self.official = self.wen = self.clauses = self.lst = self.dated = False
        self.cell = None
        self.lh = "1.5em"
        for k, v in kw.items():
            setattr(self, k, v)

    def but(self, **kw) -> "_Ctx":
        c = _Ctx(**{k: getattr(self, k) for k in self.__slots__})
        for k, v in kw.items():
            setattr(c, k, v)
        return c


def _blocky(k) -> bool:
    return isinstance(k, Node) and k.tag in BLOCK


class Translator:
    """One document's HTML → typst markup (the body; the preamble is shared by all)."""

    def document(self, html: str) -> str:
        root = parse(html)
        body = _find(root, "body") or root
        return self.flow(body.kids, _Ctx(official="official" in body.cls, dated=bool(body.cls & {"no9", "no10"})))

    # -- a flow of blocks; runs of inline content between them are anonymous blocks of lines

    def flow(self, kids: list, ctx: _Ctx) -> str:
        out, run = [], []

        def flush():
            text = _trim("".join(run))
            if text:
                out.append(f"#L({ctx.lh})[{text}]")
            run.clear()

        for k in kids:
            if _blocky(k):
                flush()
                out.append(self.block(k, ctx))
            else:
                run.append(self.inline(k, ctx))
        flush()
        return "\n".join(x for x in out if x)

    def lines(self, k: Node, ctx: _Ctx) -> str:
        """A block's content as lines: one run if it holds inline content only."""
        return self.flow(k.kids, ctx)

    # -- inline content (text is marked \x00…\x01 until the run is trimmed)

    def inline(self, k, ctx: _Ctx) -> str:
        if isinstance(k, str):
            return "\x00" + _WS.sub(" ", k) + "\x01"
        if k.tag == "br":
            return "#linebreak()"
        if _blocky(k):                        # a block inside inline content (not in the templates): its lines
            return self.inline_of(k, ctx)
        cls = k.cls
        inner = self.inline_of(k, ctx)
        if "cb" in cls:
            return f"#h(0.35em)#cb({'true' if k.text().strip() == '√' else 'false'})#h(0.15em)"
        if "fill" in cls and "blank" in cls:
            return f"#fillb({_len(k.style().get('min-width', ''), '6em')})"
        if "fill" in cls:
            return f"#fillv[{inner}]"
        if cls & {"nw", "nowrap", "dblank"}:
            return f"#nw[{inner}]"
        if "sealmark" in cls or "note" in cls:
            return f"#text(size: 10.5pt)[{inner}]"
        if "seal" in cls:
            area = "#seal-area" if ctx.official and ctx.wen else ""
            gap = "#h(2em)" if ctx.wen else ""
            return (f"#box[{area}#set align(center)\n#set par(leading: 0.9em)\n{inner}]{gap}")
        if k.tag in ("b", "strong") or "b" in cls:
            return f"#text(weight: \"bold\")[{inner}]"
        return inner

    def inline_of(self, k: Node, ctx: _Ctx) -> str:
        return _trim("".join(self.inline(c, ctx) for c in k.kids))

    # -- blocks

    def block(self, k: Node, ctx: _Ctx) -> str:
        tag, cls, st = k.tag, k.cls, k.style()
        if tag == "table":
            return self.table(k, ctx)
        if tag in ("section", "body", "html", "thead", "tbody", "tr") or "sheet" in cls:
            return self.flow(k.kids, ctx)
        if "cover" in cls:
            return self.cover(k, ctx)
        sets, above, below, wrap = [], "0pt", "0pt", {}
        c = ctx
        if tag == "h1":
            sets += ["text(font: TITLE, size: 22pt, weight: \"bold\", tracking: 0.04em)", "align(center)"]
            c, below = ctx.but(lh="1.45em"), "6pt"
        elif tag == "h2":
            if ctx.wen:
                sets += ["text(font: HEADING, size: 14pt, weight: \"bold\")",
                         "par(first-line-indent: (amount: 2em, all: true))"]
            else:
                sets += ["text(size: 12pt, weight: \"bold\")"]
                above = "4pt"
        elif tag == "h3":
            sets += ["text(size: 12pt, weight: \"bold\")", "align(center)"]
            below = "2pt"
        elif "issuer" in cls:
            sets += ["text(font: TITLE, size: 26pt, weight: \"bold\", tracking: 0.06em, fill: RED)", "align(center)"]
            c, above, below = ctx.but(lh="1.3em"), "8mm", "5mm"
        elif "wenhao-top" in cls:
            sets += ["text(size: 16pt)", "align(center)"]
            c, below = ctx.but(lh="1.4em"), "3mm"
            return self._box(f"#minh(1.4em, center + top)[{self.lines(k, c)}]", sets, above, below)
        elif "redline" in cls:
            return "#block(width: 100%, below: 12pt)[#line(length: 100%, stroke: 1.5pt + RED)]"
        elif "docno" in cls or "meta" in cls:
            sets.append("text(size: 9pt, fill: rgb(\"#333333\"))" if "docno" in cls else "text(size: 10.5pt)")
            items = ", ".join(f"[#nw[{self.inline_of(s, ctx)}]]" for s in k.elements())
            return self._box(f"#L({ctx.lh})[#spread({items})]", sets, above, "4pt")
        elif "subtitle" in cls:
            sets += ["text(size: 14pt)", "align(center)"]
            below = "10pt"
        elif "wenhao" in cls:
            sets += ["text(size: 16pt)", "align(center)"]
            below = "14pt"
        elif "wen" in cls:
            size, lh = ("16pt", "28pt") if ctx.official else ("14pt", "25pt")
            sets.append(f"text(size: {size})")
            c = ctx.but(wen=True, lh=lh)
        elif "clauses" in cls:
            sets.append("text(size: 12pt)")
            c = ctx.but(clauses=True, lh="1.7em")
        elif "receipt" in cls:
            sets.append("text(size: 10.5pt)")
            c = ctx.but(lh="1.7em")
            wrap = {"inset": "(top: 8pt)", "breakable": "false",
                    "stroke": "(top: (thickness: 0.75pt, dash: \"dashed\"))"}
            above = "14pt"
        elif "cutlabel" in cls:
            return (f"#place(top + center, dy: -8pt - 0.9em, box(fill: white, inset: (x: 0.6em))"
                    f"[#text(size: 10.5pt)[{self.inline_of(k, ctx)}]])")
        elif "sig" in cls:
            sets.append("align(right)")
            if ctx.wen and not ctx.official:
                sets.append("text(size: 14pt)")
            c = ctx.but(lh="28pt" if ctx.official and ctx.wen else "1.6em" if ctx.wen else "1.8em")
            above = "0.5em" if ctx.cell is not None else "1em"
        elif "ruled" in cls:
            rows = k.elements()
            parts = []
            for i, r in enumerate(rows):
                stroke = "none" if ctx.cell is not None and i == len(rows) - 1 else "(bottom: 0.75pt)"
                parts.append(f"#block(width: 100%, stroke: {stroke})[#minh(1.7em, left + horizon)"
                             f"[#L(1.7em)[{self.inline_of(r, ctx)}]]]")
            return "\n".join(parts)
        elif "photo" in cls:
            return (f"#align(center)[#box(width: 25mm, height: 35mm, stroke: 0.75pt)[#align(center + horizon)"
                    f"[#text(size: 10.5pt)[{self.inline_of(k, ctx)}]]]]")
        if cls & {"opinion", "space", "space-lg"}:
            h = "4.5em" if "opinion" in cls else "5em" if "space" in cls else "9em"
            return self._box(f"#minh({h}, left + top)[{self.lines(k, c)}]", sets, above, below)
        # a paragraph (p, div, anything else)
        if "note" in cls or "toc-note" in cls or "blankmark" in cls:
            sets.append("text(size: 10.5pt)")
        if "small" in cls:
            sets.append("text(size: 12pt)")
            c = c.but(lh="1.6em")
        if "right" in cls or "blankmark" in cls:
            sets.append("align(right)")
        elif "center" in cls or st.get("text-align") == "center":
            sets.append("align(center)")
        if tag == "p" and (ctx.wen or ctx.clauses):
            if {"to", "noindent", "party"} & cls:
                sets.append("par(justify: true)")
            else:
                sets.append("par(justify: true, first-line-indent: (amount: 2em, all: true))")
        elif tag == "p" and ctx.cell is None:
            above = below = "1em"                    # the browser's margins of a paragraph
        if "mt" in cls:
            above = "10pt"
        if "toc-note" in cls:
            above = "6pt"
        return self._box(self.lines(k, c), sets, above, below, **wrap)

    @staticmethod
    def _box(inner: str, sets: list, above: str, below: str, **more) -> str:
        args = ", ".join(["width: 100%", f"above: {above}", f"below: {below}"] + [f"{k}: {v}" for k, v in more.items()])
        rules = "".join(f"#set {s}\n" for s in sets)
        return f"#block({args})[{rules}{inner}]"

    # -- tables

    def table(self, t: Node, ctx: _Ctx) -> str:
        rows: list[tuple[Node, bool]] = []                    # (tr, in thead)
        for c in t.elements():
            if c.tag in ("thead", "tbody", "tfoot"):
                rows += [(r, c.tag == "thead") for r in c.elements("tr")]
            elif c.tag == "tr":
                rows.append((c, False))
        widths = [_len(w, "1fr") if w.strip().endswith("%") else "1fr" for w in t.cols]
        if not widths:
            n = max((sum(int(td.attrs.get("colspan") or 1) for td in tr.elements("td", "th")) for tr, _ in rows),
                    default=1)
            widths = ["1fr"] * n
        above = "10pt" if "mt" in t.cls else "0pt"
        if "sigs" in t.cls:                   # signatures: columns as wide as their content, the last one the rest
            cells = [f"table.cell(align: {'right' if 'right' in td.cls else 'left'} + top)[{self.inline_of(td, ctx)}]"
                     for tr, _ in rows for td in tr.elements("td", "th")]
            n = max(1, len(cells) // max(1, len(rows)))
            return (f"#block(width: 100%, above: 0.8em)[#set text(size: 10.5pt)\n#set par(leading: 1em)\n"
                    f"#table(columns: ({'auto, ' * (n - 1)}1fr), stroke: none, inset: (y: 0.5em, x: 0pt), "
                    "column-gutter: 1.5em, " + ", ".join(cells) + ")]")
        lst = "list" in t.cls
        c = ctx.but(lh="1.45em", lst=lst)
        head, body = [], []
        for tr, in_head in rows:
            cells = [self.cell(td, i, tr, c, "toc" in t.cls) for i, td in enumerate(tr.elements("td", "th"), 1)]
            (head if in_head else body).append(", ".join(cells))
        parts = (["table.header(" + ", ".join(head) + ")"] if head else []) + [b for b in body if b]
        return (f"#block(width: 100%, above: {above})[#set text(size: 10.5pt)\n#set par(leading: 0.45em, spacing: 0.45em)\n"
                f"#table(columns: ({', '.join(widths)},), inset: (x: 4pt, y: 2.5pt + 0.225em),\n" + ",\n".join(parts) + ")]")

    def cell(self, td: Node, nth: int, tr: Node, ctx: _Ctx, toc: bool) -> str:
        """One cell. Its lines are spaced by the table's set rules (line-height 1.45: half the leading is in the
        inset); the row's least height (a list row's 2.1em, a tall row's) is held by the row's first cell."""
        cls, st = td.cls, td.style()
        th = td.tag == "th"
        c = ctx.but(cell=td)
        top = "top" in cls or bool(tr.cls & {"tall", "taller"})
        valign = "top" if top else "horizon"
        args = []
        blocks = any(_blocky(k) for k in td.kids)
        if th:
            halign = "left" if ("sec" in cls or st.get("text-align") == "left") else "center"
            lines = self.inline_of(td, c).split("#linebreak()")
            weight = ", weight: \"bold\"" if (ctx.lst or "sec" in cls) else ""
            inner = f"#text(size: 10pt, tracking: -0.03em{weight})[{'#linebreak()'.join(f'#nw[{x}]' for x in lines)}]"
            args.append("inset: (x: 1.5pt, y: 2.5pt + 0.225em)")
            if "sec" in cls:
                args.append("fill: rgb(\"#f2f2f2\")")
        else:
            halign = "center" if ctx.lst and not cls & {"l", "t"} else "left"
            if "center" in cls:
                halign = "center"
            if "right" in cls:
                halign = "right"
            if (ctx.lst and ctx.dated and nth == 2) or (toc and nth == 6) or cls & {"nowrap", "nw"}:
                inner = f"#nw[{self.inline_of(td, c)}]"                   # dates, page ranges: never broken
                if toc and nth == 6:
                    args.append("inset: (x: 1pt, y: 2.5pt + 0.225em)")
            else:
                inner = self.flow(td.kids, c) if blocks else self.inline_of(td, c)
        height = _len(st.get("height", ""))
        if not height and nth == 1:
            height = "7em" if "taller" in tr.cls else "4.5em" if "tall" in tr.cls else ("2.1em" if ctx.lst and not th else "")
        if height:
            inner = f"#minh({height} - 5pt - 0.45em, {halign} + {valign})[{inner}]"
        for a in ("colspan", "rowspan"):
            n = td.attrs.get(a) or "1"
            if n.isdigit() and int(n) > 1:
                args.insert(0, f"{a}: {int(n)}")
        args.append(f"align: {halign} + {valign}")
        return f"table.cell({', '.join(args)})[{inner}]"

    # -- the cover

    def cover(self, k: Node, ctx: _Ctx) -> str:
        parts = []
        for kid in k.elements():
            if kid.tag == "h1":
                parts.append(f"#v(36mm)\n#block(width: 100%, below: 4mm)[#set text(font: TITLE, size: 30pt, "
                             f"weight: \"bold\", tracking: 0.2em)\n#set align(center)\n{self.flow(kid.kids, ctx)}]")
            elif "sub" in kid.cls:
                parts.append(f"#block(width: 100%, below: 28mm)[#set text(size: 16pt, tracking: 0.3em)\n"
                             f"#set align(center)\n{self.flow(kid.kids, ctx)}]")
            elif kid.tag == "table":
                cells = []
                for tr in kid.elements("tr", "tbody"):
                    for row in ([tr] if tr.tag == "tr" else tr.elements("tr")):
                        for td in row.elements("td", "th"):
                            if td.tag == "th":            # the label spread over its width (text-align-last: justify)
                                spread = "#h(1fr)".join(lit(ch) for ch in td.text() if not ch.isspace())
                                cells.append(f"table.cell(align: left + bottom, inset: (right: 0.6em, top: 1.2em, "
                                             f"bottom: 0.25em))[#box(width: 6em)[{spread}]]")
                            else:
                                cells.append("table.cell(align: center + bottom, stroke: (bottom: 0.75pt), "
                                             f"inset: (top: 1.2em, bottom: 0.25em))[{self.inline_of(td, ctx)}]")
                parts.append("#align(center)[#set text(size: 16pt)\n#table(columns: (6.6em, 20em), stroke: none, "
                             "inset: 0pt, " + ", ".join(cells) + ")]")
            else:
                parts.append(self.block(kid, ctx))
        return "\n".join(parts)


def _find(node: Node, tag: str) -> Node | None:
    for k in node.elements():
        if k.tag == tag:
            return k
        found = _find(k, tag)
        if found is not None:
            return found
    return None


_TEXT = re.compile(r"\x00(.*?)\x01", re.S)


def _trim(s: str) -> str:
    """Inline content with its text runs (\\x00…\\x01, whitespace already collapsed) as string literals:
    adjacent runs joined, the whole trimmed at both ends as a browser does."""
    s = s.replace("\x01\x00", "")
    first = s.find("\x00")
    if first != -1 and not s[:first].strip():
        s = s[:first + 1] + s[first + 1:].lstrip(" ")
    last = s.rfind("\x01")
    if last != -1 and not s[last + 1:].strip():
        s = s[:last].rstrip(" ") + s[last:]
    return _TEXT.sub(lambda m: lit(m.group(1)) if m.group(1) else "", s).strip()


# ---------------------------------------------------------------- the engine


class Typst:
    """The typst PDF engine, with the interface of pdf.WeasyPrint: one compiler (fonts loaded once)."""

    def __init__(self, fonts: dict):
        import typst

        self.preamble = (PREAMBLE.replace("__BODY__", typst_fonts(fonts["body"]))
                         .replace("__TITLE__", typst_fonts(fonts["title"]))
                         .replace("__HEADING__", typst_fonts(fonts["heading"]))
                         .replace("__SONG__", typst_fonts(fonts["song"])))
        self.compiler = typst.Compiler()
        self.t = Translator()

    def compile(self, body: str) -> bytes:
        # untagged: a third of the size, and the archive is printed, not read aloud
        return self.compiler.compile((self.preamble + body).encode("utf-8"), format="pdf", pdf_tags=False)

    def documents(self, items: list[tuple[str, str]]) -> list[tuple[bytes, int]]:
        """(PDF, pages) of each (name, html) document, without page numbers."""
        return self.start(items)()

    def start(self, items: list[tuple[str, str]]):
        """Start laying out the (name, html) documents; the returned function gives their (PDF, pages).
        The markup is written here; typst compiles in a thread of its own, without Python's lock, so that
        the caller's work (stamping page numbers, joining files) goes on meanwhile. The compiler is this
        thread's alone until the function has been called."""
        import threading

        from aftercare.documents.pdf import RENDER_HOOKS

        if not items:
            return lambda: []
        for hook in RENDER_HOOKS:
            hook([name for name, _ in items])
        sources = [self.t.document(html) for _, html in items]
        result: list = []

        def run() -> None:
            try:
                result.append([self.compile(src) for src in sources])
            except BaseException as exc:             # noqa: BLE001  (raised again in the caller's thread)
                result.append(exc)

        worker = threading.Thread(target=run, name="aftercare-typst")
        worker.start()

        def finish() -> list[tuple[bytes, int]]:
            worker.join()
            if isinstance(result[0], BaseException):
                raise result[0]
            return [(data, _pages(data)) for data in result[0]]

        return finish

    def numbers(self, style: str, font: str, n: int) -> bytes:
        """A PDF of n pages numbered 1..n in the footer, nothing else."""
        return self.compile(NUMBERS.replace("__N__", str(int(n))))


def _pages(data: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)
