"""Secondary suppression of the report's tables: no suppressed cell follows from the totals."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.domain.disclosure import determined, secondary
from linkage.domain.report import TOTAL, count_table

Key = tuple[int, int]


def grid_lines(rows: int, cols: int) -> list[tuple[list[Key], Key]]:
    """The lines of a table whose margins are row ``rows`` and column ``cols``."""
    return [([(r, c) for c in range(cols)], (r, cols)) for r in range(rows + 1)] + [
        ([(r, c) for r in range(rows)], (rows, c)) for c in range(cols + 1)
    ]


def test_a_cell_given_away_by_its_row_total_is_protected() -> None:
    # Naively: 170 - 120 - 45 = 5. The smallest other inner cell goes too.
    cells = {"asiel": 120, "gezin": 45, "overig": None, "totaal": 170}
    assert secondary(cells, [(["asiel", "gezin", "overig"], "totaal")]) == {"gezin"}


def test_a_bridge_between_two_groups_of_suppressed_cells_is_found() -> None:
    lines = grid_lines(4, 4)
    rectangles = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3)}
    assert determined(rectangles, lines) == set()
    # Every line has two or more suppressed cells, yet (1, 2) is row 1's total minus what
    # rows and columns 0 and 1 give for (1, 0) + (1, 1).
    assert determined(rectangles | {(1, 2)}, lines) == {(1, 2)}
    assert determined({(0, 0), (0, 1), (1, 0)}, lines) >= {(1, 0)}


def test_the_bridge_is_suppressed_with_a_neighbour() -> None:
    lines = grid_lines(4, 4)
    cells: dict[Key, int | None] = {(r, c): 50 for r in range(5) for c in range(5)}
    for key in {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)}:
        cells[key] = None
    added = secondary(cells, lines)
    assert added
    assert determined({k for k, v in cells.items() if v is None} | added, lines) == set()


def _inner_and_margins(values: list[list[int]]) -> dict[Key, int]:
    rows, cols = len(values), len(values[0])
    table = {(r, c): values[r][c] for r in range(rows) for c in range(cols)}
    for r in range(rows):
        table[(r, cols)] = sum(values[r])
    for c in range(cols + 1):
        table[(rows, c)] = sum(table[(r, c)] for r in range(rows))
    return table


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.sampled_from([0, 1, 3, 9, 10, 12, 25, 40, 100]), min_size=cols, max_size=cols
            ),
            min_size=1,
            max_size=5,
        )
    )
)
def test_no_line_keeps_a_single_suppressed_cell_and_none_is_determined(
    values: list[list[int]],
) -> None:
    rows, cols = len(values), len(values[0])
    lines = grid_lines(rows, cols)
    raw = _inner_and_margins(values)
    shown: dict[Key, int | None] = {k: None if 0 < v < 10 else v for k, v in raw.items()}
    hidden = {k for k, v in shown.items() if v is None} | secondary(shown, lines)
    assert determined(hidden, lines) == set()
    for parts, total in lines:
        line = [*parts, total]
        assert sum(k in hidden for k in line) != 1 or all(
            raw[k] == 0 for k in line if k not in hidden
        )


def test_the_population_table_hides_what_its_margins_would_give_away() -> None:
    counts = {
        (2023, "asielstatushouder"): 50,
        (2023, "gezinsmigrant"): 5,
        (2023, "overige_migrant"): 30,
        (2024, "asielstatushouder"): 40,
        (2024, "gezinsmigrant"): 20,
        (2024, "overige_migrant"): 25,
    }
    doelgroepen = ("asielstatushouder", "gezinsmigrant", "overige_migrant")
    table = count_table(counts, ("cohort", "doelgroep"), [2023, 2024], doelgroepen)
    shown = {(row["cohort"], row["doelgroep"]): row["n"] for row in table["rows"]}
    assert shown[(2023, "gezinsmigrant")] is None
    assert shown[(TOTAL, TOTAL)] == 170
    assert shown[(2023, TOTAL)] == 85 and shown[(2024, TOTAL)] == 85
    hidden = {key for key, value in shown.items() if value is None}
    assert len(hidden) >= 4  # a rectangle at least: 5 is not 85 - 50 - 30, nor 25 - 20
    rows, cols = [2023, 2024, TOTAL], [*doelgroepen, TOTAL]
    lines = [([(r, c) for c in doelgroepen], (r, TOTAL)) for r in rows] + [
        ([(r, c) for r in (2023, 2024)], (TOTAL, c)) for c in cols
    ]
    assert determined(hidden, lines) == set()
