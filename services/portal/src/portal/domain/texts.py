"""Dutch words for what the services answer in codes (statuses, roles, fields)."""

from __future__ import annotations

from contracts.enrichment import HORIZONS
from contracts.enrichment import MEASURES as ENRICHMENT_MEASURES

DELIVERY_STATUS: dict[str, str] = {
    "received": "in controle",
    "validated": "gevalideerd",
    "released": "vrijgegeven",
    "superseded": "vervangen",
    "rejected": "afgekeurd",
}
CONTACT_STATUS: dict[str, str] = {
    "pending": "in behandeling",
    "active": "actief",
    "withdrawn": "ingetrokken",
}
CONTACT_ROLE: dict[str, str] = {"primary": "eerste contactpersoon", "backup": "vervanger"}
GOAL_NAMES = {"werk": "Werk", "uitkering": "Uitkering", "onderwijs": "Onderwijs"}
#: Every measure of the monitor (the MonitorRow contract's), in its order, in Dutch.
MEASURES: dict[str, str] = {
    "brede_intake_gestart": "Brede intake gestart",
    "pip_vastgesteld": "PIP vastgesteld",
    "pip_tijdig": "PIP op tijd",
    "leerroute_b1": "Leerroute B1",
    "leerroute_onderwijs": "Leerroute onderwijs",
    "leerroute_z": "Leerroute Z",
    "examens_alle_behaald": "Alle examens behaald",
    "voldaan": "Inburgeringsplicht voldaan",
    **{
        f"{name}_{months}m": f"{GOAL_NAMES[name]} na {months} maanden"
        for months in HORIZONS
        for name in ENRICHMENT_MEASURES
    },
}
GROUPINGS: dict[str, str] = {
    "cohort": "Cohort",
    "doelgroep": "Doelgroep",
    "gemeente": "Gemeente",
    "provincie": "Provincie",
    "leerroute": "Leerroute",
}
#: CBS's symbol for a figure kept back for confidentiality.
SUPPRESSED = "x"


def delivery_status(status: str) -> str:
    return DELIVERY_STATUS.get(status, status)
