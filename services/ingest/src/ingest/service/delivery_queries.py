"""Controleren and reading: a delivery, its report, the deliveries of a caller, the overdue
quarters and their gauges."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date

from ingest.adapters.tables import DeliveryErrorRow, DeliveryRow
from ingest.domain.access import Caller, readable_municipalities, require_reader_of
from ingest.domain.errors import DeliveryNotFound
from ingest.domain.overdue import Overdue, overdue_counts, overdue_figures, overdue_pairs
from ingest.domain.plausibility import Preview
from ingest.domain.search import DeliverySearch
from ingest.service.delivery_context import DeliveryContext, preview_of
from ingest.service.unit_of_work import DeliveryStore


async def get(store: DeliveryStore, *, caller: Caller, delivery_id: str) -> DeliveryRow:
    async with store.reading() as repo:
        delivery = await repo.get(delivery_id)
    if delivery is None:
        readable_municipalities(caller)  # 401 before 404 for anonymous callers
        raise DeliveryNotFound(delivery_id)
    require_reader_of(caller, delivery.municipality)
    return delivery


async def preview(store: DeliveryStore, *, caller: Caller, delivery_id: str) -> Preview:
    """What releasing the delivery would do now (after the access check)."""
    delivery = await get(store, caller=caller, delivery_id=delivery_id)
    async with store.reading() as repo:
        return await preview_of(repo, delivery)


async def report(
    store: DeliveryStore, *, caller: Caller, delivery_id: str
) -> AsyncIterator[Sequence[DeliveryErrorRow]]:
    """The delivery's errors and warnings, page by page (after the access check)."""
    await get(store, caller=caller, delivery_id=delivery_id)

    async def pages() -> AsyncIterator[Sequence[DeliveryErrorRow]]:
        after = 0
        while True:
            async with store.reading() as repo:
                page = await repo.errors_page(delivery_id, after_id=after)
            if not page:
                return
            yield page
            after = page[-1].id or 0

    return pages()


async def find(
    store: DeliveryStore, *, caller: Caller, search: DeliverySearch
) -> Sequence[DeliveryRow]:
    allowed = readable_municipalities(caller)
    if search.municipality and allowed is not None and search.municipality not in allowed:
        require_reader_of(caller, search.municipality)
    async with store.reading() as repo:
        return await repo.find(search, municipalities=allowed)


async def overdue(store: DeliveryStore, *, caller: Caller, as_of: date) -> list[Overdue]:
    allowed = readable_municipalities(caller)
    async with store.reading() as repo:
        delivered = await repo.delivered_pairs()
    return overdue_pairs(as_of, delivered, municipalities=allowed)


async def refresh_overdue(ctx: DeliveryContext) -> None:
    """The overdue gauges, from the deliveries as they are now."""
    today = ctx.today()
    async with ctx.store.reading() as repo:
        delivered = await repo.delivered_pairs()
    figures = overdue_figures(overdue_counts(today, delivered), today)
    m = ctx.metrics
    m.overdue.set(sum(figures.by_quarter.values()))
    m.overdue_by_quarter.clear()  # a quarter delivered in full leaves the gauge
    for quarter, count in figures.by_quarter.items():
        m.overdue_by_quarter.labels(str(quarter)).set(count)
    m.latest_quarter_overdue.clear()
    m.latest_quarter_days_past_due.clear()
    if figures.latest is not None:
        label = str(figures.latest)
        m.latest_quarter_overdue.labels(label).set(figures.latest_overdue)
        m.latest_quarter_days_past_due.labels(label).set(figures.latest_days_past_due)
