"""The kit's store code, the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col, select

from ketenkit import (
    Claim,
    Database,
    OutboxRow,
    Outgoing,
    ProcessedEvent,
    add_to_outbox,
    claim,
    claim_new,
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.create_tables([ProcessedEvent, OutboxRow])
    yield database
    await database.dispose()


async def test_claim_new_marks_first_sightings_only(db: Database) -> None:
    events = [("urn:nld:coa:feed", "1"), ("urn:nld:coa:feed", "2"), ("urn:nld:coa:feed", "1")]
    async with db.transaction() as session:
        assert await claim_new(session, consumer="c", events=events) == [True, True, False]
    async with db.transaction() as session:
        again = [("urn:nld:coa:feed", "2"), ("urn:nld:duo:feed", "2")]
        assert await claim_new(session, consumer="c", events=again) == [False, True]
        assert await claim_new(session, consumer="other", events=again) == [True, True]


async def test_claim_new_is_rolled_back_with_its_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await claim_new(session, consumer="c", events=[("s", "1")])
            raise RuntimeError("handler failed after claiming")
    async with db.transaction() as session:
        assert await claim_new(session, consumer="c", events=[("s", "1")]) == [True]


async def test_two_transactions_claiming_one_event_collide(db: Database) -> None:
    async with db.sessions() as first, db.sessions() as second:
        await first.begin()
        await second.begin()
        assert await claim_new(first, consumer="c", events=[("s", "x")]) == [True]
        await first.commit()
        assert await claim_new(second, consumer="c", events=[("s", "x")]) == [False]
        await second.rollback()


async def test_primary_key_stops_a_racing_duplicate(db: Database) -> None:
    async with db.transaction() as session:
        session.add(ProcessedEvent(consumer="c", source="s", event_id="y"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(ProcessedEvent(consumer="c", source="s", event_id="y"))


async def test_outbox_keeps_messages_in_order_with_bytes_and_tombstones(db: Database) -> None:
    messages = [
        Outgoing(topic="a", key="k1", headers=(("ce_id", b"1"),), value=b'{"x": 1}'),
        Outgoing(topic="a", key="k1", headers=(("ce_id", b"2"),), value=None),
        Outgoing(topic="b", key=None, headers=(), value=b"\x00\xff"),
    ]
    async with db.transaction() as session:
        assert await add_to_outbox(session, messages) == 3
    async with db.sessions() as session:
        rows = (await session.exec(select(OutboxRow).order_by(OutboxRow.id))).all()  # type: ignore[arg-type]
    assert [row.to_outgoing() for row in rows] == messages


async def test_database_ping_reports_reachability(db: Database) -> None:
    assert await db.ping()
    broken = Database("postgresql+asyncpg://nobody:wrong@127.0.0.1:1/none")
    assert not await broken.ping()
    await broken.dispose()


class GrownTable(SQLModel, table=True):
    """A table whose newer version has a nullable column its deployed version lacks."""

    __tablename__ = "grown_table"

    id: int = Field(primary_key=True)
    name: str
    released_by: str | None = Field(default=None, max_length=64)


async def test_a_new_nullable_column_is_added_to_an_existing_table(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await (await session.connection()).execute(
                text("CREATE TABLE grown_table (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
            )
            await (await session.connection()).execute(
                text("INSERT INTO grown_table VALUES (1, 'old')")
            )
        await database.create_tables([GrownTable])
        await database.create_tables([GrownTable])  # again: nothing left to add
        async with database.transaction() as session:
            session.add(GrownTable(id=2, name="new", released_by="c-1"))
        async with database.sessions() as session:
            rows = (await session.exec(select(GrownTable).order_by(col(GrownTable.id)))).all()
        assert [(r.name, r.released_by) for r in rows] == [("old", None), ("new", "c-1")]
    finally:
        await database.dispose()


async def test_a_claim_keeps_the_digest_its_first_sighting_brought(db: Database) -> None:
    events = [("s", "1"), ("s", "2"), ("s", "1")]
    async with db.transaction() as session:
        first = await claim(session, consumer="c", events=events, digests=["a", "b", "other"])
    # The repeat inside the batch answers with its first sighting's digest.
    assert first == [Claim(True), Claim(True), Claim(False, "a")]
    async with db.transaction() as session:
        again = await claim(session, consumer="c", events=[("s", "2"), ("s", "3")])
    assert again == [Claim(False, "b"), Claim(True)]
    async with db.transaction() as session:
        # Claimed without a digest: nothing to compare with later.
        assert await claim(session, consumer="c", events=[("s", "3")], digests=["z"]) == [
            Claim(False, None)
        ]
        with pytest.raises(ValueError, match="one digest per event"):
            await claim(session, consumer="c", events=[("s", "4")], digests=[])
