"""Date helpers: parsing user input, month arithmetic from an anchor, Chinese formatting."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta
from functools import lru_cache

from aftercare.core.errors import AftercareError

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str, what: str = "日期") -> date:
    """Parse a YYYY-MM-DD date given by the user; a clear Chinese error otherwise."""
    if isinstance(text, date):
        return text
    text = (text or "").strip()
    if not _ISO.match(text):
        raise AftercareError(f"{what}“{text}”格式不对，应为 YYYY-MM-DD，例如 2026-05-14", code="bad-date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AftercareError(f"{what}“{text}”不是一个真实存在的日期", code="bad-date") from None


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
