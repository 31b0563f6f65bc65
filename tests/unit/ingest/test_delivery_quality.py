"""On time is a Dutch day: the due date's evening in Amsterdam still counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from contracts import Quarter
from ingest.domain.quality import quality


def test_on_time_late_and_missing_by_the_dutch_day() -> None:
    due = Quarter(2025, 1).due_date
    last_minute = datetime(due.year, due.month, due.day, 21, 59, tzinfo=UTC)  # 23:59 CEST
    just_late = datetime(due.year, due.month, due.day, 22, 1, tzinfo=UTC)  # 00:01 next day
    released = {
        ("GM0344", "2025-Q1"): last_minute,
        ("GM0014", "2025-Q1"): just_late,
        ("GM0363", "2025-Q1"): datetime(2025, 12, 1, tzinfo=UTC),  # after as_of
    }
    errors = [("2025-Q1", "bsn_invalid", "error", 3), ("2025-Q1", "count_drop", "warning", 7)]
    q1, q2, *_ = quality(2025, date(2025, 9, 1), released, errors)
    assert (q1["on_time"], q1["late"]) == (1, 1)
    assert q1["missing"] == q1["municipalities"] - 2
    assert q1["errors"][0] == {"code": "count_drop", "severity": "warning", "n": 7}
    assert q2["on_time"] == 0 and q2["errors"] == []
    last = quality(2025, date(2025, 9, 1), released, errors)[3]
    assert last["due"] is False and last["missing"] is None
