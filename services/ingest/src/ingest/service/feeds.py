"""Use case of the partners' feeds: validate, pseudonymise, forward or dead-letter."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from faststream.kafka import KafkaBroker
from prometheus_client import Counter

from contracts import Pseudonymiser
from contracts.deadletter import SOURCE_MISMATCH
from contracts.envelope import dropped_extensions
from contracts.topics import (
    FEEDS_COA,
    FEEDS_DUO,
    FEEDS_STATS,
    RECORDS_COA,
    RECORDS_DUO,
    RECORDS_STATS,
    Topic,
)
from ingest.domain.feeds import FeedRecord, FeedRejection, pseudonym_of_key, validate_feed_event
from ingest.metrics import IngestMetrics
from ketenkit import DeadLetterPolicy, Outgoing, Rejected, publish_all
from ketenkit.incoming import Incoming

logger = logging.getLogger(__name__)


#: Each feed: its name in metrics and validation, the topic it arrives on, where records go.
FEEDS: tuple[tuple[str, Topic, Topic], ...] = (
    ("coa", FEEDS_COA, RECORDS_COA),
    ("duo", FEEDS_DUO, RECORDS_DUO),
    ("stats", FEEDS_STATS, RECORDS_STATS),
)


@dataclass(frozen=True, slots=True)
class Feed:
    name: str
    source: str  # the only ce_source its topic accepts
    records: str  # the (prefixed) records.* topic


@dataclass(frozen=True, slots=True)
class FeedTopics:
    """The (prefixed) topics of the feeds, by the topic each arrives on."""

    feeds: dict[str, Feed]

    @classmethod
    def with_prefix(cls, prefix: str) -> FeedTopics:
        feeds = {}
        for name, incoming, outgoing in FEEDS:
            assert incoming.source is not None
            feeds[prefix + incoming.name] = Feed(name, incoming.source, prefix + outgoing.name)
        return cls(feeds)


class FeedProcessor:
    """One batch in, its records and dead letters out; the offsets are committed afterwards.

    No database is involved: the records' ids derive from the feed events' ids, so a batch
    that is processed again after a crash yields the same records, which linkage drops.
    """

    def __init__(
        self,
        *,
        broker: KafkaBroker,
        pseudonymiser: Pseudonymiser,
        topics: FeedTopics,
        metrics: IngestMetrics,
        policy: DeadLetterPolicy,
        counter: Counter | None = None,
    ) -> None:
        self.broker = broker
        self.pseudonymiser = pseudonymiser
        self.topics = topics
        self.metrics = metrics
        self.policy = policy
        self.counter = counter

    async def process(self, batch: Sequence[Incoming]) -> None:
        out: list[Outgoing] = []
        rejected: list[Rejected] = []
        accepted = dict.fromkeys((name for name, *_ in FEEDS), 0)  # counted once per batch
        for incoming in batch:
            route = self.topics.feeds[incoming.topic]
            feed = route.name
            if mismatch := incoming.source_mismatch(route.source):
                result: FeedRecord | FeedRejection = FeedRejection(
                    SOURCE_MISMATCH,
                    mismatch,
                    pseudonym_of_key(self.pseudonymiser, incoming.record.key),
                )
            elif incoming.error is not None:
                result = FeedRejection(
                    incoming.error.code,
                    incoming.error.detail,
                    pseudonym_of_key(self.pseudonymiser, incoming.record.key),
                )
            else:
                assert incoming.envelope is not None
                result = validate_feed_event(feed, incoming.envelope, self.pseudonymiser)
            if isinstance(result, FeedRecord):
                if dropped := dropped_extensions(incoming.record.headers or ()):
                    self.metrics.extensions_dropped.labels(feed).inc(dropped)
                out.append(Outgoing.event(route.records, result.envelope, result.pseudonym))
                accepted[feed] += 1
                continue
            rejected.append(Rejected(incoming.record, result.code, result.detail, result.pseudonym))
            self.metrics.records.labels(feed, "rejected").inc()
            self.metrics.validation_errors.labels(feed, result.code).inc()
        # Records and dead letters in one send: the batch's offsets are committed after both.
        await publish_all(self.broker, out + self.policy.letters(rejected), counter=self.counter)
        self.policy.report(rejected)
        for feed, count in accepted.items():
            if count:
                self.metrics.records.labels(feed, "accepted").inc(count)
