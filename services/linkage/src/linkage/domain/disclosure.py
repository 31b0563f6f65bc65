"""Disclosure control of the monitor table (SPEC section 10)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MIN_COUNT = 10


def suppress(count: int) -> int | None:
    """Counts from 1 to 9 are suppressed; 0 is shown."""
    return None if 0 < count < MIN_COUNT else count


def percentage(numerator: int, denominator: int) -> float | None:
    """One decimal, half up; suppressed with its numerator or a denominator below 10."""
    if suppress(numerator) is None or denominator < MIN_COUNT:
        return None
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def round_count(count: int | None, multiple: int) -> int | None:
    """Round half up to a multiple, after suppression."""
    if count is None or multiple == 1:
        return count
    return int((Decimal(count) / multiple).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * multiple


def measure(numerator: int, denominator: int, round_to: int) -> dict[str, int | float | None]:
    return {
        "n": round_count(suppress(numerator), round_to),
        "pct": percentage(numerator, denominator),
    }
