"""The linker over fakes of its ports: no Kafka, no database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from aiokafka import ConsumerRecord
from prometheus_client import CollectorRegistry

from contracts import Envelope
from contracts.envelope import from_kafka
from contracts.monitoring import MONITORING_RECORD
from ketenkit.incoming import Incoming
from linkage.adapters.store import Person, new_person
from linkage.metrics import LinkageMetrics
from linkage.service.linking import ID_REUSED, Linker
from tests.linkage_events import coa, duo, municipal, pseudonym, retracted, stats

from .fakes import FakeLinkingRepository, FakeLinkingStore, PersonTaken

P = pseudonym(1)
TOPIC = "monitoring.records.v1"
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
# A person the chain knows from every source it needs: complete.
COMPLETE = [
    duo(P, "v1", "vastgesteld", doelgroep="asielstatushouder"),
    municipal(P, "m1", doelgroep="asielstatushouder", datum_start_brede_intake="2024-05-01"),
    coa(P, "c1"),
]


def make(
    store: FakeLinkingStore | None = None, *, today: date = date(2025, 6, 1), emit: bool = True
) -> Linker:
    return Linker(
        store=store or FakeLinkingStore(),
        topic=TOPIC,
        metrics=LinkageMetrics(CollectorRegistry()),
        emit=emit,
        now=lambda: NOW,
        today=lambda: today,
    )


def fake(linker: Linker) -> FakeLinkingStore:
    assert isinstance(linker.store, FakeLinkingStore)
    return linker.store


def batch(*events: Envelope) -> list[Incoming]:
    return [
        Incoming(
            record=ConsumerRecord("records.duo.v1", 0, n, 0, 0, P.encode(), b"", None, 0, 0, ()),
            envelope=e,
            error=None,
        )
        for n, e in enumerate(events)
    ]


def emitted(linker: Linker) -> list[tuple[str | None, int | None]]:
    """(pseudonym, version) of every monitoring record in the outbox; version None: tombstone."""
    found = []
    for outgoing in fake(linker).state.outbox:
        envelope = from_kafka(outgoing.key, outgoing.headers, outgoing.value)
        assert (outgoing.topic, envelope.type) == (TOPIC, MONITORING_RECORD)
        found.append((outgoing.key, envelope.data["version"] if envelope.data else None))
    return found


async def test_a_complete_person_is_emitted_once_and_a_repeat_changes_nothing() -> None:
    linker = make()
    assert await linker.apply(batch(*COMPLETE)) == []
    assert emitted(linker) == [(P, 1)]
    person = fake(linker).state.persons[P]
    assert (person["complete"], person["version"], person["emitted"]) == (True, 1, True)
    assert await linker.apply(batch(*COMPLETE)) == []  # redelivered after a crash
    assert emitted(linker) == [(P, 1)]
    assert len(fake(linker).state.facts[P]) == len(COMPLETE)


async def test_the_order_of_arrival_does_not_change_the_record() -> None:
    one, other = make(), make()
    for event in COMPLETE:
        await one.apply(batch(event))
    await other.apply(batch(*reversed(COMPLETE)))
    assert fake(one).state.persons[P]["record"] == fake(other).state.persons[P]["record"]


async def test_an_id_reused_for_other_content_is_dead_lettered_and_the_first_fact_stays() -> None:
    linker = make()
    await linker.apply(batch(*COMPLETE))
    other = duo(P, "v1", "vastgesteld", doelgroep="gezinsmigrant")
    rejected = await linker.apply(batch(other))
    assert [r.code for r in rejected] == [ID_REUSED]
    assert emitted(linker) == [(P, 1)]
    facts = fake(linker).state.facts[P]
    assert [f.data["doelgroep"] for f in facts if f.source == "duo"] == ["asielstatushouder"]


async def test_events_linkage_cannot_use_are_rejected_with_their_reason() -> None:
    linker = make()
    unknown = Envelope(
        id="x-1",
        source="urn:nld:ketenmonitor:ingest",
        type="nl.example.other",
        time=NOW,
        subject=P,
        data={"pseudonym": P},
    )
    broken = duo(P, "v9", "vastgesteld", datum_start_inburgeringsplicht="not a date")
    rejected = await linker.apply(batch(unknown, broken, *COMPLETE))
    assert [r.code for r in rejected] == ["type_unknown", "field_invalid"]
    assert "datum_start_inburgeringsplicht" in rejected[1].detail
    assert emitted(linker) == [(P, 1)]  # the usable events of the batch still count


async def test_a_retracted_row_makes_a_tombstone() -> None:
    linker = make()
    await linker.apply(batch(*COMPLETE))
    await linker.apply(batch(retracted(P, "r1")))
    assert emitted(linker) == [(P, 1), (P, None)]
    person = fake(linker).state.persons[P]
    assert (person["complete"], person["emitted"], person["version"]) == (False, False, 2)


async def test_a_month_that_decides_nothing_is_stored_without_merging_the_person() -> None:
    linker = make()
    await linker.apply(batch(*COMPLETE))
    before = dict(fake(linker).state.persons[P])
    assert await linker.apply(batch(stats(P, "s1", "2024-07", "werknemer"))) == []
    store = fake(linker)
    assert store.last is not None and store.last.merged == []
    assert store.state.persons[P] == before
    assert [f.event_id for f in store.state.facts[P]][-1] == "s1"
    # The month at 12 months after the start of the obligation does decide something.
    assert await linker.apply(batch(stats(P, "s2", "2025-01", "werknemer"))) == []
    assert store.last is not None and store.last.merged == [P]
    assert emitted(linker) == [(P, 1), (P, 2)]
    assert store.state.persons[P]["record"]["werk_12m"] is True


async def test_a_batch_that_fails_keeps_nothing_and_runs_again() -> None:
    class Racing(FakeLinkingRepository):
        """Another instance adds the person between this batch's read and its write (a
        rebalance moved the partition)."""

        async def save_persons(self, *, added: Sequence[Person], changed: Sequence[Person]) -> None:
            self.state.persons[P] = new_person(P)
            await super().save_persons(added=added, changed=changed)

    store = FakeLinkingStore()
    store.repository = Racing
    linker = make(store)
    with pytest.raises(PersonTaken):
        await linker.apply(batch(*COMPLETE))
    assert store.state.claims == {} and store.state.facts == {} and store.state.outbox == []
    store.repository = FakeLinkingRepository
    assert await linker.apply(batch(*COMPLETE)) == []
    assert emitted(linker) == [(P, 1)]


async def test_a_rebuild_keeps_records_without_publishing_them() -> None:
    linker = make(emit=False)
    await linker.apply(batch(*COMPLETE))
    person = fake(linker).state.persons[P]
    assert person["emitted"] and person["record"] is not None
    assert fake(linker).state.outbox == []


async def test_a_passed_pip_deadline_is_a_new_version_without_an_event() -> None:
    store = FakeLinkingStore()
    await make(store, today=date(2024, 2, 1)).apply(batch(*COMPLETE))
    assert store.state.persons[P]["record"]["pip_tijdig"] is None
    deadline = store.state.persons[P]["pip_deadline"]
    assert deadline is not None
    assert await make(store, today=deadline).sweep_deadlines() == 0  # not passed yet
    later = make(store, today=date(deadline.year + 1, 1, 1))
    assert await later.sweep_deadlines(page=1) == 1
    assert store.state.persons[P]["record"]["pip_tijdig"] is False
    assert emitted(later) == [(P, 1), (P, 2)]
    assert await later.sweep_deadlines() == 0  # once
