"""Municipality codes valid per day, the mergers between them, and their provinces.

Built from the yearly CBS lists (the municipalities on 1 January of 2021-2026) and the list of
mergers (herindelingen), shipped as package data. A code is valid from the day it first appears
(1 January of its first list, or the day of the merger that created it) up to the day before
the merger that abolished it. The oldest list is taken as valid since ever, the newest as valid
from then on.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files

from contracts.errors import MunicipalityUnknown

_CODE = re.compile(r"^GM\d{4}$")
_LIST = re.compile(r"^gemeenten_(\d{4})\.csv$")


@dataclass(frozen=True, slots=True)
class Municipality:
    """One municipality code with the days it is valid (``valid_until`` inclusive, or open)."""

    code: str
    name: str
    province: str
    valid_from: date
    valid_until: date | None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class Merger:
    """On ``date`` the municipality ``old_code`` became part of ``new_code``."""

    date: date
    old_code: str
    new_code: str


def _read(name: str) -> list[dict[str, str]]:
    text = files("contracts.reference").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def _mergers() -> tuple[Merger, ...]:
    rows = _read("herindelingen.csv")
    return tuple(
        sorted(
            (Merger(date.fromisoformat(r["date"]), r["old_code"], r["new_code"]) for r in rows),
            key=lambda m: (m.date, m.old_code),
        )
    )


@cache
def _table() -> dict[str, Municipality]:
    data = files("contracts.reference").joinpath("data")
    years = sorted(
        int(match.group(1)) for entry in data.iterdir() if (match := _LIST.match(entry.name))
    )
    provinces: dict[str, str] = {}
    names: dict[str, str] = {}
    first_year: dict[str, int] = {}
    for year in years:
        for row in _read(f"gemeenten_{year}.csv"):
            first_year.setdefault(row["code"], year)
            names[row["code"]] = row["name"]
            provinces[row["code"]] = row["province"]
    created = {m.new_code: m.date for m in _mergers()}
    abolished = {m.old_code: m.date for m in _mergers()}
    table: dict[str, Municipality] = {}
    for code, year in first_year.items():
        start = date.min if year == years[0] else created.get(code, date(year, 1, 1))
        end = abolished.get(code)
        table[code] = Municipality(
            code=code,
            name=names[code],
            province=provinces[code],
            valid_from=start,
            valid_until=end - timedelta(days=1) if end else None,
        )
    return table


def _lookup(code: str) -> Municipality:
    if not isinstance(code, str) or not _CODE.match(code):
        raise MunicipalityUnknown(
            f"municipality code must be GM followed by 4 digits, got {code!r}"
        )
    try:
        return _table()[code]
    except KeyError:
        raise MunicipalityUnknown(f"{code} is not a known municipality code") from None


def municipality(code: str) -> Municipality:
    """The reference entry of ``code``; raises :class:`MunicipalityUnknown`."""
    return _lookup(code)


def is_valid(code: str, on: date) -> bool:
    """True when ``code`` is a municipality on day ``on``."""
    try:
        return _lookup(code).valid_on(on)
    except MunicipalityUnknown:
        return False


def require_valid(code: str, on: date) -> Municipality:
    """The municipality ``code`` when it is valid on ``on``; else :class:`MunicipalityUnknown`."""
    entry = _lookup(code)
    if not entry.valid_on(on):
        raise MunicipalityUnknown(f"{code} ({entry.name}) is not a municipality on {on}")
    return entry


def municipalities_on(on: date) -> tuple[Municipality, ...]:
    """Every municipality valid on ``on``, sorted by code."""
    return tuple(m for code, m in sorted(_table().items()) if m.valid_on(on))


def current_code(code: str, on: date | None = None) -> str:
    """The code ``code`` has become by day ``on`` (default: under all known mergers)."""
    _lookup(code)
    result = code
    for merger in _mergers():
        if merger.old_code == result and (on is None or merger.date <= on):
            result = merger.new_code
    return result


def province(code: str) -> str:
    """The province of ``code`` (for an abolished code: its province in its last year)."""
    return _lookup(code).province


@cache
def _labour_market_regions() -> dict[str, str]:
    rows = [
        *_read("gemeenten_2026_regions.csv"),
        *_read("gemeenten_abolished_2022_2023_regions.csv"),
    ]
    return {row["code"]: row["arbeidsmarktregio"] for row in rows}


def labour_market_region(code: str) -> str:
    """The labour-market region (arbeidsmarktregio, 2026 classification) of ``code``; for an
    abolished code, its region in its last year."""
    _lookup(code)
    try:
        return _labour_market_regions()[code]
    except KeyError:
        raise MunicipalityUnknown(f"{code} has no labour-market region in the reference") from None


def provinces() -> tuple[str, ...]:
    """The twelve provinces, sorted."""
    return tuple(sorted({m.province for m in _table().values()}))


def labour_market_regions() -> tuple[str, ...]:
    """The labour-market regions (2026 classification), sorted."""
    return tuple(sorted(set(_labour_market_regions().values())))


def merger_date(old_code: str) -> date | None:
    """The day ``old_code`` was merged into another municipality, if it was."""
    return next((m.date for m in _mergers() if m.old_code == old_code), None)


def merged_into_during(old_code: str, new_code: str, first: date, last: date) -> bool:
    """True when ``old_code`` became part of ``new_code`` on a day from ``first`` to ``last``."""
    return any(
        m.old_code == old_code and m.new_code == new_code and first <= m.date <= last
        for m in _mergers()
    )


@cache
def predecessors(code: str) -> frozenset[str]:
    """Every code that merged into ``code``, directly or through several mergers."""
    found: set[str] = set()
    todo = [code]
    while todo:
        current = todo.pop()
        for merger in _mergers():
            if merger.new_code == current and merger.old_code not in found:
                found.add(merger.old_code)
                todo.append(merger.old_code)
    return frozenset(found)
