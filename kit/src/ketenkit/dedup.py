"""Processed-event ids: the effectively-once half of at-least-once consumption."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ketenkit.bulk import BulkStatement

_CHUNK = 400


class ProcessedEvent(SQLModel, table=True):
    """An event (source + id) a consumer has applied, recorded in the same transaction."""

    __tablename__ = "processed_events"

    consumer: str = Field(primary_key=True, max_length=100)
    source: str = Field(primary_key=True, max_length=200)
    event_id: str = Field(primary_key=True, max_length=200)
    processed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    sha256: str | None = Field(
        default=None,
        max_length=64,
        description="The content's digest, where the consumer tells a repeat from an id reused",
    )


_CLAIM = BulkStatement(
    ProcessedEvent.__table__,  # type: ignore[attr-defined]
    ("consumer", "source", "event_id", "processed_at", "sha256"),
)


@dataclass(frozen=True, slots=True)
class Claim:
    """One event's claim: whether it is new, and else the digest its first sighting stored
    (None where that one was claimed without a digest)."""

    new: bool
    sha256: str | None = None


async def claim(
    session: AsyncSession,
    *,
    consumer: str,
    events: Sequence[tuple[str, str]],
    digests: Sequence[str | None] | None = None,
) -> list[Claim]:
    """Record the unseen ``(source, id)`` pairs, each with its content digest when given; per
    input, whether it is new, and the digest its first sighting stored when it is not.

    A repeat inside ``events`` is not new either (its first sighting is the one before it).
    Two instances claiming the same event collide on the primary key at commit, so exactly
    one transaction applies it. One select and one insert per chunk of a batch.
    """
    given = list(digests) if digests is not None else [None] * len(events)
    if len(given) != len(events):
        raise ValueError("one digest per event, or none at all")
    stored: dict[tuple[str, str], str | None] = {}
    by_source: dict[str, list[str]] = {}
    for source, event_id in dict.fromkeys(events):
        by_source.setdefault(source, []).append(event_id)
    table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    for source, ids in by_source.items():
        for start in range(0, len(ids), _CHUNK):
            # Equality on the key's leading columns and IN on the last: an index range per id
            # on SQLite too (a row-value IN over (source, event_id) scanned the whole table).
            found = await connection.execute(
                select(table.c.event_id, table.c.sha256).where(
                    table.c.consumer == consumer,
                    table.c.source == source,
                    table.c.event_id.in_(ids[start : start + _CHUNK]),
                )
            )
            stored.update(((source, event_id), sha256) for event_id, sha256 in found.all())
    now = datetime.now(UTC)
    result: list[Claim] = []
    rows: list[tuple[object, ...]] = []
    for pair, digest in zip(events, given, strict=True):
        if pair in stored:
            result.append(Claim(False, stored[pair]))
            continue
        stored[pair] = digest
        rows.append((consumer, pair[0], pair[1], now, digest))
        result.append(Claim(True))
    # One executemany: an ORM object per event costs more than the event's own work.
    await _CLAIM.run(connection, rows)
    return result


async def claim_new(
    session: AsyncSession, *, consumer: str, events: Sequence[tuple[str, str]]
) -> list[bool]:
    """Record the unseen ``(source, id)`` pairs; per input, True when it is new."""
    return [c.new for c in await claim(session, consumer=consumer, events=events)]
