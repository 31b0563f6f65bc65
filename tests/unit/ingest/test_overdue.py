from datetime import date

from contracts import Quarter
from ingest.domain.overdue import overdue_pairs


def test_delivering_on_the_due_date_is_on_time() -> None:
    # 2022-Q1 is due on 2022-04-28.
    assert overdue_pairs(date(2022, 4, 28), set()) == []
    late = overdue_pairs(date(2022, 4, 29), set())
    assert {o.quarter for o in late} == {Quarter(2022, 1)}
    assert len(late) == 344  # valid on 31 March 2022: Weesp merged into Amsterdam on 24 March


def test_delivered_pairs_and_filters_are_respected() -> None:
    as_of = date(2022, 8, 1)
    pairs = overdue_pairs(as_of, {("GM0344", "2022-Q1")}, municipalities={"GM0344", "GM0363"})
    assert [(o.municipality, str(o.quarter)) for o in pairs] == [
        ("GM0344", "2022-Q2"),
        ("GM0363", "2022-Q1"),
        ("GM0363", "2022-Q2"),
    ]
