"""Processed-event ids: the effectively-once half of at-least-once consumption."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, tuple_
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

_CHUNK = 400


class ProcessedEvent(SQLModel, table=True):
    """An event (source + id) a consumer has applied, recorded in the same transaction."""

    __tablename__ = "processed_events"

    consumer: str = Field(primary_key=True, max_length=100)
    source: str = Field(primary_key=True, max_length=200)
    event_id: str = Field(primary_key=True, max_length=200)
    processed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


async def claim_new(
    session: AsyncSession, *, consumer: str, events: Sequence[tuple[str, str]]
) -> list[bool]:
    """Record the unseen ``(source, id)`` pairs; per input, True when it is new.

    A repeat inside ``events`` is not new either. Two instances claiming the same event
    collide on the primary key at commit, so exactly one transaction applies it.
    """
    wanted = list(dict.fromkeys(events))
    seen: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found = await session.exec(
            select(ProcessedEvent.source, ProcessedEvent.event_id).where(
                ProcessedEvent.consumer == consumer,
                tuple_(col(ProcessedEvent.source), col(ProcessedEvent.event_id)).in_(chunk),
            )
        )
        seen.update((source, event_id) for source, event_id in found.all())
    now = datetime.now(UTC)
    result: list[bool] = []
    rows: list[dict[str, object]] = []
    for pair in events:
        if pair in seen:
            result.append(False)
            continue
        seen.add(pair)
        rows.append(
            {"consumer": consumer, "source": pair[0], "event_id": pair[1], "processed_at": now}
        )
        result.append(True)
    if rows:  # one executemany: an ORM object per event costs more than the event's own work
        connection = await session.connection()
        await connection.execute(insert(ProcessedEvent), rows)
    return result
