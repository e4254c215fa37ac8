"""Working days in the calendar of China.

Statutory holidays and the weekend days declared working days (调休) come from the
`chinese_calendar` package for the years it knows; an office adds later years in its
`aftercare.yaml`:

    calendar:
      2027:
        holidays: [2027-01-01, 2027-02-16]
        workdays: [2027-02-07]

For a year known to neither, Monday to Friday count as working days and every deadline
computed through that year is marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Mapping


@dataclass
class WorkCalendar:
    holidays: Mapping[int, frozenset] = field(default_factory=dict)
    workdays: Mapping[int, frozenset] = field(default_factory=dict)
    # years for which the fallback (Monday–Friday) had to be used; filled as a side effect
    unknown_years: set = field(default_factory=set)

    @classmethod
    def from_config(cls, config: Mapping | None) -> "WorkCalendar":
        holidays: dict[int, frozenset] = {}
        workdays: dict[int, frozenset] = {}
        for year, spec in (config or {}).items():
            spec = spec or {}
            holidays[int(year)] = frozenset(spec.get("holidays") or ())
            workdays[int(year)] = frozenset(spec.get("workdays") or ())
        return cls(holidays, workdays)

    def fingerprint(self) -> tuple:
        return tuple(sorted((y, tuple(sorted(self.holidays[y])), tuple(sorted(self.workdays.get(y, ())))) for y in self.holidays))

    def knows(self, year: int) -> bool:
        if year in self.holidays:
            return True
        return _package_knows(year)

    def is_workday(self, d: date) -> bool:
        if d.year in self.holidays:
            if d in self.workdays.get(d.year, ()):
                return True
            if d in self.holidays[d.year]:
                return False
            return d.weekday() < 5
        if _package_knows(d.year):
            import chinese_calendar

            return chinese_calendar.is_workday(d)
        self.unknown_years.add(d.year)
        return d.weekday() < 5

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day after `start` (start itself not counted).

        Returns the date and whether it is provisional (a year without holiday data was crossed).
        """
        d = start
        provisional = False
        count = 0
        while count < n:
            d += timedelta(days=1)
            if not self.knows(d.year):
                provisional = True
            if self.is_workday(d):
                count += 1
        return d, provisional


_KNOWN: dict[int, bool] = {}


def _package_knows(year: int) -> bool:
    known = _KNOWN.get(year)
    if known is None:
        try:
            import chinese_calendar

            chinese_calendar.is_workday(date(year, 6, 1))
            known = True
        except NotImplementedError:
            known = False
        _KNOWN[year] = known
    return known


def unknown_years_in(years: Iterable[int], cal: WorkCalendar) -> list[int]:
    return sorted(y for y in set(years) if not cal.knows(y))
