from collections import Counter
from datetime import date

from contracts import Quarter
from ingest.domain.overdue import (
    latest_due_quarter,
    overdue_counts,
    overdue_figures,
    overdue_pairs,
)


def test_the_quarter_due_last_and_the_figures_per_quarter() -> None:
    as_of = date(2025, 11, 12)  # 2025-Q3 was due on 2025-10-28
    assert latest_due_quarter(as_of) == Quarter(2025, 3)
    assert latest_due_quarter(date(2025, 10, 28)) == Quarter(2025, 2)  # due that day: on time
    assert latest_due_quarter(date(2022, 1, 1)) is None
    everyone_but = {("GM0344", str(q)) for q in (Quarter(2025, 3), Quarter(2025, 2))}
    pairs = overdue_pairs(as_of, everyone_but)
    figures = overdue_figures(overdue_counts(as_of, everyone_but), as_of)
    assert figures.latest == Quarter(2025, 3)
    assert figures.latest_days_past_due == 15
    assert figures.latest_overdue == figures.by_quarter[Quarter(2025, 3)]
    assert figures.latest_overdue > 300  # every municipality but one
    assert sum(figures.by_quarter.values()) == len(pairs)


def test_the_counts_are_the_pairs_counted() -> None:
    delivered = {("GM0344", "2023-Q1"), ("GM0363", "2024-Q4"), ("GM0014", "2022-Q1")}
    for as_of in (date(2022, 4, 28), date(2022, 4, 29), date(2025, 11, 12)):
        pairs = overdue_pairs(as_of, delivered)
        assert overdue_counts(as_of, delivered) == Counter(p.quarter for p in pairs)
