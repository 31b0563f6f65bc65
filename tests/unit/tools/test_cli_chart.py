from ketentools.cli import bars


def test_a_suppressed_percentage_is_a_gap_not_a_bar_of_zero() -> None:
    table = {
        "rows": [
            {"voldaan": {"n": 40, "pct": 12.5}},
            {"voldaan": {"n": None, "pct": None}},  # suppressed
            {"voldaan": {"n": 12, "pct": 0.0}},  # a real zero stays a bar
        ]
    }
    shown, gaps = bars(table, "voldaan", offset=0.1)
    assert shown == [(0.1, 12.5), (2.1, 0.0)]
    assert gaps == [1.1]
