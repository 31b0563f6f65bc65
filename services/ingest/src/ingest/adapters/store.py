"""Store functions of ingest: deliveries, their errors and records, and the contact projection."""

from __future__ import annotations

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

PAGE = 2000


async def contact_by_token_hash(
    session: AsyncSession, *, token_sha256: str
) -> ContactProjectionRow | None:
    result = await session.exec(
        select(ContactProjectionRow).where(ContactProjectionRow.token_sha256 == token_sha256)
    )
    return result.first()


async def upsert_contact(
    session: AsyncSession,
    *,
    contact_id: str,
    status: str,
    role: str,
    token_sha256: str,
    municipality_codes: list[str],
    version: int,
) -> bool:
    """Apply a contact state unless a newer one was applied already; True when applied."""
    row = await session.get(ContactProjectionRow, contact_id)
    if row is not None and row.version >= version:
        return False
    row = row or ContactProjectionRow(
        contact_id=contact_id,
        status=status,
        role=role,
        token_sha256=token_sha256,
        municipality_codes=[],
    )
    row.status, row.role, row.token_sha256 = status, role, token_sha256
    row.municipality_codes = list(municipality_codes)
    row.version = version
    session.add(row)
    return True


async def drop_contact(session: AsyncSession, *, contact_id: str) -> None:
    """Forget an erased contact (its tombstone arrived)."""
    await session.exec(
        delete(ContactProjectionRow).where(col(ContactProjectionRow.contact_id) == contact_id)
    )


async def get_delivery(session: AsyncSession, *, delivery_id: str) -> DeliveryRow | None:
    return await session.get(DeliveryRow, delivery_id)


async def delivery_by_idempotency_key(
    session: AsyncSession, *, municipality: str, quarter: str, key: str
) -> DeliveryRow | None:
    result = await session.exec(
        select(DeliveryRow).where(
            DeliveryRow.municipality == municipality,
            DeliveryRow.quarter == quarter,
            DeliveryRow.idempotency_key == key,
        )
    )
    return result.first()


async def current_release(
    session: AsyncSession, *, municipality: str, quarter: str
) -> DeliveryRow | None:
    """The delivery now in force for this municipality and quarter (status released)."""
    result = await session.exec(
        select(DeliveryRow)
        .where(
            DeliveryRow.municipality == municipality,
            DeliveryRow.quarter == quarter,
            DeliveryRow.status == "released",
        )
        .order_by(col(DeliveryRow.release_sequence).desc())
    )
    return result.first()


async def next_release_sequence(session: AsyncSession, *, municipality: str, quarter: str) -> int:
    result = await session.exec(
        select(func.max(DeliveryRow.release_sequence)).where(
            DeliveryRow.municipality == municipality, DeliveryRow.quarter == quarter
        )
    )
    return int(result.one() or 0) + 1


async def list_deliveries(
    session: AsyncSession,
    *,
    municipalities: frozenset[str] | None,
    municipality: str | None,
    quarter: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> Sequence[DeliveryRow]:
    query = select(DeliveryRow)
    if municipalities is not None:
        query = query.where(col(DeliveryRow.municipality).in_(sorted(municipalities)))
    if municipality:
        query = query.where(DeliveryRow.municipality == municipality)
    if quarter:
        query = query.where(DeliveryRow.quarter == quarter)
    if status:
        query = query.where(DeliveryRow.status == status)
    query = (
        query.order_by(col(DeliveryRow.received_at).desc(), col(DeliveryRow.id))
        .limit(limit)
        .offset(offset)
    )
    return (await session.exec(query)).all()


async def delivered_pairs(session: AsyncSession) -> set[tuple[str, str]]:
    """(municipality, quarter) pairs with a release or nil return (superseded ones count too)."""
    result = await session.exec(
        select(DeliveryRow.municipality, DeliveryRow.quarter)
        .where(col(DeliveryRow.status).in_(["released", "superseded"]))
        .distinct()
    )
    return set(result.all())


async def first_releases(
    session: AsyncSession, quarters: Sequence[str]
) -> dict[tuple[str, str], datetime]:
    """The first release (or nil return) of each (municipality, quarter) of these quarters."""
    result = await session.exec(
        select(DeliveryRow.municipality, DeliveryRow.quarter, func.min(DeliveryRow.released_at))
        .where(
            col(DeliveryRow.quarter).in_(quarters),
            col(DeliveryRow.status).in_(["released", "superseded"]),
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
    session: AsyncSession, quarters: Sequence[str], *, received_before: datetime
) -> list[tuple[str, str, str, int]]:
    """(quarter, code, severity, count) of the errors and warnings of the deliveries of these
    quarters received before ``received_before``."""
    result = await session.exec(
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
            col(DeliveryRow.quarter), col(DeliveryErrorRow.code), col(DeliveryErrorRow.severity)
        )
    )
    return [(q, c, s, int(n)) for q, c, s, n in result.all()]


async def add_errors(
    session: AsyncSession, *, delivery_id: str, errors: Sequence[tuple[int, str, str, str, str]]
) -> None:
    """Insert a batch of errors and warnings in one statement (executemany)."""
    if errors:
        connection = await session.connection()
        await connection.execute(
            insert(DeliveryErrorRow),
            [
                {
                    "delivery_id": delivery_id,
                    "row": row,
                    "field": field,
                    "code": code,
                    "message": message[:300],
                    "severity": severity,
                }
                for row, field, code, message, severity in errors
            ],
        )


async def add_records(
    session: AsyncSession,
    *,
    delivery_id: str,
    records: Sequence[tuple[int, str, dict[str, str | None]]],
) -> None:
    """Insert a batch of valid rows in one statement (executemany)."""
    if records:
        connection = await session.connection()
        await connection.execute(
            insert(DeliveryRecordRow),
            [
                {"delivery_id": delivery_id, "row": row, "pseudonym": pseudonym, "data": data}
                for row, pseudonym, data in records
            ],
        )


async def forget_rows(session: AsyncSession, *, delivery_id: str) -> None:
    """Drop what was read of a file that turned out unusable as a whole."""
    await session.exec(
        delete(DeliveryRecordRow).where(col(DeliveryRecordRow.delivery_id) == delivery_id)
    )
    await session.exec(
        delete(DeliveryErrorRow).where(col(DeliveryErrorRow.delivery_id) == delivery_id)
    )


async def errors_page(
    session: AsyncSession, *, delivery_id: str, after_id: int, limit: int = PAGE
) -> Sequence[DeliveryErrorRow]:
    result = await session.exec(
        select(DeliveryErrorRow)
        .where(DeliveryErrorRow.delivery_id == delivery_id, col(DeliveryErrorRow.id) > after_id)
        .order_by(col(DeliveryErrorRow.id))
        .limit(limit)
    )
    return result.all()


async def records_of(
    session: AsyncSession, *, delivery_id: str
) -> AsyncIterator[Sequence[DeliveryRecordRow]]:
    """The delivery's valid rows in pages, in row order."""
    after = 0
    while True:
        result = await session.exec(
            select(DeliveryRecordRow)
            .where(DeliveryRecordRow.delivery_id == delivery_id, col(DeliveryRecordRow.row) > after)
            .order_by(col(DeliveryRecordRow.row))
            .limit(PAGE)
        )
        page = result.all()
        if not page:
            return
        yield page
        after = page[-1].row


async def retracted_pseudonyms(
    session: AsyncSession, *, previous_id: str, current_id: str | None
) -> list[str]:
    """Persons in the previous release who are not in the current one."""
    query = select(DeliveryRecordRow.pseudonym).where(DeliveryRecordRow.delivery_id == previous_id)
    if current_id is not None:
        current = select(DeliveryRecordRow.pseudonym).where(
            DeliveryRecordRow.delivery_id == current_id
        )
        query = query.where(col(DeliveryRecordRow.pseudonym).not_in(current))
    return sorted(set((await session.exec(query)).all()))


async def pseudonyms_of(session: AsyncSession, *, delivery_id: str) -> list[str]:
    """The persons of a delivery (a release is one municipality's quarter: thousands at most)."""
    result = await session.exec(
        select(DeliveryRecordRow.pseudonym).where(DeliveryRecordRow.delivery_id == delivery_id)
    )
    return list(result.all())


async def count_persons(session: AsyncSession, *, delivery_id: str) -> int:
    result = await session.exec(
        select(func.count()).where(DeliveryRecordRow.delivery_id == delivery_id)
    )
    return int(result.one())


async def count_retracted(session: AsyncSession, *, previous_id: str, current_id: str) -> int:
    """How many persons of the previous release the current delivery no longer holds."""
    current = select(DeliveryRecordRow.pseudonym).where(DeliveryRecordRow.delivery_id == current_id)
    result = await session.exec(
        select(func.count(func.distinct(DeliveryRecordRow.pseudonym))).where(
            DeliveryRecordRow.delivery_id == previous_id,
            col(DeliveryRecordRow.pseudonym).not_in(current),
        )
    )
    return int(result.one())


async def mark_progress(session: AsyncSession, *, delivery_id: str, at: datetime) -> None:
    """A validation is alive: it committed another batch."""
    await session.exec(
        update(DeliveryRow).where(col(DeliveryRow.id) == delivery_id).values(progress_at=at)
    )


async def stalled_deliveries(session: AsyncSession, *, before: datetime) -> Sequence[DeliveryRow]:
    """Received deliveries whose validation has shown no progress since ``before``."""
    moment = func.coalesce(col(DeliveryRow.progress_at), col(DeliveryRow.received_at))
    result = await session.exec(
        select(DeliveryRow).where(
            DeliveryRow.status == "received",
            col(DeliveryRow.nil_return).is_(False),
            moment < before,
        )
    )
    return result.all()


async def mark_superseded(session: AsyncSession, *, delivery_id: str, by: str) -> None:
    await session.exec(
        update(DeliveryRow)
        .where(col(DeliveryRow.id) == delivery_id)
        .values(status="superseded", superseded_by=by)
    )
