"""Ingest's Kafka subscribers: thin, one service call each (docstrings feed AsyncAPI)."""

from __future__ import annotations

from typing import Annotated

from contracts import (
    CbsSociaalEconomischMaand,
    CoaVergunninghouderGewijzigd,
    ContactState,
    DuoBeeindigd,
    DuoExamenUitslag,
    DuoIngetrokken,
    DuoTermijnVerlengd,
    DuoVastgesteld,
)
from contracts.topics import FEEDS_COA, FEEDS_DUO, FEEDS_STATS, REGISTRY_CONTACTS
from ingest.service.contacts import apply_contact_states
from ingest.service.feeds import FeedProcessor
from ketenkit import ServiceRuntime, group_id, subscribe_batch
from ketenkit.incoming import Incoming, batch_schema

FeedBatch = Annotated[
    list[Incoming],
    batch_schema(
        CoaVergunninghouderGewijzigd,
        DuoVastgesteld,
        DuoExamenUitslag,
        DuoTermijnVerlengd,
        DuoBeeindigd,
        DuoIngetrokken,
        CbsSociaalEconomischMaand,
    ),
]
ContactBatch = Annotated[list[Incoming], batch_schema(ContactState)]


def register_subscribers(runtime: ServiceRuntime, feeds: FeedProcessor) -> None:
    settings, broker = runtime.settings, runtime.broker

    @subscribe_batch(
        broker,
        settings,
        FEEDS_COA.name,
        FEEDS_DUO.name,
        FEEDS_STATS.name,
        group_id=group_id(settings, "feeds"),
        title="feeds",
        description="COA, DUO and CBS events: validated, pseudonymised, forwarded to "
        "records.coa.v1 / records.duo.v1 / records.stats.v1; invalid ones to deadletter.v1.",
    )
    async def on_feed_events(batch: FeedBatch) -> None:
        """Validate and pseudonymise the partners' feed events."""
        await feeds.process(batch)

    @subscribe_batch(
        broker,
        settings,
        REGISTRY_CONTACTS.name,
        group_id=group_id(settings, "contacts"),
        title=REGISTRY_CONTACTS.name,
        description="Contact states: ingest's own "
        "projection of who may deliver and release for which municipality.",
    )
    async def on_contact_states(batch: ContactBatch) -> None:
        """Keep the projection of registered contacts (token hashes and status) current."""
        await apply_contact_states(runtime.db, runtime.policy, batch)
