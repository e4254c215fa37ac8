"""Date helpers: parsing user input, month arithmetic from an anchor, Chinese formatting."""

from __future__ import annotations

import os
import re
import unicodedata
from calendar import monthrange
from datetime import date, timedelta
from functools import lru_cache

from aftercare.core.errors import AftercareError

# the dates as people type them: 2026-11-05, 2026-11-5, 2026/11/5, 2026.11.5, 20261105, 2026年11月5日
_YMD = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_WORDS = {"today": 0, "今天": 0, "今日": 0, "yesterday": -1, "昨天": -1, "昨日": -1}
FORMS = "2026-11-05、2026-11-5、2026/11/5、2026年11月5日、今天（today）或昨天（yesterday）"


def parse_date(text: str, what: str = "日期", today: date | None = None) -> date:
    """A date as the user typed it (see FORMS; full-width digits too); `today` anchors 今天/昨天 (default:
    `current_day()`). Anything else, e.g. 11/5 without a year, is refused with the accepted forms."""
    if isinstance(text, date):
        return text
    raw = (text or "").strip()
    t = unicodedata.normalize("NFKC", raw).lower().replace(" ", "")
    if t in _WORDS:
        return (today or current_day()) + timedelta(days=_WORDS[t])
    m = _YMD.match(t)
    ymd = (m.group(1), m.group(3), m.group(4)) if m else None
    if ymd is None:
        m = _CN.match(t) or _COMPACT.match(t)
        ymd = m.groups() if m else None
    if ymd is None:
        raise AftercareError(f"{what}“{raw}”无法识别，请写成 {FORMS}", code="bad-date")
    try:
        return date(*(int(x) for x in ymd))
    except ValueError:
        raise AftercareError(f"{what}“{raw}”不是一个真实存在的日期", code="bad-date") from None


def current_day() -> date:
    """Today; AFTERCARE_TODAY fixes it (drills, tests), as every command's today."""
    fixed = os.environ.get("AFTERCARE_TODAY")
    return parse_date(fixed, "AFTERCARE_TODAY", date.today()) if fixed else date.today()


@lru_cache(maxsize=65536)
def add_months(anchor: date, months: int) -> date:
    """anchor + n calendar months, always computed from the anchor (no drift).

    Same result as `anchor + relativedelta(months=n)` (31 January + 1 month = 28/29 February; a test
    checks the two agree), several times faster: the engine calls it for every window.
    """
    y, m = divmod(anchor.month - 1 + months, 12)
    year, month = anchor.year + y, m + 1
    return date(year, month, min(anchor.day, monthrange(year, month)[1]))


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def cn(d: date | None) -> str:
    """2026年5月14日"""
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"


def birthday_in(birth: date, year: int) -> date:
    """The birthday in a given year; 29 February falls on 28 February in common years."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 2, 28)
