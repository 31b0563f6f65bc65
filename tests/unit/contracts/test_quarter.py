from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import Quarter, QuarterInvalid


def test_quarter_parses_and_knows_its_dates() -> None:
    q = Quarter.parse("2025-Q3")
    assert (q.start, q.end, q.due_date) == (date(2025, 7, 1), date(2025, 9, 30), date(2025, 10, 28))
    assert str(q) == "2025-Q3"
    assert Quarter.parse("2024-Q4").end == date(2024, 12, 31)
    assert Quarter.parse("2024-Q1").end == date(2024, 3, 31)


@pytest.mark.parametrize("text", ["2025-Q5", "2025Q3", "25-Q1", "2025-q3", "", "2025-Q0"])
def test_quarter_refuses_malformed_text(text: str) -> None:
    with pytest.raises(QuarterInvalid, match="2025-Q3"):
        Quarter.parse(text)


@given(st.dates(date(1950, 1, 1), date(2100, 12, 31)))
def test_quarter_of_a_day_contains_it(day: date) -> None:
    q = Quarter.of(day)
    assert q.contains(day)
    assert q.previous() < q < q.next()
    assert q.next().start == q.end.fromordinal(q.end.toordinal() + 1)
    assert Quarter.parse(str(q)) == q
