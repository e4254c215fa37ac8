"""The output job: plan a case's file, render every document, write HTML or PDF (one per document, the
combined PDF with archive page numbers, the cover and the table of contents)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from aftercare.core.errors import AftercareError
from aftercare.documents.builders import name_files as _name_files
from aftercare.documents.builders import plan_case
from aftercare.documents.catalogue import (COMBINED_SUFFIX, COVER_STEM, COVER_TEMPLATE, TOC_STEM, TOC_TEMPLATE,
                                           _OUR_FILE, Doc)
from aftercare.documents.context import CaseFacts
from aftercare.documents.templating import Templates


def _target(out_dir: Path, cid: str) -> Path:
    from aftercare.core.ids import check_case_id

    return Path(out_dir) / check_case_id(cid)


def _write_all(target: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    """Write a case's rendered files into its folder. Everything was rendered before: a failed render
    never gets here, and a failed write removes what it wrote and the folders it made (no empty folder)."""
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
            path = target / name
            atomic_write(path, data, durable=False)      # output is disposable: no fsync
            written.append(path)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        for d in made:                                  # deepest first
            try:
                d.rmdir()
            except OSError:
                break
        raise AftercareError(f"无法写入输出目录 {target}：{exc.strerror or exc}", code="io") from None
    return written


def _prune(target: Path, keep: Iterable[Path], ext: str, cid: str) -> None:
    """Remove files of an earlier render that this one did not write again (same format only)."""
    keep = {p.name for p in keep}
    for entry in os.scandir(target):
        name = entry.name
        if name in keep or not entry.is_file() or not name.endswith("." + ext):
            continue
        if _OUR_FILE.match(name) or name == f"{cid}{COMBINED_SUFFIX}":
            os.unlink(entry.path)


class _Job:
    """Renders cases of one store with shared templates (and fonts, for PDF)."""

    def __init__(self, store, fmt: str):
        if fmt not in ("html", "pdf"):
            raise AftercareError(f"格式“{fmt}”无效，应为 html 或 pdf", code="bad-format")
        if fmt == "pdf":
            try:
                import weasyprint  # noqa: F401
            except (ImportError, OSError) as exc:     # OSError: Pango or another system library missing
                raise AftercareError(f"无法生成 PDF：WeasyPrint 不可用（{exc}）；请安装 weasyprint 及其系统依赖（见 README）",
                                     code="no-pdf") from None
        self.store, self.fmt = store, fmt
        self.t = Templates(store)
        self._font_config = None
        self._fetcher = None

    # -- one case

    def prepare(self, cid: str, today: date) -> tuple[CaseFacts, list[Doc], dict]:
        case, events = self.store.load_case(cid)
        view = self.store.evaluate(case, events, today)
        facts = CaseFacts(self.store, case, view, today)
        docs = plan_case(facts)
        _name_files(docs, self.fmt)
        return facts, docs, facts.base_ctx()

    def case(self, cid: str, out_dir: Path, today: date) -> list[Path]:
        target = _target(out_dir, cid)
        facts, docs, base = self.prepare(cid, today)
        files = self._html(facts, docs, base) if self.fmt == "html" else self._pdf(facts, docs, base)
        written = _write_all(target, files)
        _prune(target, written, self.fmt, facts.case.id)
        return written

    def _ctx(self, base: dict, doc: Doc, **more) -> dict:
        ctx = dict(base)
        ctx.update(doc.ctx)
        ctx.update(title=doc.title, no=doc.kind.no if doc.kind else 0, seq=doc.seq, doc_date=doc.date,
                   qualifier=doc.qualifier, blank=doc.blank, fmt=self.fmt, page_start=None)
        ctx.update(more)
        return ctx

    def _front(self, facts: CaseFacts, docs: list[Doc], base: dict, pages: int | None) -> tuple[dict, dict]:
        v = facts.view
        end = v.closed_on or v.last_day
        entries = [{"n": i, "title": d.toc_title, "date": d.toc_date, "pages": d.page_range, "count": d.pages,
                    "file": d.ctx.get("file", ""), "no": d.kind.no, "blank": d.blank} for i, d in enumerate(docs, 1)]
        common = dict(base, fmt=self.fmt, entries=entries, doc_count=len(docs), page_count=pages,
                      period_start=v.start, period_end=end, page_start=None, blank=False, no=0, seq=0,
                      doc_date=None, qualifier="")
        cover = dict(common, title="社区戒毒（康复）人员档案", file=f"{COVER_STEM}.{self.fmt}")
        toc = dict(common, title="卷内目录", file=f"{TOC_STEM}.{self.fmt}")
        return cover, toc

    def _html(self, facts: CaseFacts, docs: list[Doc], base: dict) -> list[tuple[str, bytes]]:
        out = []
        cover, toc = self._front(facts, docs, base, None)
        for stem, tpl, ctx in ((COVER_STEM, COVER_TEMPLATE, cover), (TOC_STEM, TOC_TEMPLATE, toc)):
            out.append((f"{stem}.html", self.t.render(tpl, ctx).encode("utf-8")))
        for d in docs:
            out.append((f"{d.stem}.html", self.t.render(d.template, self._ctx(base, d)).encode("utf-8")))
        return out

    def _weasy(self, html: str):
        from weasyprint import HTML

        if self._fetcher is None:
            self._fetcher = _no_fetch()
        return HTML(string=html, base_url=None, url_fetcher=self._fetcher).render(font_config=self.font_config)

    @property
    def font_config(self):
        if self._font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            self._font_config = FontConfiguration()
        return self._font_config

    def _pdf(self, facts: CaseFacts, docs: list[Doc], base: dict) -> list[tuple[str, bytes]]:
        # the documents first: their page numbers run on from one to the next (archive numbering),
        # and the page number is in the margin, so it never changes a document's page count
        page = 1
        rendered = []
        for d in docs:
            d.first_page = page
            r = self._weasy(self.t.render(d.template, self._ctx(base, d, page_start=page)))
            d.pages = len(r.pages)
            page += d.pages
            rendered.append(r)
        total = page - 1
        # then the cover and the table of contents, which list those page numbers (not numbered themselves)
        cover, toc = self._front(facts, docs, base, total)
        front = [self._weasy(self.t.render(COVER_TEMPLATE, cover)), self._weasy(self.t.render(TOC_TEMPLATE, toc))]
        out = [(f"{stem}.pdf", r.write_pdf()) for stem, r in zip((COVER_STEM, TOC_STEM), front)]
        out += [(f"{d.stem}.pdf", r.write_pdf()) for d, r in zip(docs, rendered)]
        everything = front + rendered
        combined = everything[0].copy([p for r in everything for p in r.pages])
        out.append((f"{facts.case.id}{COMBINED_SUFFIX}", combined.write_pdf()))
        return out


def _no_fetch():
    """A URL fetcher that fetches nothing: documents are self-contained, nothing leaves the machine."""
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"外部资源已禁用：{url}")

    return NoFetch()


# ---------------------------------------------------------------- public API


def render_case(store, cid: str, out_dir: Path, fmt: str = "html", today: date | None = None) -> list[Path]:
    """Render one person's file into `out_dir/<cid>/`: cover, table of contents, the documents in archive
    order. HTML: one self-contained file each. PDF: one file each plus `<cid>-全卷.pdf`, the whole file,
    whose page numbers match the table of contents. Returns the files written, in order."""
    if today is None:
        raise TypeError("render_case: today is required")
    return _Job(store, fmt).case(cid, Path(out_dir), today)


def render_all(store, out_dir: Path, fmt: str = "html", today: date | None = None,
               progress: Callable[[int, int, str], Any] | None = None) -> list[Path]:
    """Render every case of the store; `progress(done, total, cid)` is called before and after each."""
    if today is None:
        raise TypeError("render_all: today is required")
    ids = store.case_ids()
    total = len(ids)
    workers = min(os.cpu_count() or 1, total)
    if fmt == "pdf" and workers > 1:
        return _render_parallel(store, ids, Path(out_dir), today, progress, workers)
    job = _Job(store, fmt)
    written: list[Path] = []
    for i, cid in enumerate(ids):
        if progress:
            progress(i, total, cid)
        written.extend(job.case(cid, Path(out_dir), today))
    if progress:
        progress(total, total, "")
    return written


_WORKER: dict = {}


def _worker_init(root: str, use_cache: bool, out_dir: str, today: date) -> None:
    from aftercare.store import Store

    _WORKER.update(job=_Job(Store(Path(root), use_cache=use_cache), "pdf"), out=Path(out_dir), today=today)


def _worker_case(cid: str) -> tuple:
    try:
        return cid, [str(p) for p in _WORKER["job"].case(cid, _WORKER["out"], _WORKER["today"])], None
    except AftercareError as exc:
        return cid, [], exc.message


def _render_parallel(store, ids: list, out_dir: Path, today: date, progress, workers: int) -> list[Path]:
    """PDF is CPU-bound (WeasyPrint lays out and subsets fonts per document): one process per core."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    total = len(ids)
    results: dict = {}
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                             initargs=(str(store.root), store.use_cache, str(out_dir), today)) as pool:
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


def render_html(store, cid: str, today: date) -> dict[str, str]:
    """The HTML of every document of one case by file name, in archive order, without writing anything."""
    job = _Job(store, "html")
    facts, docs, base = job.prepare(cid, today)
    cover, toc = job._front(facts, docs, base, None)
    out = {f"{COVER_STEM}.html": job.t.render(COVER_TEMPLATE, cover), f"{TOC_STEM}.html": job.t.render(TOC_TEMPLATE, toc)}
    for d in docs:
        out[f"{d.stem}.html"] = job.t.render(d.template, job._ctx(base, d))
    return out
