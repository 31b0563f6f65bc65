"""The report's Dutch words for the figures' keys, and CBS's way of writing numbers."""

from __future__ import annotations

from typing import Any

DOELGROEPEN = {
    "asielstatushouder": "Asielstatushouders",
    "gezinsmigrant": "Gezinsmigranten",
    "overige_migrant": "Overige migranten",
    "totaal": "Totaal",
}
STATUSES = {
    "lopend": "Lopend",
    "voldaan": "Voldaan",
    "ontheffing": "Ontheffing",
    "vrijstelling": "Vrijstelling",
    "totaal": "Totaal",
}
DURATIONS = {
    "vergunning_tot_koppeling": "Verblijfsvergunning tot koppeling aan gemeente",
    "koppeling_tot_huisvesting": "Koppeling tot huisvesting",
    "kennisgeving_tot_pip": "Kennisgeving tot eerste PIP",
}
MEASURES = {
    "brede_intake_gestart": "Brede intake gestart",
    "pip_vastgesteld": "PIP vastgesteld",
    "pip_tijdig": "PIP binnen de termijn",
    "leerroute_b1": "Leerroute B1",
    "leerroute_onderwijs": "Onderwijsroute",
    "leerroute_z": "Z-route",
    "examens_alle_behaald": "Alle examenonderdelen behaald",
    "voldaan": "Inburgeringsplicht voldaan",
    "examen_lezen": "Lezen behaald",
    "examen_luisteren": "Luisteren behaald",
    "examen_schrijven": "Schrijven behaald",
    "examen_spreken": "Spreken behaald",
    "examen_knm": "Kennis Nederlandse maatschappij behaald",
}
GOALS = {"werk": "Werk", "uitkering": "Uitkering", "onderwijs": "Onderwijs"}
SUPPRESSED = "x"
UNKNOWN = "."


def measure_label(name: str) -> str:
    if name in MEASURES:
        return MEASURES[name]
    goal, months = name.rsplit("_", 1)
    return f"{GOALS[goal]} na {months.removesuffix('m')} maanden"


def key_label(value: Any) -> str:
    """A grouping key as the report writes it (a cohort stays a number)."""
    if value == "totaal":
        return "Totaal"
    if isinstance(value, str):
        return DOELGROEPEN.get(value) or STATUSES.get(value) or value
    return str(value)


def count(value: int | None) -> str:
    """A count as CBS writes it: 1.234; ``x`` when suppressed."""
    return SUPPRESSED if value is None else f"{value:,}".replace(",", ".")


def decimal(value: float | None, *, missing: str = SUPPRESSED) -> str:
    """One decimal with a comma: 66,7."""
    return missing if value is None else f"{value:.1f}".replace(".", ",")
