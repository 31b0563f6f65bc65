"""Ingest's delivery handlers over fakes of their ports: no Kafka, no database."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from contracts import Pseudonymiser, is_valid_bsn
from contracts.envelope import from_kafka
from contracts.records import RECORD_MUNICIPAL, RECORD_MUNICIPAL_RETRACTED
from ingest.adapters.delivery_repository import DeliveryRepository
from ingest.adapters.files import FileProblem
from ingest.adapters.tables import ContactProjectionRow, DeliveryRow
from ingest.domain.access import Admin, ContactCaller
from ingest.domain.errors import (
    DeliveryNotFound,
    NotAllowed,
    NotAuthenticated,
    QuarterNotEnded,
    ReleaseRefused,
    UploadInvalid,
)
from ingest.domain.search import DeliverySearch
from ingest.metrics import IngestMetrics
from ingest.service import delivery_queries, validation
from ingest.service.deliveries import Deliveries
from ingest.service.delivery_context import DeliveryContext, Topics
from ingest.service.quality import delivery_quality

from .fakes import FakeDeliveryRepository, FakeDeliveryStore

HEADER = "bsn;gemeentecode;doelgroep;datum_inschrijving_brp;datum_eerste_pip;leerroute\n"
PERSONS = ["111222333", "123456782", "100000010"]
# Valid BSNs of their own (the elfproef holds): enough for a retraction that asks to confirm.
MANY = [b for n in range(100000000, 100000400) if is_valid_bsn(b := str(n))][:12]
TOPICS = Topics(deliveries="ingest.deliveries.v1", records="records.municipal.v1")
NOW = datetime(2025, 8, 1, 9, 30, tzinfo=UTC)
CONTACT = ContactCaller("c-1", frozenset({"GM0344"}))
ADMIN_TOKEN = "an-operator-token-of-enough-length"


def rows(*bsns: str, broken: str = "") -> bytes:
    lines = "".join(f"{b};GM0344;gezinsmigrant;2025-01-06;2025-03-10;b1\n" for b in bsns)
    return (HEADER + lines + broken).encode()


def make(store: FakeDeliveryStore | None = None) -> Deliveries:
    ctx = DeliveryContext(
        store=store or FakeDeliveryStore(),
        pseudonymiser=Pseudonymiser(bytes(range(32))),
        topics=TOPICS,
        metrics=IngestMetrics(CollectorRegistry()),
        now=lambda: NOW,
        today=lambda: date(2025, 8, 1),
    )
    # The validation's answer is awaited in full: a unit test has no reason to hurry.
    return Deliveries(ctx, admin_token=ADMIN_TOKEN, validation_wait_seconds=60)


def fake(deliveries: Deliveries) -> FakeDeliveryStore:
    assert isinstance(deliveries.store, FakeDeliveryStore)
    return deliveries.store


async def upload(
    deliveries: Deliveries, body: bytes, *, key: str | None = None, **options: Any
) -> DeliveryRow:
    return await deliveries.upload(
        caller=options.pop("caller", CONTACT),
        municipality="GM0344",
        quarter=options.pop("quarter", "2025-Q2"),
        content_type="text/csv",
        body=io.BytesIO(body),
        body_size=len(body),
        body_sha256=hashlib.sha256(body).hexdigest(),
        idempotency_key=key,
        nil_return=options.pop("nil_return", False),
        **options,
    )


def steps(store: FakeDeliveryStore) -> list[tuple[str, str]]:
    """(delivery id, status) of each ingest.deliveries.v1 event, in order."""
    found = []
    for event in store.events(TOPICS.deliveries):
        data = from_kafka(event.key, event.headers, event.value).data
        assert data is not None
        found.append((data["delivery_id"], data["status"]))
    return found


def record_types(store: FakeDeliveryStore) -> list[str]:
    return [from_kafka(e.key, e.headers, e.value).type for e in store.events(TOPICS.records)]


async def test_an_upload_is_received_and_validated_and_publishes_no_record() -> None:
    deliveries = make()
    delivery = await upload(deliveries, rows(*PERSONS, broken="12345678;GM0344;;;;\n"))
    assert (delivery.status, delivery.rows, delivery.valid, delivery.invalid) == (
        "validated",
        4,
        3,
        1,
    )
    store = fake(deliveries)
    assert steps(store) == [(delivery.id, "received"), (delivery.id, "validated")]
    assert store.events(TOPICS.records) == []  # forwarded only on release
    codes = {e.code for e in store.state.errors}
    assert "bsn_invalid" in codes and all("12345678" not in e.message for e in store.state.errors)


async def test_release_publishes_each_valid_row_once_and_a_second_release_retracts() -> None:
    deliveries = make()
    first = await upload(deliveries, rows(*PERSONS))
    released = await deliveries.release(caller=CONTACT, delivery_id=first.id, accept_partial=False)
    assert (released.status, released.release_sequence) == ("released", 1)
    store = fake(deliveries)
    assert record_types(store) == [RECORD_MUNICIPAL] * 3

    again = await deliveries.release(caller=CONTACT, delivery_id=first.id, accept_partial=False)
    assert again.status == "released" and len(store.events(TOPICS.records)) == 3  # no repeat

    second = await upload(deliveries, rows(*PERSONS[:2]))
    await deliveries.release(
        caller=CONTACT, delivery_id=second.id, accept_partial=False, confirm_retractions=True
    )
    assert record_types(store)[3:] == [RECORD_MUNICIPAL] * 2 + [RECORD_MUNICIPAL_RETRACTED]
    assert store.state.deliveries[first.id].status == "superseded"
    assert store.state.deliveries[first.id].superseded_by == second.id
    assert steps(store)[-2:] == [(first.id, "superseded"), (second.id, "released")]


async def test_a_large_retraction_asks_for_confirmation_and_keeps_nothing() -> None:
    deliveries = make()
    first = await upload(deliveries, rows(*MANY))
    await deliveries.release(caller=CONTACT, delivery_id=first.id, accept_partial=False)
    second = await upload(deliveries, rows(MANY[0]))
    store = fake(deliveries)
    before = len(store.state.outbox)
    with pytest.raises(ReleaseRefused) as refused:
        await deliveries.release(caller=CONTACT, delivery_id=second.id, accept_partial=False)
    assert refused.value.code == "confirm_retractions"
    assert len(store.state.outbox) == before
    assert store.state.deliveries[second.id].status == "validated"
    preview = await deliveries.preview(caller=CONTACT, delivery_id=second.id)
    assert (preview.retractions, preview.previous_persons) == (11, 12)


async def test_invalid_rows_are_released_only_when_accepted_and_never_published() -> None:
    deliveries = make()
    delivery = await upload(deliveries, rows(PERSONS[0], broken="x;GM0344;;;;\n"))
    with pytest.raises(ReleaseRefused) as refused:
        await deliveries.release(caller=CONTACT, delivery_id=delivery.id, accept_partial=False)
    assert refused.value.code == "rows_invalid"
    assert fake(deliveries).events(TOPICS.records) == []
    await deliveries.release(caller=CONTACT, delivery_id=delivery.id, accept_partial=True)
    assert len(fake(deliveries).events(TOPICS.records)) == 1


async def test_the_same_key_answers_with_the_same_delivery_and_refuses_another_file() -> None:
    deliveries = make()
    first = await upload(deliveries, rows(*PERSONS), key="k-1")
    repeat = await upload(deliveries, rows(*PERSONS), key="k-1")
    assert repeat.id == first.id and len(fake(deliveries).state.deliveries) == 1
    with pytest.raises(UploadInvalid) as reused:
        await upload(deliveries, rows(PERSONS[0]), key="k-1")
    assert reused.value.code == "idempotency_key_reused"


async def test_an_upload_that_lost_the_race_for_its_key_gets_the_winners_delivery() -> None:
    class Late(FakeDeliveryStore):
        """The loser looks for its key before the winner has committed it."""

        hidden_reads = 0

        @asynccontextmanager
        async def reading(self) -> AsyncIterator[DeliveryRepository]:
            async with super().reading() as repo:
                assert isinstance(repo, FakeDeliveryRepository)
                if self.hidden_reads:
                    self.hidden_reads -= 1
                    repo.state.deliveries.clear()
                yield repo

    store = Late()
    deliveries = make(store)
    winner = await upload(deliveries, rows(*PERSONS), key="k-1")
    store.hidden_reads = 1
    loser = await upload(deliveries, rows(*PERSONS), key="k-1")
    assert loser.id == winner.id and len(store.state.deliveries) == 1
    store.hidden_reads = 1
    with pytest.raises(UploadInvalid) as reused:  # the winner's key, another file
        await upload(deliveries, rows(PERSONS[0]), key="k-1")
    assert reused.value.code == "idempotency_key_reused"


async def test_a_nil_return_is_released_at_once_and_after_a_release_asks_first() -> None:
    deliveries = make()
    nil = await upload(deliveries, b"", nil_return=True, quarter="2025-Q1")
    assert (nil.status, nil.nil_return, nil.release_sequence) == ("released", True, 1)
    with pytest.raises(UploadInvalid):
        await upload(deliveries, b"x", nil_return=True, quarter="2025-Q1")

    first = await upload(deliveries, rows(*MANY))
    await deliveries.release(caller=CONTACT, delivery_id=first.id, accept_partial=False)
    with pytest.raises(ReleaseRefused) as refused:
        await upload(deliveries, b"", nil_return=True)
    assert refused.value.code == "confirm_retractions"
    await upload(deliveries, b"", nil_return=True, confirm_retractions=True)
    retracted = record_types(fake(deliveries))[len(MANY) :]
    assert retracted == [RECORD_MUNICIPAL_RETRACTED] * len(MANY)


async def test_a_quarter_that_has_not_ended_and_another_municipality_are_refused() -> None:
    deliveries = make()
    with pytest.raises(QuarterNotEnded):
        await upload(deliveries, rows(*PERSONS), quarter="2025-Q3")
    with pytest.raises(NotAllowed):
        await upload(deliveries, rows(*PERSONS), caller=ContactCaller("c-2", frozenset({"GM0363"})))
    with pytest.raises(NotAuthenticated):
        await upload(deliveries, rows(*PERSONS), caller=None)
    assert fake(deliveries).state.deliveries == {}


async def test_a_file_unusable_as_a_whole_is_rejected_and_its_rows_forgotten() -> None:
    deliveries = make()
    delivery = await upload(deliveries, HEADER.encode())
    assert delivery.status == "rejected"
    store = fake(deliveries)
    assert [(e.row, e.code) for e in store.state.errors] == [(0, "empty_delivery")]
    assert steps(store) == [(delivery.id, "received"), (delivery.id, "rejected")]


async def test_a_stalled_validation_is_rejected_unless_this_process_runs_it() -> None:
    store = FakeDeliveryStore()
    deliveries = make(store)
    old = NOW - timedelta(hours=1)
    for delivery_id in ("stalled", "running"):
        store.state.deliveries[delivery_id] = DeliveryRow(
            id=delivery_id,
            municipality="GM0344",
            quarter="2025-Q2",
            status="received",
            contact_id="c-1",
            received_at=old,
        )
    rejected = await validation.reject_stalled(
        deliveries.ctx, stalled_after=timedelta(minutes=2), running={"running"}
    )
    assert rejected == 1
    assert store.state.deliveries["stalled"].status == "rejected"
    assert store.state.deliveries["running"].status == "received"
    assert [e.code for e in store.state.errors] == ["processing_failed"]
    # A delivery that ended meanwhile keeps its end.
    assert not await validation.reject(
        deliveries.ctx, store.state.deliveries["stalled"], FileProblem("processing_failed", "-")
    )


async def test_a_failure_on_our_side_rejects_the_delivery_instead_of_leaving_it() -> None:
    deliveries = make()

    class Exploding(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("disk gone")

        def read1(self, size: int | None = -1) -> bytes:
            raise OSError("disk gone")

        def readinto(self, buffer: Any) -> int:
            raise OSError("disk gone")

    body = Exploding(rows(*PERSONS))
    delivery = await deliveries.upload(
        caller=CONTACT,
        municipality="GM0344",
        quarter="2025-Q2",
        content_type="text/csv",
        body=body,
        body_size=10,
        body_sha256="0" * 64,
        idempotency_key=None,
        nil_return=False,
    )
    assert delivery.status == "rejected" and body.closed
    assert [e.code for e in fake(deliveries).state.errors] == ["processing_failed"]


async def test_callers_are_the_operator_an_active_contact_or_refused() -> None:
    store = FakeDeliveryStore()
    deliveries = make(store)
    for contact_id, status in (("c-1", "active"), ("c-2", "pending")):
        store.state.contacts[contact_id] = ContactProjectionRow(
            contact_id=contact_id,
            status=status,
            role="primary",
            token_sha256=hashlib.sha256(f"token-{contact_id}".encode()).hexdigest(),
            municipality_codes=["GM0344"],
        )
    assert await deliveries.identify(None) is None
    assert await deliveries.identify(ADMIN_TOKEN) == Admin()
    assert await deliveries.identify("token-c-1") == CONTACT
    for token in ("token-c-2", "token-unknown"):
        with pytest.raises(NotAuthenticated):
            await deliveries.identify(token)


async def test_readers_see_only_their_municipalities() -> None:
    deliveries = make()
    delivery = await upload(deliveries, rows(*PERSONS))
    other = ContactCaller("c-2", frozenset({"GM0363"}))
    assert (await deliveries.get(caller=Admin(), delivery_id=delivery.id)).id == delivery.id
    with pytest.raises(NotAllowed):
        await deliveries.get(caller=other, delivery_id=delivery.id)
    with pytest.raises(NotAuthenticated):  # 401 before 404
        await deliveries.get(caller=None, delivery_id="nope")
    with pytest.raises(DeliveryNotFound):
        await deliveries.get(caller=Admin(), delivery_id="nope")
    assert await deliveries.find(caller=other, search=DeliverySearch(limit=10)) == []
    mine = await deliveries.find(caller=CONTACT, search=DeliverySearch(limit=10))
    assert [d.id for d in mine] == [delivery.id]
    pages = [
        page async for page in await deliveries.report(caller=CONTACT, delivery_id=delivery.id)
    ]
    assert sum(len(p) for p in pages) == delivery.errors + delivery.warnings


async def test_overdue_figures_and_quality_follow_the_releases() -> None:
    deliveries = make()
    before = await deliveries.overdue(caller=CONTACT, as_of=date(2025, 8, 1))
    assert any(str(o.quarter) == "2025-Q2" for o in before)
    delivery = await upload(deliveries, rows(*PERSONS))
    await deliveries.release(caller=CONTACT, delivery_id=delivery.id, accept_partial=False)
    after = await deliveries.overdue(caller=CONTACT, as_of=date(2025, 8, 1))
    assert not any(str(o.quarter) == "2025-Q2" for o in after)
    quality = await delivery_quality(
        deliveries.store, caller=Admin(), year=2025, as_of=date(2025, 8, 1), now=NOW
    )
    assert quality.year == 2025
    await delivery_queries.refresh_overdue(deliveries.ctx)


async def test_a_release_that_meets_another_is_refused_with_a_conflict() -> None:
    class Racing(FakeDeliveryStore):
        """Another instance releases the same quarter between this one's read of the next
        sequence and its commit."""

        @asynccontextmanager
        async def writing(self) -> AsyncIterator[DeliveryRepository]:
            async with super().writing() as repo:
                assert isinstance(repo, FakeDeliveryRepository)
                yield repo
                released = [d for d in repo.state.deliveries.values() if d.release_sequence]
                if released:
                    rival = DeliveryRow(**released[-1].model_dump())
                    rival.id, rival.status, rival.idempotency_key = "rival", "superseded", None
                    repo.state.deliveries[rival.id] = rival

    store = Racing()
    deliveries = make(store)
    delivery = await upload(deliveries, rows(*PERSONS))
    with pytest.raises(ReleaseRefused) as refused:
        await deliveries.release(caller=CONTACT, delivery_id=delivery.id, accept_partial=False)
    assert refused.value.code == "release_conflict"
    assert store.state.deliveries[delivery.id].status == "validated"
    assert store.events(TOPICS.records) == []
