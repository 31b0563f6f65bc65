"""Persons written through Core: a new person never overwrites one another transaction added."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from ketenkit import Database
from linkage.adapters import store
from linkage.adapters.tables import TABLES


async def test_a_person_added_meanwhile_is_not_overwritten_by_another_merge(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        await db.create_tables(TABLES)
        first = {**store.new_person("p" * 64), "version": 1, "gemeente": "GM0344"}
        async with db.transaction() as session:
            await store.save_persons(session, added=[first], changed=[])
        # Another instance merged the same new person from the facts it saw (a rebalance):
        # its batch must fail and run again, not replace the stored state.
        other = {**store.new_person("p" * 64), "version": 1, "gemeente": "GM0363"}
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                await store.save_persons(session, added=[other], changed=[])
        async with db.transaction() as session:
            stored = await store.persons(session, ["p" * 64])
            assert stored["p" * 64]["gemeente"] == "GM0344"
            changed = {**stored["p" * 64], "version": 2, "gemeente": "GM0363"}
            await store.save_persons(session, added=[], changed=[changed])
        async with db.transaction() as session:
            assert (await store.persons(session, ["p" * 64]))["p" * 64] == changed
    finally:
        await db.dispose()
