"""The enrichment source's rules (SPEC section 11): months as it names them (``YYYY-MM``), the
horizons (the month N months after the month an obligation started) and which categories count
as work, benefit and education."""

from __future__ import annotations

import calendar
from datetime import date

#: The months after the obligation's start month at which work, benefits and education count.
HORIZONS = (12, 24, 36)
#: Each measure and the categories that make it true.
MEASURES: dict[str, frozenset[str]] = {
    "werk": frozenset({"werknemer", "zelfstandige"}),
    "uitkering": frozenset({"bijstand", "overige_uitkering"}),
    "onderwijs": frozenset({"scholier_student"}),
}


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_after(start: date, months: int) -> str:
    """The month ``months`` after the month of ``start`` (2023-03-15 and 12: 2024-03)."""
    index = start.year * 12 + start.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_end(month: str) -> date:
    """The last day of a ``YYYY-MM`` month."""
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, calendar.monthrange(year, number)[1])
