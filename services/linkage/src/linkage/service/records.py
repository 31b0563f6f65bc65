"""A person's current monitoring record, for the operator."""

from __future__ import annotations

from typing import Any

from ketenkit import Database
from linkage.adapters import store
from linkage.domain.errors import RecordNotFound


async def current_record(db: Database, pseudonym: str) -> dict[str, Any]:
    async with db.sessions() as session:
        person = await store.person(session, pseudonym)
    if person is None or person.record is None:
        raise RecordNotFound(list(person.missing) if person else [])
    return person.record
