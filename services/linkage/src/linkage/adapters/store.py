"""Store functions of linkage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pydantic_core
from sqlalchemy import String, cast, func, type_coerce
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ketenkit import Database
from ketenkit.bulk import BulkStatement
from linkage.adapters.tables import FactDigestRow, FactRow, PersonRow, PublicationRow
from linkage.domain.facts import Fact
from linkage.domain.report import COLUMNS as REPORT_COLUMNS
from linkage.domain.report import Tally

# Pending, the one definition (list, gauge and alert): heard of, not complete, not out of scope
# and not withdrawn by DUO.
_PENDING = (
    col(PersonRow.complete).is_(False),
    col(PersonRow.in_scope).is_not(False),
    col(PersonRow.withdrawn).is_(False),
    col(PersonRow.pending_since).is_not(None),
)


_FACTS = FactRow.__table__  # type: ignore[attr-defined]
# The data arrives as its canonical JSON text (made once for the digest too), not as a dict.
_ADD_FACTS = BulkStatement(
    _FACTS, ("pseudonym", "event_id", "source", "type", "time", "data"), raw=("data",)
)


async def add_facts(session: AsyncSession, facts: Sequence[tuple[str, Fact, str]]) -> None:
    """Store facts, each with its person and its data's canonical JSON."""
    connection = await session.connection()
    await _ADD_FACTS.run(
        connection, [(p, f.event_id, f.source, f.type, f.time, text) for p, f, text in facts]
    )


async def legacy_digests_of(
    session: AsyncSession, events: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The digests of these (source, id) pairs where an earlier version kept them apart from
    the claim (in ``fact_digests``); events applied before any digest was kept have none, and
    count as repeats."""
    if not events:
        return {}
    table = FactDigestRow.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    found: dict[tuple[str, str], str] = {}
    by_source: dict[str, list[str]] = {}
    for source, event_id in dict.fromkeys(events):
        by_source.setdefault(source, []).append(event_id)
    for source, ids in by_source.items():
        for start in range(0, len(ids), 400):
            result = await connection.execute(
                core_select(table.c.event_id, table.c.sha256).where(
                    table.c.source == source, table.c.event_id.in_(ids[start : start + 400])
                )
            )
            found.update({(source, i): d for i, d in result.all()})
    return found


async def facts_of(session: AsyncSession, pseudonyms: Sequence[str]) -> dict[str, list[Fact]]:
    """Every stored fact of these persons.

    Read as the driver hands them over and decoded here: SQLAlchemy's per-value processors (a
    regular expression per SQLite timestamp, the standard library's JSON decoder) cost more
    than the merge that reads them.
    """
    found: dict[str, list[Fact]] = {p: [] for p in pseudonyms}
    connection = await session.connection()
    columns = (
        _FACTS.c.pseudonym,
        _FACTS.c.event_id,
        _FACTS.c.source,
        _FACTS.c.type,
        type_coerce(_FACTS.c.time, String),
        type_coerce(_FACTS.c.data, String),
    )
    for start in range(0, len(pseudonyms), 500):
        result = await connection.execute(
            core_select(*columns).where(_FACTS.c.pseudonym.in_(pseudonyms[start : start + 500]))
        )
        for pseudonym, event_id, source, type_, time, data in result.all():
            found[pseudonym].append(Fact(event_id, source, type_, _moment(time), _json(data)))
    return found


def _moment(value: str | datetime) -> datetime:
    # SQLite keeps the UTC wall time as text; PostgreSQL's driver gives an aware datetime.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _json(value: str | dict[str, Any]) -> dict[str, Any]:
    # SQLite gives the JSON text; PostgreSQL's driver has decoded it already.
    if isinstance(value, str):
        decoded: dict[str, Any] = pydantic_core.from_json(value)
        return decoded
    return value


@dataclass(frozen=True, slots=True)
class MergeState:
    """What decides whether new facts can change a person's record."""

    datum_start: date | None
    complete: bool
    in_scope: bool | None


async def merge_states(session: AsyncSession, pseudonyms: Sequence[str]) -> dict[str, MergeState]:
    """These persons' merge states (plain rows, not the ORM's: most of a batch of CBS's months
    needs no more than this), the rows locked as :func:`persons` locks them."""
    table = PersonRow.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    found: dict[str, MergeState] = {}
    ordered = sorted(pseudonyms)
    for start in range(0, len(ordered), 500):
        result = await connection.execute(
            core_select(table.c.pseudonym, table.c.datum_start, table.c.complete, table.c.in_scope)
            .where(table.c.pseudonym.in_(ordered[start : start + 500]))
            .order_by(table.c.pseudonym)
            .with_for_update()
        )
        for pseudonym, datum_start, complete, in_scope in result.all():
            found[pseudonym] = MergeState(datum_start, complete, in_scope)
    return found


#: A person's row as plain values, column name to value: the hot path reads and writes persons
#: through Core (an ORM object's construction and attribute events cost more than a merge).
Person = dict[str, Any]

_PERSONS = PersonRow.__table__  # type: ignore[attr-defined]
PERSON_COLUMNS: tuple[str, ...] = tuple(column.name for column in _PERSONS.columns)
_ADD_PERSONS = BulkStatement(_PERSONS, PERSON_COLUMNS)
_SAVE_PERSONS = BulkStatement(_PERSONS, PERSON_COLUMNS, upsert=True)


def new_person(pseudonym: str) -> Person:
    """A person the store has not seen: every column at its default."""
    return {
        **_DEFAULTS,
        **{name: make() for name, make in _FACTORIES.items()},
        "pseudonym": pseudonym,
    }


# Looked up once: pydantic inspects a default factory's signature on every call of get_default,
# which cost more than the rest of a new person.
_FIELDS = {name: PersonRow.model_fields[name] for name in PERSON_COLUMNS if name != "pseudonym"}
_DEFAULTS: Person = {n: f.default for n, f in _FIELDS.items() if f.default_factory is None}
_FACTORIES: dict[str, Callable[[], Any]] = {
    n: f.default_factory  # type: ignore[misc]  # no factory of this table takes the data
    for n, f in _FIELDS.items()
    if f.default_factory is not None
}


def _person(row: Any) -> Person:
    return dict(row._mapping)


async def persons(session: AsyncSession, pseudonyms: Sequence[str]) -> dict[str, Person]:
    """These persons' rows, locked for this transaction (PostgreSQL; SQLite has one writer).

    The lock orders a batch and the deadline sweep on one person; rows are locked in
    pseudonym order, so two batches can never deadlock.
    """
    found: dict[str, Person] = {}
    ordered = sorted(pseudonyms)
    connection = await session.connection()
    for start in range(0, len(ordered), 500):
        result = await connection.execute(
            core_select(_PERSONS)
            .where(_PERSONS.c.pseudonym.in_(ordered[start : start + 500]))
            .order_by(_PERSONS.c.pseudonym)
            .with_for_update()
        )
        found.update((row.pseudonym, _person(row)) for row in result.all())
    return found


async def save_persons(
    session: AsyncSession, *, added: Sequence[Person], changed: Sequence[Person]
) -> None:
    """Write persons whole: ``added`` ones the store did not have, ``changed`` ones read (and
    locked) in this transaction.

    A new person is a plain insert: another instance that added the same person meanwhile
    (a rebalance moving its partition) makes this transaction fail and its batch run again
    with that person's facts, instead of one merge overwriting the other.
    """
    connection = await session.connection()
    await _ADD_PERSONS.run(connection, [tuple(p[c] for c in PERSON_COLUMNS) for p in added])
    await _SAVE_PERSONS.run(connection, [tuple(p[c] for c in PERSON_COLUMNS) for p in changed])


async def deadline_passed_without_pip(
    session: AsyncSession, *, today: date, after: str, limit: int
) -> list[Person]:
    """A page (by pseudonym, after ``after``) of emitted records whose PIP deadline passed
    without a PIP; the caller keeps those whose ``pip_tijdig`` is still open.

    Rows another transaction holds are skipped (they get their turn in the next sweep).
    """
    connection = await session.connection()
    result = await connection.execute(
        core_select(_PERSONS)
        .where(
            _PERSONS.c.emitted.is_(True),
            _PERSONS.c.datum_pip.is_(None),
            _PERSONS.c.pip_deadline < today,
            _PERSONS.c.pseudonym > after,
        )
        .order_by(_PERSONS.c.pseudonym)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_person(row) for row in result.all()]


async def stale_persons(session: AsyncSession, *, after: str, limit: int) -> list[Person]:
    """A page of complete persons whose monitor columns an older version wrote (``status``,
    set for every complete person since the yearly report's columns, is still empty)."""
    connection = await session.connection()
    result = await connection.execute(
        core_select(_PERSONS)
        .where(
            _PERSONS.c.complete.is_(True),
            _PERSONS.c.status.is_(None),
            _PERSONS.c.pseudonym > after,
        )
        .order_by(_PERSONS.c.pseudonym)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_person(row) for row in result.all()]


async def person(session: AsyncSession, pseudonym: str) -> PersonRow | None:
    return await session.get(PersonRow, pseudonym)


async def pending(
    session: AsyncSession,
    *,
    since_before: object | None,
    limit: int,
    gemeente: str | None = None,
    missing: str | None = None,
) -> Sequence[PersonRow]:
    query = select(PersonRow).where(*_PENDING)
    if since_before is not None:
        query = query.where(col(PersonRow.pending_since) <= since_before)
    if gemeente is not None:
        query = query.where(col(PersonRow.gemeente) == gemeente)
    if missing is not None:  # a JSON list of source names: match the quoted name in its text
        query = query.where(cast(col(PersonRow.missing), String).like(f'%"{missing}"%'))
    return (
        await session.exec(
            query.order_by(col(PersonRow.pending_since), col(PersonRow.pseudonym)).limit(limit)
        )
    ).all()


async def pending_summary(session: AsyncSession) -> tuple[int, object | None]:
    row = (
        await session.exec(select(func.count(), func.min(PersonRow.pending_since)).where(*_PENDING))
    ).one()
    return int(row[0]), row[1]


async def count_pending(session: AsyncSession, *, since_before: object) -> int:
    """Pending persons waiting since ``since_before`` or longer."""
    result = await session.exec(
        select(func.count()).where(*_PENDING, col(PersonRow.pending_since) <= since_before)
    )
    return int(result.one())


async def add_publication(session: AsyncSession, row: PublicationRow) -> None:
    session.add(row)


async def publications(session: AsyncSession) -> list[PublicationRow]:
    query = select(PublicationRow).order_by(col(PublicationRow.created_at), col(PublicationRow.id))
    return list((await session.exec(query)).all())


async def publication(session: AsyncSession, publication_id: str) -> PublicationRow | None:
    return await session.get(PublicationRow, publication_id)


async def tally_report(db: Database, tally: Tally, *, year: int) -> None:
    """Count every person the report of ``year`` covers into ``tally``, streamed (a national
    year is hundreds of thousands of persons)."""
    table = PersonRow.__table__  # type: ignore[attr-defined]
    query = (
        core_select(*(table.c[name] for name in REPORT_COLUMNS))
        .where(
            table.c.complete.is_(True),
            table.c.in_scope.is_(True),
            table.c.datum_start <= tally.as_of,
            table.c.cohort <= year,
        )
        .execution_options(yield_per=5000)
    )
    async with db.engine.connect() as connection:
        result = await connection.stream(query)
        async for row in result.mappings():
            tally.add(row)
