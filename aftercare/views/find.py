"""Find a person: by name (also pinyin and its initials: `zmm` finds 张某某), case ID, ID-number or phone fragment."""

from __future__ import annotations

import re
from itertools import product

from aftercare.core.errors import AftercareError

MIN_DIGITS = 4       # a shorter number fragment matches too much to mean anything


def _pinyin(name: str) -> tuple[list, list]:
    """(initials, syllables) per character, each a list of the readings (heteronyms: 曾 zeng/ceng)."""
    from pypinyin import Style, pinyin

    initials = pinyin(name, style=Style.FIRST_LETTER, heteronym=True, errors=lambda s: list(s.lower()))
    full = pinyin(name, style=Style.NORMAL, heteronym=True, errors=lambda s: list(s.lower()))
    return [[r.lower() for r in x] for x in initials], [[r.lower() for r in x] for x in full]


def _spells(readings: list, query: str, limit: int = 64) -> bool:
    """True when some choice of one reading per character, joined, contains `query`."""
    combos = 1
    for r in readings:
        combos *= len(r)
    if combos > limit:
        readings = [r[:1] for r in readings]
    return any(query in "".join(choice) for choice in product(*readings))


def search(people: list, text: str) -> list:
    """[(person, what matched)] in register order."""
    q = text.strip()
    if not q:
        raise AftercareError("请给出要查找的内容：姓名、拼音首字母、个案编号、身份证号或电话号码的一部分", code="missing")
    low = q.lower()
    letters = bool(re.fullmatch(r"[a-z]+", low))
    digits = re.sub(r"[\s-]", "", low)
    numeric = bool(re.fullmatch(r"\d+x?", digits))
    out = []
    for p in people:
        why = []
        if low in p.case.lower():
            why.append("个案编号")
        if q in p.name:
            why.append("姓名")
        elif letters and p.name:
            initials, full = _pinyin(p.name)
            if _spells(initials, low):
                why.append("拼音首字母")
            elif len(low) > 1 and _spells(full, low):
                why.append("拼音")
        if numeric and len(digits) >= MIN_DIGITS:
            if digits in p.id_number.lower():
                why.append("身份证号")
            if digits in re.sub(r"\D", "", p.phone):
                why.append("电话")
        if why:
            out.append((p, "、".join(why)))
    return out


def resolve_name(people: list, text: str):
    """The one case whose person is called exactly `text`; None when nobody is; refused when several are."""
    hits = [p for p in people if p.name == text]
    if len(hits) > 1:
        raise AftercareError(f"姓名“{text}”对应 {len(hits)} 个个案：{'、'.join(p.case for p in hits)}；请改用个案编号",
                             code="ambiguous-name")
    return hits[0] if hits else None
