"""The monitor table: counted in the database by the data's own dates, then disclosure control."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import col

from contracts.enrichment import HORIZONS, MEASURES
from ketenkit import Database
from linkage.adapters.tables import PersonRow
from linkage.domain.disclosure import measure, round_count, suppress

GROUPS: dict[str, Any] = {
    "cohort": PersonRow.cohort,
    "doelgroep": PersonRow.doelgroep,
    "gemeente": PersonRow.gemeente,
    "provincie": PersonRow.provincie,
    "leerroute": PersonRow.leerroute,
}
LEERROUTES = ("b1", "onderwijs", "z")


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _enrichment_counts(as_of: date) -> list[Any]:
    """Per horizon: persons whose month ended by ``as_of`` with a known category, then how
    many of them were in work, on a benefit, in education (SPEC section 11)."""
    counts = []
    for months in HORIZONS:
        ended = getattr(PersonRow, f"einde_{months}m")
        known = and_(
            col(ended).is_not(None),
            col(ended) <= as_of,
            col(getattr(PersonRow, f"werk_{months}m")).is_not(None),
        )
        counts.append(_count(known))
        for name in MEASURES:
            counts.append(_count(and_(known, col(getattr(PersonRow, f"{name}_{months}m")))))
    return counts


async def monitor_table(
    db: Database, *, as_of: date, by: Sequence[str], round_to: int
) -> dict[str, Any]:
    groups = [col(GROUPS[name]) for name in by]
    pip = and_(col(PersonRow.datum_pip).is_not(None), col(PersonRow.datum_pip) <= as_of)
    deadline_passed = and_(
        col(PersonRow.pip_deadline).is_not(None), col(PersonRow.pip_deadline) <= as_of
    )
    query = (
        select(
            *groups,
            func.count().label("n"),
            _count(
                and_(col(PersonRow.datum_intake).is_not(None), col(PersonRow.datum_intake) <= as_of)
            ),
            _count(pip),
            _count(deadline_passed),
            _count(
                and_(deadline_passed, pip, col(PersonRow.datum_pip) <= col(PersonRow.pip_deadline))
            ),
            *(_count(and_(pip, col(PersonRow.leerroute) == route)) for route in LEERROUTES),
            _count(
                and_(
                    col(PersonRow.datum_examens_alle_behaald).is_not(None),
                    col(PersonRow.datum_examens_alle_behaald) <= as_of,
                )
            ),
            _count(
                and_(
                    col(PersonRow.datum_voldaan).is_not(None), col(PersonRow.datum_voldaan) <= as_of
                )
            ),
            *_enrichment_counts(as_of),
        )
        .where(
            col(PersonRow.complete).is_(True),
            col(PersonRow.in_scope).is_(True),
            col(PersonRow.datum_start) <= as_of,
        )
        .group_by(*groups)
        .order_by(*groups)
    )
    async with db.engine.connect() as connection:
        result = (await connection.execute(query)).all()
    rows = []
    for values in result:
        keys = dict(zip(by, values[: len(by)], strict=True))
        counts = [int(v or 0) for v in values[len(by) :]]
        n, intake, with_pip, passed, on_time, b1, onderwijs, z, exams, voldaan = counts[:10]
        enriched: dict[str, Any] = {}
        for index, months in enumerate(HORIZONS):
            known, *by_measure = counts[10 + index * 4 : 14 + index * 4]
            for name, count in zip(MEASURES, by_measure, strict=True):
                enriched[f"{name}_{months}m"] = measure(count, known, round_to)
        rows.append(
            {
                **keys,
                "n": round_count(suppress(n), round_to),
                "provisional": keys.get("cohort") == as_of.year,
                "brede_intake_gestart": measure(intake, n, round_to),
                "pip_vastgesteld": measure(with_pip, n, round_to),
                "pip_tijdig": measure(on_time, passed, round_to),
                "leerroute_b1": measure(b1, with_pip, round_to),
                "leerroute_onderwijs": measure(onderwijs, with_pip, round_to),
                "leerroute_z": measure(z, with_pip, round_to),
                "examens_alle_behaald": measure(exams, n, round_to),
                "voldaan": measure(voldaan, n, round_to),
                **enriched,
            }
        )
    cohorts = {row.get("cohort") for row in rows}
    provisional = [as_of.year] if as_of.year in cohorts or "cohort" not in by else []
    return {
        "as_of": as_of.isoformat(),
        "by": list(by),
        "provisional_cohorts": provisional,
        "rows": rows,
    }
