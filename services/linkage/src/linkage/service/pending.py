"""Persons linkage cannot complete yet: the list and the gauges that keep them visible."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from contracts import PendingPerson
from ketenkit import Database
from linkage.adapters import store
from linkage.metrics import LinkageMetrics


async def pending_persons(
    db: Database,
    *,
    older_than_days: int,
    today: date,
    limit: int,
    gemeente: str | None = None,
    missing: str | None = None,
) -> Sequence[PendingPerson]:
    async with db.sessions() as session:
        rows = await store.pending(
            session,
            # 0: every pending person, as the gauge counts them (even one dated ahead of today)
            since_before=today - timedelta(days=older_than_days) if older_than_days else None,
            limit=limit,
            gemeente=gemeente,
            missing=missing,
        )
    return [
        PendingPerson(
            pseudonym=row.pseudonym,
            missing=tuple(row.missing),  # type: ignore[arg-type]
            since=row.pending_since,  # type: ignore[arg-type]
            gemeente=row.gemeente,
        )
        for row in rows
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
