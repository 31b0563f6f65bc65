import csv
from datetime import date
from pathlib import Path

import pytest

from contracts import MunicipalityUnknown
from contracts.reference import (
    current_code,
    is_valid,
    merged_into_during,
    municipalities_on,
    predecessors,
    province,
    require_valid,
)

DATA = Path(__file__).parents[3] / "contracts" / "src" / "contracts" / "reference" / "data"


def codes(year: int) -> set[str]:
    with (DATA / f"gemeenten_{year}.csv").open(encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f)}


@pytest.mark.parametrize(
    ("day", "count"),
    [
        (date(2021, 6, 1), 352),
        (date(2022, 1, 1), 345),
        (date(2022, 3, 24), 344),
        (date(2023, 1, 1), 342),
        (date(2026, 11, 28), 342),
    ],
)
def test_municipalities_on_a_day_match_the_cbs_lists(day: date, count: int) -> None:
    assert len(municipalities_on(day)) == count


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025, 2026])
def test_valid_codes_on_first_january_equal_that_years_list(year: int) -> None:
    assert {m.code for m in municipalities_on(date(year, 1, 1))} == codes(year)


def test_weesp_merges_into_amsterdam_on_24_march_2022() -> None:
    assert is_valid("GM0457", date(2022, 3, 23))
    assert not is_valid("GM0457", date(2022, 3, 24))
    assert current_code("GM0457", on=date(2022, 3, 23)) == "GM0457"
    assert current_code("GM0457", on=date(2022, 3, 24)) == "GM0363"
    assert current_code("GM0457") == "GM0363"
    assert province(current_code("GM0457")) == "Noord-Holland"
    assert merged_into_during("GM0457", "GM0363", date(2022, 1, 1), date(2022, 3, 31))


def test_current_code_follows_mergers_and_keeps_unmerged_codes() -> None:
    assert current_code("GM0501") == "GM1992"  # Brielle -> Voorne aan Zee (2023)
    assert current_code("GM0344") == "GM0344"
    assert current_code("GM0501", on=date(2022, 12, 31)) == "GM0501"


@pytest.mark.parametrize(("code", "message"), [("GM9999", "not a known"), ("0363", "GM followed")])
def test_unknown_codes_raise_with_the_reason(code: str, message: str) -> None:
    with pytest.raises(MunicipalityUnknown, match=message):
        province(code)
    assert not is_valid(code, date(2024, 1, 1))


def test_require_valid_names_the_day() -> None:
    with pytest.raises(MunicipalityUnknown, match="2023-01-01"):
        require_valid("GM0501", date(2023, 1, 1))


def test_predecessors_are_every_code_that_merged_into_one() -> None:
    assert predecessors("GM1992") == {"GM0501", "GM0530", "GM0614"}
    assert "GM0457" in predecessors("GM0363")  # Weesp into Amsterdam
    assert predecessors("GM0344") == frozenset()
