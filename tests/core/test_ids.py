"""core/ids.py: the hard checks of an ID number and the region code of any GB/T 2260 edition (issue 10 item 5)."""

from __future__ import annotations

import pytest

from aftercare.core.ids import check_id_number, id_check_digit, id_region_warning, region_known


def idn(first17: str) -> str:
    return first17 + id_check_digit(first17)


def test_a_code_assigned_after_the_birth_year_is_valid():
    # 衡阳县 got 430421 in 1983; a person born there in 1975 carries it (stdnum.cn.ric refuses it)
    n = idn("43042119750101001")
    assert n == "430421197501010019"          # weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2: sum 179, 179 % 11 = 3 → 9
    assert check_id_number(n) is None and id_region_warning(n) is None


@pytest.mark.parametrize("code", ["110103", "110104", "430400", "430000", "430425"])
def test_codes_of_past_editions_are_known(code):
    # 崇文区 and 宣武区 (Beijing) until 2010; 衡阳市 itself; 湖南省; 常宁县 1983–1996
    assert region_known(code)


@pytest.mark.parametrize("code", ["990421", "439999", "000000", "431299"])
def test_codes_that_never_existed_are_a_warning_not_a_refusal(code):
    n = idn(code + "19750101001")
    assert not region_known(code)
    assert check_id_number(n) is None
    assert code in id_region_warning(n)


@pytest.mark.parametrize("number,words", [
    ("430421197501010018", "校验位"),
    ("43042119750101001", "位数"),
    ("430421750101001", "15 位"),
    ("43042119750101001A", "格式"),
    (idn("43042119751301001"), "出生日期"),
    (idn("43042119750230001"), "出生日期"),
    (idn("43042118500101001"), "出生日期"),
])
def test_hard_checks_stay(number, words):
    assert words in check_id_number(number)


def test_the_hard_checks_agree_with_python_stdnum():
    """The check digit and the birth date are computed here (importing stdnum on every read costs more than
    the check): on 2,000 numbers, valid or with a wrong check digit or date, both agree."""
    import random
    from datetime import date

    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    rng = random.Random(12)
    for _ in range(2000):
        digits = lambda k: "".join(rng.choice("0123456789") for _ in range(k))      # noqa: E731
        born_on = f"{rng.randint(1890, 2030)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"   # real or not
        first17 = "43" + digits(4) + (born_on if rng.random() < 0.8 else digits(8)) + digits(3)
        for last in {ric.calc_check_digit(first17 + "0"), rng.choice("0123456789X")}:
            n = first17 + last
            try:
                born = ric.get_birth_date(n)
            except ValidationError:
                born = None
            stdnum_ok = last == ric.calc_check_digit(n) and born is not None and born >= date(1900, 1, 1)
            assert (check_id_number(n) is None) == stdnum_ok, n
