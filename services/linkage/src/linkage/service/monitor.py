"""The monitor table: the database's counts per group, then disclosure control."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from contracts.enrichment import HORIZONS, MEASURES
from ketenkit import Database
from linkage.adapters.monitor_counts import GROUPS, LEERROUTES, monitor_counts
from linkage.domain.disclosure import measure, round_count, suppress

__all__ = ["GROUPS", "monitor_table"]


def _row(keys: dict[str, Any], c: dict[str, int], as_of: date, round_to: int) -> dict[str, Any]:
    n = c["n"]
    return {
        **keys,
        "n": round_count(suppress(n), round_to),
        "provisional": keys.get("cohort") == as_of.year,
        "brede_intake_gestart": measure(c["intake"], n, round_to),
        "pip_vastgesteld": measure(c["pip"], n, round_to),
        "pip_tijdig": measure(c["pip_on_time"], c["deadline_passed"], round_to),
        **{
            f"leerroute_{route}": measure(c[f"leerroute_{route}"], c["pip"], round_to)
            for route in LEERROUTES
        },
        "examens_alle_behaald": measure(c["exams"], n, round_to),
        "voldaan": measure(c["voldaan"], n, round_to),
        **{
            f"{name}_{months}m": measure(c[f"{name}_{months}m"], c[f"known_{months}m"], round_to)
            for months in HORIZONS
            for name in MEASURES
        },
    }


async def monitor_table(
    db: Database, *, as_of: date, by: Sequence[str], round_to: int
) -> dict[str, Any]:
    rows = [
        _row(keys, counts, as_of, round_to)
        for keys, counts in await monitor_counts(db, as_of=as_of, by=by)
    ]
    cohorts = {row.get("cohort") for row in rows}
    provisional = [as_of.year] if as_of.year in cohorts or "cohort" not in by else []
    return {
        "as_of": as_of.isoformat(),
        "by": list(by),
        "provisional_cohorts": provisional,
        "rows": rows,
    }
