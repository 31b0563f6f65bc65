"""The delivery quality of a year, for the yearly report (admin only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from contracts.publications import DeliveryQuality
from ingest.domain.access import Caller, require_admin
from ingest.domain.quality import DUTCH, quality, quarters_of
from ingest.service.unit_of_work import DeliveryStore


async def delivery_quality(
    store: DeliveryStore, *, caller: Caller, year: int, as_of: date, now: datetime | None = None
) -> DeliveryQuality:
    require_admin(caller)
    quarters = [str(q) for q in quarters_of(year)]
    # Deliveries received up to the end of as_of, a Dutch day; in UTC, as they are stored
    # (SQLite keeps a timestamp's wall time without its offset).
    until = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=DUTCH).astimezone(UTC)
    async with store.reading() as repo:
        released = await repo.first_releases(quarters)
        errors = await repo.error_counts(quarters, received_before=until)
    return DeliveryQuality.model_validate(
        {
            "year": year,
            "as_of": as_of,
            "generated_at": now or datetime.now(UTC),
            "quarters": quality(year, as_of, released, errors),
        }
    )
