"""No statement parameter reaches an exception's message or a log line (SQLAlchemy hides them)."""

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from ketenkit import Database


def test_a_failing_statement_does_not_show_its_parameters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def fail() -> str:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", echo=True)
        try:
            async with db.transaction() as session:
                await (await session.connection()).execute(text("CREATE TABLE t (v TEXT UNIQUE)"))
                await (await session.connection()).execute(
                    text("INSERT INTO t VALUES (:v)"), {"v": "111222333"}
                )
            async with db.transaction() as session:
                await (await session.connection()).execute(
                    text("INSERT INTO t VALUES (:v)"), {"v": "111222333"}
                )
        except Exception as exc:  # the IntegrityError of the second insert
            return str(exc)
        finally:
            await db.dispose()
        raise AssertionError("the duplicate was accepted")

    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    message = asyncio.run(fail())
    assert "UNIQUE" in message
    assert "111222333" not in message
    assert "111222333" not in caplog.text
    assert "hidden due to hide_parameters" in message
