"""Which (municipality, quarter) deliveries are overdue on a given day (SPEC section 10)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from contracts import Quarter
from contracts.reference import municipalities_on

FIRST_QUARTER = Quarter(2022, 1)


@dataclass(frozen=True, slots=True, order=True)
class Overdue:
    municipality: str
    quarter: Quarter

    @property
    def due_date(self) -> date:
        return self.quarter.due_date


def overdue_pairs(
    as_of: date,
    delivered: Iterable[tuple[str, str]],
    *,
    municipalities: Iterable[str] | None = None,
) -> list[Overdue]:
    """Pairs due before ``as_of`` (delivering on the due date is on time) without a release or
    nil return, for municipalities valid on the quarter's last day, from 2022-Q1 on."""
    done = set(delivered)
    wanted = set(municipalities) if municipalities is not None else None
    result: list[Overdue] = []
    quarter = FIRST_QUARTER
    while quarter.due_date < as_of:
        for municipality in municipalities_on(quarter.end):
            code = municipality.code
            if wanted is not None and code not in wanted:
                continue
            if (code, str(quarter)) not in done:
                result.append(Overdue(code, quarter))
        quarter = quarter.next()
    # A key of plain values: the dataclasses' own comparisons cost a national run seconds.
    return sorted(result, key=lambda o: (o.municipality, o.quarter.year, o.quarter.number))


@dataclass(frozen=True, slots=True)
class OverdueFigures:
    """The overdue pairs per quarter, and the quarter whose due date passed last."""

    by_quarter: dict[Quarter, int]
    latest: Quarter | None
    latest_overdue: int
    latest_days_past_due: int


def latest_due_quarter(as_of: date) -> Quarter | None:
    """The quarter whose due date passed last before ``as_of`` (from 2022-Q1 on)."""
    latest = None
    quarter = FIRST_QUARTER
    while quarter.due_date < as_of:
        latest, quarter = quarter, quarter.next()
    return latest


def overdue_counts(as_of: date, delivered: Iterable[tuple[str, str]]) -> dict[Quarter, int]:
    """How many pairs :func:`overdue_pairs` gives per quarter, counted without making them (the
    gauges need only the counts, and refresh after every release)."""
    done = set(delivered)
    counts: dict[Quarter, int] = {}
    quarter = FIRST_QUARTER
    while quarter.due_date < as_of:
        label = str(quarter)
        missing = sum(1 for m in municipalities_on(quarter.end) if (m.code, label) not in done)
        if missing:
            counts[quarter] = missing
        quarter = quarter.next()
    return counts


def overdue_figures(by_quarter: dict[Quarter, int], as_of: date) -> OverdueFigures:
    """The figures of :func:`overdue_counts`' counts on ``as_of``."""
    latest = latest_due_quarter(as_of)
    return OverdueFigures(
        by_quarter=by_quarter,
        latest=latest,
        latest_overdue=by_quarter.get(latest, 0) if latest else 0,
        latest_days_past_due=(as_of - latest.due_date).days if latest else 0,
    )
