"""The monitor's counts, made in the database by the data's own dates: per group, how many
complete persons in scope had reached each step by ``as_of``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import col

from contracts.enrichment import HORIZONS, MEASURES
from ketenkit import Database
from linkage.adapters.tables import PersonRow

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


def _reached(column: Any, as_of: date) -> ColumnElement[bool]:
    return and_(col(column).is_not(None), col(column) <= as_of)


def _counts(as_of: date) -> dict[str, Any]:
    """Each count's name and expression (SPEC sections 7 and 11)."""
    pip = _reached(PersonRow.datum_pip, as_of)
    deadline_passed = _reached(PersonRow.pip_deadline, as_of)
    counts: dict[str, Any] = {
        "n": func.count(),
        "intake": _count(_reached(PersonRow.datum_intake, as_of)),
        "pip": _count(pip),
        "deadline_passed": _count(deadline_passed),
        "pip_on_time": _count(
            and_(deadline_passed, pip, col(PersonRow.datum_pip) <= col(PersonRow.pip_deadline))
        ),
        **{
            f"leerroute_{route}": _count(and_(pip, col(PersonRow.leerroute) == route))
            for route in LEERROUTES
        },
        "exams": _count(_reached(PersonRow.datum_examens_alle_behaald, as_of)),
        "voldaan": _count(_reached(PersonRow.datum_voldaan, as_of)),
    }
    for months in HORIZONS:
        # Persons whose month ended by as_of with a known category, then how many of them
        # were in work, on a benefit, in education.
        known = and_(
            _reached(getattr(PersonRow, f"einde_{months}m"), as_of),
            col(getattr(PersonRow, f"werk_{months}m")).is_not(None),
        )
        counts[f"known_{months}m"] = _count(known)
        for name in MEASURES:
            column = getattr(PersonRow, f"{name}_{months}m")
            counts[f"{name}_{months}m"] = _count(and_(known, col(column)))
    return counts


async def monitor_counts(
    db: Database, *, as_of: date, by: Sequence[str]
) -> list[tuple[dict[str, Any], dict[str, int]]]:
    """Per group (its values of ``by``, in order): the counts by name."""
    groups = [col(GROUPS[name]) for name in by]
    counts = _counts(as_of)
    query = (
        select(*groups, *counts.values())
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
    return [
        (
            dict(zip(by, values[: len(by)], strict=True)),
            {name: int(v or 0) for name, v in zip(counts, values[len(by) :], strict=True)},
        )
        for values in result
    ]
