"""The port to ingest's deliveries (with their rows, errors and outgoing events) and its SQL
implementation over one session; the handlers in ``service`` see only the port."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ingest.adapters.tables import (
    ContactProjectionRow,
    DeliveryErrorRow,
    DeliveryRecordRow,
    DeliveryRow,
)
from ingest.domain.search import DeliverySearch
from ketenkit import Outgoing, add_to_outbox

#: (row, field, code, message, severity) of a delivery's error or warning.
ErrorLine = tuple[int, str, str, str, str]
#: (row, pseudonym, data) of a delivery's valid row.
RecordLine = tuple[int, str, dict[str, str | None]]
PAGE = 2000
MAX_MESSAGE = 300
DELIVERED = ("released", "superseded")  # a superseded release was delivered all the same


class Conflict(Exception):
    """A write met a uniqueness rule: the same Idempotency-Key, or a release of the same
    municipality and quarter, at the same moment."""


class DeliveryRepository(ABC):
    """Deliveries as one transaction sees them; ``publish`` queues events for the outbox."""

    @abstractmethod
    async def contact_by_token_hash(self, token_sha256: str) -> ContactProjectionRow | None: ...

    @abstractmethod
    async def get(self, delivery_id: str) -> DeliveryRow | None: ...

    @abstractmethod
    async def by_idempotency_key(
        self, *, municipality: str, quarter: str, key: str
    ) -> DeliveryRow | None: ...

    @abstractmethod
    async def current_release(self, *, municipality: str, quarter: str) -> DeliveryRow | None:
        """The delivery now in force for this municipality and quarter (status released)."""

    @abstractmethod
    async def add(self, delivery: DeliveryRow) -> None:
        """A new delivery; ``Conflict`` when its Idempotency-Key was taken meanwhile."""

    @abstractmethod
    async def save(self, delivery: DeliveryRow) -> None: ...

    @abstractmethod
    async def claim_release(self, delivery_id: str, *, status: str, at: datetime, by: str) -> bool:
        """Mark the delivery released if it still has ``status``: of two concurrent releases
        exactly one gets True."""

    @abstractmethod
    async def next_release_sequence(self, *, municipality: str, quarter: str) -> int: ...

    @abstractmethod
    async def mark_superseded(self, delivery_id: str, *, by: str) -> None: ...

    @abstractmethod
    async def stalled(self, *, before: datetime) -> Sequence[DeliveryRow]:
        """Received deliveries whose validation has shown no progress since ``before``."""

    @abstractmethod
    async def mark_progress(self, delivery_id: str, *, at: datetime) -> None: ...

    @abstractmethod
    async def add_records(self, delivery_id: str, records: Sequence[RecordLine]) -> None: ...

    @abstractmethod
    async def add_errors(self, delivery_id: str, errors: Sequence[ErrorLine]) -> None: ...

    @abstractmethod
    async def forget_rows(self, delivery_id: str) -> None:
        """Drop what was read of a file that turned out unusable as a whole."""

    @abstractmethod
    def records_of(self, delivery_id: str) -> AsyncIterator[Sequence[DeliveryRecordRow]]:
        """The delivery's valid rows in pages, in row order."""
        raise NotImplementedError

    @abstractmethod
    async def pseudonyms_of(self, delivery_id: str) -> list[str]: ...

    @abstractmethod
    async def count_persons(self, delivery_id: str) -> int: ...

    @abstractmethod
    async def count_retracted(self, *, previous_id: str, current_id: str) -> int:
        """How many persons of the previous release the current delivery no longer holds."""

    @abstractmethod
    async def retracted_pseudonyms(self, *, previous_id: str, current_id: str) -> list[str]: ...

    @abstractmethod
    async def errors_page(self, delivery_id: str, *, after_id: int) -> Sequence[DeliveryErrorRow]:
        """The next page of the delivery's errors and warnings, in the order they were found."""

    @abstractmethod
    async def find(
        self, search: DeliverySearch, *, municipalities: frozenset[str] | None
    ) -> Sequence[DeliveryRow]:
        """The search's page, within ``municipalities`` (None: all)."""

    @abstractmethod
    async def delivered_pairs(self) -> set[tuple[str, str]]:
        """(municipality, quarter) pairs with a release or nil return, superseded ones too."""

    @abstractmethod
    async def first_releases(self, quarters: Sequence[str]) -> dict[tuple[str, str], datetime]:
        """The first release (or nil return) of each (municipality, quarter) of these quarters."""

    @abstractmethod
    async def error_counts(
        self, quarters: Sequence[str], *, received_before: datetime
    ) -> list[tuple[str, str, str, int]]:
        """(quarter, code, severity, count) of these quarters' deliveries received before."""

    @abstractmethod
    async def publish(self, events: Sequence[Outgoing]) -> None:
        """Queue events: they go out only if this transaction commits."""


class SqlDeliveryRepository(DeliveryRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.published = False  # events queued: the relay is woken after the commit

    async def contact_by_token_hash(self, token_sha256: str) -> ContactProjectionRow | None:
        result = await self.session.exec(
            select(ContactProjectionRow).where(ContactProjectionRow.token_sha256 == token_sha256)
        )
        return result.first()

    async def get(self, delivery_id: str) -> DeliveryRow | None:
        return await self.session.get(DeliveryRow, delivery_id)

    async def by_idempotency_key(
        self, *, municipality: str, quarter: str, key: str
    ) -> DeliveryRow | None:
        result = await self.session.exec(
            select(DeliveryRow).where(
                DeliveryRow.municipality == municipality,
                DeliveryRow.quarter == quarter,
                DeliveryRow.idempotency_key == key,
            )
        )
        return result.first()

    async def current_release(self, *, municipality: str, quarter: str) -> DeliveryRow | None:
        result = await self.session.exec(
            select(DeliveryRow)
            .where(
                DeliveryRow.municipality == municipality,
                DeliveryRow.quarter == quarter,
                DeliveryRow.status == "released",
            )
            .order_by(col(DeliveryRow.release_sequence).desc())
        )
        return result.first()

    async def add(self, delivery: DeliveryRow) -> None:
        self.session.add(delivery)
        await self.session.flush()

    async def save(self, delivery: DeliveryRow) -> None:
        self.session.add(delivery)

    async def claim_release(self, delivery_id: str, *, status: str, at: datetime, by: str) -> bool:
        claimed = await self.session.exec(
            update(DeliveryRow)
            .where(col(DeliveryRow.id) == delivery_id, col(DeliveryRow.status) == status)
            .values(status="released", released_at=at, released_by=by)
        )
        return claimed.rowcount == 1

    async def next_release_sequence(self, *, municipality: str, quarter: str) -> int:
        result = await self.session.exec(
            select(func.max(DeliveryRow.release_sequence)).where(
                DeliveryRow.municipality == municipality, DeliveryRow.quarter == quarter
            )
        )
        return int(result.one() or 0) + 1

    async def mark_superseded(self, delivery_id: str, *, by: str) -> None:
        await self.session.exec(
            update(DeliveryRow)
            .where(col(DeliveryRow.id) == delivery_id)
            .values(status="superseded", superseded_by=by)
        )

    async def stalled(self, *, before: datetime) -> Sequence[DeliveryRow]:
        moment = func.coalesce(col(DeliveryRow.progress_at), col(DeliveryRow.received_at))
        result = await self.session.exec(
            select(DeliveryRow).where(
                DeliveryRow.status == "received",
                col(DeliveryRow.nil_return).is_(False),
                moment < before,
            )
        )
        return result.all()

    async def mark_progress(self, delivery_id: str, *, at: datetime) -> None:
        await self.session.exec(
            update(DeliveryRow).where(col(DeliveryRow.id) == delivery_id).values(progress_at=at)
        )

    async def add_records(self, delivery_id: str, records: Sequence[RecordLine]) -> None:
        if records:  # one statement (executemany)
            connection = await self.session.connection()
            await connection.execute(
                insert(DeliveryRecordRow),
                [
                    {"delivery_id": delivery_id, "row": row, "pseudonym": pseudonym, "data": data}
                    for row, pseudonym, data in records
                ],
            )

    async def add_errors(self, delivery_id: str, errors: Sequence[ErrorLine]) -> None:
        if errors:  # one statement (executemany)
            connection = await self.session.connection()
            await connection.execute(
                insert(DeliveryErrorRow),
                [
                    {
                        "delivery_id": delivery_id,
                        "row": row,
                        "field": field,
                        "code": code,
                        "message": message[:MAX_MESSAGE],
                        "severity": severity,
                    }
                    for row, field, code, message, severity in errors
                ],
            )

    async def forget_rows(self, delivery_id: str) -> None:
        await self.session.exec(
            delete(DeliveryRecordRow).where(col(DeliveryRecordRow.delivery_id) == delivery_id)
        )
        await self.session.exec(
            delete(DeliveryErrorRow).where(col(DeliveryErrorRow.delivery_id) == delivery_id)
        )

    async def records_of(self, delivery_id: str) -> AsyncIterator[Sequence[DeliveryRecordRow]]:
        after = 0
        while True:
            result = await self.session.exec(
                select(DeliveryRecordRow)
                .where(
                    DeliveryRecordRow.delivery_id == delivery_id,
                    col(DeliveryRecordRow.row) > after,
                )
                .order_by(col(DeliveryRecordRow.row))
                .limit(PAGE)
            )
            page = result.all()
            if not page:
                return
            yield page
            after = page[-1].row

    async def pseudonyms_of(self, delivery_id: str) -> list[str]:
        # a release is one municipality's quarter: thousands of persons at most
        result = await self.session.exec(
            select(DeliveryRecordRow.pseudonym).where(DeliveryRecordRow.delivery_id == delivery_id)
        )
        return list(result.all())

    async def count_persons(self, delivery_id: str) -> int:
        result = await self.session.exec(
            select(func.count()).where(DeliveryRecordRow.delivery_id == delivery_id)
        )
        return int(result.one())

    async def count_retracted(self, *, previous_id: str, current_id: str) -> int:
        current = select(DeliveryRecordRow.pseudonym).where(
            DeliveryRecordRow.delivery_id == current_id
        )
        result = await self.session.exec(
            select(func.count(func.distinct(DeliveryRecordRow.pseudonym))).where(
                DeliveryRecordRow.delivery_id == previous_id,
                col(DeliveryRecordRow.pseudonym).not_in(current),
            )
        )
        return int(result.one())

    async def retracted_pseudonyms(self, *, previous_id: str, current_id: str) -> list[str]:
        current = select(DeliveryRecordRow.pseudonym).where(
            DeliveryRecordRow.delivery_id == current_id
        )
        query = select(DeliveryRecordRow.pseudonym).where(
            DeliveryRecordRow.delivery_id == previous_id,
            col(DeliveryRecordRow.pseudonym).not_in(current),
        )
        return sorted(set((await self.session.exec(query)).all()))

    async def errors_page(self, delivery_id: str, *, after_id: int) -> Sequence[DeliveryErrorRow]:
        result = await self.session.exec(
            select(DeliveryErrorRow)
            .where(DeliveryErrorRow.delivery_id == delivery_id, col(DeliveryErrorRow.id) > after_id)
            .order_by(col(DeliveryErrorRow.id))
            .limit(PAGE)
        )
        return result.all()

    async def find(
        self, search: DeliverySearch, *, municipalities: frozenset[str] | None
    ) -> Sequence[DeliveryRow]:
        query = select(DeliveryRow)
        if municipalities is not None:
            query = query.where(col(DeliveryRow.municipality).in_(sorted(municipalities)))
        if search.municipality:
            query = query.where(DeliveryRow.municipality == search.municipality)
        if search.quarter:
            query = query.where(DeliveryRow.quarter == search.quarter)
        if search.status:
            query = query.where(DeliveryRow.status == search.status)
        query = (
            query.order_by(col(DeliveryRow.received_at).desc(), col(DeliveryRow.id))
            .limit(search.limit)
            .offset(search.offset)
        )
        return (await self.session.exec(query)).all()

    async def delivered_pairs(self) -> set[tuple[str, str]]:
        result = await self.session.exec(
            select(DeliveryRow.municipality, DeliveryRow.quarter)
            .where(col(DeliveryRow.status).in_(DELIVERED))
            .distinct()
        )
        return set(result.all())

    async def first_releases(self, quarters: Sequence[str]) -> dict[tuple[str, str], datetime]:
        result = await self.session.exec(
            select(DeliveryRow.municipality, DeliveryRow.quarter, func.min(DeliveryRow.released_at))
            .where(
                col(DeliveryRow.quarter).in_(quarters),
                col(DeliveryRow.status).in_(DELIVERED),
                col(DeliveryRow.released_at).is_not(None),
            )
            .group_by(col(DeliveryRow.municipality), col(DeliveryRow.quarter))
        )
        found: dict[tuple[str, str], datetime] = {}
        for municipality, quarter, released in result.all():
            if released is None:
                continue
            if released.tzinfo is None:  # SQLite keeps no offset; it was written in UTC
                released = released.replace(tzinfo=UTC)
            found[(municipality, quarter)] = released
        return found

    async def error_counts(
        self, quarters: Sequence[str], *, received_before: datetime
    ) -> list[tuple[str, str, str, int]]:
        result = await self.session.exec(
            select(
                DeliveryRow.quarter,
                DeliveryErrorRow.code,
                DeliveryErrorRow.severity,
                func.count(),
            )
            .join(DeliveryRow, col(DeliveryRow.id) == col(DeliveryErrorRow.delivery_id))
            .where(
                col(DeliveryRow.quarter).in_(quarters),
                col(DeliveryRow.received_at) < received_before,
            )
            .group_by(
                col(DeliveryRow.quarter),
                col(DeliveryErrorRow.code),
                col(DeliveryErrorRow.severity),
            )
        )
        return [(q, c, s, int(n)) for q, c, s, n in result.all()]

    async def publish(self, events: Sequence[Outgoing]) -> None:
        await add_to_outbox(self.session, events)
        self.published = self.published or bool(events)
