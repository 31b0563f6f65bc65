"""Persons linkage cannot complete yet: the list and the gauges that keep them visible."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from contracts import PendingPerson
from ketenkit import Database
from linkage.adapters import store
from linkage.metrics import LinkageMetrics


async def pending_persons(
    db: Database, *, older_than_days: int, today: date, limit: int
) -> Sequence[PendingPerson]:
    async with db.sessions() as session:
        rows = await store.pending(
            session, since_before=today - timedelta(days=older_than_days), limit=limit
        )
    return [
        PendingPerson(pseudonym=row.pseudonym, missing=tuple(row.missing), since=row.pending_since)  # type: ignore[arg-type]
        for row in rows
        if row.pending_since is not None
    ]


async def refresh_pending_metrics(
    db: Database,
    metrics: LinkageMetrics,
    *,
    grace_days: int,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    moment = now()
    async with db.sessions() as session:
        count, oldest = await store.pending_summary(session)
        overdue = await store.count_pending(
            session, since_before=moment.date() - timedelta(days=grace_days)
        )
    metrics.pending.set(count)
    age = 0.0
    if isinstance(oldest, date):
        age = (moment - datetime.combine(oldest, datetime.min.time(), tzinfo=UTC)).total_seconds()
    metrics.pending_oldest.set(max(0.0, age))
    metrics.incomplete.set(overdue)
