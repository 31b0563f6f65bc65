"""Aanleveren: an upload becomes a received delivery (or, with its Idempotency-Key, the
delivery the same upload made before); a nil return is released at once."""

from __future__ import annotations

import uuid

from ingest.adapters.delivery_repository import Conflict
from ingest.adapters.tables import DeliveryRow
from ingest.domain.access import Caller, require_contact_for
from ingest.domain.errors import UploadInvalid
from ingest.domain.plausibility import Preview
from ingest.service.delivery_context import DeliveryContext, confirm, emit, quarter_of
from ingest.service.releasing import release_now
from ketenkit.tracing import current_traceparent


def check_upload(ctx: DeliveryContext, *, caller: Caller, municipality: str, quarter: str) -> None:
    """Access, municipality and quarter of an upload, before its body is read."""
    require_contact_for(caller, municipality)
    quarter_of(ctx, quarter, municipality)


async def receive(
    ctx: DeliveryContext,
    *,
    caller: Caller,
    municipality: str,
    quarter: str,
    content_type: str,
    body_size: int,
    body_sha256: str,
    idempotency_key: str | None,
    nil_return: bool,
    confirm_retractions: bool,
) -> tuple[DeliveryRow, bool]:
    """The delivery made of this upload (True), or the one its Idempotency-Key made."""
    contact = require_contact_for(caller, municipality)
    period = str(quarter_of(ctx, quarter, municipality))
    if idempotency_key:
        async with ctx.store.reading() as repo:
            existing = await repo.by_idempotency_key(
                municipality=municipality, quarter=period, key=idempotency_key
            )
        if existing is not None:
            return same_upload(existing, body_sha256), False
    if nil_return and body_size:
        raise UploadInvalid(422, "nil_return", "field_invalid", "a nil return has an empty body")
    if nil_return and not confirm_retractions:
        # A nil return is released at once: after a release in force it retracts everyone.
        async with ctx.store.reading() as repo:
            previous = await repo.current_release(municipality=municipality, quarter=period)
            persons = await repo.count_persons(previous.id) if previous else 0
        confirm(ctx, Preview(publish=0, retractions=persons, previous_persons=persons))
    delivery = DeliveryRow(
        id=str(uuid.uuid4()),
        municipality=municipality,
        quarter=period,
        status="received",
        nil_return=nil_return,
        contact_id=contact.contact_id,
        idempotency_key=idempotency_key,
        content_type=content_type or None,
        body_sha256=body_sha256,
        received_at=ctx.now(),
        traceparent=current_traceparent(),
    )
    try:
        async with ctx.store.writing() as repo:
            await repo.add(delivery)
            await emit(ctx, repo, delivery, "received")
    except Conflict:  # the same key at the same moment: the other upload won
        async with ctx.store.reading() as repo:
            existing = await repo.by_idempotency_key(
                municipality=municipality, quarter=period, key=idempotency_key or ""
            )
        if existing is None:
            raise
        return same_upload(existing, body_sha256), False
    ctx.metrics.deliveries.labels("received").inc()
    if nil_return:
        released = await release_now(
            ctx, delivery.id, accept_partial=True, nil=True, by=contact.contact_id, confirmed=True
        )
        return released, True
    return delivery, True


def same_upload(existing: DeliveryRow, body_sha256: str) -> DeliveryRow:
    """The delivery an Idempotency-Key already made, if this is the same body again."""
    if existing.body_sha256 is not None and existing.body_sha256 != body_sha256:
        raise UploadInvalid(
            422,
            "idempotency-key",
            "idempotency_key_reused",
            "this Idempotency-Key was used for another file of this municipality and quarter; "
            "send a new file with a new key",
        )
    return existing
