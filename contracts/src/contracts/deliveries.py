"""Events about municipal deliveries (topic ``ingest.deliveries.v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.base import Contract, Gemeentecode, QuarterText

DELIVERY_RECEIVED = "nl.ketenmonitor.delivery.received"
DELIVERY_VALIDATED = "nl.ketenmonitor.delivery.validated"
DELIVERY_RELEASED = "nl.ketenmonitor.delivery.released"
DELIVERY_SUPERSEDED = "nl.ketenmonitor.delivery.superseded"
DELIVERY_REJECTED = "nl.ketenmonitor.delivery.rejected"
DELIVERY_EVENT_TYPES = (
    DELIVERY_RECEIVED,
    DELIVERY_VALIDATED,
    DELIVERY_RELEASED,
    DELIVERY_SUPERSEDED,
    DELIVERY_REJECTED,
)

DeliveryStatus = Literal["received", "validated", "released", "superseded", "rejected"]


class DeliveryCounts(Contract):
    """Row counts of one delivery."""

    rows: int = Field(ge=0, description="Data rows read.", examples=[120])
    valid: int = Field(ge=0, description="Rows without errors.", examples=[118])
    invalid: int = Field(ge=0, description="Rows with at least one error.", examples=[2])
    errors: int = Field(ge=0, description="Errors found (a row may have several).", examples=[3])
    warnings: int = Field(
        default=0, ge=0, description="Warnings (e.g. unknown columns).", examples=[0]
    )


class DeliveryEvent(Contract):
    """The state of a delivery after a step (received, validated, released, …)."""

    delivery_id: str = Field(
        description="Ingest's id of the delivery.",
        examples=["8c1d6f0e-2b1f-4a7e-9d55-3f6a0b1c2d3e"],
    )
    municipality: Gemeentecode
    quarter: QuarterText
    status: DeliveryStatus = Field(examples=["released"])
    nil_return: bool = Field(default=False, description="Nothing to report this quarter.")
    counts: DeliveryCounts
    contact_id: str = Field(description="The registered contact who uploaded the delivery.")
    released_by: str | None = Field(
        default=None, description="The contact who released it (vrijgeven), once released."
    )
    release_sequence: int | None = Field(
        default=None,
        ge=1,
        description="Order of releases for this municipality and quarter (later supersedes).",
    )
    superseded_by: str | None = Field(default=None, description="Delivery that replaced this one.")
    occurred_at: datetime = Field(description="When the step happened.")
