"""The linking use case: apply a batch of records.* events, emit changed monitoring records.

Effectively once: in one database transaction the events' ids are claimed (duplicates change
nothing), their facts stored, the persons' merged state updated and any new record version
written to the outbox; the offsets are committed only after that transaction.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from contracts import (
    CoaRecord,
    DuoRecord,
    Envelope,
    MonitoringRecord,
    MunicipalRecord,
    MunicipalRecordRetracted,
    StatsRecord,
    sequence_text,
)
from contracts.monitoring import MONITORING_RECORD
from contracts.records import (
    RECORD_COA,
    RECORD_DUO,
    RECORD_MUNICIPAL,
    RECORD_MUNICIPAL_RETRACTED,
    RECORD_STATS,
)
from ketenkit import Outgoing, Rejected
from ketenkit.incoming import Incoming
from ketenkit.tracing import current_traceparent, span
from linkage.adapters.linking_repository import LinkingRepository
from linkage.adapters.store import Person, new_person
from linkage.adapters.tables import MONITOR_COLUMNS
from linkage.domain.enrichment import can_change_record
from linkage.domain.facts import Fact, Source, canonical_json, content_digest
from linkage.domain.merge import Merged, merge
from linkage.metrics import LinkageMetrics
from linkage.service.unit_of_work import LinkingStore

#: Persons to merge again, and the last pseudonym of their page (None: no page left).
Page = tuple[Sequence[Person], str] | None

logger = logging.getLogger(__name__)
SOURCE = "urn:nld:ketenmonitor:linkage"
CONSUMER = "linkage.records"
ID_REUSED = "id_reused"
MODELS: dict[str, tuple[Source, type[BaseModel]]] = {
    RECORD_MUNICIPAL: ("municipal", MunicipalRecord),
    RECORD_MUNICIPAL_RETRACTED: ("municipal", MunicipalRecordRetracted),
    RECORD_COA: ("coa", CoaRecord),
    RECORD_DUO: ("duo", DuoRecord),
    RECORD_STATS: ("stats", StatsRecord),
}


@dataclass(slots=True)
class Emission:
    pseudonym: str
    version: int
    record: dict[str, Any] | None  # None: a tombstone
    new_facts: list[Fact] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)  # trace contexts of the events behind it


def read_fact(incoming: Incoming) -> tuple[str, str, Fact] | Rejected:
    """(pseudonym, event source, fact) of an event, or why it cannot be used."""
    if incoming.error is not None:
        return Rejected(incoming.record, incoming.error.code, incoming.error.detail)
    envelope = incoming.envelope
    assert envelope is not None
    known = MODELS.get(envelope.type)
    if known is None:
        return Rejected(
            incoming.record, "type_unknown", f"{envelope.type} is not a records.* event type"
        )
    source, model = known
    try:
        data = model.model_validate(envelope.data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "data"
        return Rejected(incoming.record, "field_invalid", f"{where}: {first['msg']}")
    dumped: dict[str, Any] = data.model_dump(mode="json")
    fact = Fact(envelope.id, source, envelope.type, envelope.time, dumped)
    return str(dumped["pseudonym"]), envelope.source, fact


def record_envelope(
    pseudonym: str,
    version: int,
    record: dict[str, Any] | None,
    now: datetime,
    *,
    traceparent: str | None = None,
) -> Envelope:
    """A monitoring record (or its tombstone) with the id SPEC section 10 prescribes."""
    return Envelope(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SOURCE}|{pseudonym}|{version}")),
        source=SOURCE,
        type=MONITORING_RECORD,
        time=now,
        subject=pseudonym,
        sequence=sequence_text(version),
        traceparent=traceparent,
        data=record,
    )


def update_person(person: Person, merged: Merged, facts: Sequence[Fact]) -> Emission | None:
    """Bring a person's stored state in line with its merge; say what to emit, if anything."""
    person.update(
        {
            "in_scope": merged.in_scope,
            "withdrawn": merged.withdrawn,
            "missing": list(merged.missing),
            "complete": merged.complete,
            **{column: merged.monitor.get(column) for column in MONITOR_COLUMNS},
            "gemeente": merged.gemeente,  # also for a pending person (the monitor counts complete)
        }
    )
    if merged.record is not None:
        person["pending_since"] = None
        digest = merged.content_hash()
        if person["emitted"] and digest == person["content_hash"]:
            return None
        version = person["version"] + 1
        record = {"pseudonym": person["pseudonym"], "version": version, **merged.record}
        MonitoringRecord.model_validate(record)  # the contract holds before anything goes out
        person.update(version=version, emitted=True, content_hash=digest, record=record)
        return Emission(person["pseudonym"], version, record)
    if merged.in_scope is False or merged.withdrawn or merged.enrichment_only:
        person["pending_since"] = None
    elif person["pending_since"] is None:
        # Since the chain first heard of the person; CBS's months never make one expected.
        person["pending_since"] = min(f.time for f in facts if f.source != "stats").date()
    if not person["emitted"]:
        return None
    # It was complete and is no more (withdrawn obligation, retracted row): a tombstone.
    version = person["version"] + 1
    person.update(version=version, emitted=False, content_hash=None, record=None)
    return Emission(person["pseudonym"], version, None)


class Linker:
    """Applies batches of records.* events; emits monitoring records through the outbox."""

    def __init__(
        self,
        *,
        store: LinkingStore,
        topic: str,
        metrics: LinkageMetrics,
        emit: bool = True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self.topic = topic
        self.metrics = metrics
        self.emit = emit  # False in a rebuild: records are computed and kept, not published
        self.now = now
        self.today = today
        # Batches and the deadline sweep take turns in this process (SQLite has no row locks;
        # on PostgreSQL the person rows are locked as well, for other instances).
        self._turn = asyncio.Lock()

    async def apply(self, batch: Sequence[Incoming]) -> list[Rejected]:
        """Apply one batch in one transaction; return the events to dead-letter."""
        async with self._turn:
            return await self._apply(batch)

    async def _apply(self, batch: Sequence[Incoming]) -> list[Rejected]:
        rejections: list[Rejected] = []
        usable: list[tuple[Incoming, str, str, Fact]] = []
        for incoming in batch:
            read = read_fact(incoming)
            if isinstance(read, Rejected):
                rejections.append(read)
            else:
                usable.append((incoming, *read))
        now = self.now()
        emissions: list[Emission] = []
        outcomes: list[tuple[str, str]] = []
        async with self.store.writing() as repo:
            keys = [(source, f.event_id) for _, _, source, f in usable]
            texts = [canonical_json(f.data) for _, _, _, f in usable]
            digests = [content_digest(f, t) for (*_, f), t in zip(usable, texts, strict=True)]
            claims = await repo.claim(CONSUMER, keys, digests)
            # Events applied before digests were kept with their claim have theirs here.
            undigested = [k for k, c in zip(keys, claims, strict=True) if not (c.new or c.sha256)]
            legacy = await repo.legacy_digests(undigested)
            new: list[tuple[str, Fact, str]] = []
            for (incoming, pseudonym, _, fact), key, text, digest, claimed in zip(
                usable, keys, texts, digests, claims, strict=True
            ):
                if claimed.new:
                    new.append((pseudonym, fact, text))
                elif (claimed.sha256 or legacy.get(key, digest)) != digest:
                    # Not a repeat: the sender reused an id for other content. The applied fact
                    # stays; this one goes to the dead letters for a person to look at.
                    rejections.append(
                        Rejected(
                            incoming.record,
                            ID_REUSED,
                            f"{key[0]} id {key[1]} was applied before with other content",
                        )
                    )
                    outcomes.append((fact.source, ID_REUSED))
                else:
                    outcomes.append((fact.source, "duplicate"))
            await repo.add_facts(new)
            traced = {
                f.event_id: i.envelope.traceparent
                for i, _, _, f in usable
                if i.envelope is not None and i.envelope.traceparent
            }
            touched = sorted({p for p, _, _ in new})
            # What decides whether a person must be merged again, for every touched person
            # (rows locked); the full rows and facts only of those to merge.
            states = await repo.merge_states(touched)
            arrived: dict[str, list[Fact]] = {}
            for pseudonym, fact, _ in new:
                arrived.setdefault(pseudonym, []).append(fact)
            unchanged = {
                p
                for p in touched
                if (state := states.get(p)) is not None
                and not can_change_record(state.datum_start, state.complete, arrived[p])
            }
            to_merge = [p for p in touched if p not in unchanged]
            people = await repo.persons(to_merge)
            facts = await repo.facts_of(to_merge)
            added: list[Person] = []
            changed: list[Person] = []
            for pseudonym in touched:
                if pseudonym in unchanged:  # CBS's months that decide nothing: stored, no merge
                    outcome = "out_of_scope" if states[pseudonym].in_scope is False else "applied"
                    outcomes += [(f.source, outcome) for f in arrived[pseudonym]]
                    continue
                merged = merge(facts[pseudonym], today=self.today())
                stored = people.get(pseudonym)
                person = dict(stored) if stored else new_person(pseudonym)
                outcome = "out_of_scope" if merged.in_scope is False else "applied"
                outcomes += [(f.source, outcome) for f in arrived[pseudonym]]
                emission = update_person(person, merged, facts[pseudonym])
                if stored is None:
                    added.append(person)
                elif person != stored:
                    changed.append(person)
                if emission is not None:
                    emission.new_facts = arrived[pseudonym]
                    emission.causes = [
                        t for f in arrived[pseudonym] if (t := traced.get(f.event_id))
                    ]
                    emissions.append(emission)
            await repo.save_persons(added=added, changed=changed)
            await self._to_outbox(repo, emissions, now)
        self._count(outcomes, emissions, rejections, now)
        return rejections

    async def sweep_deadlines(self, *, page: int = 500) -> int:
        """Emit a new version of every record whose PIP deadline passed without a PIP.

        ``pip_tijdig`` turns from open (null) to false by the passing of time alone, with no
        event to carry the change; this sweep (run periodically) is that event. Returns how many
        versions it emitted.
        """
        today = self.today()

        async def page_of(repo: LinkingRepository, after: str) -> Page:
            rows = await repo.deadline_passed_without_pip(today=today, after=after, limit=page)
            open_ = [r for r in rows if r["record"] and r["record"].get("pip_tijdig") is None]
            return (open_, rows[-1]["pseudonym"]) if rows else None

        emitted = await self._merge_again(page_of, today=today)
        if emitted:
            logger.info("pip_deadlines_swept", extra={"emitted": emitted})
        return emitted

    async def refresh_stale(self, *, page: int = 500) -> int:
        """Merge again the complete persons whose monitor columns an older version wrote.

        A new monitor column is added empty to the existing rows; until each person is merged
        again the figures that count it would be wrong. Returns how many versions that emitted
        (only where the record itself changed, as a deadline passing by).
        """

        async def page_of(repo: LinkingRepository, after: str) -> Page:
            rows = await repo.stale_persons(after=after, limit=page)
            return (rows, rows[-1]["pseudonym"]) if rows else None

        return await self._merge_again(page_of, today=self.today())

    async def _merge_again(
        self,
        page_of: Callable[[LinkingRepository, str], Awaitable[Page]],
        *,
        today: date,
    ) -> int:
        """Merge pages of persons again from their stored facts, each page one transaction
        like a batch (persons locked, new versions through the outbox). ``page_of`` gives the
        persons of the page after a pseudonym, and the page's last pseudonym; None at the end."""
        now = self.now()
        emitted, after = 0, ""
        while True:
            async with self._turn, self.store.writing() as repo:
                found = await page_of(repo, after)
                if found is None:
                    break
                rows, after = found
                facts = await repo.facts_of([r["pseudonym"] for r in rows])
                emissions, changed = [], []
                for stored in rows:
                    person = dict(stored)
                    of_person = facts[person["pseudonym"]]
                    emission = update_person(person, merge(of_person, today=today), of_person)
                    if person != stored:
                        changed.append(person)
                    if emission is not None:
                        emissions.append(emission)
                await repo.save_persons(added=[], changed=changed)
                await self._to_outbox(repo, emissions, now)
            for emission in emissions:
                self.metrics.emitted.labels("record" if emission.record else "tombstone").inc()
            emitted += len(emissions)
        return emitted

    async def _to_outbox(
        self, repo: LinkingRepository, emissions: Sequence[Emission], now: datetime
    ) -> None:
        """The emitted versions (or tombstones), in the transaction that made them."""
        if not self.emit:
            return
        outgoing = []
        for e in emissions:
            # The record continues the trace of the latest event that changed it (a delivery's
            # release, a partner's feed event) and links the others: one trace across the chain.
            with span(
                "linkage.record",
                parent=e.causes[-1] if e.causes else None,
                links=e.causes[:-1],
                attributes={"version": e.version, "tombstone": e.record is None},
            ):
                envelope = record_envelope(
                    e.pseudonym, e.version, e.record, now, traceparent=current_traceparent()
                )
            outgoing.append(Outgoing.event(self.topic, envelope, e.pseudonym))
        await repo.publish(outgoing)

    def _count(
        self,
        outcomes: list[tuple[str, str]],
        emissions: list[Emission],
        rejections: list[Rejected],
        now: datetime,
    ) -> None:
        # Counted per kind, not per event: a labelled child's lookup costs more than the event's
        # own bookkeeping.
        for (source, outcome), count in Counter(outcomes).items():
            self.metrics.events.labels(source, outcome).inc(count)
        for rejection in rejections:
            topic = str(rejection.record.topic)
            source = next(
                (s for s in ("municipal", "coa", "duo", "stats") if f"records.{s}." in topic),
                "unknown",
            )
            if rejection.code != ID_REUSED:  # counted with its own outcome above
                self.metrics.events.labels(source, "rejected").inc()
        for emission in emissions:
            self.metrics.emitted.labels("record" if emission.record else "tombstone").inc()
            if emission.record:
                for name in emission.record.get("conflicts", []):
                    self.metrics.conflicts.labels(name).inc()
            latest = max(f.time for f in emission.new_facts)
            self.metrics.lag.observe(max(0.0, (now - latest).total_seconds()))
