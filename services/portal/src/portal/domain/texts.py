"""Dutch words for what the services answer in codes (statuses, roles, fields)."""

from __future__ import annotations

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
#: The monitor's measures with their Dutch names, in the table's order.
MEASURES: dict[str, str] = {
    "brede_intake_gestart": "Brede intake gestart",
    "pip_vastgesteld": "PIP vastgesteld",
    "pip_tijdig": "PIP op tijd",
    "leerroute_b1": "Leerroute B1",
    "leerroute_onderwijs": "Leerroute onderwijs",
    "leerroute_z": "Leerroute Z",
    "examens_alle_behaald": "Alle examens behaald",
    "voldaan": "Inburgeringsplicht voldaan",
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
