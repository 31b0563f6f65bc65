"""Reading delivery files: hostile lines end as row errors or a file problem, never a crash."""

from __future__ import annotations

import io

import pytest

from ingest.adapters.files import MAX_LINE_CHARS, DeliveryFile, FileProblem, RowProblem


def read(body: bytes, content_type: str, **options: int) -> list[tuple[int, object]]:
    return list(DeliveryFile(io.BytesIO(body), content_type, **options).rows())


def test_unreadable_ndjson_lines_are_row_problems_and_the_rest_is_read() -> None:
    good = b'{"bsn": "111222333", "gemeentecode": "GM0344", "doelgroep": "gezinsmigrant"}\n'
    body = b"[" * 100_000 + b"\n" + b'{"n": ' + b"9" * 5000 + b"}\n" + b"[1, 2]\n" + good
    rows = read(body, "application/x-ndjson")
    assert [n for n, _ in rows] == [1, 2, 3, 4]
    assert all(isinstance(r, RowProblem) for _, r in rows[:3])
    assert isinstance(rows[3][1], dict)
    first = rows[0][1]
    assert isinstance(first, RowProblem) and "nested too deeply" in first.message


@pytest.mark.parametrize("content_type", ["text/csv", "application/x-ndjson"])
def test_a_line_over_the_limit_rejects_the_file_while_it_is_read(content_type: str) -> None:
    header = b"bsn;gemeentecode;doelgroep\n"
    long_line = b"111222333;GM0344;" + b"x" * (MAX_LINE_CHARS + 10) + b"\n"
    with pytest.raises(FileProblem) as problem:
        read(header + long_line, content_type)
    assert problem.value.code == "encoding_invalid"
    assert "1,048,576" in str(problem.value)


def test_a_line_of_the_limit_is_read_and_the_limit_is_configurable() -> None:
    header = b"bsn;gemeentecode;doelgroep;x\n"
    line = b"111222333;GM0344;gezinsmigrant;"
    filler = b"y" * (MAX_LINE_CHARS - len(line))
    rows = read(header + line + filler + b"\r\n", "text/csv", max_line=MAX_LINE_CHARS + 10)
    assert len(rows) == 1
    with pytest.raises(FileProblem):
        read(header + line + filler + b"\n", "text/csv", max_line=1000)
