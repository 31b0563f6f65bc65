"""Vrijgeven: release a validated delivery (or a nil return), publishing its rows and the
retraction of every person the release in force held and it no longer does."""

from __future__ import annotations

import logging

from ingest.adapters.delivery_repository import Conflict
from ingest.adapters.tables import DeliveryRow
from ingest.domain.access import Caller, require_contact_for
from ingest.domain.errors import DeliveryNotFound, NotAuthenticated, ReleaseRefused
from ingest.service.delivery_context import DeliveryContext, confirm, emit, preview_of
from ingest.service.delivery_queries import refresh_overdue
from ingest.service.events import record_event, retraction_event
from ketenkit import Outgoing
from ketenkit.tracing import current_traceparent, span

logger = logging.getLogger(__name__)


async def release(
    ctx: DeliveryContext,
    *,
    caller: Caller,
    delivery_id: str,
    accept_partial: bool,
    confirm_retractions: bool = False,
) -> DeliveryRow:
    async with ctx.store.reading() as repo:
        delivery = await repo.get(delivery_id)
    if delivery is None:
        if caller is None:
            raise NotAuthenticated("a bearer token is required")
        raise DeliveryNotFound(delivery_id)
    contact = require_contact_for(caller, delivery.municipality)
    try:
        # The release continues the upload's trace: one delivery, one trace, whose records
        # carry it on to linkage.
        with span(
            "delivery.release",
            parent=delivery.traceparent,
            links=[current_traceparent()],  # the request that released it: its own trace
            attributes={"delivery.id": delivery.id, "municipality": delivery.municipality},
        ):
            return await release_now(
                ctx,
                delivery_id,
                accept_partial=accept_partial,
                nil=False,
                by=contact.contact_id,
                confirmed=confirm_retractions,
            )
    except Conflict:
        raise ReleaseRefused(
            "release_conflict",
            "another release of this municipality and quarter happened at the same moment; "
            "try again",
        ) from None


async def release_now(
    ctx: DeliveryContext,
    delivery_id: str,
    *,
    accept_partial: bool,
    nil: bool,
    by: str,
    confirmed: bool,
) -> DeliveryRow:
    """Release in one transaction, the access already checked."""
    now = ctx.now()
    trace = current_traceparent()
    records = ctx.topics.records
    async with ctx.store.writing() as repo:
        delivery = await repo.get(delivery_id)
        assert delivery is not None
        if delivery.status == "released" or (
            delivery.status == "superseded" and delivery.released_at
        ):
            return delivery  # releasing again publishes nothing
        if delivery.status != ("received" if nil else "validated"):
            raise ReleaseRefused(
                "not_releasable", f"a {delivery.status} delivery cannot be released"
            )
        if delivery.invalid and not accept_partial:
            raise ReleaseRefused(
                "rows_invalid",
                f"{delivery.invalid} row(s) are invalid: fix "
                "them, or release the valid rows with accept_partial=true",
            )
        if not nil and not delivery.valid:
            raise ReleaseRefused("nothing_to_release", "no row of this delivery is valid")
        if not confirmed:
            confirm(ctx, await preview_of(repo, delivery))
        previous = await repo.current_release(
            municipality=delivery.municipality, quarter=delivery.quarter
        )
        # Claim the release first: of two concurrent releases, exactly one changes the row.
        if not await repo.claim_release(delivery_id, status=delivery.status, at=now, by=by):
            raise ReleaseRefused("release_in_progress", "this delivery is being released")
        delivery.release_sequence = await repo.next_release_sequence(
            municipality=delivery.municipality, quarter=delivery.quarter
        )
        delivery.status, delivery.released_at, delivery.released_by = "released", now, by
        await repo.save(delivery)
        published = 0
        async for page in repo.records_of(delivery.id):
            await repo.publish(
                [
                    Outgoing.event(
                        records, record_event(delivery, r, now, traceparent=trace), r.pseudonym
                    )
                    for r in page
                ]
            )
            published += len(page)
        retracted: list[str] = []
        if previous is not None:
            retracted = await repo.retracted_pseudonyms(
                previous_id=previous.id, current_id=delivery.id
            )
            await repo.publish(
                [
                    Outgoing.event(
                        records, retraction_event(delivery, p, now, traceparent=trace), p
                    )
                    for p in retracted
                ]
            )
            await repo.mark_superseded(previous.id, by=delivery.id)
            previous.status, previous.superseded_by = "superseded", delivery.id
            await emit(ctx, repo, previous, "superseded")
        await emit(ctx, repo, delivery, "released")
    ctx.metrics.deliveries.labels("released").inc()
    if previous is not None:
        ctx.metrics.deliveries.labels("superseded").inc()
    await refresh_overdue(ctx)
    logger.info(
        "delivery_released",
        extra={
            "delivery_id": delivery.id,
            "records": published,
            "retracted": len(retracted),
            "release_sequence": delivery.release_sequence,
        },
    )
    return delivery
