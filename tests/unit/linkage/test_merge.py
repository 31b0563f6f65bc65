"""The merge rules of SPEC sections 8 and 10 on hand-written facts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import Envelope
from ketenkit.incoming import Incoming
from linkage.domain.facts import Fact
from linkage.domain.merge import add_years, merge
from linkage.service.linking import read_fact
from tests.linkage_events import coa, duo, municipal, pseudonym, retracted

P = pseudonym(1)
TODAY = date(2026, 11, 28)


def facts(*envelopes: Envelope) -> list[Fact]:
    result = []
    for envelope in envelopes:
        read = read_fact(Incoming(record=None, envelope=envelope, error=None))
        assert isinstance(read, tuple), read
        result.append(read[2])
    return result


def record(*envelopes: Envelope) -> dict[str, Any]:
    merged = merge(facts(*envelopes), today=TODAY)
    assert merged.record is not None, merged.missing
    return merged.record


BASE = (
    duo(P, "v1", "vastgesteld"),
    municipal(
        P,
        "m1",
        datum_inschrijving_brp="2024-02-01",
        datum_start_brede_intake="2024-03-01",
        datum_eerste_pip="2024-04-01",
        leerroute="b1",
    ),
)


def test_a_complete_family_migrant_record() -> None:
    r = record(*BASE)
    assert (r["cohort"], r["doelgroep"], r["gemeentecode_actueel"], r["provincie"]) == (
        2024,
        "gezinsmigrant",
        "GM0344",
        "Utrecht",
    )
    assert r["pip_deadline"] == "2024-04-11"  # later of notice (01-20) and BRP (02-01) + 70 days
    assert r["pip_tijdig"] is True
    assert (r["termijn_start"], r["termijn_einde"]) == ("2024-04-02", "2027-04-01")
    assert r["dagen_kennisgeving_tot_pip"] == 72
    assert r["status"] == "lopend"
    assert r["source_event_ids"] == ["m1", "v1"]
    assert r["conflicts"] == []


@pytest.mark.parametrize(
    ("envelopes", "missing"),
    [
        ((duo(P, "v1", "vastgesteld"),), ("municipal",)),
        ((municipal(P, "m1"),), ("duo",)),
        (
            (duo(P, "v1", "vastgesteld", doelgroep="asielstatushouder"), municipal(P, "m1")),
            ("coa",),
        ),
        ((*BASE, duo(P, "i1", "ingetrokken", datum="2024-02-10")), ("duo",)),
        ((*BASE, retracted(P, "r1", seq=2)), ("municipal",)),
    ],
)
def test_incomplete_persons_name_what_is_missing(
    envelopes: tuple[Envelope, ...], missing: tuple[str, ...]
) -> None:
    merged = merge(facts(*envelopes), today=TODAY)
    assert merged.record is None
    assert merged.missing == missing


def test_asylum_status_holder_needs_coa_and_gets_durations() -> None:
    r = record(
        duo(P, "v1", "vastgesteld", doelgroep="asielstatushouder"),
        municipal(P, "m1", doelgroep="asielstatushouder", datum_start_brede_intake="2024-05-01"),
        coa(P, "c1"),
    )
    assert r["dagen_vergunning_tot_koppeling"] == 22
    assert r["dagen_koppeling_tot_huisvesting"] == 60
    assert r["dagen_huisvesting_tot_intake"] == 30


def test_obligations_before_2022_are_out_of_scope() -> None:
    merged = merge(
        facts(
            duo(P, "v1", "vastgesteld", datum_start_inburgeringsplicht="2021-12-31"),
            municipal(P, "m1"),
        ),
        today=TODAY,
    )
    assert merged.record is None
    assert merged.in_scope is False


def test_latest_wins_by_the_datas_own_dates_and_sequences() -> None:
    r = record(
        duo(
            P, "v2", "vastgesteld", doelgroep="overige_migrant", gewijzigd_op="2024-02-01T00:00:00Z"
        ),
        duo(P, "v1", "vastgesteld"),
        municipal(P, "m2", quarter="2024-Q3", datum_eerste_pip="2024-05-01", leerroute="z"),
        municipal(P, "m1", quarter="2024-Q2", seq=5, leerroute="b1", datum_eerste_pip="2024-04-01"),
    )
    assert r["doelgroep"] == "overige_migrant"
    assert r["leerroute"] == "z"
    assert r["conflicts"] == ["doelgroep"]  # the municipality says gezinsmigrant; DUO wins


def test_a_later_release_of_the_same_quarter_wins_and_retraction_falls_back() -> None:
    later = municipal(P, "m2", seq=2, leerroute="onderwijs", datum_eerste_pip="2024-04-01")
    assert record(*BASE, later)["leerroute"] == "onderwijs"
    older_quarter = municipal(
        P, "m0", quarter="2024-Q1", leerroute="z", datum_eerste_pip="2024-03-01"
    )
    assert record(BASE[0], older_quarter, BASE[1], retracted(P, "r1", seq=2))["leerroute"] == "z"


def test_exams_are_a_set_and_extensions_count_once_per_decision() -> None:
    exams = [
        duo(P, f"e-{c}", "examen_uitslag", onderdeel=c, datum_examen=f"2025-0{i + 1}-10")
        for i, c in enumerate(["lezen", "luisteren", "schrijven", "spreken", "knm"])
    ]
    failed = duo(P, "e-x", "examen_uitslag", onderdeel="lezen", resultaat="niet_behaald")
    extensions = [
        duo(P, "t1", "termijn_verlengd"),
        duo(P, "t1b", "termijn_verlengd"),
        duo(P, "t2", "termijn_verlengd", besluit_id="B-2", verlenging_weken=4),
    ]
    merged = merge(
        facts(*BASE, *exams, failed, *extensions, duo(P, "b1", "beeindigd")), today=TODAY
    )
    assert merged.record is not None
    assert merged.record["examens_behaald"] == ["knm", "lezen", "luisteren", "schrijven", "spreken"]
    assert merged.record["termijn_einde"] == "2027-10-28"  # 2027-04-01 + 7 x 30 days
    assert merged.record["status"] == "voldaan"
    assert merged.monitor["datum_examens_alle_behaald"] == date(2025, 5, 10)


def test_pip_tijdig_is_open_false_or_true() -> None:
    late = municipal(
        P, "m1", datum_inschrijving_brp="2024-02-01", datum_eerste_pip="2024-04-12", leerroute="b1"
    )
    assert record(BASE[0], late)["pip_tijdig"] is False
    no_pip = municipal(P, "m1", datum_inschrijving_brp="2024-02-01")
    assert record(BASE[0], no_pip)["pip_tijdig"] is False  # the deadline passed long ago
    merged = merge(facts(BASE[0], no_pip), today=date(2024, 4, 11))
    assert merged.record is not None
    assert merged.record["pip_tijdig"] is None


def test_weesp_becomes_amsterdam() -> None:
    r = record(
        BASE[0], municipal(P, "m1", municipality="GM0363", gemeentecode="GM0457", quarter="2022-Q1")
    )
    assert (r["gemeentecode"], r["gemeentecode_actueel"], r["provincie"]) == (
        "GM0457",
        "GM0363",
        "Noord-Holland",
    )


def test_leap_day_plus_three_years_is_28_february() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)


POOL = (
    *BASE,
    duo(P, "v2", "vastgesteld", doelgroep="overige_migrant", gewijzigd_op="2024-03-01T00:00:00Z"),
    municipal(P, "m2", seq=2, datum_eerste_pip="2024-04-03", leerroute="z"),
    municipal(P, "m3", quarter="2024-Q1", leerroute="onderwijs", datum_eerste_pip="2024-03-03"),
    retracted(P, "r2", seq=2),
    duo(P, "t1", "termijn_verlengd"),
    duo(P, "t1b", "termijn_verlengd", verlenging_weken=30, datum_besluit="2025-10-01"),
    duo(P, "e1", "examen_uitslag"),
    duo(P, "b1", "beeindigd", reden="ontheffing", datum="2025-01-01"),
    duo(P, "b2", "beeindigd", reden="voldaan", datum="2025-06-01"),
)


@settings(max_examples=200)
@given(st.permutations(POOL), st.lists(st.sampled_from(POOL), max_size=5))
def test_merge_does_not_depend_on_the_order_of_facts(
    order: list[Envelope], repeats: list[Envelope]
) -> None:
    expected = merge(facts(*POOL), today=TODAY)
    assert merge(facts(*order, *repeats), today=TODAY) == expected


def test_a_toelichting_on_an_old_duo_record_is_not_kept_as_a_fact() -> None:
    # records.duo.v1 keeps events for ever: earlier ingests forwarded DUO's free text.
    (fact,) = facts(duo(P, "d-1", "ingetrokken", toelichting="vrije tekst"))
    assert "toelichting" not in fact.data
