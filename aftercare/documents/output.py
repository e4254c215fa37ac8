"""The output job: plan a case's file, render every document, write HTML or PDF (one per document, the
combined PDF with archive page numbers, the cover and the table of contents). PDF goes through the parts
cache (`parts`): only documents whose input changed are laid out again, and only changed files written."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from aftercare.core.errors import AftercareError, os_reason
from aftercare.documents.builders import name_files, plan_case
from aftercare.documents.catalogue import (BLANK_DIR, COMBINED_STEM, COVER_STEM, COVER_TEMPLATE, OFFICIAL,
                                           TOC_STEM, TOC_TEMPLATE, _OUR_FILE, Doc, toc_row)
from aftercare.documents.context import CaseFacts, txt
from aftercare.documents.pdf import combine, style_of
from aftercare.documents.templating import Templates
from aftercare.core.engine import evaluate_in
from aftercare.core.path import PersonView, measure_case


def _target(out_dir: Path, cid: str, folder: str | None = None) -> Path:
    from aftercare.core.ids import check_case_id

    check_case_id(cid)
    return Path(out_dir) / (folder or cid)


def measure_folder(cid: str, measure_no: int) -> str:
    """The output folder of an earlier measure's archive (`render CASE --measure-no N`): beside the case's
    own folder (which holds the latest community measure's), so neither overwrites the other."""
    return f"{cid}-第{measure_no}项措施"


def choose_measure(case, view, measure_no: int | None, day: date):
    """(case, view, folder) of the archive to render: the latest community measure's (the default, in the
    folder named by the case ID), or that of measure `measure_no` of the person's path (its number in
    `show`'s 措施经过, as `case set --measure-no` counts), which must be a community measure: the 18
    documents belong to 社区戒毒 and 社区康复 (DOCUMENTS.md), not to a facility or follow-up care."""
    if measure_no is None:
        return measure_case(view, case), view, case.id
    path = case.path
    if not 1 <= measure_no <= len(path):
        raise AftercareError(f"个案 {case.id} 没有第 {measure_no} 项措施（共 {len(path)} 项，见 show 的“措施经过”）",
                             code="unknown-measure")
    m = path[measure_no - 1]
    if not m.community:
        raise AftercareError(f"个案 {case.id} 的第 {measure_no} 项措施为{m.label}，没有档案文书"
                             "（一人一档的文书只属于社区戒毒、社区康复）", code="wrong-measure")
    seg = next((g for g in view.path.segments if g.seq == measure_no and g.view is not None), None)
    if seg is None:
        raise AftercareError(f"个案 {case.id} 的第 {measure_no} 项措施在 {day} 尚未开始", code="unknown-measure")
    latest = max(g.seq for g in view.path.segments if g.view is not None)
    folder = case.id if measure_no == latest else measure_folder(case.id, measure_no)
    return seg.view.case, PersonView(**seg.view.__dict__, path=view.path), folder


def _write_all(target: Path, files: list[tuple[str, bytes | None]]) -> list[Path]:
    """Write a case's rendered files into its folder (a file given as None is already there, unchanged).
    Everything was rendered before: a failed render never gets here, and a failed write removes what it
    wrote and the folders it made (no empty folder). Returns every file of the case, in order."""
    from aftercare.store.fsutil import atomic_write, ensure_dir

    made = []
    p = target
    while not p.exists():
        made.append(p)
        p = p.parent
    written: list[Path] = []
    try:
        ensure_dir(target)
        for name, data in files:
            if data is None:
                continue
            path = target / name
            atomic_write(path, data, durable=False)      # output is disposable: no fsync
            written.append(path)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        for d in [target / BLANK_DIR] + made:           # deepest first; only folders left empty
            try:
                d.rmdir()
            except OSError:
                pass
        raise AftercareError(f"无法写入输出目录 {target}：{os_reason(exc)}", code="io") from None
    return [target / name for name, _ in files]


def _prune(target: Path, keep: Iterable[Path], ext: str, cid: str) -> None:
    """Remove files of an earlier render that this one did not write again (same format only), and blank
    forms whose document has since become real."""
    keep = {str(p) for p in keep}
    for folder in (target, target / BLANK_DIR):
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            name = entry.name
            if entry.path in keep or not entry.is_file() or not name.endswith("." + ext):
                continue
            if _OUR_FILE.match(name) or name == f"{cid}{COMBINED_STEM}.{ext}":
                os.unlink(entry.path)
    try:
        (target / BLANK_DIR).rmdir()              # only when empty
    except OSError:
        pass


def _issuer(no: int, ctx: dict) -> str:
    """The organ whose mark heads a letter or notice: the police for the decision and the release notice
    (copies on file), the office for everything it issues."""
    if no == 1:
        return ctx["p"].get("decided_by") or "公安机关"
    if no == 18:
        return ctx.get("issued_by") or ctx["p"].get("decided_by") or "公安机关"
    return ctx["office"].get("name", "")


ENGINES = ("auto", "typst", "weasyprint")


def choose_engine(store, wanted: str = "auto") -> str:
    """The PDF engine: typst (fast, self-contained) unless the store sets its documents with its own templates
    or stylesheet (which only WeasyPrint, reading any CSS, follows) or typst is not installed; or the one asked for."""
    if wanted not in ENGINES:
        raise AftercareError(f"排版引擎“{wanted}”无效，应为 auto、typst 或 weasyprint", code="bad-format")
    if wanted == "weasyprint":
        return wanted
    has_typst = _installed("typst")
    if wanted == "typst":
        if not has_typst:
            raise AftercareError("无法生成 PDF：未安装 typst；请安装：pip install typst，或用 --engine weasyprint",
                                 code="no-pdf")
        return wanted
    own = Path(store.root) / "templates"
    overridden = own.is_dir() and any(f.suffix in (".j2", ".css") for f in own.iterdir())
    return "typst" if has_typst and not overridden else "weasyprint"


def _installed(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):              # ValueError: hidden (sys.modules[module] is None)
        return False


def _engine_versions(engine: str) -> str:
    """The PDF engine and the libraries that make the files, for every cached part's key: where each is
    installed and when (an upgrade changes it), read without importing them (WeasyPrint takes most of a
    second to import: it is started only to lay something out). pikepdf, which every PDF render uses, must be there."""
    import importlib.util

    if not _installed("pikepdf"):
        raise AftercareError("无法生成 PDF：未安装 pikepdf；请安装：pip install pikepdf", code="no-pdf")
    names = ("typst", "pikepdf") if engine == "typst" else ("weasyprint", "pydyf", "pikepdf")
    versions = [engine]
    for name in names:
        try:
            origin = importlib.util.find_spec(name).origin
            st = os.stat(origin)
            versions.append(f"{origin}:{st.st_size}:{st.st_mtime_ns}")
        except (ImportError, ValueError, AttributeError, TypeError, OSError):
            versions.append(f"{name} ?")
    return " ".join(versions)


class _Job:
    """Renders cases of one store with shared templates (and fonts, for PDF)."""

    def __init__(self, store, fmt: str, engine: str = "auto"):
        if fmt not in ("html", "pdf"):
            raise AftercareError(f"格式“{fmt}”无效，应为 html 或 pdf", code="bad-format")
        self.store, self.fmt = store, fmt
        self.t = Templates(store)
        self._engine = self.salt = self.engine_name = None
        if fmt == "pdf":
            from aftercare.documents.parts import salt_for

            self.engine_name = choose_engine(store, engine)
            self.salt = salt_for(_engine_versions(self.engine_name))

    @property
    def engine(self):
        """The PDF engine, started when a document has to be laid out (a render with nothing new needs none)."""
        if self._engine is None:
            if self.engine_name == "typst":
                from aftercare.documents.fonts import chains
                from aftercare.documents.typeset import Typst

                self._engine = Typst(chains(self.store.config.get("fonts")))
                return self._engine
            try:
                from aftercare.documents.pdf import WeasyPrint

                self._engine = WeasyPrint()
            except (ImportError, OSError) as exc:     # OSError: Pango or another system library missing
                from aftercare.documents.pdf import unavailable

                raise unavailable(exc) from None
        return self._engine

    # -- one case

    def prepare(self, cid: str, today: date, measure_no: int | None = None
                ) -> tuple[CaseFacts, list[Doc], list[Doc], dict, str]:
        """The case's facts, its archive (documents whose trigger happened), its blank forms, the base
        context and the output folder's name."""
        _target(Path("."), cid)                         # a bad case ID is refused before anything is read
        case, events = self.store.load_case(cid)
        view = evaluate_in(self.store, case, events, today)
        # the archive is the latest community measure's (its decision and term, not the first measure's),
        # or the one asked for
        mcase, mview, folder = choose_measure(case, view, measure_no, today)
        facts = CaseFacts(self.store, mcase, mview, today)
        docs = plan_case(facts)
        archive = [d for d in docs if not d.blank]
        blanks = [d for d in docs if d.blank]
        name_files(archive, self.fmt)
        name_files(blanks, self.fmt, folder=BLANK_DIR)
        return facts, archive, blanks, facts.base_ctx(), folder

    def case(self, cid: str, out_dir: Path, today: date, measure_no: int | None = None) -> list[Path]:
        facts, archive, blanks, base, folder = self.prepare(cid, today, measure_no)
        target = _target(out_dir, cid, folder)
        if self.fmt == "html":
            files = [(n, h.encode("utf-8")) for n, h in self.html(facts, archive, blanks, base).items()]
            written = _write_all(target, files)
        else:
            from aftercare.documents.parts import Parts

            parts = Parts(Path(out_dir), folder, self.salt)
            files = self._pdf(facts, archive, blanks, base, parts, target)
            written = _write_all(target, [(name, data) for name, data, _ in files])
            for name, _, sig in files:
                parts.wrote(target, name, sig)
            parts.save()
        _prune(target, written, self.fmt, facts.case.id)
        return written

    def _ctx(self, base: dict, doc: Doc, **more) -> dict:
        ctx = dict(base)
        ctx.update(doc.ctx)
        no = doc.kind.no if doc.kind else 0
        ctx.update(title=doc.title, no=no, seq=doc.seq, doc_date=doc.date, qualifier=doc.qualifier, blank=doc.blank,
                   todo=doc.todo, fmt=self.fmt, page_start=None, official=no in OFFICIAL, issuer=_issuer(no, ctx))
        ctx.update(more)
        return ctx

    def _front(self, facts: CaseFacts, docs: list[Doc], blanks: list[Doc], base: dict,
               pages: int | None) -> tuple[dict, dict]:
        v = facts.view
        entries = [toc_row(i, d, facts) for i, d in enumerate(docs, 1)]
        closed = {"release": "解除", "terminate": "终止"}.get(v.closed_by.type, "移交") if v.closed_by else ""
        retention = txt(v.ruleset.archive.get("retention"))
        common = dict(base, fmt=self.fmt, entries=entries, doc_count=len(docs), page_count=pages,
                      period_start=v.start, period_end=v.last_day, closed_on=v.closed_on, closed_label=closed,
                      retention=retention, blank_count=len(blanks), page_start=None, blank=False, todo=False,
                      no=0, seq=0, doc_date=None, qualifier="", combined=f"{facts.case.id}{COMBINED_STEM}.{self.fmt}")
        cover = dict(common, title="社区戒毒（康复）人员档案", file=f"{COVER_STEM}.{self.fmt}")
        toc = dict(common, title="卷内目录", file=f"{TOC_STEM}.{self.fmt}")
        return cover, toc

    def html(self, facts: CaseFacts, docs: list[Doc], blanks: list[Doc], base: dict) -> dict[str, str]:
        """Every file of the HTML archive by its name: cover, contents, documents, the whole archive in one
        file (`<cid>-全卷.html`, one print job), and the blank forms (`空白表/…`)."""
        out = {}
        cover, toc = self._front(facts, docs, blanks, base, None)
        out[f"{COVER_STEM}.html"] = self.t.render(COVER_TEMPLATE, cover)
        out[f"{TOC_STEM}.html"] = self.t.render(TOC_TEMPLATE, toc)
        for d in docs:
            out[d.ctx["file"]] = self.t.render(d.template, self._ctx(base, d))
        out[f"{facts.case.id}{COMBINED_STEM}.html"] = combine(list(out.values()), f"{facts.case.id} 全卷")
        for d in blanks:
            out[d.ctx["file"]] = self.t.render(d.template, self._ctx(base, d))
        return out

    def _pdf(self, facts: CaseFacts, docs: list[Doc], blanks: list[Doc], base: dict, parts,
             target: Path) -> list[tuple[str, bytes | None, str]]:
        """(name, PDF or None when the file there is already this one, signature) of every file. The
        documents and blank forms whose part is not cached are laid out together, then the cover and the
        contents (which list the documents' page numbers); the archive page numbers are stamped on each
        document's part, and the combined PDF is the parts put together. With typst the layouts run beside
        this thread: pikepdf is loaded while the documents are laid out, and the documents are stamped and
        put together while the cover and the contents are."""
        from aftercare.documents.parts import Joined, digest, stamp

        engine = lambda: self.engine                    # noqa: E731  (started only when something is laid out)
        html = {d.ctx["file"]: self.t.render(d.template, self._ctx(base, d)) for d in docs + blanks}
        key = {name: parts.key(h) for name, h in html.items()}
        laying = parts.fill(engine, [(name, html[name], key[name]) for name in html], wait=False)
        if laying is not None:
            import pikepdf  # noqa: F401  (needed next: loaded while the documents are laid out)

            laying()
        first = 1
        for d in docs:
            d.first_page, d.pages = first, parts.pages(key[d.ctx["file"]])
            first += d.pages
        cover, toc = self._front(facts, docs, blanks, base, first - 1)
        front = [(f"{COVER_STEM}.pdf", self.t.render(COVER_TEMPLATE, cover)),
                 (f"{TOC_STEM}.pdf", self.t.render(TOC_TEMPLATE, toc))]
        front = [(name, h, parts.key(h)) for name, h in front]

        style, font = (style_of(html[docs[0].ctx["file"]]) if docs else ""), base["fonts"]["song"]
        nkey = parts.numbers_key(style, font)
        sig = {d.ctx["file"]: f"{key[d.ctx['file']]}/{d.first_page}/{nkey}" for d in docs}
        numbers = None
        if any(not parts.current(target, name, s) for name, s in sig.items()):
            numbers = parts.numbers(engine, style, font, first - 1)    # before the engine is busy with the front
        laying = parts.fill(engine, front, wait=False)

        def add(out: list, name: str, sig: str, make) -> bytes | None:
            if parts.current(target, name, sig):
                out.append((name, None, sig))
                return None
            data = make()
            out.append((name, data, sig))
            return data

        body: list[tuple[str, bytes | None, str]] = []
        combined = f"{facts.case.id}{COMBINED_STEM}.pdf"
        combined_sig = digest(*[k for _, _, k in front], *sig.values())
        joined = None if parts.current(target, combined, combined_sig) else Joined()
        for d in docs:
            name, k = d.ctx["file"], key[d.ctx["file"]]
            data = add(body, name, sig[name], lambda k=k, d=d: stamp(parts.get(k), numbers, d.first_page))
            if joined is not None:
                joined.add(data if data is not None else target / name)     # unchanged: the file written before
        for d in blanks:
            name = d.ctx["file"]
            add(body, name, key[name], lambda name=name: parts.get(key[name]))
        if laying is not None:
            laying()

        head: list[tuple[str, bytes | None, str]] = []
        for name, _, k in front:
            add(head, name, k, lambda k=k: parts.get(k))
        cover_pages, toc_pages = parts.pages(front[0][2]), parts.pages(front[1][2])
        whole: list = []
        add(whole, combined, combined_sig,
            lambda: joined.finish([parts.get(k) for _, _, k in front], [(0, "卷皮"), (cover_pages, "目录")],
                                  cover_pages + toc_pages))
        return head + body[:len(docs)] + whole + body[len(docs):]


# ---------------------------------------------------------------- public API


def render_case(store, cid: str, out_dir: Path, fmt: str = "html", today: date | None = None,
                engine: str = "auto", measure_no: int | None = None) -> list[Path]:
    """Render one person's file into `out_dir/<cid>/`: cover, table of contents, the documents in archive
    order. HTML: one self-contained file each. PDF: one file each plus `<cid>-全卷.pdf`, the whole file,
    whose page numbers match the table of contents; `engine`: auto, typst or weasyprint (`choose_engine`).
    `measure_no`: an earlier community measure of the person's path instead of the latest, into
    `out_dir/<cid>-第N项措施/` (`measure_folder`). Returns the files written, in order (the cover first)."""
    if today is None:
        raise TypeError("render_case: today is required")
    return _Job(store, fmt, engine).case(cid, Path(out_dir), today, measure_no)


def render_all(store, out_dir: Path, fmt: str = "html", today: date | None = None,
               progress: Callable[[int, int, str], Any] | None = None, engine: str = "auto") -> list[Path]:
    """Render every case of the store; `progress(done, total, cid)` is called before and after each. PDF
    uses one process per core."""
    if today is None:
        raise TypeError("render_all: today is required")
    ids = store.case_ids()
    total = len(ids)
    workers = min(os.cpu_count() or 1, total)
    job = _Job(store, fmt, engine)                  # refuses a bad format or engine before any work
    if fmt == "pdf" and workers > 1:
        return _render_parallel(store, ids, Path(out_dir), today, progress, workers, job.engine_name)
    written: list[Path] = []
    for i, cid in enumerate(ids):
        if progress:
            progress(i, total, cid)
        written.extend(job.case(cid, Path(out_dir), today))
    if progress:
        progress(total, total, "")
    return written


_WORKER: dict = {}


def _worker_init(root: str, use_cache: bool, out_dir: str, today: date, engine: str) -> None:
    from aftercare.store import Store

    _WORKER.update(job=_Job(Store(Path(root), use_cache=use_cache), "pdf", engine), out=Path(out_dir), today=today)


def _worker_case(cid: str) -> tuple:
    try:
        return cid, [str(p) for p in _WORKER["job"].case(cid, _WORKER["out"], _WORKER["today"])], None
    except AftercareError as exc:
        return cid, [], exc.message


def _render_parallel(store, ids: list, out_dir: Path, today: date, progress, workers: int,
                     engine: str) -> list[Path]:
    """PDF is CPU-bound (the engine lays out and subsets fonts per document): one process per core."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    total = len(ids)
    results: dict = {}
    # spawn, not fork: typst's compiler runs threads, and a child forked from a process with threads can
    # hang on a lock one of them held; spawn is also the only way Windows has
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                             initargs=(str(store.root), store.use_cache, str(out_dir), today, engine)) as pool:
        futures = [pool.submit(_worker_case, cid) for cid in ids]
        for done, fut in enumerate(as_completed(futures), 1):
            cid, paths, error = fut.result()
            if error:
                for f in futures:
                    f.cancel()
                raise AftercareError(error)
            results[cid] = [Path(p) for p in paths]
            if progress:
                progress(done, total, cid)
    if progress:
        progress(total, total, "")
    return [p for cid in ids for p in results[cid]]


def render_html(store, cid: str, today: date, measure_no: int | None = None) -> dict[str, str]:
    """The HTML of every file of one case by file name, in archive order, without writing anything."""
    job = _Job(store, "html")
    return job.html(*job.prepare(cid, today, measure_no)[:4])
