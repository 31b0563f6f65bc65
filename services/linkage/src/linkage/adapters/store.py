"""Store functions of linkage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from sqlalchemy import func, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from linkage.adapters.tables import FactRow, PersonRow
from linkage.domain.facts import Fact

# Pending: heard of, not complete, not out of scope and not withdrawn by DUO.
_PENDING = (
    col(PersonRow.complete).is_(False),
    col(PersonRow.in_scope).is_not(False),
    col(PersonRow.withdrawn).is_(False),
)


async def add_facts(session: AsyncSession, facts: Sequence[tuple[str, Fact]]) -> None:
    if facts:
        connection = await session.connection()
        await connection.execute(
            insert(FactRow),
            [
                {
                    "pseudonym": p,
                    "event_id": f.event_id,
                    "source": f.source,
                    "type": f.type,
                    "time": f.time,
                    "data": f.data,
                }
                for p, f in facts
            ],
        )


async def facts_of(session: AsyncSession, pseudonyms: Sequence[str]) -> dict[str, list[Fact]]:
    found: dict[str, list[Fact]] = {p: [] for p in pseudonyms}
    for start in range(0, len(pseudonyms), 500):
        rows = await session.exec(
            select(FactRow).where(col(FactRow.pseudonym).in_(pseudonyms[start : start + 500]))
        )
        for row in rows.all():
            time = row.time if row.time.tzinfo else row.time.replace(tzinfo=UTC)
            found[row.pseudonym].append(
                Fact(
                    event_id=row.event_id,
                    source=row.source,  # type: ignore[arg-type]
                    type=row.type,
                    time=time,
                    data=row.data,
                )
            )
    return found


async def persons(session: AsyncSession, pseudonyms: Sequence[str]) -> dict[str, PersonRow]:
    found: dict[str, PersonRow] = {}
    for start in range(0, len(pseudonyms), 500):
        rows = await session.exec(
            select(PersonRow).where(col(PersonRow.pseudonym).in_(pseudonyms[start : start + 500]))
        )
        found.update((row.pseudonym, row) for row in rows.all())
    return found


async def person(session: AsyncSession, pseudonym: str) -> PersonRow | None:
    return await session.get(PersonRow, pseudonym)


async def pending(
    session: AsyncSession, *, since_before: object | None, limit: int
) -> Sequence[PersonRow]:
    query = select(PersonRow).where(
        col(PersonRow.complete).is_(False), col(PersonRow.in_scope).is_not(False)
    )
    if since_before is not None:
        query = query.where(col(PersonRow.pending_since) <= since_before)
    return (
        await session.exec(
            query.order_by(col(PersonRow.pending_since), col(PersonRow.pseudonym)).limit(limit)
        )
    ).all()


async def pending_summary(session: AsyncSession) -> tuple[int, object | None]:
    row = (
        await session.exec(
            select(func.count(), func.min(PersonRow.pending_since)).where(
                col(PersonRow.complete).is_(False), col(PersonRow.in_scope).is_not(False)
            )
        )
    ).one()
    return int(row[0]), row[1]


async def count_pending(session: AsyncSession, *, since_before: object) -> int:
    """Pending persons waiting since ``since_before`` or longer."""
    result = await session.exec(
        select(func.count()).where(*_PENDING, col(PersonRow.pending_since) <= since_before)
    )
    return int(result.one())
