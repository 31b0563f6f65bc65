"""Publications: freeze the yearly report's figures; read them back; list what the live
figures have revised since (SPEC section 11)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from contracts.publications import Publication, PublicationRequest, PublishedFigures, Revisions
from ketenkit import Database
from linkage.adapters import store
from linkage.adapters.tables import PublicationRow
from linkage.domain.publications import canonical, digest, revisions
from linkage.domain.report import Tally
from linkage.domain.report import figures as report_figures


async def figures(db: Database, *, year: int, as_of: date) -> dict[str, Any]:
    """The yearly report's figures of ``year`` as known on ``as_of``: what a publication
    freezes, and what the report shows live."""
    tally = Tally(as_of)
    await store.tally_report(db, tally, year=year)
    return report_figures(tally, year)


def _publication(row: PublicationRow) -> Publication:
    created = row.created_at
    if created.tzinfo is None:  # SQLite keeps no offset; it was written in UTC
        created = created.replace(tzinfo=UTC)
    return Publication(
        id=row.id,
        year=row.year,
        as_of=row.as_of,
        status=row.status,  # type: ignore[arg-type]  # written from the same Literal
        sha256=row.sha256,
        created_at=created,
    )


async def publish(
    db: Database, request: PublicationRequest, *, now: datetime | None = None
) -> Publication:
    """Freeze the figures as they are now; every call is a new publication."""
    text = canonical(await figures(db, year=request.year, as_of=request.as_of))
    row = PublicationRow(
        id=str(uuid.uuid4()),
        year=request.year,
        as_of=request.as_of,
        status=request.status,
        sha256=digest(text),
        created_at=now or datetime.now(UTC),
        figures=text,
    )
    async with db.transaction() as session:
        await store.add_publication(session, row)
    return _publication(row)


async def listed(db: Database) -> list[Publication]:
    async with db.sessions() as session:
        return [_publication(row) for row in await store.publications(session)]


async def published(db: Database, publication_id: str) -> PublishedFigures | None:
    async with db.sessions() as session:
        row = await store.publication(session, publication_id)
    if row is None:
        return None
    return PublishedFigures(**_publication(row).model_dump(), figures=json.loads(row.figures))


async def revised(db: Database, publication_id: str) -> Revisions | None:
    """The cells whose live value differs from the frozen one."""
    frozen = await published(db, publication_id)
    if frozen is None:
        return None
    live = await figures(db, year=frozen.year, as_of=frozen.as_of)
    return Revisions.model_validate(
        {
            "id": frozen.id,
            "as_of": frozen.as_of,
            "status": frozen.status,
            "revisions": revisions(frozen.figures.model_dump(mode="json"), live),
        }
    )
