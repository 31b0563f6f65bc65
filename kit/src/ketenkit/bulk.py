"""Many rows through one statement, compiled once: the hot paths' inserts and upserts.

SQLAlchemy's ``connection.execute(insert(table), rows)`` builds and processes a parameter
dictionary per row (``construct_params``), which profiles of linkage found costing more than
the rows' own work in SQLite. Here a statement is compiled once per dialect, each column's
bind processor (a date to SQLite's text, a JSON value to its text) is looked up once, and the
rows go to the driver's ``executemany`` as tuples: what is stored is exactly what a Core insert
stores (tested against one), only the per-row bookkeeping is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: bool
    names: tuple[str, ...]  # the bound columns in the statement's parameter order
    processors: tuple[Callable[[Any], Any] | None, ...]


class BulkStatement:
    """An INSERT (or an upsert on the primary key) of fixed columns, run for many rows.

    ``columns`` fixes each row's order; ``upsert`` makes a row whose key exists replace that
    row's other columns (``ON CONFLICT (key) DO UPDATE``, on SQLite and PostgreSQL alike).
    ``raw`` columns arrive in the form the driver takes (a JSON column's text), unprocessed.
    """

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        upsert: bool = False,
        raw: Collection[str] = (),
    ) -> None:
        unknown = [name for name in columns if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
        if not set(raw) <= set(columns):
            raise ValueError(f"raw columns {sorted(set(raw) - set(columns))} are not written")
        self.table = table
        self.columns = tuple(columns)
        self.upsert = upsert
        self.raw = frozenset(raw)
        self._compiled: dict[str, _Compiled] = {}

    def _statement(self, dialect: Dialect) -> Insert:
        if not self.upsert:
            return self.table.insert()
        keys = [column.name for column in self.table.primary_key.columns]
        if dialect.name == "postgresql":
            pg = postgresql.insert(self.table)
            changed = {n: pg.excluded[n] for n in self.columns if n not in keys}
            return pg.on_conflict_do_update(index_elements=keys, set_=changed)
        if dialect.name == "sqlite":
            lite = sqlite.insert(self.table)
            changed = {n: lite.excluded[n] for n in self.columns if n not in keys}
            return lite.on_conflict_do_update(index_elements=keys, set_=changed)
        raise NotImplementedError(f"no upsert for {dialect.name}")

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            statement = self._statement(dialect)
            done = statement.compile(dialect=dialect, column_keys=list(self.columns))
            positional = bool(done.positional)
            names = tuple(done.positiontup or ()) if positional else self.columns
            if sorted(names) != sorted(self.columns):
                raise RuntimeError(f"{self.table.name}: parameters {names} are not {self.columns}")
            processors = tuple(
                None
                if name in self.raw
                else self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names
            )
            compiled = _Compiled(done.string, positional, names, processors)
            self._compiled[dialect.name] = compiled
        return compiled

    async def run(self, connection: AsyncConnection, rows: Iterable[Sequence[Any]]) -> int:
        """Execute for ``rows`` (each a value per column, in ``columns``' order); how many."""
        compiled = self._compile(connection.dialect)
        order = [self.columns.index(name) for name in compiled.names]
        steps = list(zip(order, compiled.processors, strict=True))
        parameters: list[Any] = []
        for row in rows:
            values = tuple(row[i] if process is None else process(row[i]) for i, process in steps)
            parameters.append(
                values if compiled.positional else dict(zip(compiled.names, values, strict=True))
            )
        if parameters:
            await connection.exec_driver_sql(compiled.sql, parameters)
        return len(parameters)
