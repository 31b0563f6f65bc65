"""Work, benefits and education N months into the obligation, from CBS's monthly categories.

SPEC section 11: the month N months after the month of ``datum_start_inburgeringsplicht``
(start 2023-03-15, 12 months: 2024-03); per person and month the latest ``gewijzigd_op``
wins; a month without a category is unknown (null), never false.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from contracts.enrichment import HORIZONS, MEASURES, month_after, month_end
from linkage.domain.facts import Fact

#: The record's fields, in order: werk_12m, uitkering_12m, onderwijs_12m, werk_24m, ...
FIELDS = tuple(f"{measure}_{months}m" for months in HORIZONS for measure in MEASURES)


@dataclass(frozen=True, slots=True)
class Horizon:
    """What is known of one person N months in."""

    months: int
    month: str  # YYYY-MM
    month_end: date
    fact: Fact | None  # the month's standing category, when CBS sent one

    @property
    def category(self) -> str | None:
        return str(self.fact.data["categorie"]) if self.fact is not None else None


def _changed(fact: Fact) -> tuple[datetime, str]:
    value = fact.data.get("gewijzigd_op")
    moment = datetime.fromisoformat(value) if isinstance(value, str) and value else fact.time
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, fact.event_id


def categories(facts: Iterable[Fact]) -> dict[str, Fact]:
    """Per month the fact that stands: the latest change, ties broken by event id."""
    standing: dict[str, Fact] = {}
    for fact in facts:
        month = fact.data["maand"]
        held = standing.get(month)
        if held is None or _changed(fact) > _changed(held):
            standing[month] = fact
    return standing


def horizons(start: date, facts: Iterable[Fact]) -> list[Horizon]:
    standing = categories(facts)
    months_in = ((months, month_after(start, months)) for months in HORIZONS)
    return [Horizon(n, month, month_end(month), standing.get(month)) for n, month in months_in]


def record_fields(found: list[Horizon]) -> dict[str, bool | None]:
    """``werk_12m`` ...: true or false from that month's category, null without one."""
    fields: dict[str, bool | None] = {}
    for horizon in found:
        for measure, members in MEASURES.items():
            known = horizon.category is not None
            fields[f"{measure}_{horizon.months}m"] = horizon.category in members if known else None
    return fields


def month_ends(found: list[Horizon]) -> dict[str, date]:
    """When each horizon's month ended (the monitor's denominator counts ended months)."""
    return {f"einde_{h.months}m": h.month_end for h in found}


def used(found: list[Horizon]) -> list[Fact]:
    """The facts that decided a horizon (for the record's ``source_event_ids``)."""
    return [h.fact for h in found if h.fact is not None]


def can_change_record(start: date | None, complete: bool, arrived: Iterable[Fact]) -> bool:
    """Whether facts that just arrived can change a person's record or pending state.

    Most of CBS's months are not horizon months, and the months never decide completeness: for
    a person that is incomplete, or complete with its start known and none of the months at a
    horizon, months alone change nothing, and the person need not be merged again.
    """
    facts = list(arrived)
    if any(fact.source != "stats" for fact in facts):
        return True
    if not complete:
        return False
    if start is None:
        return True
    horizons = {month_after(start, months) for months in HORIZONS}
    return any(fact.data["maand"] in horizons for fact in facts)
