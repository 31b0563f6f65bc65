"""The yearly report's figures (the SWI's chapters), counted from persons one at a time.

The same definitions as the monitor (SPEC sections 10 and 11: a date counts when it is on or
before ``as_of``); then disclosure control: counts from 1 to 9 and percentages of them are
suppressed, quartiles of groups under 10 too, and every table with margins gets secondary
suppression, so that no suppressed cell follows from a total.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, get_args

from contracts import EXAM_COMPONENTS
from contracts.base import Doelgroep, Leerroute, MonitorStatus
from contracts.enrichment import HORIZONS, MEASURES
from contracts.publications import MARGIN
from contracts.reference import labour_market_regions, provinces
from linkage.domain.disclosure import MIN_COUNT, Line, percentage, secondary, suppress

TOTAL = MARGIN
DOELGROEPEN: tuple[str, ...] = get_args(Doelgroep)
STATUSES: tuple[str, ...] = get_args(MonitorStatus)
LEERROUTES: tuple[str, ...] = get_args(Leerroute)
#: Each duration: its name, and the two dates it lies between.
DURATIONS = {
    "vergunning_tot_koppeling": ("datum_vergunning", "datum_koppeling"),
    "koppeling_tot_huisvesting": ("datum_koppeling", "datum_huisvesting"),
    "kennisgeving_tot_pip": ("datum_kennisgeving", "datum_pip"),
}
#: The measures of each table of percentages per cohort and doelgroep.
MUNICIPALITY = (
    "brede_intake_gestart",
    "pip_vastgesteld",
    "pip_tijdig",
    *(f"leerroute_{route}" for route in LEERROUTES),
)
RESULTS = ("examens_alle_behaald", "voldaan", *(f"examen_{c}" for c in EXAM_COMPONENTS))
GOALS = tuple(f"{name}_{months}m" for months in HORIZONS for name in MEASURES)
#: The columns a person brings to the report (the persons table's names).
COLUMNS = (
    "cohort",
    "doelgroep",
    "provincie",
    "arbeidsmarktregio",
    "leerroute",
    "datum_intake",
    "datum_pip",
    "pip_deadline",
    "datum_examens_alle_behaald",
    "datum_voldaan",
    "status",
    "datum_einde",
    *(f"examen_{c}" for c in EXAM_COMPONENTS),
    "datum_kennisgeving",
    "datum_vergunning",
    "datum_koppeling",
    "datum_huisvesting",
    *GOALS,
    *(f"einde_{months}m" for months in HORIZONS),
)


def _by(day: Any, as_of: date) -> bool:
    return day is not None and day <= as_of


def _one_decimal(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def quartiles(days: Sequence[int]) -> dict[str, float | int | None]:
    """``n`` and the first quartile, median and third quartile in days (one decimal; linear
    interpolation between two values); all suppressed for a group under 10."""
    n = len(days)
    if n < MIN_COUNT:
        return {"n": suppress(n), "p25": None, "mediaan": None, "p75": None}
    q1, q2, q3 = statistics.quantiles(sorted(days), n=4, method="inclusive")
    return {"n": n, "p25": _one_decimal(q1), "mediaan": _one_decimal(q2), "p75": _one_decimal(q3)}


@dataclass
class Tally:
    """Raw counts per cohort, taken one person at a time (never all persons in memory)."""

    as_of: date
    # (cohort, doelgroep) -> measure -> count; denominators under ``den:<measure>``
    groups: dict[tuple[int, str], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    provinces: Counter[tuple[int, str]] = field(default_factory=Counter)
    regions: Counter[tuple[int, str]] = field(default_factory=Counter)
    statuses: Counter[tuple[int, str]] = field(default_factory=Counter)
    durations: dict[tuple[int, str], list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, person: Mapping[Any, Any]) -> None:
        as_of = self.as_of
        cohort, doelgroep = int(person["cohort"]), str(person["doelgroep"])
        counts = self.groups[(cohort, doelgroep)]
        counts["n"] += 1
        if person["provincie"]:
            self.provinces[(cohort, person["provincie"])] += 1
        if person["arbeidsmarktregio"]:
            self.regions[(cohort, person["arbeidsmarktregio"])] += 1

        pip = _by(person["datum_pip"], as_of)
        deadline_passed = _by(person["pip_deadline"], as_of)
        counts["brede_intake_gestart"] += _by(person["datum_intake"], as_of)
        counts["pip_vastgesteld"] += pip
        counts["den:pip_tijdig"] += deadline_passed
        counts["pip_tijdig"] += (
            deadline_passed and pip and person["datum_pip"] <= person["pip_deadline"]
        )
        counts["den:leerroute"] += pip
        for route in LEERROUTES:
            counts[f"leerroute_{route}"] += pip and person["leerroute"] == route
        counts["examens_alle_behaald"] += _by(person["datum_examens_alle_behaald"], as_of)
        counts["voldaan"] += _by(person["datum_voldaan"], as_of)
        for component in EXAM_COMPONENTS:
            counts[f"examen_{component}"] += _by(person[f"examen_{component}"], as_of)

        status = person["status"] or "lopend"
        ended = person["datum_einde"]
        if status != "lopend" and ended is not None and ended > as_of:
            status = "lopend"  # it ended after as_of: on that day it was still running
        self.statuses[(cohort, status)] += 1

        for months in HORIZONS:
            if _by(person[f"einde_{months}m"], as_of) and person[f"werk_{months}m"] is not None:
                counts[f"den:{months}m"] += 1
                for name in MEASURES:
                    counts[f"{name}_{months}m"] += bool(person[f"{name}_{months}m"])

        for name, (first, last) in DURATIONS.items():
            start, end = person[first], person[last]
            if start is not None and _by(end, as_of):
                self.durations[(cohort, name)].append((end - start).days)

    def cohorts(self, year: int) -> list[int]:
        return sorted({cohort for cohort, _ in self.groups if cohort <= year})


def _denominator(counts: Counter[str], measure: str) -> int:
    if measure == "pip_tijdig":
        return counts["den:pip_tijdig"]
    if measure.startswith("leerroute_"):
        return counts["den:leerroute"]
    if measure in GOALS:
        return counts[f"den:{measure.rsplit('_', 1)[1]}"]
    return counts["n"]


@dataclass(frozen=True)
class CountSpec:
    """One count table: its name, the counts per (cohort, column), its keys and its columns."""

    name: str
    counts: Mapping[tuple[int, str], int]
    by: tuple[str, str]
    columns: Sequence[str]


def count_tables(specs: Sequence[CountSpec], cohorts: list[int]) -> dict[str, dict[str, Any]]:
    """Count tables with both margins, suppressed, and secondarily suppressed **together**.

    The population tables (by doelgroep, province, region, status) count the same persons, so
    a cohort's total appears in each of them. Protecting each table on its own could hide a total
    in one and show it in another; here a total with the same value in several tables is one
    cell of one system of lines, protected once for all of them.
    """
    rows: list[Any] = [*cohorts, TOTAL]
    raw: dict[tuple[str, Any, str], int] = {}
    for spec in specs:
        for cohort in cohorts:
            for column in spec.columns:
                raw[(spec.name, cohort, column)] = spec.counts.get((cohort, column), 0)
            raw[(spec.name, cohort, TOTAL)] = sum(
                raw[(spec.name, cohort, column)] for column in spec.columns
            )
        for column in [*spec.columns, TOTAL]:
            raw[(spec.name, TOTAL, column)] = sum(
                raw[(spec.name, cohort, column)] for cohort in cohorts
            )
    first = specs[0].name

    def key(name: str, row: Any, column: str) -> tuple[str, Any, str]:
        """A row total equal to the first table's is that same cell."""
        if column == TOTAL and raw[(name, row, TOTAL)] == raw[(first, row, TOTAL)]:
            return (first, row, TOTAL)
        return (name, row, column)

    shown: dict[tuple[str, Any, str], int | None] = {}
    lines: list[Line[tuple[str, Any, str]]] = []
    for spec in specs:
        n = spec.name
        for r in rows:
            for c in [*spec.columns, TOTAL]:
                shown[key(n, r, c)] = suppress(raw[(n, r, c)])
        lines += [([key(n, r, c) for c in spec.columns], key(n, r, TOTAL)) for r in rows]
        lines += [
            ([key(n, r, c) for r in cohorts], key(n, TOTAL, c)) for c in [*spec.columns, TOTAL]
        ]
    for hidden in secondary(shown, lines):
        shown[hidden] = None
    return {
        spec.name: {
            "by": list(spec.by),
            "rows": [
                {spec.by[0]: r, spec.by[1]: c, "n": shown[key(spec.name, r, c)]}
                for r in rows
                for c in [*spec.columns, TOTAL]
            ],
        }
        for spec in specs
    }


def count_table(
    counts: Mapping[tuple[int, str], int],
    by: tuple[str, str],
    cohorts: list[int],
    columns: Sequence[str],
) -> dict[str, Any]:
    """One count table with both margins, suppressed and secondarily suppressed."""
    return count_tables([CountSpec("table", counts, by, columns)], cohorts)["table"]


def measure_table(tally: Tally, cohorts: list[int], measures: Sequence[str]) -> dict[str, Any]:
    """Percentages per cohort and doelgroep, with each cohort's total over the doelgroepen; a
    numerator given away by that total is suppressed with its percentage."""
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for cohort in cohorts:
        total: Counter[str] = Counter()
        for doelgroep in DOELGROEPEN:
            total.update(tally.groups.get((cohort, doelgroep), Counter()))
        for doelgroep in (*DOELGROEPEN, TOTAL):
            counts = (
                total if doelgroep == TOTAL else tally.groups.get((cohort, doelgroep), Counter())
            )
            rows[(cohort, doelgroep)] = {
                name: {
                    "n": suppress(counts[name]),
                    "pct": percentage(counts[name], _denominator(counts, name)),
                }
                for name in measures
            }
    for name in measures:
        shown = {key: cells[name]["n"] for key, cells in rows.items()}
        lines = [([(cohort, d) for d in DOELGROEPEN], (cohort, TOTAL)) for cohort in cohorts]
        for key in secondary(shown, lines):
            rows[key][name] = {"n": None, "pct": None}
    return {
        "by": ["cohort", "doelgroep"],
        "rows": [{"cohort": c, "doelgroep": d, **cells} for (c, d), cells in rows.items()],
    }


def duration_table(tally: Tally, cohorts: list[int]) -> dict[str, Any]:
    return {
        "by": ["cohort", "doorlooptijd"],
        "rows": [
            {
                "cohort": cohort,
                "doorlooptijd": name,
                **quartiles(tally.durations.get((cohort, name), [])),
            }
            for cohort in cohorts
            for name in DURATIONS
        ],
    }


def figures(tally: Tally, year: int) -> dict[str, Any]:
    """Every table of the report of ``year``: the cohorts up to it that have persons."""
    cohorts = tally.cohorts(year)
    population = Counter(
        {key: counts["n"] for key, counts in tally.groups.items() if key[0] <= year}
    )
    return {
        "year": year,
        "as_of": tally.as_of.isoformat(),
        "provisional_cohorts": [tally.as_of.year] if tally.as_of.year in cohorts else [],
        "tables": {
            **count_tables(
                [
                    CountSpec(
                        "bevolking_doelgroep", population, ("cohort", "doelgroep"), DOELGROEPEN
                    ),
                    CountSpec(
                        "bevolking_provincie", tally.provinces, ("cohort", "provincie"), provinces()
                    ),
                    CountSpec(
                        "bevolking_arbeidsmarktregio",
                        tally.regions,
                        ("cohort", "arbeidsmarktregio"),
                        labour_market_regions(),
                    ),
                    CountSpec("status", tally.statuses, ("cohort", "status"), STATUSES),
                ],
                cohorts,
            ),
            "doorlooptijden": duration_table(tally, cohorts),
            "gemeente": measure_table(tally, cohorts, MUNICIPALITY),
            "resultaten": measure_table(tally, cohorts, RESULTS),
            "doelbereik": measure_table(tally, cohorts, GOALS),
        },
    }
