"""Publications: the monitor figures of a year frozen as CBS published them (SPEC section 11)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from contracts.base import Contract

PublicationStatus = Literal["voorlopig", "definitief"]


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


class PublishedFigures(Publication):
    """A publication with its frozen figures, exactly as they were frozen."""

    figures: dict[str, Any] = Field(
        description="``tables``: the monitor table per grouping (as ``GET /v1/monitor``), "
        "for the cohorts up to the year."
    )


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
