"""The delivery guidelines ("Richtlijnen aanlevering"), generated from the rules that validate.

Every field, closed list and cross-field rule here is read from :mod:`ingest.domain.rows`, so the
guidelines cannot drift from what ingest accepts; the Dutch texts are the only thing written by
hand, and tests hold every code the validator reports to an explanation and an example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from contracts.delivery_codes import DELIVERY_CODES
from contracts.quarter import DELIVERY_DAYS_AFTER_QUARTER
from ingest.domain.rows import (
    DATE_FIELDS,
    DATE_ORDER,
    ENUMS,
    FIELDS,
    MAP_FIELDS,
    ONTZORGEN_FIELDS,
    REQUIRED,
)

#: What each column holds, in Dutch, and when it may stay empty.
FIELD_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "bsn": (
        "Burgerservicenummer van de inburgeringsplichtige: negen cijfers die de elfproef doorstaan."
        " Ingest vervangt het door een pseudoniem; CBS krijgt het nummer zelf nooit.",
        "Nooit leeg.",
    ),
    "gemeentecode": (
        "De gemeente waar de persoon inburgert, als GMnnnn: de aanleverende gemeente, of een "
        "gemeente die in het kwartaal in haar is opgegaan.",
        "Nooit leeg.",
    ),
    "doelgroep": ("De doelgroep van de Wet inburgering 2021.", "Nooit leeg."),
    "datum_inschrijving_brp": (
        "Datum van inschrijving in de Basisregistratie Personen van de gemeente.",
        "Leeg zolang niet bekend.",
    ),
    "datum_start_brede_intake": (
        "Datum waarop de brede intake begon.",
        "Leeg zolang de brede intake niet begonnen is.",
    ),
    "datum_einde_brede_intake": (
        "Datum waarop de brede intake werd afgerond.",
        "Leeg zolang de brede intake loopt.",
    ),
    "datum_eerste_pip": (
        "Datum waarop het eerste Persoonlijk Plan Inburgering en Participatie (PIP) werd "
        "vastgesteld.",
        "Leeg zolang er geen PIP is.",
    ),
    "datum_laatste_pip": (
        "Datum van de laatste wijziging van het PIP.",
        "Leeg zolang het PIP niet gewijzigd is.",
    ),
    "leerroute": (
        "De leerroute uit het PIP: B1-route, onderwijsroute of zelfredzaamheidsroute (Z).",
        "Leeg zolang er geen PIP is; daarna verplicht.",
    ),
    "ontzorgen_start": (
        "Begin van het ontzorgen (de gemeente betaalt de vaste lasten).",
        "Leeg als niet ontzorgd wordt; alleen voor asielstatushouders.",
    ),
    "ontzorgen_einde": (
        "Einde van het ontzorgen.",
        "Leeg zolang het ontzorgen loopt; alleen voor asielstatushouders.",
    ),
    "pvt_status": ("Stand van het participatieverklaringstraject (PVT).", "Leeg als niet bekend."),
    "pvt_datum_afgerond": ("Datum waarop het PVT werd afgerond.", "Leeg tot het afgerond is."),
    "map_status": (
        "Stand van de Module Arbeidsmarkt en Participatie (MAP).",
        "Leeg als niet bekend; altijd leeg in de onderwijsroute.",
    ),
    "map_datum_afgerond": (
        "Datum waarop de MAP werd afgerond.",
        "Leeg tot zij afgerond is; altijd leeg in de onderwijsroute.",
    ),
    "datum_uitstroom": (
        "Datum waarop de persoon uit de inburgering van de gemeente stroomde.",
        "Leeg zolang de persoon ingeschreven staat.",
    ),
    "reden_uitstroom": ("Waarom de persoon uitstroomde.", "Leeg zolang er geen uitstroom is."),
}

#: The delivery the examples are for: a contact of Utrecht delivering 2025-Q2.
EXAMPLE_MUNICIPALITY: Final = "GM0344"
EXAMPLE_QUARTER: Final = "2025-Q2"
_GOOD: Final[dict[str, str]] = {
    "bsn": "111222333",
    "gemeentecode": "GM0344",
    "doelgroep": "gezinsmigrant",
    "datum_inschrijving_brp": "2025-01-06",
    "datum_start_brede_intake": "2025-02-03",
    "datum_eerste_pip": "2025-03-10",
    "leerroute": "b1",
}
#: Rows of the template: correct, as a supplier's export should look.
TEMPLATE_ROWS: Final[tuple[dict[str, str], ...]] = (
    _GOOD,
    {
        "bsn": "123456782",
        "gemeentecode": "GM0344",
        "doelgroep": "asielstatushouder",
        "datum_inschrijving_brp": "2025-02-17",
        "datum_start_brede_intake": "2025-03-03",
        "datum_einde_brede_intake": "2025-04-14",
        "datum_eerste_pip": "2025-04-28",
        "leerroute": "onderwijs",
        "ontzorgen_start": "2025-02-17",
        "pvt_status": "gestart",
    },
)


@dataclass(frozen=True, slots=True)
class Example:
    """Rows that the validator answers with exactly ``code`` (on ``field``, in the last row)."""

    code: str
    field: str
    rows: tuple[dict[str, str], ...]


def _bad(**changes: str) -> tuple[dict[str, str], ...]:
    return ({**_GOOD, **changes},)


EXAMPLES: Final[tuple[Example, ...]] = (
    Example("bsn_invalid", "bsn", _bad(bsn="123456789")),
    Example("field_missing", "doelgroep", _bad(doelgroep="")),
    Example("field_invalid", "leerroute", _bad(leerroute="c1")),
    Example("date_invalid", "datum_inschrijving_brp", _bad(datum_inschrijving_brp="06-01-2025")),
    Example("date_order", "datum_eerste_pip", _bad(datum_start_brede_intake="2025-04-01")),
    Example("date_after_period", "datum_eerste_pip", _bad(datum_eerste_pip="2025-07-01")),
    Example("leerroute_missing", "leerroute", _bad(leerroute="")),
    Example("map_not_applicable", "map_status", _bad(leerroute="onderwijs", map_status="gestart")),
    Example("ontzorgen_not_applicable", "ontzorgen_start", _bad(ontzorgen_start="2025-02-01")),
    Example("duplicate_person", "bsn", (_GOOD, {**_GOOD, "datum_inschrijving_brp": "2025-01-07"})),
    Example("municipality_unknown", "gemeentecode", _bad(gemeentecode="GM9999")),
    Example("municipality_mismatch", "gemeentecode", _bad(gemeentecode="GM0363")),
)


@dataclass(frozen=True, slots=True)
class FileExample:
    """A whole file that ingest rejects (or warns about) with ``code`` at row 0."""

    code: str
    description: str
    body: bytes


FILE_EXAMPLES: Final[tuple[FileExample, ...]] = (
    FileExample("encoding_invalid", "bytes die geen UTF-8 zijn", b"bsn;gemeentecode\n\xff\xfe\n"),
    FileExample(
        "header_invalid", "een kopregel zonder de kolom bsn", b"nummer;gemeentecode\n1;2\n"
    ),
    FileExample("empty_delivery", "alleen een kopregel", b"bsn;gemeentecode;doelgroep\n"),
    FileExample(
        "column_unknown",
        "een kolom die het systeem niet kent (waarschuwing; de levering gaat door)",
        b"bsn;gemeentecode;doelgroep;opmerking\n111222333;GM0344;gezinsmigrant;x\n",
    ),
)

#: Rules that relate fields to each other, with the code that reports a breach.
RULES: Final[tuple[tuple[str, str], ...]] = (
    *(
        (
            "date_order",
            f"{later} ligt niet vóór {earlier}.",
        )
        for earlier, later in DATE_ORDER
    ),
    ("date_after_period", "Geen datum ligt na de laatste dag van het kwartaal van de levering."),
    ("leerroute_missing", "Is datum_eerste_pip ingevuld, dan is de leerroute verplicht."),
    (
        "map_not_applicable",
        f"In de onderwijsroute blijven {' en '.join(MAP_FIELDS)} leeg.",
    ),
    (
        "ontzorgen_not_applicable",
        f"Alleen bij doelgroep asielstatushouder zijn {' en '.join(ONTZORGEN_FIELDS)} ingevuld.",
    ),
    ("duplicate_person", "Elk BSN staat één keer in een levering."),
    (
        "municipality_mismatch",
        "De gemeentecode is de aanleverende gemeente of een gemeente die in het kwartaal in "
        "haar opging.",
    ),
)

#: Terms the guidelines use, in Dutch.
GLOSSARY: Final[tuple[tuple[str, str], ...]] = (
    ("Aanleveren", "Het bestand van een kwartaal naar de ketenmonitor sturen."),
    ("Controleren", "Het rapport van de controles lezen: per rij, veld en code wat niet klopt."),
    ("Vrijgeven", "De levering aan CBS geven; pas dan gaan de gegevens verder."),
    (
        "Correctie",
        "Een nieuwe levering voor hetzelfde kwartaal; bij vrijgeven vervangt zij de vorige.",
    ),
    ("Nihil-levering", "De melding dat er in een kwartaal niets te leveren is."),
    ("PIP", "Persoonlijk Plan Inburgering en Participatie."),
    ("Pseudoniem", "Een vaste vervanging van het BSN waaruit het BSN niet terug te halen is."),
    (
        "Proefaanlevering",
        "Een controle van een bestand zonder dat iets wordt bewaard of doorgegeven (dry_run=true).",
    ),
)


def table_schema() -> dict[str, Any]:
    """The delivery file as a Frictionless Table Schema (the rules a Table Schema can hold)."""
    fields: list[dict[str, Any]] = []
    for name in FIELDS:
        text, empty = FIELD_TEXTS[name]
        constraints: dict[str, Any] = {}
        field: dict[str, Any] = {
            "name": name,
            "type": "date" if name in DATE_FIELDS else "string",
            "description": f"{text} {empty}",
        }
        if name in DATE_FIELDS:
            field["format"] = "%Y-%m-%d"
        if name in REQUIRED:
            constraints["required"] = True
        if name in ENUMS:
            constraints["enum"] = sorted(ENUMS[name])
        if name == "bsn":
            constraints["pattern"] = r"\d{9}"
            constraints["unique"] = True
        if name == "gemeentecode":
            constraints["pattern"] = r"GM\d{4}"
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "title": "Aanlevering Wet inburgering 2021 (Ketenmonitor Inburgering)",
        "description": "Eén rij per inburgeringsplichtige. CSV (komma of puntkomma, UTF-8, "
        "kopregel) of NDJSON met dezelfde velden. Regels tussen velden staan in de richtlijnen "
        "(/v1/guidelines); ingest controleert ze allemaal.",
        "fields": fields,
        "missingValues": [""],
        "primaryKey": ["bsn"],
    }


def template_rows() -> list[list[str]]:
    """The template CSV: the header and correct example rows."""
    return [list(FIELDS), *([row.get(name, "") for name in FIELDS] for row in TEMPLATE_ROWS)]


def documented_codes() -> set[str]:
    """Every code the guidelines explain (row, file, warning, and upload and release codes)."""
    return set(DELIVERY_CODES)


DUE_DAYS: Final = DELIVERY_DAYS_AFTER_QUARTER
