"""One context builder per document: each yields the instances of its kind (a `Doc` with the facts the
template shows), in archive order. Builders read the case's facts; they never write.

To add a document's facts, extend its builder (or add one and list it in `BUILDERS`)."""

from __future__ import annotations

from aftercare.documents.builders.breaches import _b11_warnings, _b12_reports
from aftercare.documents.builders.closing import _b17_evaluations, _b18_release
from aftercare.documents.builders.movement import (_b13_leave_requests, _b14_leave_notices, _b15_transfer_forms,
                                                   _b16_transfer_letters)
from aftercare.documents.builders.person import _b01_decision, _b02_registration, _b03_agreement, _b04_plan, _b05_group
from aftercare.documents.builders.records import _b06_late_notice, _b07_visits, _b08_test_notices, _b09_tests, _b10_support
from aftercare.documents.catalogue import KINDS, Doc
from aftercare.documents.context import CaseFacts


# documents kept up to date, which show today's facts: the decision's copy on file (annotated with the actual
# report-in) and the running tables; every other document shows the facts as they stood on its own day
UP_TO_DATE = (1, 9, 10)


def plan_case(facts: CaseFacts) -> list[Doc]:
    """Every document instance of the person's file, in archive order."""
    docs: list[Doc] = []
    for no, builder in BUILDERS:
        made = list(builder(facts))
        kind = KINDS[no]
        for i, d in enumerate(made, 1):
            d.kind = kind
            d.seq = i if kind.per_event or len(made) > 1 else 0
            d.template = kind.template
            if no not in UP_TO_DATE and d.date is not None:
                d.ctx.setdefault("p", facts.person_on(d.date))     # the person as the document's own day knew them
        docs.extend(made)
    return docs



BUILDERS: tuple = (
    (1, _b01_decision), (2, _b02_registration), (3, _b03_agreement), (4, _b04_plan), (5, _b05_group),
    (6, _b06_late_notice), (7, _b07_visits), (8, _b08_test_notices), (9, _b09_tests), (10, _b10_support),
    (11, _b11_warnings), (12, _b12_reports), (13, _b13_leave_requests), (14, _b14_leave_notices),
    (15, _b15_transfer_forms), (16, _b16_transfer_letters), (17, _b17_evaluations), (18, _b18_release),
)



def name_files(docs: list[Doc], ext: str, folder: str = "") -> None:
    """File names in archive order: NN-短名 once per case, NN-MM-短名 per event (in `folder` if given)."""
    counts: dict[int, int] = {}
    for d in docs:
        counts[d.kind.no] = counts.get(d.kind.no, 0) + 1
    for d in docs:
        k = d.kind
        if k.per_event or counts[k.no] > 1:
            width = max(2, len(str(counts[k.no])))
            d.stem = f"{k.no:02d}-{d.seq:0{width}d}-{k.short}"
        else:
            d.stem = f"{k.no:02d}-{k.short}"
        d.ctx["file"] = f"{folder}/{d.stem}.{ext}" if folder else f"{d.stem}.{ext}"

