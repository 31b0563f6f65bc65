"""The yearly report's figures, and publications: those figures frozen as CBS published them
(SPEC section 11)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from contracts.base import Contract

PublicationStatus = Literal["voorlopig", "definitief"]
#: The key of a margin (a total) in a report table's row.
MARGIN = "totaal"


class PublicationRequest(Contract):
    """``POST /v1/publications``: which figures to freeze."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=2022, le=2100, description="The report's year.", examples=[2025])
    as_of: date = Field(description="The figures as known on this day.", examples=["2025-12-31"])
    status: PublicationStatus = Field(examples=["voorlopig"])


class Publication(Contract):
    """A publication's identity and the hash of its frozen figures."""

    id: str = Field(description="The publication's id (a UUID).")
    year: int
    as_of: date
    status: PublicationStatus
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the frozen figures (canonical JSON)."
    )
    created_at: datetime


class FigureTable(Contract):
    """One table of the report in long form: the grouping keys of each row, then its cells.

    A margin's key is ``totaal``. A suppressed cell is ``null``: counts from 1 to 9, what a
    total would give away (secondary suppression), percentages of those, quartiles of groups
    under 10.
    """

    by: tuple[str, ...] = Field(examples=[["cohort", "doelgroep"]])
    rows: tuple[dict[str, Any], ...]


class ReportFigures(Contract):
    """``GET /v1/report/figures``: every table of the yearly report (SWI) of ``year``."""

    year: int
    as_of: date
    provisional_cohorts: tuple[int, ...] = Field(description="Cohorts whose year is not over.")
    tables: dict[str, FigureTable] = Field(
        description="``bevolking_doelgroep``, ``bevolking_provincie``, "
        "``bevolking_arbeidsmarktregio`` and ``status`` (counts ``n`` with margins), "
        "``doorlooptijden`` (``n``, ``p25``, ``mediaan``, ``p75`` in days), ``gemeente``, "
        "``resultaten`` and ``doelbereik`` (per measure ``{n, pct}``, per cohort and doelgroep "
        "with the cohort's total)."
    )


class PublishedFigures(Publication):
    """A publication with its frozen figures, exactly as they were frozen."""

    figures: ReportFigures


class Revision(Contract):
    """One cell whose live value differs from what was published."""

    table: str = Field(examples=["cohort,doelgroep"])
    row: dict[str, Any] = Field(description="The row's grouping keys.")
    cell: str = Field(description="The measure and part, or ``n``.", examples=["voldaan.pct"])
    published: Any
    live: Any


class Revisions(Contract):
    """``GET /v1/publications/{id}/revisions``."""

    id: str
    as_of: date
    status: PublicationStatus
    revisions: tuple[Revision, ...]


class ErrorCount(Contract):
    """How often one code was found in a quarter's deliveries."""

    code: str = Field(examples=["bsn_invalid"])
    severity: Literal["error", "warning"]
    n: int = Field(ge=0)


class QuarterQuality(Contract):
    """One quarter: municipalities that released (or declared nil) on time, late, or not yet."""

    quarter: str = Field(examples=["2025-Q1"])
    due_date: date
    due: bool = Field(description="The due date lies before ``as_of``.")
    municipalities: int = Field(description="Municipalities on the quarter's last day.")
    on_time: int = Field(description="First release or nil return on or before the due date.")
    late: int = Field(description="First release after the due date, by ``as_of``.")
    missing: int | None = Field(description="No release by ``as_of``; null when not yet due.")
    pct_on_time: float | None = Field(description="Share on time; null when not yet due.")
    errors: tuple[ErrorCount, ...] = Field(description="By code, the most frequent first.")


class DeliveryQuality(Contract):
    """``GET /v1/deliveries/quality`` (ingest, admin): the report's chapter on delivery quality,
    live, stamped with the moment it was read."""

    year: int
    as_of: date
    generated_at: datetime
    quarters: tuple[QuarterQuality, ...]
