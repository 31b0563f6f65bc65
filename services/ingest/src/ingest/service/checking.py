"""How a delivery file's rows are checked: one way, for an upload and for a dry run."""

from __future__ import annotations

from collections.abc import Iterator

from ingest.adapters.files import Row, RowProblem
from ingest.domain.rows import CheckedRow, RowError, RowValidator


def checked_rows(rows: Iterator[Row], validator: RowValidator) -> Iterator[CheckedRow]:
    """Each row as checked; a row that could not be read as a row is ``field_invalid``."""
    for number, fields in rows:
        if isinstance(fields, RowProblem):
            error = RowError(number, "_row", "field_invalid", fields.message)
            yield CheckedRow(number, None, None, (error,))
        else:
            yield validator.check(number, fields)
