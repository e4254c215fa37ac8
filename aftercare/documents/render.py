"""The archive documents (一人一档): 18 kinds of document, rendered print-ready as HTML or PDF.

Pipeline for one case: load → evaluate (engine) → plan the instances (`builders`: which documents, how
many, in archive order, with the facts each holds) → render each instance with its Jinja template
(`templating`) → write the files (`output`: HTML, or PDF through WeasyPrint with page numbers that match
the table of contents). `catalogue` lists the kinds.

This module is the public face of the package: the command line and other readers import it.
jinja2 and weasyprint are imported inside functions: command startup time matters.
"""

from __future__ import annotations

from aftercare.documents.catalogue import COMBINED_SUFFIX, KINDS, Doc, Kind  # noqa: F401
from aftercare.documents.output import render_all, render_case, render_html  # noqa: F401


def font_note(store) -> str:
    """One Chinese line when the body font (仿宋 FangSong) is missing: which font the PDF uses instead."""
    from aftercare.documents.fonts import body_font_note, chains, installed_families

    return body_font_note(chains(store.config.get("fonts"))["body"], installed_families())
