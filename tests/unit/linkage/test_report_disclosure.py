"""Secondary suppression of the report's tables: no suppressed cell follows from the totals."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from linkage.domain.disclosure import determined, secondary
from linkage.domain.report import TOTAL, CountSpec, count_table, count_tables

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
@example([[0, 0, 1], [0, 1, 1], [1, 1, 10]])  # only zeros left to hide beside a determined cell
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


PEOPLE = st.lists(
    st.tuples(
        st.sampled_from([2023, 2024, 2025]),
        st.sampled_from(["asielstatushouder", "gezinsmigrant", "overige_migrant"]),
        st.sampled_from(["A", "B", "C", "D"]),
    ),
    min_size=1,
    max_size=120,
)


def _tables(people: list[tuple[int, str, str]], *, joint: bool) -> dict[str, Any]:
    from collections import Counter

    cohorts = sorted({c for c, _, _ in people})
    by_group = Counter((c, g) for c, g, _ in people)
    by_region = Counter((c, r) for c, _, r in people)
    groups, regions = (
        ["asielstatushouder", "gezinsmigrant", "overige_migrant"],
        ["A", "B", "C", "D"],
    )
    specs = [
        CountSpec("doelgroep", by_group, ("cohort", "doelgroep"), groups),
        CountSpec("regio", by_region, ("cohort", "regio"), regions),
    ]
    if joint:
        return count_tables(specs, cohorts)
    return {s.name: count_table(s.counts, s.by, cohorts, s.columns) for s in specs}


def _totals(table: dict[str, Any]) -> dict[Any, Any]:
    first, second = table["by"]
    return {r[first]: r["n"] for r in table["rows"] if r[second] == "totaal"}


@settings(max_examples=300, deadline=None)
@given(PEOPLE)
def test_a_total_the_tables_share_is_hidden_in_all_or_in_none(
    people: list[tuple[int, str, str]],
) -> None:
    tables = _tables(people, joint=True)
    assert _totals(tables["doelgroep"]) == _totals(tables["regio"])


def test_protected_one_by_one_the_tables_can_disagree_on_a_shared_total() -> None:
    """Why the tables are protected together: some population makes them disagree otherwise."""
    import random

    rng = random.Random(5)
    for _ in range(3000):
        people = [
            (
                rng.choice([2023, 2024, 2025]),
                rng.choice(["asielstatushouder", "gezinsmigrant", "overige_migrant"]),
                rng.choice("ABCD"),
            )
            for _ in range(rng.randrange(5, 80))
        ]
        apart = _tables(people, joint=False)
        if _totals(apart["doelgroep"]) != _totals(apart["regio"]):
            assert _totals(_tables(people, joint=True)["doelgroep"]) == _totals(
                _tables(people, joint=True)["regio"]
            )
            return
    raise AssertionError("no population found where separate protection disagrees")
