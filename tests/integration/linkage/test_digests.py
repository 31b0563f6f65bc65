"""A repeat is told from an id reused for other content by the digest stored with the event's
claim, and, for events an earlier version applied, by the digest it kept apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import ConsumerRecord
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from contracts import Envelope
from ketenkit import Database, OutboxRow, ProcessedEvent, Rejected
from ketenkit.incoming import Incoming
from linkage.adapters.tables import TABLES, FactDigestRow
from linkage.domain.facts import content_digest
from linkage.metrics import LinkageMetrics
from linkage.service.linking import Linker, read_fact
from linkage.service.unit_of_work import SqlLinkingStore
from tests.linkage_events import duo, pseudonym

pytestmark = pytest.mark.integration
P = pseudonym(70)


@pytest.fixture
async def linker(tmp_path: Path) -> AsyncIterator[Linker]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'linkage.db'}")
    await db.create_tables([*TABLES, ProcessedEvent, OutboxRow])
    yield Linker(
        store=SqlLinkingStore(db, notify=lambda: None),
        topic="monitoring.records.v1",
        metrics=LinkageMetrics(CollectorRegistry()),
    )
    await db.dispose()


def linker_db(linker: Linker) -> Database:
    assert isinstance(linker.store, SqlLinkingStore)
    return linker.store.db


async def codes(linker: Linker, event: Envelope) -> list[str]:
    record = ConsumerRecord("records.duo.v1", 0, 0, 0, 0, P.encode(), b"", None, 0, 0, ())
    rejected = await linker.apply([Incoming(record=record, envelope=event, error=None)])
    return [r.code for r in rejected]


async def test_the_claim_keeps_the_digest(linker: Linker) -> None:
    first = duo(P, "d-1", "vastgesteld", doelgroep="asielstatushouder")
    assert await codes(linker, first) == []
    assert await codes(linker, first) == []  # a repeat
    other = duo(P, "d-1", "vastgesteld", doelgroep="gezinsmigrant")
    assert await codes(linker, other) == ["id_reused"]
    async with linker_db(linker).transaction() as session:
        stored = (await session.exec(text("SELECT sha256 FROM processed_events"))).all()  # type: ignore[call-overload]
        kept_apart = (await session.exec(text("SELECT count(*) FROM fact_digests"))).one()  # type: ignore[call-overload]
    assert [row[0] for row in stored] == [_digest(first)]
    assert kept_apart[0] == 0  # one insert per event fewer


async def test_an_event_an_earlier_version_applied_keeps_its_digest_apart(
    linker: Linker,
) -> None:
    first = duo(P, "d-2", "vastgesteld", doelgroep="asielstatushouder")
    assert await codes(linker, first) == []
    async with linker_db(linker).transaction() as session:  # as the earlier version left it
        await session.exec(text("UPDATE processed_events SET sha256 = NULL"))  # type: ignore[call-overload]
        session.add(FactDigestRow(source=_source(first), event_id="d-2", sha256=_digest(first)))
    assert await codes(linker, first) == []
    other = duo(P, "d-2", "vastgesteld", doelgroep="gezinsmigrant")
    assert await codes(linker, other) == ["id_reused"]
    # Applied before any digest was kept: nothing to compare with, a repeat.
    async with linker_db(linker).transaction() as session:
        await session.exec(text("DELETE FROM fact_digests"))  # type: ignore[call-overload]
    assert await codes(linker, other) == []


def _read(event: Envelope) -> tuple[str, str]:
    """The event's source and content digest, as linkage reads them."""
    read = read_fact(Incoming(record=None, envelope=event, error=None))
    assert not isinstance(read, Rejected)
    _, source, fact = read
    return source, content_digest(fact)


def _digest(event: Envelope) -> str:
    return _read(event)[1]


def _source(event: Envelope) -> str:
    return _read(event)[0]
