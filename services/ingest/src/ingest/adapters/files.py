"""Reading uploaded delivery files row by row: CSV (`,` or `;`, optional BOM) and NDJSON.

The upload is spooled to disk first; these readers then hold one row at a time, so memory
does not grow with the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import IO, Final

MAX_COLUMNS: Final = 200
MAX_FIELD_CHARS: Final = 10_000
#: The default longest line (SPEC section 11: configurable, at least 1 MiB); a longer one rejects
#: the delivery (encoding_invalid), and it is refused while it is read, never held whole.
MAX_LINE_CHARS: Final = 1024 * 1024
CSV_TYPES: Final = frozenset({"text/csv", "application/csv"})
NDJSON_TYPES: Final = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl"})


class FileProblem(Exception):
    """A problem with the whole file; ``code`` is a SPEC file-level code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def empty_delivery() -> FileProblem:
    return FileProblem(
        "empty_delivery",
        "the delivery has no data rows; send nil_return=true when there is nobody to report",
    )


class RowProblem:
    """A row that could not even be read as a row (reported as ``field_invalid``)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


Row = tuple[int, dict[str, str] | RowProblem]


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


class DeliveryFile:
    """Iterates ``(row_number, fields)``; ``header`` holds the CSV columns once read."""

    def __init__(
        self, binary: IO[bytes], content_type: str, *, max_line: int = MAX_LINE_CHARS
    ) -> None:
        self.kind = "csv" if media_type(content_type) in CSV_TYPES else "ndjson"
        self.text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
        self.max_line = max_line
        self.header: list[str] = []
        self._seen_keys: set[str] = set()

    def rows(self) -> Iterator[Row]:
        try:
            yield from (self._csv() if self.kind == "csv" else self._ndjson())
        except UnicodeDecodeError as exc:
            raise FileProblem(
                "encoding_invalid", f"the file is not UTF-8 (byte {exc.start})"
            ) from None

    def _lines(self) -> Iterator[str]:
        """The file's lines, each read with a bound (room for its line break)."""
        while line := self.text.readline(self.max_line + 2):
            if len(line.rstrip("\r\n")) > self.max_line or (
                len(line) == self.max_line + 2 and not line.endswith("\n")
            ):
                raise FileProblem(
                    "encoding_invalid", f"a line is longer than {self.max_line:,} characters"
                )
            yield line

    def _csv(self) -> Iterator[Row]:
        lines = self._lines()
        first = next(lines, "")
        if not first.strip():
            return
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = next(csv.reader([first], delimiter=delimiter), [])
        if len(header) > MAX_COLUMNS:
            raise FileProblem(
                "header_invalid", f"the header has {len(header)} columns; at most {MAX_COLUMNS}"
            )
        self.header = [name.strip().lower() for name in header]
        missing = [n for n in ("bsn", "gemeentecode", "doelgroep") if n not in self.header]
        if missing:
            raise FileProblem("header_invalid", f"the header lacks column(s): {', '.join(missing)}")
        if len(set(self.header)) != len(self.header):
            raise FileProblem("header_invalid", "the header names a column twice")
        csv.field_size_limit(MAX_FIELD_CHARS)
        reader = csv.reader(lines, delimiter=delimiter)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield number, RowProblem(f"unreadable CSV row: {exc}")
                continue
            if not cells or all(not c.strip() for c in cells):
                continue
            number += 1
            if len(cells) > len(self.header):
                yield number, RowProblem(f"{len(cells)} cells for {len(self.header)} columns")
                continue
            yield number, dict(zip(self.header, cells, strict=False))

    def _ndjson(self) -> Iterator[Row]:
        number = 0
        for line in self._lines():
            if not line.strip():
                continue
            number += 1
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, RowProblem(f"not a JSON object: {exc.msg}")
                continue
            except RecursionError:
                yield number, RowProblem("not a JSON object: nested too deeply")
                continue
            except ValueError:  # e.g. an integer of more digits than Python converts
                yield number, RowProblem("not a JSON object: a value cannot be read")
                continue
            if not isinstance(value, dict):
                yield number, RowProblem("not a JSON object")
                continue
            yield (
                number,
                {str(k).strip().lower(): "" if v is None else str(v) for k, v in value.items()},
            )
            for name in value:
                key = str(name).strip().lower()
                if key not in self._seen_keys and len(self._seen_keys) < MAX_COLUMNS:
                    self._seen_keys.add(key)
                    self.header.append(key)
