"""Any order, any repeats, any batching of the same events give the same final records."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from contracts import Envelope
from ketenkit import Database, OutboxRow, ProcessedEvent
from ketenkit.incoming import Incoming
from linkage.adapters.tables import TABLES, PersonRow
from linkage.metrics import LinkageMetrics
from linkage.service.linking import Linker
from linkage.service.unit_of_work import SqlLinkingStore
from tests.linkage_events import coa, duo, municipal, pseudonym, retracted, stats

A, B, C = pseudonym(1), pseudonym(2), pseudonym(3)
POOL: list[Envelope] = [
    duo(A, "a-v1", "vastgesteld"),
    duo(A, "a-v2", "vastgesteld", doelgroep="overige_migrant", gewijzigd_op="2024-03-01T00:00:00Z"),
    municipal(
        A,
        "a-m1",
        datum_eerste_pip="2024-04-01",
        leerroute="b1",
        datum_inschrijving_brp="2024-02-01",
    ),
    municipal(A, "a-m2", seq=2, datum_eerste_pip="2024-04-03", leerroute="z"),
    duo(A, "a-e1", "examen_uitslag"),
    duo(A, "a-e2", "examen_uitslag", onderdeel="knm", resultaat="niet_behaald"),
    duo(A, "a-t1", "termijn_verlengd"),
    duo(A, "a-t1b", "termijn_verlengd", verlenging_weken=30, datum_besluit="2025-10-01"),
    duo(B, "b-v1", "vastgesteld", doelgroep="asielstatushouder"),
    municipal(B, "b-m1", doelgroep="asielstatushouder", datum_start_brede_intake="2024-05-01"),
    coa(B, "b-c1"),
    coa(B, "b-c2", changed="2024-05-01T00:00:00Z", datum_huisvesting="2024-06-01"),
    retracted(B, "b-r1", seq=2),
    municipal(B, "b-m3", quarter="2024-Q3", doelgroep="asielstatushouder"),
    duo(C, "c-v1", "vastgesteld"),
    municipal(C, "c-m1"),
    duo(C, "c-i1", "ingetrokken", datum="2024-02-01"),
    duo(C, "c-b1", "beeindigd", reden="ontheffing", datum="2025-01-01"),
    # CBS's months: a horizon month (2025-01) with a correction, and a month that decides nothing
    stats(A, "a-s1", "2025-01", "bijstand", changed="2025-02-20T00:00:00Z"),
    stats(A, "a-s2", "2025-01", "werknemer", changed="2025-03-20T00:00:00Z"),
    stats(A, "a-s3", "2025-02", "werknemer"),
    stats(B, "b-s1", "2026-01", "scholier_student"),
    stats(pseudonym(4), "d-s1", "2025-01", "werknemer"),  # a person only CBS knows
    # pending for lack of a municipal row since DUO's event, not since CBS's earlier one
    stats(pseudonym(5), "e-s1", "2024-12", "bijstand", time=datetime(2024, 6, 1, tzinfo=UTC)),
    duo(pseudonym(5), "e-v1", "vastgesteld"),
]


async def final_state(
    events: list[Envelope], batch_sizes: list[int], folder: Path
) -> dict[str, Any]:
    db = Database(f"sqlite+aiosqlite:///{folder / 'linkage.db'}")
    await db.create_tables([*TABLES, ProcessedEvent, OutboxRow])
    linker = Linker(
        store=SqlLinkingStore(db, notify=lambda: None),
        topic="monitoring.records.v1",
        metrics=LinkageMetrics(CollectorRegistry()),
    )
    position = 0
    sizes = iter(batch_sizes)
    while position < len(events):
        size = next(sizes, 3)
        batch = [
            Incoming(record=None, envelope=e, error=None)
            for e in events[position : position + size]
        ]
        assert await linker.apply(batch) == []
        position += size
    async with db.sessions() as session:
        from sqlmodel import select

        rows = (await session.exec(select(PersonRow))).all()
    await db.dispose()
    return {
        row.pseudonym: (
            {k: v for k, v in (row.record or {}).items() if k != "version"},
            row.emitted,
            row.complete,
            tuple(row.missing),
            row.pending_since,
        )
        for row in rows
    }


def run(events: list[Envelope], sizes: list[int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(final_state(events, sizes, Path(folder)))


REFERENCE = run(POOL, [len(POOL)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.permutations(POOL),
    repeats=st.lists(st.sampled_from(POOL), max_size=8),
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=20),
    data=st.data(),
)
def test_shuffled_and_repeated_events_give_the_same_records(
    order: list[Envelope], repeats: list[Envelope], sizes: list[int], data: st.DataObject
) -> None:
    stream = list(order)
    for event in repeats:
        stream.insert(data.draw(st.integers(0, len(stream))), event)
    assert run(stream, sizes) == REFERENCE


def test_reference_is_what_the_rules_say() -> None:
    a, b, c = (REFERENCE[p] for p in (A, B, C))
    assert (a[0]["werk_12m"], a[0]["uitkering_12m"]) == (True, False)  # the correction
    assert "a-s3" not in a[0]["source_event_ids"]
    assert REFERENCE[pseudonym(4)][4] is None  # known only to CBS: not pending
    assert REFERENCE[pseudonym(5)][4] == date(2025, 1, 1)
    assert a[0]["doelgroep"] == "overige_migrant"
    assert a[0]["leerroute"] == "z"
    assert (
        a[0]["termijn_einde"] == "2027-10-30"
    )  # 2024-04-03 + 3 years + 30 weeks (latest decision)
    assert b[0]["datum_huisvesting"] == "2024-06-01"
    assert b[0]["gemeentecode"] == "GM0344"
    assert c[1:] == (False, False, ("duo",), None)  # withdrawn obligation: no record, not pending
