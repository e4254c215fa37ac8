"""The PDF parts of a case's archive, their cache, and the assembly of the files.

Every document's PDF is first made WITHOUT page numbers (a "part") and kept in a disposable cache of the
output folder (`<out>/.pdf-cache/<case>/`, never in git), keyed by a hash of what it was rendered
from: the document's HTML (which inlines the stylesheet and the font names), the program's and the
engine's versions and the installed fonts. A render lays out only the parts whose key is not there.
The archive page numbers are stamped on afterwards, from a PDF of nothing but footers laid out once by
the same engine with the documents' own stylesheet (cached too); the combined PDF is the parts put
together (pikepdf), not painted a second time, and carries page labels. A file whose content would be
the same as the one already written (same part, same first page, same stamps) is not written again.

A missing, unreadable or unwritable cache only makes the render slower: anything unexpected in it is
ignored and rendered again.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path

CACHE_DIR = ".pdf-cache"
FORMAT = "1"
_KEY = re.compile(r"^[0-9a-f]{40}$")


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts", "/Library/Fonts",
             "/System/Library/Fonts", "~/Library/Fonts", "%WINDIR%/Fonts", "%LOCALAPPDATA%/Microsoft/Windows/Fonts")


def fonts_fingerprint() -> str:
    """The installed fonts, as the folders they live in (where fontconfig and typst find them): a font
    installed or removed changes a folder's time, and so the key of every part. A few dozen stat calls."""
    seen = []
    for root in FONT_DIRS:
        top = os.path.expandvars(os.path.expanduser(root))
        if "%" in top or not os.path.isdir(top):
            continue
        for folder, dirs, _files in os.walk(top):
            dirs.sort()
            try:
                seen.append(f"{folder}:{os.stat(folder).st_mtime_ns}")
            except OSError:
                pass
    return digest(*seen)


def salt_for(engine: str) -> str:
    """What every part's key shares: the cache's format, the program (its version and the code that turns
    HTML into PDF: size and time of this package's modules), the engine's versions and the fonts."""
    import aftercare

    here = Path(__file__).parent
    code = ";".join(f"{f.name}:{st.st_size}:{st.st_mtime_ns}" for f in sorted(here.glob("*.py")) for st in [f.stat()])
    return f"{FORMAT}|{aftercare.__version__}|{digest(code)}|{engine}|{fonts_fingerprint()}"


def digest(*texts: str) -> str:
    h = hashlib.sha1()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


class Parts:
    """The cached parts of one case in one output folder, and what was last written there."""

    def __init__(self, out_dir: Path, cid: str, salt: str):
        self.root = Path(out_dir) / CACHE_DIR
        self.dir = self.root / cid
        self.salt = salt
        self.used: set[str] = set()
        self.fresh: dict[str, bytes] = {}
        self.index, self.files = self._load()

    # -- the manifest: {"format", "salt", "parts": {key: [pages, size]}, "files": {name: [sig, size, mtime_ns]}}

    def _load(self) -> tuple[dict, dict]:
        try:
            data = json.loads((self.dir / "manifest.json").read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("salt") != self.salt:
                return {}, {}
            parts = {k: (int(v[0]), int(v[1])) for k, v in data["parts"].items() if _KEY.match(k)}
            files = {str(k): (str(v[0]), int(v[1]), int(v[2])) for k, v in data["files"].items()}
            return parts, files
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return {}, {}

    def save(self) -> None:
        """Write the manifest and drop the parts this render did not use (the cache holds one archive)."""
        from aftercare.store.fsutil import atomic_write, ensure_dir

        parts = {k: list(v) for k, v in self.index.items() if k in self.used}
        data = {"format": FORMAT, "salt": self.salt, "parts": parts,
                "files": {k: list(v) for k, v in self.files.items()}}
        try:
            ensure_dir(self.dir)
            atomic_write(self.dir / "manifest.json", json.dumps(data, ensure_ascii=False).encode("utf-8"),
                         durable=False)
            for entry in os.scandir(self.dir):
                if entry.name.endswith(".pdf") and entry.name[:-4] not in parts:
                    os.unlink(entry.path)
        except OSError:
            pass

    # -- parts

    def key(self, html: str) -> str:
        return digest(self.salt, html)

    def get(self, key: str) -> bytes | None:
        """The part of that key, or None when it is not (or no longer intact) in the cache."""
        data = self.fresh.get(key)
        if data is not None:
            return data
        found = self.index.get(key)
        if found is None:
            return None
        try:
            data = (self.dir / f"{key}.pdf").read_bytes()
        except OSError:
            return None
        if len(data) != found[1] or not data.startswith(b"%PDF-"):
            return None
        self.used.add(key)
        self.fresh[key] = data
        return data

    def pages(self, key: str) -> int:
        return self.index[key][0]

    def put(self, key: str, data: bytes, pages: int) -> None:
        from aftercare.store.fsutil import atomic_write, ensure_dir

        self.index[key] = (pages, len(data))
        self.used.add(key)
        self.fresh[key] = data
        try:
            ensure_dir(self.dir)
            atomic_write(self.dir / f"{key}.pdf", data, durable=False)
        except OSError:
            pass

    def fill(self, engine, items: list[tuple[str, str, str]], wait: bool = True):
        """Make the parts of the (name, html, key) documents that the cache does not hold, in one layout
        (`engine()` gives the engine: it is started only when something is missing). With `wait=False` the
        layout may go on beside the caller (typst lays out without Python's lock): the parts are there once
        the returned function has been called (None when nothing was missing)."""
        missing, seen = [], set()
        for name, html, key in items:
            if key not in seen and self.get(key) is None:
                missing.append((name, html, key))
            seen.add(key)
        if not missing:
            return None
        made = engine().start([(n, h) for n, h, _ in missing])

        def finish() -> None:
            for (_, _, key), (data, pages) in zip(missing, made()):
                self.put(key, data, pages)

        if wait:
            return finish()
        return finish

    # -- the page-number stamps

    def numbers_key(self, style: str, font: str) -> str:
        return digest(self.salt, "numbers", style, font)

    def numbers(self, engine, style: str, font: str, need: int):
        """A pikepdf PDF whose page k carries the footer number k+1, for at least `need` pages."""
        import pikepdf

        nkey = self.numbers_key(style, font)
        best = None
        try:
            for entry in os.scandir(self.root):
                m = re.fullmatch(rf"numbers-{nkey}-(\d+)\.pdf", entry.name)
                if m and int(m.group(1)) >= need:
                    best = entry.path
        except OSError:
            pass
        if best is not None:
            try:
                return pikepdf.open(best)
            except (pikepdf.PdfError, OSError):
                pass
        n = max(50, -(-need // 50) * 50)
        data = engine().numbers(style, font, n)
        try:
            from aftercare.store.fsutil import atomic_write, ensure_dir

            ensure_dir(self.root)
            for entry in os.scandir(self.root):
                if entry.name.startswith(f"numbers-{nkey}-"):
                    os.unlink(entry.path)
            atomic_write(self.root / f"numbers-{nkey}-{n}.pdf", data, durable=False)
        except OSError:
            pass
        return pikepdf.open(io.BytesIO(data))

    # -- written files

    def current(self, target: Path, name: str, sig: str) -> bool:
        """The file `name` in `target` is the one written with signature `sig`, untouched since."""
        found = self.files.get(name)
        if found is None or found[0] != sig:
            return False
        try:
            st = (target / name).stat()
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == found[1:]

    def wrote(self, target: Path, name: str, sig: str) -> None:
        try:
            st = (target / name).stat()
        except OSError:
            self.files.pop(name, None)
            return
        self.files[name] = (sig, st.st_size, st.st_mtime_ns)


# ---------------------------------------------------------------- assembly (pikepdf)


def _save(pdf) -> bytes:
    """The PDF's bytes. The engine's own XMP metadata is kept as it is: pikepdf would parse and rewrite it to
    restate the PDF version, which stamping and joining do not change (a third of the time of a save)."""
    buf = io.BytesIO()
    pdf.save(buf, fix_metadata_version=False)
    return buf.getvalue()


def stamp(data: bytes, numbers, first: int) -> bytes:
    """A part with the archive page numbers first, first+1, … stamped on its pages: each page of `numbers`
    drawn over the page as a form, as pikepdf's add_overlay does (the page's own content between q and Q,
    the form placed on the page's box), but with the page's content stream left as the engine wrote it
    (add_overlay joins the streams into one, compressed again at every save) and a fixed resource name."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(data))
    for i, page in enumerate(pdf.pages):
        form = numbers.pages[first - 1 + i].as_form_xobject()
        name = pikepdf.Name(f"/AftercarePageNo{i + 1}")      # one per page: pages may share their resources
        page.add_resource(pdf.copy_foreign(form), pikepdf.Name.XObject, name)
        placed = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q\n" + placed, prepend=False)
    return _save(pdf)


class Joined:
    """The combined PDF: the parts one after the other (bytes, or the path of a file written before), the
    front (cover and contents) put before them when it is finished (it may be laid out last), with page
    labels so that a viewer's page number is the printed one."""

    def __init__(self):
        import pikepdf

        self.out = pikepdf.new()
        self.sources: list = []                  # the sources stay open until the result is saved

    def _open(self, part):
        import pikepdf

        src = pikepdf.open(io.BytesIO(part) if isinstance(part, bytes) else part)
        self.sources.append(src)
        return src

    def add(self, part) -> None:
        self.out.pages.extend(self._open(part).pages)

    def finish(self, front: list, labels: list[tuple[int, str]], numbered_from: int) -> bytes:
        """The PDF: `front` first; `labels` (first page index, label) for the unnumbered front, then 1, 2, …
        from page index `numbered_from`."""
        import pikepdf

        at = 0
        for part in front:
            for page in self._open(part).pages:
                self.out.pages.insert(at, page)
                at += 1
        nums = []
        for index, label in labels:
            nums += [index, pikepdf.Dictionary(P=pikepdf.String(label))]
        nums += [numbered_from, pikepdf.Dictionary(S=pikepdf.Name.D, St=1)]
        self.out.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
        try:
            return _save(self.out)
        finally:
            for src in self.sources:
                src.close()
