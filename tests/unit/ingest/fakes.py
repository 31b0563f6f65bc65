"""In-memory stand-ins that subclass ingest's real delivery ports."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from ingest.adapters.delivery_repository import (
    DELIVERED,
    MAX_MESSAGE,
    PAGE,
    Conflict,
    DeliveryRepository,
    ErrorLine,
    RecordLine,
)
from ingest.adapters.tables import (
    ContactProjectionRow,
    DeliveryErrorRow,
    DeliveryRecordRow,
    DeliveryRow,
)
from ingest.domain.search import DeliverySearch
from ingest.service.unit_of_work import DeliveryStore
from ketenkit import Outgoing


@dataclass
class State:
    contacts: dict[str, ContactProjectionRow] = field(default_factory=dict)
    deliveries: dict[str, DeliveryRow] = field(default_factory=dict)
    records: dict[str, list[DeliveryRecordRow]] = field(default_factory=dict)
    errors: list[DeliveryErrorRow] = field(default_factory=list)
    outbox: list[Outgoing] = field(default_factory=list)

    def copy(self) -> State:
        return State(
            contacts=dict(self.contacts),
            deliveries={k: DeliveryRow(**v.model_dump()) for k, v in self.deliveries.items()},
            records={k: list(v) for k, v in self.records.items()},
            errors=list(self.errors),
            outbox=list(self.outbox),
        )

    def check_unique(self) -> None:
        """The two uniqueness rules of the deliveries table."""
        keys = Counter(
            (d.municipality, d.quarter, d.idempotency_key)
            for d in self.deliveries.values()
            if d.idempotency_key is not None
        )
        sequences = Counter(
            (d.municipality, d.quarter, d.release_sequence)
            for d in self.deliveries.values()
            if d.release_sequence is not None
        )
        if any(n > 1 for n in (*keys.values(), *sequences.values())):
            raise Conflict("a uniqueness rule of the deliveries table")


class FakeDeliveryRepository(DeliveryRepository):
    def __init__(self, state: State) -> None:
        self.state = state

    def _persons(self, delivery_id: str) -> set[str]:
        return {r.pseudonym for r in self.state.records.get(delivery_id, [])}

    async def contact_by_token_hash(self, token_sha256: str) -> ContactProjectionRow | None:
        return next(
            (c for c in self.state.contacts.values() if c.token_sha256 == token_sha256), None
        )

    async def get(self, delivery_id: str) -> DeliveryRow | None:
        return self.state.deliveries.get(delivery_id)

    async def by_idempotency_key(
        self, *, municipality: str, quarter: str, key: str
    ) -> DeliveryRow | None:
        return next(
            (
                d
                for d in self.state.deliveries.values()
                if (d.municipality, d.quarter, d.idempotency_key) == (municipality, quarter, key)
            ),
            None,
        )

    async def current_release(self, *, municipality: str, quarter: str) -> DeliveryRow | None:
        released = [
            d
            for d in self.state.deliveries.values()
            if (d.municipality, d.quarter, d.status) == (municipality, quarter, "released")
        ]
        return max(released, key=lambda d: d.release_sequence or 0, default=None)

    async def add(self, delivery: DeliveryRow) -> None:
        self.state.deliveries[delivery.id] = delivery
        self.state.check_unique()

    async def save(self, delivery: DeliveryRow) -> None:
        self.state.deliveries[delivery.id] = delivery

    async def claim_release(self, delivery_id: str, *, status: str, at: datetime, by: str) -> bool:
        row = self.state.deliveries[delivery_id]
        if row.status != status:
            return False
        row.status, row.released_at, row.released_by = "released", at, by
        return True

    async def next_release_sequence(self, *, municipality: str, quarter: str) -> int:
        sequences = [
            d.release_sequence or 0
            for d in self.state.deliveries.values()
            if (d.municipality, d.quarter) == (municipality, quarter)
        ]
        return max(sequences, default=0) + 1

    async def mark_superseded(self, delivery_id: str, *, by: str) -> None:
        row = self.state.deliveries[delivery_id]
        row.status, row.superseded_by = "superseded", by

    async def stalled(self, *, before: datetime) -> Sequence[DeliveryRow]:
        return [
            d
            for d in self.state.deliveries.values()
            if d.status == "received"
            and not d.nil_return
            and (d.progress_at or d.received_at) < before
        ]

    async def mark_progress(self, delivery_id: str, *, at: datetime) -> None:
        self.state.deliveries[delivery_id].progress_at = at

    async def add_records(self, delivery_id: str, records: Sequence[RecordLine]) -> None:
        self.state.records.setdefault(delivery_id, []).extend(
            DeliveryRecordRow(delivery_id=delivery_id, row=row, pseudonym=p, data=data)
            for row, p, data in records
        )

    async def add_errors(self, delivery_id: str, errors: Sequence[ErrorLine]) -> None:
        for row, field_, code, message, severity in errors:
            self.state.errors.append(
                DeliveryErrorRow(
                    id=len(self.state.errors) + 1,
                    delivery_id=delivery_id,
                    row=row,
                    field=field_,
                    code=code,
                    message=message[:MAX_MESSAGE],
                    severity=severity,
                )
            )

    async def forget_rows(self, delivery_id: str) -> None:
        self.state.records.pop(delivery_id, None)
        self.state.errors = [e for e in self.state.errors if e.delivery_id != delivery_id]

    async def records_of(self, delivery_id: str) -> AsyncIterator[Sequence[DeliveryRecordRow]]:
        rows = sorted(self.state.records.get(delivery_id, []), key=lambda r: r.row)
        for start in range(0, len(rows), PAGE):
            yield rows[start : start + PAGE]

    async def pseudonyms_of(self, delivery_id: str) -> list[str]:
        return [r.pseudonym for r in self.state.records.get(delivery_id, [])]

    async def count_persons(self, delivery_id: str) -> int:
        return len(self.state.records.get(delivery_id, []))

    async def count_retracted(self, *, previous_id: str, current_id: str) -> int:
        return len(self._persons(previous_id) - self._persons(current_id))

    async def retracted_pseudonyms(self, *, previous_id: str, current_id: str) -> list[str]:
        return sorted(self._persons(previous_id) - self._persons(current_id))

    async def errors_page(self, delivery_id: str, *, after_id: int) -> Sequence[DeliveryErrorRow]:
        found = [
            e for e in self.state.errors if e.delivery_id == delivery_id and (e.id or 0) > after_id
        ]
        return found[:PAGE]

    async def find(
        self, search: DeliverySearch, *, municipalities: frozenset[str] | None
    ) -> Sequence[DeliveryRow]:
        found = [
            d
            for d in self.state.deliveries.values()
            if (municipalities is None or d.municipality in municipalities)
            and search.municipality in (None, d.municipality)
            and search.quarter in (None, d.quarter)
            and search.status in (None, d.status)
        ]
        found.sort(key=lambda d: d.id)
        found.sort(key=lambda d: d.received_at, reverse=True)
        return found[search.offset : search.offset + search.limit]

    async def delivered_pairs(self) -> set[tuple[str, str]]:
        return {
            (d.municipality, d.quarter)
            for d in self.state.deliveries.values()
            if d.status in DELIVERED
        }

    async def first_releases(self, quarters: Sequence[str]) -> dict[tuple[str, str], datetime]:
        found: dict[tuple[str, str], datetime] = {}
        for d in self.state.deliveries.values():
            if d.quarter in quarters and d.status in DELIVERED and d.released_at is not None:
                key = (d.municipality, d.quarter)
                found[key] = min(found.get(key, d.released_at), d.released_at)
        return found

    async def error_counts(
        self, quarters: Sequence[str], *, received_before: datetime
    ) -> list[tuple[str, str, str, int]]:
        counts: Counter[tuple[str, str, str]] = Counter()
        for e in self.state.errors:
            d = self.state.deliveries[e.delivery_id]
            if d.quarter in quarters and d.received_at < received_before:
                counts[(d.quarter, e.code, e.severity)] += 1
        return [(*key, n) for key, n in counts.items()]

    async def publish(self, events: Sequence[Outgoing]) -> None:
        self.state.outbox.extend(events)


class FakeDeliveryStore(DeliveryStore):
    """Keeps a transaction's changes only when it ends normally, like the real one."""

    def __init__(self) -> None:
        self.state = State()
        self.commits = 0

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[DeliveryRepository]:
        yield FakeDeliveryRepository(self.state.copy())

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[DeliveryRepository]:
        working = self.state.copy()
        yield FakeDeliveryRepository(working)
        working.check_unique()
        self.state = working
        self.commits += 1

    def events(self, topic: str) -> list[Outgoing]:
        return [e for e in self.state.outbox if e.topic == topic]
