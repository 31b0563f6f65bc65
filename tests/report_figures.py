"""Figures of the yearly report from a seeded synthetic population, through linkage's own
counting (the report's tests need realistic figures without a running chain)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from contracts import EXAM_COMPONENTS
from contracts.enrichment import HORIZONS, MEASURES, month_after, month_end
from contracts.publications import ReportFigures
from contracts.reference import labour_market_region, municipalities_on, province
from linkage.domain.report import Tally, figures

DOELGROEPEN = ("asielstatushouder", "gezinsmigrant", "overige_migrant")


def person(rng: random.Random, cohort: int) -> dict[str, Any]:
    start = date(cohort, 1, 1) + timedelta(days=rng.randrange(365))
    doelgroep = rng.choices(DOELGROEPEN, weights=(55, 35, 10))[0]
    gemeente = rng.choice(municipalities_on(date(2026, 1, 1))[:60]).code
    pip = start + timedelta(days=rng.randrange(40, 160)) if rng.random() < 0.85 else None
    kennisgeving = start + timedelta(days=rng.randrange(0, 20))
    vergunning = start - timedelta(days=rng.randrange(60, 200))
    koppeling = vergunning + timedelta(days=rng.randrange(10, 120))
    row: dict[str, Any] = {
        "cohort": cohort,
        "doelgroep": doelgroep,
        "provincie": province(gemeente),
        "arbeidsmarktregio": labour_market_region(gemeente),
        "leerroute": rng.choice(("b1", "onderwijs", "z")) if pip else None,
        "datum_intake": start + timedelta(days=rng.randrange(10, 90)),
        "datum_pip": pip,
        "pip_deadline": kennisgeving + timedelta(days=70),
        "datum_examens_alle_behaald": None,
        "datum_voldaan": None,
        "status": "lopend",
        "datum_einde": None,
        "datum_kennisgeving": kennisgeving,
        "datum_vergunning": vergunning if doelgroep == "asielstatushouder" else None,
        "datum_koppeling": koppeling if doelgroep == "asielstatushouder" else None,
        "datum_huisvesting": (
            koppeling + timedelta(days=rng.randrange(20, 200))
            if doelgroep == "asielstatushouder"
            else None
        ),
    }
    passed = [start + timedelta(days=rng.randrange(200, 1100)) for _ in EXAM_COMPONENTS]
    for component, day in zip(EXAM_COMPONENTS, passed, strict=True):
        row[f"examen_{component}"] = day if rng.random() < 0.7 else None
    if all(row[f"examen_{c}"] for c in EXAM_COMPONENTS):
        row["datum_examens_alle_behaald"] = max(passed)
        row["datum_voldaan"] = max(passed) + timedelta(days=30)
        row["status"], row["datum_einde"] = "voldaan", row["datum_voldaan"]
    for months in HORIZONS:
        row[f"einde_{months}m"] = month_end(month_after(start, months))
        category = rng.choices(("werk", "uitkering", "onderwijs", None), (40, 35, 15, 10))[0]
        for name in MEASURES:
            row[f"{name}_{months}m"] = None if category is None else category == name
    return row


def sample_figures(year: int = 2025, *, persons: int = 3000, seed: int = 7) -> ReportFigures:
    rng = random.Random(seed)
    tally = Tally(date(year, 12, 31))
    for _ in range(persons):
        tally.add(person(rng, rng.choice(range(2022, year + 1))))
    return ReportFigures.model_validate(figures(tally, year))
