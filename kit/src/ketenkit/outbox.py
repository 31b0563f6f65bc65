"""The transactional outbox and its relay: state and the events it causes commit together.

A service adds messages to the outbox in the transaction that changes its state; the relay
publishes them in insertion order and deletes them once Kafka acknowledged them. A crash
between commit and publish loses nothing (the relay drains the outbox at start). A crash
between Kafka's acknowledgement and the delete republishes those rows with the same event ids,
which consumers drop as duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

from faststream.kafka import KafkaBroker
from prometheus_client import Counter
from sqlalchemy import JSON, Column, LargeBinary, delete, func, text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import TRACEPARENT_HEADER
from ketenkit.bulk import BulkStatement
from ketenkit.db import Database
from ketenkit.messages import Outgoing, publish_all
from ketenkit.tracing import MAX_BATCH_LINKS, span

logger = logging.getLogger(__name__)


class OutboxRow(SQLModel, table=True):
    """A message waiting to be published."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=200)
    key: str | None = Field(default=None, max_length=200)
    headers: list[list[str]] = Field(sa_column=Column(JSON, nullable=False))
    value: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def to_outgoing(self) -> Outgoing:
        return Outgoing(
            topic=self.topic,
            key=self.key,
            headers=tuple((name, value.encode("utf-8")) for name, value in self.headers),
            value=self.value,
        )


_ADD = BulkStatement(
    OutboxRow.__table__,  # type: ignore[attr-defined]
    ("topic", "key", "headers", "value", "created_at"),
)


async def outbox_figures(session: AsyncSession) -> tuple[int, datetime | None]:
    """Rows waiting to be published, and when the oldest of them was committed."""
    row = (await session.exec(select(func.count(), func.min(OutboxRow.created_at)))).one()
    oldest = row[1]
    if isinstance(oldest, datetime) and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return int(row[0]), oldest


async def add_to_outbox(session: AsyncSession, messages: Iterable[Outgoing]) -> int:
    """Queue ``messages`` in the caller's transaction (one executemany); return how many."""
    now = datetime.now(UTC)
    rows = [
        (
            message.topic,
            message.key,
            [[n, v.decode("utf-8", "replace")] for n, v in message.headers],
            message.value,
            now,
        )
        for message in messages
    ]
    if not rows:
        return 0
    return await _ADD.run(await session.connection(), rows)


async def _delete(session: AsyncSession, ids: list[int]) -> None:
    await session.exec(delete(OutboxRow).where(col(OutboxRow.id).in_(ids)))


def _traceparent(row: OutboxRow) -> str | None:
    return next((value for name, value in row.headers if name == TRACEPARENT_HEADER), None)


_LOCAL_TURNS: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()


def _local_turn(db: Database) -> asyncio.Lock:
    """The relays' turn on a SQLite database, shared by every relay of this process."""
    return _LOCAL_TURNS.setdefault(db, asyncio.Lock())


#: The advisory lock id of the relay's turn (any constant; one outbox per service database).
_TURN = 0x6B6D6F62  # "kmob"


class OutboxRelay:
    """Publishes the outbox: at start, when notified after a commit, and every poll interval."""

    def __init__(
        self,
        db: Database,
        broker: KafkaBroker,
        *,
        poll_seconds: float = 0.5,
        batch_size: int = 500,
        max_backoff_seconds: float = 10.0,
        counter: Counter | None = None,
    ) -> None:
        self._db = db
        self._broker = broker
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._max_backoff = max_backoff_seconds
        self._counter = counter
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self._last_failure: str | None = None

    def notify(self) -> None:
        """Something was committed to the outbox: publish soon."""
        self._wake.set()

    async def publish_batch(self) -> int:
        """Publish and delete up to one batch of rows; return how many."""
        if self._db.dialect == "postgresql":
            async with self._db.transaction() as session:
                await self._take_turn(session)
                rows = await self._next_rows(session)
                return await self._publish(rows, lambda ids: _delete(session, ids))
        # SQLite has one writer for the whole file: a relay holding it while Kafka acknowledges
        # would stop the service's own writers for that long. The turn is the process's instead
        # (SQLite serves a single instance): rows read, published, then deleted in a short
        # transaction of their own.
        async with _local_turn(self._db):
            async with self._db.sessions() as reading:
                rows = await self._next_rows(reading)

            async def delete_committed(ids: list[int]) -> None:
                async with self._db.transaction() as session:
                    await _delete(session, ids)

            return await self._publish(rows, delete_committed)

    async def _next_rows(self, session: AsyncSession) -> list[OutboxRow]:
        query = select(OutboxRow).order_by(col(OutboxRow.id)).limit(self._batch_size)
        return list((await session.exec(query)).all())

    async def _publish(
        self, rows: list[OutboxRow], remove: Callable[[list[int]], Awaitable[None]]
    ) -> int:
        """Publish ``rows`` (in id order), then ``remove`` them; how many."""
        if not rows:
            return 0
        # The events' own traces continue from their traceparent; the relay's span links to
        # them, so a trace shows when its events left the service.
        with span(
            "outbox.relay",
            attributes={"outbox.rows": len(rows)},
            links=list(dict.fromkeys(_traceparent(row) for row in rows))[:MAX_BATCH_LINKS],
        ):
            await publish_all(
                self._broker, (row.to_outgoing() for row in rows), counter=self._counter
            )
            await remove([row.id for row in rows if row.id is not None])
        self.published += len(rows)
        return len(rows)

    async def _take_turn(self, session: AsyncSession) -> None:
        """One relay at a time per database, held until this transaction ends.

        Relays of several instances publishing neighbouring batches at once would let one key's
        events reach a topic out of commit order, and compaction would then keep an older state.
        A key's rows are committed in order (its writers lock the key's row), so publishing the
        whole outbox in id order, one relay at a time, keeps every key in commit order.
        """
        connection = await session.connection()
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _TURN})

    async def drain(self) -> int:
        """Publish until the outbox is empty; return how many were published."""
        total = 0
        while count := await self.publish_batch():
            total += count
        return total

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self.drain()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database away: keep the rows, back off
                failures += 1
                self._log_failure(exc)
                await asyncio.sleep(min(self._max_backoff, 0.2 * 2**failures))
                continue
            if self._last_failure is not None:
                logger.info("outbox_publishing_again", extra={"after": self._last_failure})
                self._last_failure = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            self._wake.clear()

    def _log_failure(self, exc: Exception) -> None:
        """Each new cause once, with what it says (an ACL refusal, a record too large), not an
        anonymous warning per retry; the outbox gauges and readiness show that it lasts."""
        cause = f"{type(exc).__name__}: {exc}"[:500]
        if cause == self._last_failure:
            logger.debug("outbox_publish_failed", extra={"error": type(exc).__name__})
            return
        self._last_failure = cause
        logger.error("outbox_publish_failed", extra={"error": type(exc).__name__, "cause": cause})

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop after publishing what can be published now."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self.drain()

    def __repr__(self) -> str:
        return f"OutboxRelay(published={self.published})"
