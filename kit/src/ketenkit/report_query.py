"""The query parameters of the yearly report's endpoints (linkage's figures, ingest's delivery
quality): one definition of the year, the day and the day's default."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

FIRST_DAY, LAST_DAY = date(2022, 1, 1), date(2100, 12, 31)
ReportYear = Annotated[int, Query(ge=FIRST_DAY.year, le=LAST_DAY.year, examples=[2025])]
ReportDay = Annotated[
    date | None,
    Query(
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="Default: the year's last day, or today if earlier.",
    ),
]


def report_day(year: int, as_of: date | None, today: date) -> date:
    """The day the figures are as of: the one asked for, else the year's end (or today)."""
    return as_of or min(date(year, 12, 31), today)
