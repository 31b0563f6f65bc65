"""A seeded synthetic population of the civic-integration chain, and its ground truth.

Cohort sizes at scale 1.0 follow CBS's published figures for 2022 (26.2k: 18.9k asylum status
holders, 7.3k family and other migrants) and 2023 (36.1k: 22.2k and 13.9k). Later cohorts are
plausible assumptions, not CBS figures: 2024 31.0k (19.0k, 12.0k) and 2025 28.0k (16.5k, 11.5k).
Progress is calibrated to CBS: a broad intake started by the end of the first year for about 35%
of asylum and 55% of family migrants, by the end of the second year for about 88% and 90%.

Each person's socio-economic category per month (CBS's enrichment source) follows
``CATEGORY_SHARES``. CBS's SWI 2023 (section 6.1) reports that almost 21% of asylum migrants with
a COA contract had a job at some moment after the notice; the shares in work, on a benefit and in
education at 12, 24 and 36 months below are the simulator's assumptions around that order, not
published CBS figures: asylum status holders start mostly on social assistance and move into work
slowly, family migrants are more often in work from the start.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from contracts import EXAM_COMPONENTS
from contracts.enrichment import month_after
from contracts.reference import municipalities_on

COHORTS: dict[int, tuple[int, int]] = {  # year: (asylum status holders, family and other)
    2022: (18_900, 7_300),
    2023: (22_200, 13_900),
    2024: (19_000, 12_000),
    2025: (16_500, 11_500),
}
INTAKE_BY_YEAR = {
    "asielstatushouder": (0.35, 0.88),
    "gezinsmigrant": (0.55, 0.90),
    "overige_migrant": (0.55, 0.90),
}
#: Share of persons per category at 0, 12, 24 and 36 months in (linearly in between, then flat).
CATEGORY_SHARES: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "asielstatushouder": {
        "werknemer": (0.03, 0.12, 0.25, 0.34),
        "zelfstandige": (0.00, 0.01, 0.02, 0.03),
        "bijstand": (0.85, 0.75, 0.62, 0.53),
        "overige_uitkering": (0.02, 0.02, 0.03, 0.03),
        "scholier_student": (0.04, 0.06, 0.06, 0.06),
    },
    "family": {
        "werknemer": (0.30, 0.38, 0.44, 0.48),
        "zelfstandige": (0.02, 0.03, 0.04, 0.04),
        "bijstand": (0.06, 0.06, 0.05, 0.05),
        "overige_uitkering": (0.02, 0.02, 0.02, 0.02),
        "scholier_student": (0.08, 0.09, 0.09, 0.08),
    },
}
#: A person keeps last month's category with this chance (careers are sticky, not re-drawn).
STAY = 0.9
WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
WEESP_MERGED = date(2022, 3, 24)
BIG_CITIES = ("GM0363", "GM0599", "GM0518", "GM0344", "GM0772", "GM0014", "GM0034", "GM0855")


@dataclass
class Exam:
    onderdeel: str
    resultaat: str
    datum: date


@dataclass
class Person:
    """One person's true history: what every source says about them."""

    number: int
    bsn: str
    doelgroep: str
    municipality: str  # where the person lives at the end
    delivered_code: str  # the code the municipality delivers (Weesp's old code in 2022-Q1)
    start: date
    notice: date
    brp: date
    intake: date | None = None
    pip: date | None = None
    leerroute: str | None = None
    exams: list[Exam] = field(default_factory=list)
    extension_weeks: int = 0
    voldaan: date | None = None
    permit: date | None = None
    koppeling: date | None = None
    housing: date | None = None
    withdrawn: date | None = None
    moved_from: str | None = None  # delivered by this municipality before the move
    #: CBS's category per month (YYYY-MM) from the obligation's start month on.
    months: dict[str, str] = field(default_factory=dict)


def valid_bsn(rng: random.Random, taken: set[str]) -> str:
    while True:
        first = f"{rng.randrange(10_000_000, 99_999_999):08d}"
        check = sum(int(d) * w for d, w in zip(first, WEIGHTS, strict=True)) % 11
        bsn = first + str(check)
        if check <= 9 and bsn not in taken:
            taken.add(bsn)
            return bsn


def _intake_delay(rng: random.Random, doelgroep: str) -> int | None:
    first, second = INTAKE_BY_YEAR[doelgroep]
    draw = rng.random()
    if draw < first:
        return rng.randrange(20, 365)
    if draw < second:
        return rng.randrange(365, 730)
    return rng.randrange(730, 1000) if rng.random() < 0.5 else None


def generate(
    *,
    scale: float,
    seed: int = 7,
    cohorts: tuple[int, ...] = (2022, 2023, 2024, 2025),
    municipalities: int | None = None,
    withdrawn_rate: float = 0.01,
    weesp_rate: float = 0.2,
    move_rate: float = 0.03,
) -> list[Person]:
    """The population: ``scale`` 1.0 is national; ``municipalities`` limits where people live."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    taken: set[str] = set()
    people: list[Person] = []
    for year in cohorts:
        asylum, family = COHORTS[year]
        for doelgroep, count in (("asielstatushouder", asylum), ("family", family)):
            for _ in range(max(1, round(count * scale))):
                kind = (
                    doelgroep
                    if doelgroep != "family"
                    else ("gezinsmigrant" if rng.random() < 0.8 else "overige_migrant")
                )
                start = date(year, 1, 1) + timedelta(days=rng.randrange(0, 365))
                codes = [m.code for m in municipalities_on(start)]
                if municipalities:
                    codes = sorted(codes, key=lambda c: (c not in BIG_CITIES, c))[:municipalities]
                weights = [8 if c in BIG_CITIES else 1 for c in codes]
                code = rng.choices(codes, weights)[0]
                if code == "GM0363" and start < WEESP_MERGED and rng.random() < weesp_rate:
                    code = "GM0457"  # Weesp, until it joined Amsterdam on 2022-03-24
                people.append(_person(rng, len(people), kind, code, start, taken))
    for person in people:
        if rng.random() < withdrawn_rate:
            person.withdrawn = person.notice + timedelta(days=rng.randrange(10, 60))
        elif rng.random() < move_rate and person.municipality not in ("GM0457",):
            person.moved_from = person.municipality
            person.municipality = person.delivered_code = next(
                c for c in rng.sample(BIG_CITIES, len(BIG_CITIES)) if c != person.municipality
            )
    return people


def _person(
    rng: random.Random, number: int, doelgroep: str, code: str, start: date, taken: set[str]
) -> Person:
    notice = start + timedelta(days=rng.randrange(3, 30))
    person = Person(
        number=number,
        bsn=valid_bsn(rng, taken),
        doelgroep=doelgroep,
        municipality="GM0363" if code == "GM0457" else code,
        delivered_code=code,
        start=start,
        notice=notice,
        brp=start + timedelta(days=rng.randrange(0, 40)),
    )
    if doelgroep == "asielstatushouder":
        person.permit = start - timedelta(days=rng.randrange(0, 20))
        person.koppeling = person.permit + timedelta(days=rng.randrange(7, 90))
        person.housing = person.koppeling + timedelta(days=rng.randrange(30, 200))
        person.brp = person.housing
    delay = _intake_delay(rng, doelgroep)
    if delay is not None:
        person.intake = notice + timedelta(days=delay)
        if rng.random() < 0.9:
            person.pip = person.intake + timedelta(days=rng.randrange(7, 80))
            person.leerroute = rng.choices(["b1", "onderwijs", "z"], [65, 10, 25])[0]
    person.months = _months(rng, doelgroep, start)
    if person.pip is not None:
        for component in EXAM_COMPONENTS:
            when = person.pip + timedelta(days=rng.randrange(150, 1000))
            passed = rng.random() < 0.75
            if not passed and rng.random() < 0.5:
                person.exams.append(Exam(component, "niet_behaald", when))
                when += timedelta(days=rng.randrange(60, 200))
                passed = rng.random() < 0.6
            person.exams.append(Exam(component, "behaald" if passed else "niet_behaald", when))
        if rng.random() < 0.1:
            person.extension_weeks = 26
        passed_on = [e.datum for e in person.exams if e.resultaat == "behaald"]
        if (
            len({e.onderdeel for e in person.exams if e.resultaat == "behaald"}) == 5
            and rng.random() < 0.7
        ):
            person.voldaan = max(passed_on) + timedelta(days=30)
    return person


def _share(doelgroep: str, months: int) -> dict[str, float]:
    table = CATEGORY_SHARES["asielstatushouder" if doelgroep == "asielstatushouder" else "family"]
    step, within = divmod(min(months, 36), 12)
    shares = {}
    for category, points in table.items():
        low, high = points[step], points[min(step + 1, 3)]
        shares[category] = low + (high - low) * within / 12
    shares["overig"] = max(0.0, 1.0 - sum(shares.values()))
    return shares


def _months(rng: random.Random, doelgroep: str, start: date) -> dict[str, str]:
    """A category per month from the start month to the simulation's last month (2026-09)."""
    months: dict[str, str] = {}
    current: str | None = None
    last = start.year * 12 + start.month - 1
    for n in range(0, 2026 * 12 + 8 - last + 1):
        month = month_after(start, n)
        shares = _share(doelgroep, n)
        # Sticky: stay unless a draw says move, then move towards this month's shares.
        if current is None or rng.random() > STAY:
            current = rng.choices(list(shares), list(shares.values()))[0]
        months[month] = current
    return months
