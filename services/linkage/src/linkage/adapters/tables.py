"""Linkage's tables (private to this service): facts per person and the merged state."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from contracts import EXAM_COMPONENTS
from contracts.enrichment import HORIZONS
from linkage.domain.enrichment import FIELDS


class FactRow(SQLModel, table=True):
    """One applied records.* event of one person."""

    __tablename__ = "facts"

    pseudonym: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(primary_key=True, max_length=200)
    source: str = Field(max_length=16)
    type: str = Field(max_length=100)
    time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class FactDigestRow(SQLModel, table=True):
    """The SHA-256 of each event's content as versions before 2026-12 kept it, apart from the
    event's claim; read for those events only. The digest is now stored with the claim
    (``processed_events.sha256``): one insert per event fewer."""

    __tablename__ = "fact_digests"

    source: str = Field(primary_key=True, max_length=200)
    event_id: str = Field(primary_key=True, max_length=200)
    sha256: str = Field(max_length=64)


class PersonRow(SQLModel, table=True):
    """The merged state of one person: last emitted version, completeness, monitor columns."""

    __tablename__ = "persons"

    pseudonym: str = Field(primary_key=True, max_length=64)
    version: int = Field(default=0, description="Last version emitted (a tombstone counts too)")
    emitted: bool = Field(default=False, description="The last emission was a record")
    content_hash: str | None = Field(default=None, max_length=64)
    record: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    complete: bool = Field(default=False, index=True)
    in_scope: bool | None = Field(default=None, index=True)
    withdrawn: bool = Field(default=False, description="DUO withdrew the obligation")
    missing: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pending_since: date | None = Field(default=None, index=True)
    cohort: int | None = Field(default=None, index=True)
    doelgroep: str | None = Field(default=None, max_length=32)
    gemeente: str | None = Field(default=None, max_length=6)
    provincie: str | None = Field(default=None, max_length=40)
    arbeidsmarktregio: str | None = Field(default=None, max_length=60)
    leerroute: str | None = Field(default=None, max_length=16)
    datum_start: date | None = None
    datum_kennisgeving: date | None = None
    datum_vergunning: date | None = None
    datum_koppeling: date | None = None
    datum_huisvesting: date | None = None
    datum_intake: date | None = None
    datum_pip: date | None = None
    pip_deadline: date | None = None
    datum_examens_alle_behaald: date | None = None
    datum_voldaan: date | None = None
    status: str | None = Field(default=None, max_length=16, description="As the record has it")
    datum_einde: date | None = Field(default=None, description="The obligation's end, if any")
    examen_lezen: date | None = Field(default=None, description="First pass of the component")
    examen_luisteren: date | None = None
    examen_schrijven: date | None = None
    examen_spreken: date | None = None
    examen_knm: date | None = None
    werk_12m: bool | None = None
    uitkering_12m: bool | None = None
    onderwijs_12m: bool | None = None
    einde_12m: date | None = Field(default=None, description="Last day of the month 12 months in")
    werk_24m: bool | None = None
    uitkering_24m: bool | None = None
    onderwijs_24m: bool | None = None
    einde_24m: date | None = Field(default=None, description="Last day of the month 24 months in")
    werk_36m: bool | None = None
    uitkering_36m: bool | None = None
    onderwijs_36m: bool | None = None
    einde_36m: date | None = Field(default=None, description="Last day of the month 36 months in")


class PublicationRow(SQLModel, table=True):
    """Figures frozen as published; the text is stored as hashed, never changed."""

    __tablename__ = "publications"

    id: str = Field(primary_key=True, max_length=36)
    year: int
    as_of: date
    status: str = Field(max_length=16)
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    figures: str = Field(sa_column=Column(Text, nullable=False))


TABLES = (FactRow, FactDigestRow, PersonRow, PublicationRow)
ENRICHMENT_COLUMNS = (*FIELDS, *(f"einde_{months}m" for months in HORIZONS))
MONITOR_COLUMNS = (
    "cohort",
    "doelgroep",
    "gemeente",
    "provincie",
    "arbeidsmarktregio",
    "leerroute",
    "datum_start",
    "datum_kennisgeving",
    "datum_vergunning",
    "datum_koppeling",
    "datum_huisvesting",
    "datum_intake",
    "datum_pip",
    "pip_deadline",
    "datum_examens_alle_behaald",
    "datum_voldaan",
    "status",
    "datum_einde",
    *(f"examen_{component}" for component in EXAM_COMPONENTS),
    *ENRICHMENT_COLUMNS,
)
