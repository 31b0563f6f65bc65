"""Reporting quarters (``2025-Q3``) and their delivery deadline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import total_ordering

from contracts.errors import QuarterInvalid

DELIVERY_DAYS_AFTER_QUARTER = 28
_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")


@total_ordering
@dataclass(frozen=True, slots=True)
class Quarter:
    """A calendar quarter. Municipalities deliver within 28 days after it ends."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise QuarterInvalid(f"quarter number must be 1-4, got {self.number}")
        if not 1900 <= self.year <= 9998:
            raise QuarterInvalid(f"year out of range: {self.year}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse ``YYYY-Qn``; raise :class:`QuarterInvalid` otherwise."""
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise QuarterInvalid(f"quarter must look like 2025-Q3, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter that holds ``day``."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def due_date(self) -> date:
        """The last day a delivery is on time: the quarter's end plus 28 days."""
        return self.end + timedelta(days=DELIVERY_DAYS_AFTER_QUARTER)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Quarter):
            return NotImplemented
        return (self.year, self.number) < (other.year, other.number)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"
