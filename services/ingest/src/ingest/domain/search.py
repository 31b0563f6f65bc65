"""Which deliveries a list asks for: filters and a page, newest first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DeliverySearch:
    municipality: str | None = None
    quarter: str | None = None
    status: str | None = None
    limit: int = 100
    offset: int = 0
