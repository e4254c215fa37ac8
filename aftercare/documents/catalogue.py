"""The catalogue of the archive: the 18 kinds of document, the cover and contents, one document instance."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from aftercare.core.dates import cn

COMBINED_STEM = "-全卷"                  # <cid>-全卷.pdf / .html: the whole archive in one file
COMBINED_SUFFIX = COMBINED_STEM + ".pdf"
BLANK_DIR = "空白表"                    # blank forms: duties not arisen, to print and fill by hand


@dataclass(frozen=True)
class Kind:
    no: int
    template: str
    title: str
    short: str          # file name part
    per_event: bool     # instances numbered NN-MM-… in file names


KINDS: dict[int, Kind] = {k.no: k for k in (
    Kind(1, "01-decision.html.j2", "责令社区戒毒/社区康复决定书", "决定书", False),
    Kind(2, "02-registration.html.j2", "社区戒毒（康复）人员基本情况登记表", "基本情况登记表", False),
    Kind(3, "03-agreement.html.j2", "社区戒毒（康复）协议书", "协议书", False),
    Kind(4, "04-plan.html.j2", "社区戒毒（康复）计划", "戒毒康复计划", False),
    Kind(5, "05-work-group.html.j2", "社区戒毒（康复）工作小组成员名单", "工作小组成员名单", False),
    Kind(6, "06-late-report-notice.html.j2", "社区戒毒（康复）人员逾期报到通知书", "逾期报到通知书", False),
    Kind(7, "07-visit.html.j2", "社区戒毒（康复）见面访谈/家访记录", "见面访谈家访记录", True),
    Kind(8, "08-test-notice.html.j2", "社区戒毒（康复）人员吸毒检测通知书", "吸毒检测通知书", True),
    Kind(9, "09-test-record.html.j2", "社区戒毒（康复）人员检测记录表", "检测记录表", False),
    Kind(10, "10-support-record.html.j2", "社区戒毒（康复）人员学习、帮扶、医疗、就业记录", "学习帮扶医疗就业记录", False),
    Kind(11, "11-warning.html.j2", "社区戒毒（康复）人员告诫书", "告诫书", True),
    Kind(12, "12-violation-report.html.j2", "社区戒毒社区康复人员违法/违规行为报告", "违法违规行为报告", True),
    Kind(13, "13-leave-request.html.j2", "社区戒毒（康复）人员外出请假申请表", "外出请假申请表", True),
    Kind(14, "14-leave-notice.html.j2", "社区戒毒（康复）人员外出准假通知书", "外出准假通知书", True),
    Kind(15, "15-transfer-form.html.j2", "社区戒毒（康复）人员变更戒毒（康复）地点审批表", "变更地点审批表", True),
    Kind(16, "16-transfer-letter.html.j2", "关于社区戒毒（康复）人员变更戒毒（康复）地点的函", "变更地点的函", True),
    Kind(17, "17-evaluation.html.j2", "社区戒毒（康复）人员评估表", "评估表", True),
    Kind(18, "18-release-notice.html.j2", "解除社区戒毒/社区康复通知书", "解除通知书", False),
)}
# letters, notices and reports: the 公文 look of GB/T 9704 (red issuing organ, document number, red line)
OFFICIAL = (1, 6, 8, 11, 12, 14, 16, 18)
COVER_TEMPLATE = "cover.html.j2"
TOC_TEMPLATE = "toc.html.j2"
COVER_STEM = "00-1-卷皮"
TOC_STEM = "00-2-卷内目录"
_OUR_FILE = re.compile(r"^\d\d-[\w\-（）]+\.(html|pdf)$")

LEGAL_BASIS = {
    "detox": "《中华人民共和国禁毒法》第三十三条、第三十四条，《戒毒条例》第十三条、第十四条",
    "rehab": "《中华人民共和国禁毒法》第四十八条，《戒毒条例》第三十七条",
}
CN_DIGITS = "零一二三四五六七八九十"


@dataclass
class Doc:
    """One document instance of a person's file."""

    kind: Kind | None              # None for the cover and the table of contents
    seq: int                       # 1-based instance number within its kind (0: once per case)
    date: date | None              # the document's date (table of contents)
    qualifier: str = ""            # what tells instances apart, e.g. “第3期”
    ctx: dict = field(default_factory=dict)
    blank: bool = False            # its duty has not arisen: a blank form (the separate 空白表 set, not the archive)
    todo: bool = False             # in the archive, but its details or issue are still to be recorded (“待填”)
    date_text: str = ""            # overrides the date in the table of contents (running tables)
    template: str = ""
    stem: str = ""
    pages: int = 0
    first_page: int = 0

    @property
    def title(self) -> str:
        return self.kind.title if self.kind else ""

    @property
    def toc_title(self) -> str:
        return self.title + (f"（{self.qualifier}）" if self.qualifier else "")

    @property
    def toc_date(self) -> str:
        return self.date_text or cn(self.date)

    @property
    def page_range(self) -> str:
        if not self.pages:
            return ""
        last = self.first_page + self.pages - 1
        return str(self.first_page) if last == self.first_page else f"{self.first_page}–{last}"



def doc(day: date | None, qualifier: str = "", blank: bool = False, date_text: str = "", todo: bool = False,
        **ctx) -> Doc:
    """A document instance (its kind is set by the plan)."""
    return Doc(None, 0, day, qualifier, ctx, blank, todo, date_text)


def cn_count(n: int) -> str:
    return CN_DIGITS[n] if 0 <= n <= 10 else str(n)


def toc_row(n: int, d: Doc, facts) -> dict:
    """A row of the 卷内目录 (GB/T 9705): 序号、文号、责任者、题名、日期、页号、备注."""
    p, ctx, office = facts.person, d.ctx, facts.office.get("name", "")
    no = d.kind.no
    if no == 1:
        docno, by = p.get("decision_no", ""), p.get("decided_by", "")
    elif no == 18:
        docno, by = ctx.get("notice_no", ""), ctx.get("issued_by", "") or p.get("decided_by", "")
    elif no == 13:
        docno, by = "", p.get("name", "")                      # the person's own application
    else:
        docno, by = ctx.get("docno", ""), office
    return {"n": n, "docno": docno, "by": by or office, "title": d.toc_title, "date": d.toc_date,
            "pages": d.page_range, "count": d.pages, "file": ctx.get("file", ""), "no": no, "todo": d.todo,
            "remark": "待填" if d.todo else ""}
