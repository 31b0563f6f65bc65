"""Pseudonymised source records, the input of linkage (topics ``records.*.v1``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from contracts.base import (
    BeeindigdReden,
    Contract,
    Doelgroep,
    ExamenNiveau,
    ExamenOnderdeel,
    ExamenResultaat,
    Gemeentecode,
    Leerroute,
    MonthText,
    Pseudonym,
    QuarterText,
    RedenUitstroom,
    SociaalEconomischeCategorie,
    TrajectStatus,
)

RECORD_MUNICIPAL = "nl.ketenmonitor.record.municipal"
RECORD_MUNICIPAL_RETRACTED = "nl.ketenmonitor.record.municipal.retracted"
RECORD_COA = "nl.ketenmonitor.record.coa"
RECORD_DUO = "nl.ketenmonitor.record.duo"
RECORD_STATS = "nl.ketenmonitor.record.stats"

DuoKind = Literal["vastgesteld", "examen_uitslag", "termijn_verlengd", "beeindigd", "ingetrokken"]


class MunicipalFields(Contract):
    """The fields of one row of a municipal delivery, without the BSN."""

    gemeentecode: Gemeentecode = Field(description="Municipality code as delivered.")
    doelgroep: Doelgroep = Field(examples=["gezinsmigrant"])
    datum_inschrijving_brp: date | None = Field(default=None, examples=["2024-03-01"])
    datum_start_brede_intake: date | None = Field(default=None, examples=["2024-04-02"])
    datum_einde_brede_intake: date | None = Field(default=None, examples=["2024-05-10"])
    datum_eerste_pip: date | None = Field(default=None, examples=["2024-05-20"])
    datum_laatste_pip: date | None = Field(default=None, examples=["2025-01-15"])
    leerroute: Leerroute | None = Field(default=None, examples=["b1"])
    ontzorgen_start: date | None = Field(default=None, examples=["2024-06-01"])
    ontzorgen_einde: date | None = Field(default=None, examples=["2025-06-01"])
    pvt_status: TrajectStatus | None = Field(default=None, examples=["gestart"])
    pvt_datum_afgerond: date | None = Field(default=None)
    map_status: TrajectStatus | None = Field(default=None, examples=["niet_gestart"])
    map_datum_afgerond: date | None = Field(default=None)
    datum_uitstroom: date | None = Field(default=None)
    reden_uitstroom: RedenUitstroom | None = Field(default=None)


class MunicipalRecord(MunicipalFields):
    """One released row of a municipal delivery, pseudonymised."""

    pseudonym: Pseudonym
    municipality: Gemeentecode = Field(description="The delivering municipality.")
    quarter: QuarterText
    delivery_id: str = Field(description="The released delivery.")
    release_sequence: int = Field(ge=1, description="Later releases of a quarter supersede.")
    row: int = Field(ge=1, description="Data row number in the delivery.")


class MunicipalRecordRetracted(Contract):
    """A person is no longer in the latest release of a municipality's quarter."""

    pseudonym: Pseudonym
    municipality: Gemeentecode
    quarter: QuarterText
    delivery_id: str = Field(description="The release that no longer holds the person.")
    release_sequence: int = Field(ge=1)


class CoaRecord(Contract):
    """COA's facts about a status holder, pseudonymised."""

    pseudonym: Pseudonym
    datum_verblijfsvergunning: date
    gemeentecode_koppeling: Gemeentecode
    datum_koppeling: date
    datum_huisvesting: date | None = None
    instemming_voorinburgering: bool | None = None
    gewijzigd_op: datetime = Field(description="COA's change time; the latest wins.")


class DuoRecord(Contract):
    """One DUO fact, pseudonymised; ``kind`` says which fields are set."""

    pseudonym: Pseudonym
    kind: DuoKind = Field(examples=["vastgesteld"])
    datum_start_inburgeringsplicht: date | None = None
    datum_kennisgeving: date | None = None
    doelgroep: Doelgroep | None = None
    gewijzigd_op: datetime | None = None
    onderdeel: ExamenOnderdeel | None = None
    niveau: ExamenNiveau | None = None
    resultaat: ExamenResultaat | None = None
    datum_examen: date | None = None
    verlenging_weken: int | None = Field(default=None, ge=1)
    besluit_id: str | None = None
    datum_besluit: date | None = None
    reden: BeeindigdReden | None = None
    datum: date | None = Field(default=None, description="Date of an end or a withdrawal.")
    # DUO's free-text `toelichting` is not here by design: it goes no further than ingest.


class StatsRecord(Contract):
    """CBS's socio-economic category of a person in one month, pseudonymised."""

    pseudonym: Pseudonym
    maand: MonthText
    categorie: SociaalEconomischeCategorie
    gewijzigd_op: datetime = Field(description="CBS's change time; per month the latest wins.")
