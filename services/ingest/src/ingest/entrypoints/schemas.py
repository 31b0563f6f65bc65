"""Ingest's HTTP bodies, with examples for the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, Field

from ingest.adapters.tables import DeliveryRow
from ingest.domain.overdue import Overdue
from ingest.domain.rows import RowError
from ingest.service.dry_run import DryRun

SAMPLE_CSV = (
    "bsn;gemeentecode;doelgroep;datum_inschrijving_brp;datum_start_brede_intake;"
    "datum_eerste_pip;leerroute\n"
    "111222333;GM0344;gezinsmigrant;2025-01-06;2025-02-03;2025-03-10;b1\n"
)
SAMPLE_NDJSON = (
    '{"bsn": "111222333", "gemeentecode": "GM0344", "doelgroep": "gezinsmigrant", '
    '"datum_eerste_pip": "2025-03-10", "leerroute": "b1"}\n'
)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Counts(BaseModel):
    rows: int
    valid: int
    invalid: int
    errors: int
    warnings: int


class DeliveryOut(BaseModel):
    """A delivery and where it is: received, validated, released, superseded or rejected."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "delivery_id": "8c1d6f0e-2b1f-4a7e-9d55-3f6a0b1c2d3e",
                    "municipality": "GM0344",
                    "quarter": "2025-Q3",
                    "status": "validated",
                    "nil_return": False,
                    "counts": {"rows": 120, "valid": 118, "invalid": 2, "errors": 3, "warnings": 0},
                    "release_sequence": None,
                    "superseded_by": None,
                    "received_at": "2025-10-10T09:00:00Z",
                    "released_at": None,
                    "released_by": None,
                }
            ]
        }
    )

    delivery_id: str
    municipality: str
    quarter: str
    status: str
    nil_return: bool
    counts: Counts
    release_sequence: int | None
    superseded_by: str | None
    received_at: datetime
    released_at: datetime | None
    released_by: str | None = None

    @classmethod
    def of(cls, row: DeliveryRow) -> DeliveryOut:
        return cls(
            delivery_id=row.id,
            municipality=row.municipality,
            quarter=row.quarter,
            status=row.status,
            nil_return=row.nil_return,
            counts=Counts(
                rows=row.rows,
                valid=row.valid,
                invalid=row.invalid,
                errors=row.errors,
                warnings=row.warnings,
            ),
            release_sequence=row.release_sequence,
            superseded_by=row.superseded_by,
            received_at=_utc(row.received_at),
            released_at=_utc(row.released_at) if row.released_at else None,
            released_by=row.released_by,
        )


class ReportError(BaseModel):
    row: int = Field(description="Data row from 1; 0 is the file itself.")
    field: str
    code: str
    message: str = Field(description="What is wrong; a BSN shows as *****1234.")
    severity: str = Field(examples=["error"])


class ReportOut(BaseModel):
    """Every error and warning of a delivery ("controleren")."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "delivery_id": "8c1d6f0e-2b1f-4a7e-9d55-3f6a0b1c2d3e",
                    "status": "validated",
                    "errors": [
                        {
                            "row": 7,
                            "field": "bsn",
                            "code": "bsn_invalid",
                            "message": "BSN *****2334: fails the eleven-test (elfproef)",
                            "severity": "error",
                        }
                    ],
                }
            ]
        }
    )

    delivery_id: str
    status: str
    errors: list[ReportError]


class OverdueItem(BaseModel):
    municipality: str
    quarter: str
    due_date: date

    @classmethod
    def of(cls, item: Overdue) -> OverdueItem:
        return cls(
            municipality=item.municipality, quarter=str(item.quarter), due_date=item.due_date
        )


class OverdueOut(BaseModel):
    """(municipality, quarter) pairs without a release or nil return after the due date."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2025-11-01",
                    "count": 1,
                    "items": [
                        {"municipality": "GM0014", "quarter": "2025-Q3", "due_date": "2025-10-28"}
                    ],
                }
            ]
        }
    )

    as_of: date
    count: int
    items: list[OverdueItem]


class PreviewOut(BaseModel):
    """What releasing a delivery would do now (SPEC section 11)."""

    publish: int = Field(description="Rows that would go to records.municipal.v1.")
    retractions: int = Field(description="Persons of the release in force it no longer holds.")
    previous_persons: int = Field(description="Persons of the release in force (0: none).")


class DryRunOut(BaseModel):
    """A dry run's outcome: what the report would say; nothing was stored or published."""

    status: str = Field(examples=["validated"], description="validated or rejected")
    counts: Counts
    errors: list[ReportError]
    warnings: list[ReportError]
    errors_truncated: bool = Field(
        default=False, description="More errors than listed (the counts are complete)."
    )

    @classmethod
    def of(cls, run: DryRun) -> DryRunOut:
        def item(e: RowError) -> ReportError:
            return ReportError(
                row=e.row, field=e.field, code=e.code, message=e.message, severity=e.severity
            )

        return cls(
            status=run.status,
            counts=Counts(**run.counts),
            errors=[item(e) for e in run.errors],
            warnings=[item(w) for w in run.warnings],
            errors_truncated=run.errors_truncated,
        )
