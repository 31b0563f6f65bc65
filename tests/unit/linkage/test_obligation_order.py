"""SPEC section 11: between DUO's obligation, end and withdrawal the latest change decides.

Latest by each event's ``gewijzigd_op``, or by its ``ce_time`` where it has none; ``datum`` is
the effective date reported, never the ordering key; naive and aware times are never compared.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import Envelope
from ketenkit.incoming import Incoming
from linkage.domain.facts import Fact
from linkage.domain.merge import merge
from linkage.service.linking import read_fact
from tests.linkage_events import duo, municipal, pseudonym

P = pseudonym(7)
TODAY = date(2026, 11, 28)
ROW = municipal(P, "m1", datum_eerste_pip="2024-04-01", leerroute="b1")


def facts(*envelopes: Envelope) -> list[Fact]:
    out = []
    for envelope in envelopes:
        read = read_fact(Incoming(record=None, envelope=envelope, error=None))
        assert isinstance(read, tuple), read
        out.append(read[2])
    return out


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def test_a_back_dated_withdrawal_still_withdraws() -> None:
    obligation = duo(P, "v1", "vastgesteld", gewijzigd_op="2024-01-20T08:00:00Z")
    # effective before the obligation's start, decided later
    withdrawal = duo(
        P, "i1", "ingetrokken", datum="2023-12-01", gewijzigd_op="2024-03-01T09:00:00+01:00"
    )
    merged = merge(facts(obligation, ROW, withdrawal), today=TODAY)
    assert merged.withdrawn and merged.record is None and merged.missing == ("duo",)


def test_a_withdrawal_without_gewijzigd_op_is_ordered_by_its_ce_time() -> None:
    obligation = duo(P, "v1", "vastgesteld", gewijzigd_op="2024-05-01T00:00:00Z")
    early = duo(P, "i1", "ingetrokken", datum="2024-06-01", time=at("2024-04-01T00:00:00+00:00"))
    late = duo(P, "i1", "ingetrokken", datum="2024-02-01", time=at("2024-06-01T00:00:00+00:00"))
    # a withdrawal the obligation was re-established after does not count...
    assert not merge(facts(obligation, ROW, early), today=TODAY).withdrawn
    # ... whatever its effective date; one after the obligation does
    assert merge(facts(obligation, ROW, late), today=TODAY).withdrawn


def test_a_newer_obligation_reinstates_and_a_later_end_ends() -> None:
    withdrawal = duo(P, "i1", "ingetrokken", gewijzigd_op="2024-03-01T00:00:00Z")
    again = duo(P, "v2", "vastgesteld", gewijzigd_op="2024-04-01T00:00:00Z")
    merged = merge(facts(duo(P, "v1", "vastgesteld"), ROW, withdrawal, again), today=TODAY)
    assert merged.record is not None and merged.record["status"] == "lopend"
    ended = duo(P, "b1", "beeindigd", datum="2026-03-01", gewijzigd_op="2026-03-02T00:00:00Z")
    record = merge(facts(duo(P, "v1", "vastgesteld"), ROW, withdrawal, again, ended), today=TODAY)
    assert record.record is not None and record.record["status"] == "voldaan"
    assert record.monitor["datum_voldaan"] == date(2026, 3, 1)  # datum: the effective date


def test_naive_and_aware_change_times_are_never_compared_as_such() -> None:
    naive = duo(
        P, "v1", "vastgesteld", doelgroep="overige_migrant", gewijzigd_op="2024-02-01T08:00:00"
    )
    aware = duo(P, "v2", "vastgesteld", gewijzigd_op="2024-02-01T09:00:00+00:00")
    merged = merge(facts(naive, aware, ROW), today=TODAY)  # records from before ingest checked it
    assert merged.record is not None
    assert merged.record["doelgroep"] == "gezinsmigrant"  # 09:00Z is later than 08:00 (as UTC)


def _order_key_pool() -> tuple[Envelope, ...]:
    def d(eid: str, kind: str, **fields: Any) -> Envelope:
        return duo(P, eid, kind, **fields)

    return (
        ROW,
        d("v1", "vastgesteld", gewijzigd_op="2024-01-20T08:00:00Z"),
        d(
            "v2",
            "vastgesteld",
            doelgroep="overige_migrant",
            gewijzigd_op="2024-05-01T08:00:00+02:00",
        ),
        d("i1", "ingetrokken", datum="2023-12-01", gewijzigd_op="2024-03-01T00:00:00Z"),
        d("i2", "ingetrokken", datum="2024-06-01", time=at("2024-07-01T00:00:00+00:00")),
        d(
            "b1",
            "beeindigd",
            reden="ontheffing",
            datum="2024-08-01",
            gewijzigd_op="2024-06-15T00:00:00Z",
        ),
        d("b2", "beeindigd", reden="voldaan", datum="2025-01-01"),  # ce_time T0 (2025-01-01)
    )


POOL = _order_key_pool()


@settings(max_examples=200)
@given(st.sets(st.sampled_from(range(1, len(POOL)))), st.randoms(use_true_random=False))
def test_the_decision_does_not_depend_on_arrival_order(chosen: set[int], rng: Any) -> None:
    picked = [POOL[0], *(POOL[i] for i in sorted(chosen))]
    expected = merge(facts(*picked), today=TODAY)
    shuffled = picked[:]
    rng.shuffle(shuffled)
    assert merge(facts(*shuffled, *shuffled[:2]), today=TODAY) == expected


def test_the_latest_of_the_pool_decides() -> None:
    # b2 (ce_time 2025-01-01) is the latest change of all: the obligation ended, voldaan.
    merged = merge(facts(*POOL), today=TODAY)
    assert merged.record is not None
    assert (merged.withdrawn, merged.record["status"]) == (False, "voldaan")
    without_b2 = merge(facts(*POOL[:-1]), today=TODAY)
    assert without_b2.withdrawn  # i2 (ce_time 2024-07-01) is then the latest
