"""SQLite transactions of one process take turns instead of meeting in SQLite's busy handler."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from ketenkit import Database


async def test_a_second_transaction_waits_for_the_first(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (n INTEGER)"))
        holding, trying, release = asyncio.Event(), asyncio.Event(), asyncio.Event()
        order: list[str] = []

        async def first() -> None:
            async with db.transaction() as session:
                await (await session.connection()).execute(text("INSERT INTO t VALUES (1)"))
                holding.set()
                await release.wait()
            order.append("first committed")

        async def second() -> None:
            await holding.wait()
            trying.set()
            async with db.transaction() as session:
                order.append("second begun")
                await (await session.connection()).execute(text("INSERT INTO t VALUES (2)"))

        tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
        await trying.wait()  # the second asks for its transaction while the first holds one
        release.set()
        await asyncio.gather(*tasks)
        # Not begun while the first held the file's write lock (without turns it would have
        # begun at once and met the first in SQLite's busy handler).
        assert order == ["first committed", "second begun"]
        async with db.engine.connect() as connection:
            stored = await connection.execute(text("SELECT n FROM t ORDER BY n"))
            assert stored.all() == [(1,), (2,)]
    finally:
        await db.dispose()


async def test_a_transaction_inside_another_of_the_same_task_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'nested.db'}")
    try:
        async with db.transaction():
            with pytest.raises(RuntimeError, match="inside another"):
                async with db.transaction():
                    pass
        async with db.transaction() as session:  # the turn was given back
            await (await session.connection()).execute(text("SELECT 1"))
    finally:
        await db.dispose()
