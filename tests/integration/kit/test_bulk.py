"""A bulk statement stores exactly what SQLAlchemy's own insert stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)

from ketenkit import Database
from ketenkit.bulk import BulkStatement

METADATA = MetaData()
SAMPLE = Table(
    "bulk_sample",
    METADATA,
    Column("key", String(40), primary_key=True),
    Column("moment", DateTime(timezone=True), nullable=True),
    Column("day", Date, nullable=True),
    Column("flag", Boolean, nullable=True),
    Column("count", Integer, nullable=True),
    Column("data", JSON, nullable=True),
)
COLUMNS = ("key", "moment", "day", "flag", "count", "data")

ROWS: list[dict[str, Any]] = [
    {
        "key": "a",
        "moment": datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC),
        "day": date(2025, 12, 31),
        "flag": True,
        "count": 7,
        "data": {"x": [1, "é", None], "y": {"z": True}},
    },
    {
        "key": "b",
        "moment": datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=1))),
        "day": None,
        "flag": False,
        "count": None,
        "data": None,
    },
    {"key": "c", "moment": None, "day": None, "flag": None, "count": 0, "data": []},
]


async def _stored(db: Database) -> list[tuple[Any, ...]]:
    async with db.engine.connect() as connection:
        result = await connection.execute(select(SAMPLE).order_by(SAMPLE.c.key))
        return [tuple(row) for row in result.all()]


async def _reset(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.run_sync(METADATA.drop_all)
        await connection.run_sync(METADATA.create_all)


async def test_bulk_insert_stores_what_a_core_insert_stores(database_url: str) -> None:
    db = Database(database_url)
    try:
        await _reset(db)
        async with db.engine.begin() as connection:
            await connection.execute(insert(SAMPLE), ROWS)
        expected = await _stored(db)

        await _reset(db)
        bulk = BulkStatement(SAMPLE, COLUMNS)
        async with db.engine.begin() as connection:
            count = await bulk.run(connection, [tuple(r[c] for c in COLUMNS) for r in ROWS])
        assert count == len(ROWS)
        assert await _stored(db) == expected

        await _reset(db)  # the JSON given as its text, as the driver takes it
        raw = BulkStatement(SAMPLE, COLUMNS, raw=("data",))
        async with db.engine.begin() as connection:
            await raw.run(
                connection,
                [tuple(json.dumps(r[c]) if c == "data" else r[c] for c in COLUMNS) for r in ROWS],
            )
        assert await _stored(db) == expected
    finally:
        await db.dispose()


async def test_bulk_upsert_replaces_a_row_by_its_key(database_url: str) -> None:
    db = Database(database_url)
    try:
        await _reset(db)
        upsert = BulkStatement(SAMPLE, COLUMNS, upsert=True)
        changed = {**ROWS[0], "count": 8, "data": {"x": 2}, "flag": None}
        async with db.engine.begin() as connection:
            await upsert.run(connection, [tuple(r[c] for c in COLUMNS) for r in ROWS])
        async with db.engine.begin() as connection:
            await upsert.run(connection, [tuple(changed[c] for c in COLUMNS)])
        stored = {row[0]: row for row in await _stored(db)}
        assert len(stored) == len(ROWS)
        assert stored["a"][3:] == (None, 8, {"x": 2})
        assert stored["b"][3:] == (False, None, None)
    finally:
        await db.dispose()


def test_a_bulk_statement_names_only_its_table_columns() -> None:
    with pytest.raises(ValueError, match="no column nope"):
        BulkStatement(SAMPLE, ("key", "nope"))
    with pytest.raises(ValueError, match="not written"):
        BulkStatement(SAMPLE, ("key",), raw=("data",))
