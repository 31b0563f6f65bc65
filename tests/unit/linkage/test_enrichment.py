"""Work, benefits and education at 12, 24 and 36 months (SPEC section 11) on hand-written facts."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from contracts.enrichment import month_after, month_end
from linkage.domain.enrichment import FIELDS, can_change_record
from linkage.domain.merge import merge
from tests.linkage_events import pseudonym, stats
from tests.unit.linkage.test_merge import BASE, TODAY, facts, record

P = pseudonym(1)  # BASE starts the obligation on 2024-01-15: 12m is 2025-01, 24m 2026-01


def test_the_month_n_months_after_the_start_month() -> None:
    assert month_after(date(2023, 3, 15), 12) == "2024-03"
    assert month_after(date(2023, 12, 31), 1) == "2024-01"
    assert month_after(date(2024, 1, 15), 36) == "2027-01"
    assert month_end("2024-02") == date(2024, 2, 29)


def test_categories_become_work_benefit_and_education() -> None:
    r = record(
        *BASE,
        stats(P, "s1", "2025-01", "zelfstandige"),
        stats(P, "s2", "2026-01", "bijstand"),
        stats(P, "s3", "2024-12", "scholier_student"),  # not a horizon month: no effect
    )
    assert (r["werk_12m"], r["uitkering_12m"], r["onderwijs_12m"]) == (True, False, False)
    assert (r["werk_24m"], r["uitkering_24m"], r["onderwijs_24m"]) == (False, True, False)
    assert (r["werk_36m"], r["uitkering_36m"], r["onderwijs_36m"]) == (None, None, None)
    assert {"s1", "s2"} <= set(r["source_event_ids"])
    assert "s3" not in r["source_event_ids"]


def test_without_the_source_the_record_is_complete_and_the_fields_null() -> None:
    r = record(*BASE)
    assert {name: r[name] for name in FIELDS} == dict.fromkeys(FIELDS)


def test_the_latest_change_of_a_month_wins_in_any_order() -> None:
    first = stats(P, "s1", "2025-01", "bijstand", changed="2025-02-10T06:00:00Z")
    correction = stats(P, "s2", "2025-01", "werknemer", changed="2025-03-10T06:00:00+01:00")
    for order in ((first, correction), (correction, first)):
        r = record(*BASE, *order)
        assert (r["werk_12m"], r["uitkering_12m"]) == (True, False)
        assert "s1" not in r["source_event_ids"]


def test_a_person_known_only_from_the_enrichment_source_is_not_pending() -> None:
    merged = merge(facts(stats(P, "s1", "2025-01", "werknemer")), today=TODAY)
    assert merged.record is None
    assert merged.enrichment_only
    assert merged.missing == ()


@given(st.permutations(["werknemer", "overig", "bijstand", "scholier_student"]))
def test_the_fields_follow_the_standing_category(order: list[str]) -> None:
    events = [
        stats(P, f"s{n}", "2025-01", category, changed=f"2025-02-{n + 10:02d}T00:00:00Z")
        for n, category in enumerate(order)
    ]
    r = record(*BASE, *events)
    last = order[-1]
    assert r["werk_12m"] is (last == "werknemer")
    assert r["uitkering_12m"] is (last == "bijstand")
    assert r["onderwijs_12m"] is (last == "scholier_student")


MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025, 2026, 2027) for month in range(1, 13)]
CATEGORIES = ["werknemer", "zelfstandige", "bijstand", "overige_uitkering", "scholier_student"]


@given(
    st.lists(st.tuples(st.sampled_from(MONTHS), st.sampled_from(CATEGORIES)), max_size=6),
    st.lists(st.tuples(st.sampled_from(MONTHS), st.sampled_from(CATEGORIES)), min_size=1),
    st.booleans(),
)
def test_months_said_to_change_nothing_change_nothing(
    before: list[tuple[str, str]], arriving: list[tuple[str, str]], complete: bool
) -> None:
    base = BASE if complete else BASE[:1]  # without the municipal row the person is incomplete
    old = facts(*base, *(stats(P, f"o{n}", m, c) for n, (m, c) in enumerate(before)))
    new = facts(*(stats(P, f"n{n}", m, c) for n, (m, c) in enumerate(arriving)))
    merged = merge(old, today=TODAY)
    start = date(2024, 1, 15) if merged.complete else None
    if can_change_record(start, merged.complete, new):
        return
    after = merge(old + new, today=TODAY)
    assert (after.record, after.missing, after.in_scope) == (
        merged.record,
        merged.missing,
        merged.in_scope,
    )
