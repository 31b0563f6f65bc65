"""What every delivery handler works with, and the steps they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from contracts import Pseudonymiser, Quarter, QuarterInvalid
from contracts.deliveries import DeliveryStatus
from contracts.reference import is_valid
from ingest.adapters.delivery_repository import DeliveryRepository
from ingest.adapters.files import MAX_LINE_CHARS
from ingest.adapters.tables import DeliveryRow
from ingest.domain.errors import QuarterNotEnded, ReleaseRefused, UploadInvalid
from ingest.domain.plausibility import Preview
from ingest.metrics import IngestMetrics
from ingest.service.events import delivery_event
from ingest.service.unit_of_work import DeliveryStore
from ketenkit import Outgoing


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Topics:
    deliveries: str
    records: str


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    store: DeliveryStore
    pseudonymiser: Pseudonymiser
    topics: Topics
    metrics: IngestMetrics
    retraction_share: float = 0.10  # of the release in force; more asks for a confirmation
    max_line: int = MAX_LINE_CHARS
    now: Callable[[], datetime] = field(default=utc_now)
    today: Callable[[], date] = field(default=date.today)


def quarter_of(ctx: DeliveryContext, text: str, municipality: str) -> Quarter:
    """The quarter of an upload: one that has ended, and the municipality existed at its end."""
    try:
        quarter = Quarter.parse(text)
    except QuarterInvalid as exc:
        raise UploadInvalid(422, "quarter", "field_invalid", exc.detail) from None
    if quarter.end >= ctx.today():
        raise QuarterNotEnded(f"{quarter} ends on {quarter.end}; deliver after that day")
    if not is_valid(municipality, quarter.end):
        raise UploadInvalid(
            422,
            "municipality",
            "municipality_unknown",
            f"{municipality} is not a municipality on {quarter.end}",
        )
    return quarter


async def emit(
    ctx: DeliveryContext, repo: DeliveryRepository, delivery: DeliveryRow, status: DeliveryStatus
) -> None:
    """The delivery's step on ingest.deliveries.v1, in the transaction that made it."""
    envelope = delivery_event(delivery, status, ctx.now())
    await repo.publish([Outgoing.event(ctx.topics.deliveries, envelope, delivery.id)])


async def preview_of(repo: DeliveryRepository, delivery: DeliveryRow) -> Preview:
    """What releasing the delivery would publish and retract now."""
    previous = await repo.current_release(
        municipality=delivery.municipality, quarter=delivery.quarter
    )
    if previous is None or previous.id == delivery.id:
        return Preview(publish=delivery.valid, retractions=0, previous_persons=0)
    return Preview(
        publish=delivery.valid,
        retractions=await repo.count_retracted(previous_id=previous.id, current_id=delivery.id),
        previous_persons=await repo.count_persons(previous.id),
    )


def confirm(ctx: DeliveryContext, preview: Preview) -> None:
    """Refuse a release that would retract a large share of the release in force, unless the
    contact confirmed it."""
    if preview.needs_confirmation(ctx.retraction_share):
        raise ReleaseRefused(
            "confirm_retractions",
            f"releasing this would retract {preview.retractions} of the "
            f"{preview.previous_persons} persons of the release in force; check the file, "
            "or release with confirm_retractions=true",
            retractions=preview.retractions,
            previous_persons=preview.previous_persons,
        )
