"""Linkage's output: monitoring records, pending persons and the monitor table."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from contracts.base import (
    Contract,
    Doelgroep,
    ExamenOnderdeel,
    Gemeentecode,
    Leerroute,
    MonitorStatus,
    Pseudonym,
)

MONITORING_RECORD = "nl.ketenmonitor.monitoring.record"

SourceName = Literal["municipal", "coa", "duo"]


class MonitoringRecord(Contract):
    """The linked record of one person; every field is present (null when unknown)."""

    pseudonym: Pseudonym
    version: int = Field(ge=1, description="Increases by one per change; never reused.")
    cohort: int | None = Field(description="Year the obligation started.", examples=[2024])
    doelgroep: Doelgroep | None
    gemeentecode: Gemeentecode | None = Field(description="Municipality as delivered.")
    gemeentecode_actueel: Gemeentecode | None = Field(description="That code under all mergers.")
    provincie: str | None = Field(examples=["Noord-Holland"])
    datum_start_inburgeringsplicht: date | None
    datum_kennisgeving: date | None
    datum_verblijfsvergunning: date | None
    datum_koppeling: date | None
    datum_huisvesting: date | None
    datum_inschrijving_brp: date | None
    datum_start_brede_intake: date | None
    datum_eerste_pip: date | None
    leerroute: Leerroute | None
    pip_deadline: date | None = Field(description="Later of notice and BRP registration + 70 days.")
    pip_tijdig: bool | None = Field(description="PIP on or before the deadline; null while open.")
    termijn_start: date | None = Field(description="First PIP + 1 day.")
    termijn_einde: date | None = Field(description="First PIP + 3 years + extensions.")
    examens_behaald: tuple[ExamenOnderdeel, ...] = Field(description="Passed components, sorted.")
    status: MonitorStatus
    dagen_vergunning_tot_koppeling: int | None
    dagen_koppeling_tot_huisvesting: int | None
    dagen_huisvesting_tot_intake: int | None
    dagen_kennisgeving_tot_pip: int | None
    werk_12m: bool | None = Field(
        default=None,
        description="In work (employee or self-employed) in the month 12 months "
        "after the obligation's start month; null when CBS has no category for it.",
    )
    uitkering_12m: bool | None = Field(
        default=None, description="On social assistance or another benefit in that month."
    )
    onderwijs_12m: bool | None = Field(default=None, description="Pupil or student in that month.")
    werk_24m: bool | None = Field(
        default=None,
        description="In work (employee or self-employed) in the month 24 months "
        "after the obligation's start month; null when CBS has no category for it.",
    )
    uitkering_24m: bool | None = Field(
        default=None, description="On social assistance or another benefit in that month."
    )
    onderwijs_24m: bool | None = Field(default=None, description="Pupil or student in that month.")
    werk_36m: bool | None = Field(
        default=None,
        description="In work (employee or self-employed) in the month 36 months "
        "after the obligation's start month; null when CBS has no category for it.",
    )
    uitkering_36m: bool | None = Field(
        default=None, description="On social assistance or another benefit in that month."
    )
    onderwijs_36m: bool | None = Field(default=None, description="Pupil or student in that month.")
    conflicts: tuple[str, ...] = Field(description="Fields where sources disagree, sorted.")
    source_event_ids: tuple[str, ...] = Field(description="Ids of the records.* events used.")


class PendingPerson(Contract):
    """A person linkage has heard of but cannot complete yet."""

    pseudonym: Pseudonym
    missing: tuple[SourceName, ...] = Field(examples=[["coa"]])
    since: date = Field(description="Since when the person is pending.")
    gemeente: Gemeentecode | None = Field(
        default=None,
        description="The current code of the municipal record, else of COA's koppeling.",
        examples=["GM0344"],
    )


class Measure(Contract):
    """A count with its percentage; null when suppressed by disclosure control."""

    n: int | None = Field(description="Count, null when suppressed.", examples=[120])
    pct: float | None = Field(description="Percentage 0-100, one decimal.", examples=[63.2])


class MonitorRow(Contract):
    """One group of the monitor table; grouping keys are extra fields (tolerant reader)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    n: int | None
    provisional: bool
    brede_intake_gestart: Measure
    pip_vastgesteld: Measure
    pip_tijdig: Measure
    leerroute_b1: Measure
    leerroute_onderwijs: Measure
    leerroute_z: Measure
    examens_alle_behaald: Measure
    voldaan: Measure
    werk_12m: Measure
    uitkering_12m: Measure
    onderwijs_12m: Measure
    werk_24m: Measure
    uitkering_24m: Measure
    onderwijs_24m: Measure
    werk_36m: Measure
    uitkering_36m: Measure
    onderwijs_36m: Measure


class MonitorTable(Contract):
    """``GET /v1/monitor``: the monitor figures with disclosure control applied."""

    as_of: date
    by: tuple[str, ...] = Field(examples=[["cohort", "doelgroep"]])
    provisional_cohorts: tuple[int, ...]
    rows: tuple[MonitorRow, ...]
