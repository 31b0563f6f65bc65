"""Every row rule of SPEC sections 7 and 10, on hand-written rows."""

from __future__ import annotations

import pytest

from contracts import Pseudonymiser, Quarter
from ingest.domain.rows import RowValidator, unknown_columns

KEY = bytes(range(100, 132))
GOOD = {"bsn": "111222333", "gemeentecode": "GM0344", "doelgroep": "gezinsmigrant"}


def validator(municipality: str = "GM0344", quarter: str = "2025-Q2") -> RowValidator:
    return RowValidator(
        municipality=municipality, quarter=Quarter.parse(quarter), pseudonymiser=Pseudonymiser(KEY)
    )


def codes(raw: dict[str, str], **kwargs: str) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in validator(**kwargs).check(1, raw).errors}


def test_a_complete_row_is_valid_and_pseudonymised() -> None:
    row = {
        **GOOD,
        "datum_inschrijving_brp": "2025-01-06",
        "datum_start_brede_intake": "2025-02-03",
        "datum_einde_brede_intake": "2025-02-20",
        "datum_eerste_pip": "2025-03-10",
        "leerroute": "b1",
        "map_status": "gestart",
    }
    checked = validator().check(1, row)
    assert checked.valid
    assert checked.pseudonym == Pseudonymiser(KEY).pseudonymise("111222333")
    assert checked.data is not None
    assert "bsn" not in checked.data
    assert checked.data["leerroute"] == "b1"
    assert checked.data["datum_laatste_pip"] is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"bsn": ""}, ("bsn", "field_missing")),
        ({"gemeentecode": ""}, ("gemeentecode", "field_missing")),
        ({"doelgroep": ""}, ("doelgroep", "field_missing")),
        ({"bsn": "111222334"}, ("bsn", "bsn_invalid")),
        ({"bsn": "12345"}, ("bsn", "bsn_invalid")),
        ({"doelgroep": "toerist"}, ("doelgroep", "field_invalid")),
        ({"leerroute": "c2", "datum_eerste_pip": "2025-03-01"}, ("leerroute", "field_invalid")),
        ({"pvt_status": "klaar"}, ("pvt_status", "field_invalid")),
        ({"reden_uitstroom": "weg"}, ("reden_uitstroom", "field_invalid")),
        (
            {"datum_eerste_pip": "10-03-2025", "leerroute": "b1"},
            ("datum_eerste_pip", "date_invalid"),
        ),
        ({"datum_inschrijving_brp": "2025-02-30"}, ("datum_inschrijving_brp", "date_invalid")),
        ({"datum_inschrijving_brp": "20250101"}, ("datum_inschrijving_brp", "date_invalid")),
        (
            {
                "datum_start_brede_intake": "2025-04-01",
                "datum_eerste_pip": "2025-03-01",
                "leerroute": "b1",
            },
            ("datum_eerste_pip", "date_order"),
        ),
        (
            {"datum_start_brede_intake": "2025-04-01", "datum_einde_brede_intake": "2025-03-01"},
            ("datum_einde_brede_intake", "date_order"),
        ),
        (
            {
                "datum_eerste_pip": "2025-05-01",
                "datum_laatste_pip": "2025-04-01",
                "leerroute": "b1",
            },
            ("datum_laatste_pip", "date_order"),
        ),
        ({"datum_inschrijving_brp": "2025-07-01"}, ("datum_inschrijving_brp", "date_after_period")),
        ({"datum_eerste_pip": "2025-03-01"}, ("leerroute", "leerroute_missing")),
        (
            {"datum_eerste_pip": "2025-03-01", "leerroute": "onderwijs", "map_status": "gestart"},
            ("map_status", "map_not_applicable"),
        ),
        (
            {
                "datum_eerste_pip": "2025-03-01",
                "leerroute": "onderwijs",
                "map_datum_afgerond": "2025-05-01",
            },
            ("map_datum_afgerond", "map_not_applicable"),
        ),
        ({"ontzorgen_start": "2025-03-01"}, ("ontzorgen_start", "ontzorgen_not_applicable")),
        ({"ontzorgen_einde": "2025-03-01"}, ("ontzorgen_einde", "ontzorgen_not_applicable")),
        ({"gemeentecode": "GM9999"}, ("gemeentecode", "municipality_unknown")),
        ({"gemeentecode": "0344"}, ("gemeentecode", "municipality_unknown")),
        ({"gemeentecode": "GM0363"}, ("gemeentecode", "municipality_mismatch")),
    ],
)
def test_each_rule_gives_its_code_on_its_field(
    change: dict[str, str], expected: tuple[str, str]
) -> None:
    assert expected in codes({**GOOD, **change})


def test_ontzorgen_is_fine_for_asylum_status_holders() -> None:
    assert (
        codes({**GOOD, "doelgroep": "asielstatushouder", "ontzorgen_start": "2025-03-01"}) == set()
    )


def test_duplicate_person_marks_every_later_occurrence() -> None:
    rows = validator()
    first, second, third = (rows.check(n, GOOD) for n in (1, 2, 3))
    assert first.valid
    assert [(e.row, e.code) for e in second.errors + third.errors] == [
        (2, "duplicate_person"),
        (3, "duplicate_person"),
    ]
    assert "111222333" not in second.errors[0].message


def test_codes_merged_into_the_municipality_during_the_quarter_are_accepted() -> None:
    weesp = {**GOOD, "gemeentecode": "GM0457"}
    assert codes(weesp, municipality="GM0363", quarter="2022-Q1") == set()
    assert ("gemeentecode", "municipality_unknown") in codes(
        weesp, municipality="GM0363", quarter="2022-Q2"
    )
    assert ("gemeentecode", "municipality_mismatch") in codes(
        weesp, municipality="GM0363", quarter="2021-Q4"
    )
    # A merger on 1 January counts for Q1: Brielle into Voorne aan Zee (2023-01-01).
    assert (
        codes({**GOOD, "gemeentecode": "GM0501"}, municipality="GM1992", quarter="2023-Q1") == set()
    )
    assert ("gemeentecode", "municipality_unknown") in codes(
        {**GOOD, "gemeentecode": "GM0501"}, municipality="GM1992", quarter="2023-Q2"
    )


def test_unknown_columns_are_warnings() -> None:
    (warning,) = unknown_columns(["bsn", "gemeentecode", "doelgroep", "opmerking"])
    assert (warning.row, warning.field, warning.code, warning.severity) == (
        0,
        "opmerking",
        "column_unknown",
        "warning",
    )


def test_the_cache_of_gemeentecode_values_is_bounded() -> None:
    from ingest.domain.rows import CODE_CACHE_SIZE

    checker = validator()
    for n in range(3 * CODE_CACHE_SIZE):
        checker.check(n + 1, {**GOOD, "gemeentecode": f"junk-{n}"})
    assert len(checker._code_cache) <= CODE_CACHE_SIZE
    assert ("gemeentecode", "municipality_unknown") in codes({**GOOD, "gemeentecode": "junk-1"})
