"""Async database access (SQLite through aiosqlite, PostgreSQL through asyncpg), one way for all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ketenkit.tracing import instrument_database

logger = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (HTTP) run beside the writer (consumer); busy_timeout rides out the
    # short write locks instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A checkpoint (the WAL copied into the file, synced twice) runs in the commit that crosses
    # this many pages. At SQLite's 1,000 nearly every batch of a consumer crossed it (a batch's
    # random keys dirty a page each), and its commit paid about 40 ms; at 10,000 (40 MB of WAL)
    # a page changed by several batches is copied once.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _add_missing_columns(connection: Connection, tables: list[Table]) -> None:
    inspector = inspect(connection)
    for table in tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(
                    f"table {table.name} lacks column {column.name}, which is not nullable: "
                    "an additive change must be nullable"
                )
            kind = column.type.compile(dialect=connection.dialect)
            connection.execute(
                text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
            )
            logger.info("column_added", extra={"table": table.name, "column": column.name})


@dataclass(slots=True)
class _Turn:
    """Whose turn it is to write a SQLite file, in one event loop."""

    loop: asyncio.AbstractEventLoop
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holder: asyncio.Task[Any] | None = None


class Database:
    """An async engine with its session factory; tables are created for one service only."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        # No statement parameter (a pseudonym, a token hash, a row's data) reaches a log line or
        # an exception's message.
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # The connection used last has the warmest page cache (SQLite's cache is a
            # connection's own): hand that one out again rather than the longest idle.
            options.update(pool_use_lifo=True)
            # No prepared-statement cache per connection (sqlite3 keeps 128): SQLAlchemy renders
            # an IN list of every length as its own statement, so the caches filled with large
            # programs (linkage's peak RSS 370 -> 300 MB at bench scale 0.25, as fast as before;
            # SQLAlchemy's compiled cache stays, and preparing a statement again costs little).
            options.update(connect_args={"cached_statements": 0})
        else:
            options.update(pool_pre_ping=True, pool_size=5, max_overflow=5)
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        instrument_database(self.engine.sync_engine)
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._turn: _Turn | None = None

    async def create_tables(self, tables: Iterable[type[SQLModel]]) -> None:
        """Create this service's tables (and only those) when missing, and add the nullable
        columns a newer version of a table has (additive changes only, like the contracts)."""
        wanted = [model.__table__ for model in tables]  # type: ignore[attr-defined]
        async with self.engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all, tables=wanted)
            await connection.run_sync(_add_missing_columns, wanted)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any error.

        On SQLite the transactions of this process take turns: the file has one writer, and
        two of its transactions that met there waited in SQLite's busy handler, which sleeps
        in steps of milliseconds (a profile of linkage found its batches and the outbox relay
        losing seconds so). PostgreSQL's transactions run side by side, locking rows.
        """
        if self.dialect != "sqlite":
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._write_turn(), self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        turn = self._turn
        if turn is None or turn.loop is not loop:  # a lock belongs to one event loop
            turn = self._turn = _Turn(loop)
        task = asyncio.current_task()
        if task is not None and turn.holder is task:
            # It would wait for itself for ever.
            raise RuntimeError("a SQLite transaction was opened inside another of this task")
        async with turn.lock:
            turn.holder = task
            try:
                yield
            finally:
                turn.holder = None

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log
            logger.warning("database_unreachable", extra={"error": type(exc).__name__})
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
