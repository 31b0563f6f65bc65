"""Disclosure control: the monitor table's rules (SPEC section 10), and the secondary suppression
of the yearly report's tables with margins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K")

MIN_COUNT = 10


def suppress(count: int) -> int | None:
    """Counts from 1 to 9 are suppressed; 0 is shown."""
    return None if 0 < count < MIN_COUNT else count


def percentage(numerator: int, denominator: int) -> float | None:
    """One decimal, half up; suppressed with its numerator or a denominator below 10."""
    if suppress(numerator) is None or denominator < MIN_COUNT:
        return None
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def round_count(count: int | None, multiple: int) -> int | None:
    """Round half up to a multiple, after suppression."""
    if count is None or multiple == 1:
        return count
    return int((Decimal(count) / multiple).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * multiple


def measure(numerator: int, denominator: int, round_to: int) -> dict[str, int | float | None]:
    return {
        "n": round_count(suppress(numerator), round_to),
        "pct": percentage(numerator, denominator),
    }


Line = tuple[Sequence[K], K]


def secondary(cells: Mapping[K, int | None], lines: Iterable[Line[K]]) -> set[K]:
    """The cells to suppress as well, so that no suppressed cell follows from the totals.

    A line is a set of cells with their total (a row or a column of a table with margins). A
    line with exactly one suppressed cell gives that cell away by subtraction, so another cell
    of it is suppressed too: the smallest non-zero one (a zero only when no other is left), a
    total only when no inner cell will do (totals carry the most information). Lines share
    cells, so this repeats until every line has none or at least two. Even then a suppressed
    cell can follow from several lines together (a cell joining two otherwise separate groups
    of suppressed cells); the cells the published ones still determine are found by linear
    algebra, and a cell next to each is suppressed, until none is determined. ``None`` in
    ``cells`` marks a primary suppression.
    """
    lines = [(list(parts), total) for parts, total in lines]
    totals = {total for _, total in lines}
    hidden = {key for key, value in cells.items() if value is None}
    original = set(hidden)

    def widen(line: Sequence[K]) -> bool:
        shown = [key for key in line if key not in hidden]
        # A zero only when nothing else is left: hiding it tells little, but a line of shown
        # zeros around suppressed cells would give them away.
        candidates = [key for key in shown if cells[key]] or shown
        if not candidates:
            return False
        hidden.add(min(candidates, key=lambda key: (key in totals, cells[key], str(key))))
        return True

    while True:
        changed = True
        while changed:
            changed = False
            for parts, total in lines:
                line = [*parts, total]
                if sum(key in hidden for key in line) == 1:
                    changed |= widen(line)
        exposed = determined(hidden, lines)
        if not any(
            widen([*parts, total])
            for key in sorted(exposed, key=str)
            for parts, total in lines
            if key in parts or key == total
        ):
            return hidden - original


def determined(hidden: set[K], lines: Sequence[Line[K]]) -> set[K]:
    """The suppressed cells whose value follows from the shown cells and the lines' sums.

    Each line says: its parts add up to its total. Over the suppressed cells that is a system
    of linear equations; a cell is determined when every solution of the homogeneous system
    has it zero, i.e. when its variable is a pivot whose row has no free variable in it.
    """
    variables = sorted(hidden, key=str)
    index = {key: i for i, key in enumerate(variables)}
    matrix: list[list[Fraction]] = []
    for parts, total in lines:
        row = [Fraction(0)] * len(variables)
        for key in parts:
            if key in index:
                row[index[key]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            matrix.append(row)
    pivots: list[int] = []
    rank = 0
    for column in range(len(variables)):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][column]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column]:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(column)
        rank += 1
    free = set(range(len(variables))) - set(pivots)
    return {
        variables[column]
        for row, column in enumerate(pivots)
        if not any(matrix[row][other] for other in free)
    }
