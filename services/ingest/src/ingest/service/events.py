"""The events ingest publishes about deliveries and their released rows."""

from __future__ import annotations

from datetime import datetime

from contracts import (
    DeliveryCounts,
    DeliveryEvent,
    Envelope,
    MunicipalRecord,
    derived_id,
    sequence_text,
)
from contracts.deliveries import DeliveryStatus
from contracts.records import RECORD_MUNICIPAL, RECORD_MUNICIPAL_RETRACTED, MunicipalRecordRetracted
from ingest.adapters.tables import DeliveryRecordRow, DeliveryRow

SOURCE = "urn:nld:ketenmonitor:ingest"


def delivery_event(delivery: DeliveryRow, status: DeliveryStatus, now: datetime) -> Envelope:
    state = DeliveryEvent(
        delivery_id=delivery.id,
        municipality=delivery.municipality,
        quarter=delivery.quarter,
        status=status,
        nil_return=delivery.nil_return,
        counts=DeliveryCounts(
            rows=delivery.rows,
            valid=delivery.valid,
            invalid=delivery.invalid,
            errors=delivery.errors,
            warnings=delivery.warnings,
        ),
        contact_id=delivery.contact_id,
        released_by=delivery.released_by,
        release_sequence=delivery.release_sequence,
        superseded_by=delivery.superseded_by,
        occurred_at=now,
    )
    return Envelope(
        id=derived_id(SOURCE, delivery.id, status),
        source=SOURCE,
        type=f"nl.ketenmonitor.delivery.{status}",
        time=now,
        subject=delivery.id,
        data=state.model_dump(mode="json"),
    )


def record_event(
    delivery: DeliveryRow,
    record: DeliveryRecordRow,
    now: datetime,
    *,
    traceparent: str | None = None,
) -> Envelope:
    assert delivery.release_sequence is not None
    data = MunicipalRecord.model_validate(
        {
            **record.data,
            "pseudonym": record.pseudonym,
            "municipality": delivery.municipality,
            "quarter": delivery.quarter,
            "delivery_id": delivery.id,
            "release_sequence": delivery.release_sequence,
            "row": record.row,
        }
    )
    return Envelope(
        id=derived_id(SOURCE, delivery.id, record.row),
        source=SOURCE,
        type=RECORD_MUNICIPAL,
        time=now,
        subject=record.pseudonym,
        sequence=sequence_text(delivery.release_sequence),
        traceparent=traceparent,
        data=data.model_dump(mode="json"),
    )


def retraction_event(
    delivery: DeliveryRow, pseudonym: str, now: datetime, *, traceparent: str | None = None
) -> Envelope:
    assert delivery.release_sequence is not None
    data = MunicipalRecordRetracted(
        pseudonym=pseudonym,
        municipality=delivery.municipality,
        quarter=delivery.quarter,
        delivery_id=delivery.id,
        release_sequence=delivery.release_sequence,
    )
    return Envelope(
        id=derived_id(SOURCE, delivery.id, f"retracted|{pseudonym}"),
        source=SOURCE,
        type=RECORD_MUNICIPAL_RETRACTED,
        time=now,
        subject=pseudonym,
        sequence=sequence_text(delivery.release_sequence),
        traceparent=traceparent,
        data=data.model_dump(mode="json"),
    )
