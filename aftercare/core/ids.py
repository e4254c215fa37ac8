"""Resident ID numbers (GB 11643), case IDs, event IDs, and fictional persons for demos and tests."""

from __future__ import annotations

import random
import re
from datetime import date
from functools import lru_cache

from aftercare.core.errors import AftercareError

CASE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"   # no 0/1/i/l/o: read aloud without confusion


def check_id_number(number: str) -> str | None:
    """None when valid, else why not (Chinese, to follow “身份证号”). The hard checks of GB 11643: 18
    characters, the check digit, a real birth date. The region code is not a hard check: an ID number
    keeps the code of where it was issued, and many codes were assigned after the person's birth (a
    person born in 1975 in 衡阳县 carries 430421, assigned in 1983), which `stdnum.cn.ric.validate`
    refuses (python-stdnum issue #442); see `id_region_warning`. No import of python-stdnum here: every
    command that reads a case checks its ID number, and importing stdnum takes longer than the check."""
    n = (number or "").strip().upper()
    if len(n) == 15 and n.isdigit():
        return f"“{number}”是旧的 15 位号码，请使用 18 位身份证号"
    if len(n) != 18:
        return f"“{number}”位数不对，应为 18 位"
    if not n[:17].isdigit() or not (n[17].isdigit() or n[17] == "X"):
        return f"“{number}”格式不对，应为 17 位数字加 1 位数字或 X"
    if id_check_digit(n[:17]) != n[17]:
        return f"“{number}”校验位不对（GB 11643），请核对"
    try:
        birth = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1900:
        return f"“{number}”中的出生日期无效"
    return None


# the read path runs the same hard checks (no region database)
quick_check_id_number = check_id_number


@lru_cache(maxsize=4096)
def region_known(code: str) -> bool:
    """True when `code` (6 digits) names a province, prefecture or county in any edition of GB/T 2260
    since 1980: python-stdnum's cn/loc database lists every code with the years it was in use
    (`[1983-]衡阳县`, `[-2010]崇文区`); any listed county-level entry counts, whatever its years."""
    from stdnum import numdb

    parts = numdb.get("cn/loc").info(code)
    return len(parts) == 2 and bool(parts[0][1].get("province")) and bool(parts[1][1].get("county"))


def id_region_warning(number: str) -> str | None:
    """A warning (not a refusal) when the region code of a valid ID number never existed."""
    n = (number or "").strip().upper()
    if region_known(n[:6]):
        return None
    return f"身份证号的地区码 {n[:6]} 不在任何一版行政区划代码（GB/T 2260）中，请核对是否录错"


def id_number_facts(number: str) -> tuple[date, str]:
    """Birth date and sex (男/女) from a valid 18-digit ID number."""
    n = number.strip().upper()
    birth = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    sex = "男" if int(n[16]) % 2 == 1 else "女"
    return birth, sex


def normalise_id_number(number: str) -> str:
    return number.strip().upper()


def check_case_id(cid: str) -> str:
    if not cid or not CASE_ID_RE.match(cid) or ".." in cid:
        raise AftercareError(f"个案编号“{cid}”不合规：只能用字母、数字、- 和 _（不含 /、..、空格或控制字符），最长 40 个字符",
                             code="bad-case-id")
    return cid


def new_event_id(taken: set | frozenset = frozenset(), rng: random.Random | None = None) -> str:
    """A fresh 6-character record id not in `taken` (from `rng` when given: generated stores are reproducible)."""
    while True:
        eid = "".join(rng.choices(_ALPHABET, k=6) if rng is not None else (_secrets().choice(_ALPHABET) for _ in range(6)))
        if eid not in taken:
            return eid


def new_origin() -> str:
    return "".join(_secrets().choice(_ALPHABET) for _ in range(4))


def _secrets():
    import secrets          # at first use: a command that makes no new ID does not load hashlib and hmac

    return secrets


# ---------------------------------------------------------------- fictional persons

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春林海波宇鹏飞斌浩凯晨欣怡佳俊峰辉东"
# region codes of a fictional-looking set of counties (valid 6-digit codes so stdnum accepts them)
_REGIONS = ("430421", "430422", "430423", "430424", "430426", "430481", "430412")


def fictional_name(rng: random.Random) -> str:
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


def id_check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(first17, weights))
    return "10X98765432"[total % 11]


def fictional_id_number(rng: random.Random, birth: date, sex: str) -> str:
    seq = rng.randint(0, 99)
    sex_digit = rng.choice("13579" if sex == "男" else "02468")
    first17 = f"{rng.choice(_REGIONS)}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + id_check_digit(first17)


def fictional_phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(str(rng.randint(0, 9)) for _ in range(9))
