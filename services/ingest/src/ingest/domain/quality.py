"""Delivery quality of a year (the yearly report's last chapter): per quarter, how many
municipalities released on time, late or not yet, and the errors found by code.

Municipalities and files, not persons: nothing here needs disclosure control.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from contracts import Quarter
from contracts.reference import municipalities_on

#: Due dates are Dutch days: a release at 00:30 in Amsterdam is that day's, whatever UTC says.
DUTCH = ZoneInfo("Europe/Amsterdam")


def quarters_of(year: int) -> list[Quarter]:
    return [Quarter(year, number) for number in range(1, 5)]


def quality(
    year: int,
    as_of: date,
    first_release: Mapping[tuple[str, str], datetime],
    errors: Iterable[tuple[str, str, str, int]],
) -> list[dict[str, Any]]:
    """One entry per quarter of ``year``. ``first_release``: the first release or nil return
    of each (municipality, quarter); ``errors``: (quarter, code, severity, count)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, code, severity, count in errors:
        found.setdefault(name, []).append({"code": code, "severity": severity, "n": count})
    result = []
    for quarter in quarters_of(year):
        expected = [m.code for m in municipalities_on(quarter.end)]
        on_time = late = 0
        for code in expected:
            released = first_release.get((code, str(quarter)))
            if released is None:
                continue
            day = released.astimezone(DUTCH).date()
            if day > as_of:
                continue
            if day <= quarter.due_date:
                on_time += 1
            else:
                late += 1
        due = quarter.due_date < as_of
        result.append(
            {
                "quarter": str(quarter),
                "due_date": quarter.due_date.isoformat(),
                "due": due,
                "municipalities": len(expected),
                "on_time": on_time,
                "late": late,
                "missing": len(expected) - on_time - late if due else None,
                "pct_on_time": round(100 * on_time / len(expected), 1) if due else None,
                "errors": sorted(found.get(str(quarter), []), key=lambda e: (-e["n"], e["code"])),
            }
        )
    return result
