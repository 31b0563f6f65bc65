"""Feed events: validation codes, pseudonymisation and deterministic derived records."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from contracts import CoaRecord, DuoRecord, Envelope, Pseudonymiser, StatsRecord, derived_id
from ingest.domain.feeds import FeedRecord, FeedRejection, validate_feed_event

P = Pseudonymiser(bytes(range(32)))
COA = {
    "bsn": "111222333",
    "v_nummer": "123",
    "datum_verblijfsvergunning": "2024-02-01",
    "gemeentecode_koppeling": "GM0344",
    "datum_koppeling": "2024-03-15",
    "datum_huisvesting": "2024-07-01",
    "gewijzigd_op": "2024-07-01T09:30:00Z",
}


def event(type_: str, data: dict[str, Any], source: str = "urn:nld:coa:feed") -> Envelope:
    return Envelope(id="e-1", source=source, type=type_, data=data)


def test_coa_event_becomes_a_pseudonymised_record_with_a_derived_id() -> None:
    result = validate_feed_event("coa", event("nl.coa.vergunninghouder.gewijzigd", COA), P)
    assert isinstance(result, FeedRecord)
    assert result.pseudonym == P.pseudonymise("111222333")
    assert result.envelope.id == derived_id("urn:nld:coa:feed", "e-1")
    assert result.envelope.subject == result.pseudonym
    assert result.envelope.data is not None
    assert "bsn" not in result.envelope.data
    assert "v_nummer" not in result.envelope.data
    assert "111222333" not in result.envelope.model_dump_json()


@pytest.mark.parametrize(
    ("type_", "data", "code"),
    [
        ("nl.coa.vergunninghouder.gewijzigd", {**COA, "bsn": "111222334"}, "bsn_invalid"),
        (
            "nl.coa.vergunninghouder.gewijzigd",
            {k: v for k, v in COA.items() if k != "datum_koppeling"},
            "field_missing",
        ),
        (
            "nl.coa.vergunninghouder.gewijzigd",
            {**COA, "datum_koppeling": "15-03-2024"},
            "date_invalid",
        ),
        (
            "nl.coa.vergunninghouder.gewijzigd",
            {**COA, "gemeentecode_koppeling": "GM0457"},
            "municipality_unknown",
        ),
        (
            "nl.coa.vergunninghouder.gewijzigd",
            {**COA, "gemeentecode_koppeling": "GM12"},
            "field_invalid",
        ),
        ("nl.coa.asielzoeker.verhuisd", COA, "type_unknown"),
    ],
)
def test_invalid_coa_events_are_rejected_with_their_code(
    type_: str, data: dict[str, Any], code: str
) -> None:
    result = validate_feed_event("coa", event(type_, data), P)
    assert isinstance(result, FeedRejection)
    assert result.code == code
    assert "111222333" not in result.detail


def test_rejection_keeps_the_pseudonym_when_the_bsn_was_valid() -> None:
    result = validate_feed_event(
        "coa", event("nl.coa.vergunninghouder.gewijzigd", {**COA, "datum_koppeling": "x"}), P
    )
    assert isinstance(result, FeedRejection)
    assert result.pseudonym == P.pseudonymise("111222333")


@pytest.mark.parametrize(
    ("type_", "data", "kind"),
    [
        (
            "nl.duo.inburgeringsplicht.vastgesteld",
            {
                "datum_start_inburgeringsplicht": "2024-01-15",
                "datum_kennisgeving": "2024-01-20",
                "doelgroep": "asielstatushouder",
                "gewijzigd_op": "2024-01-20T08:00:00Z",
            },
            "vastgesteld",
        ),
        (
            "nl.duo.examen.uitslag",
            {
                "onderdeel": "lezen",
                "niveau": "B1",
                "resultaat": "behaald",
                "datum_examen": "2025-05-12",
            },
            "examen_uitslag",
        ),
        (
            "nl.duo.termijn.verlengd",
            {"verlenging_weken": 26, "besluit_id": "B-1", "datum_besluit": "2025-09-01"},
            "termijn_verlengd",
        ),
        (
            "nl.duo.inburgeringsplicht.beeindigd",
            {"reden": "voldaan", "datum": "2026-03-01"},
            "beeindigd",
        ),
        (
            "nl.duo.inburgeringsplicht.ingetrokken",
            {"datum": "2024-02-10", "toelichting": "t"},
            "ingetrokken",
        ),
    ],
)
def test_every_duo_kind_is_carried_on(type_: str, data: dict[str, Any], kind: str) -> None:
    result = validate_feed_event(
        "duo", event(type_, {"bsn": "111222333", **data}, "urn:nld:duo:feed"), P
    )
    assert isinstance(result, FeedRecord)
    assert result.envelope.type == "nl.ketenmonitor.record.duo"
    assert result.envelope.data is not None
    assert result.envelope.data["kind"] == kind
    assert "bsn" not in result.envelope.data
    # Built without validating again: exactly what validation would have made of it.
    validated = DuoRecord.model_validate(result.envelope.data).model_dump(mode="json")
    assert validated == result.envelope.data


def test_duos_toelichting_goes_no_further_than_ingest() -> None:
    data = {"bsn": "111222333", "datum": "2024-02-10", "toelichting": "uniek-ten-onrechte"}
    result = validate_feed_event(
        "duo", event("nl.duo.inburgeringsplicht.ingetrokken", data, "urn:nld:duo:feed"), P
    )
    assert isinstance(result, FeedRecord)
    assert result.envelope.data is not None
    assert "toelichting" not in result.envelope.data
    assert b"uniek-ten-onrechte" not in repr(result.envelope).encode()


def test_duo_event_with_unknown_exam_component_is_field_invalid() -> None:
    data = {
        "bsn": "111222333",
        "onderdeel": "rekenen",
        "niveau": "B1",
        "resultaat": "behaald",
        "datum_examen": "2025-05-12",
    }
    result = validate_feed_event("duo", event("nl.duo.examen.uitslag", data, "urn:nld:duo:feed"), P)
    assert isinstance(result, FeedRejection)
    assert result.code == "field_invalid"


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        (
            "nl.duo.inburgeringsplicht.vastgesteld",
            {
                "datum_start_inburgeringsplicht": "2024-01-15",
                "datum_kennisgeving": "2024-01-20",
                "doelgroep": "gezinsmigrant",
                "gewijzigd_op": "2024-01-20T08:00:00",
            },
        ),
        (
            "nl.duo.inburgeringsplicht.ingetrokken",
            {"datum": "2024-02-10", "gewijzigd_op": "2024-02-12T09:00:00"},
        ),
        (
            "nl.duo.inburgeringsplicht.beeindigd",
            {"reden": "voldaan", "datum": "2026-03-01", "gewijzigd_op": "2026-03-02"},
        ),
    ],
)
def test_a_change_time_without_offset_is_refused(type_: str, data: dict[str, Any]) -> None:
    result = validate_feed_event(
        "duo", event(type_, {"bsn": "111222333", **data}, "urn:nld:duo:feed"), P
    )
    assert isinstance(result, FeedRejection)
    assert result.code == "datetime_without_offset"
    assert result.detail.startswith("gewijzigd_op")


def test_an_end_and_a_withdrawal_carry_their_change_time_on() -> None:
    data = {"bsn": "111222333", "datum": "2023-12-01", "gewijzigd_op": "2024-02-12T09:00:00+01:00"}
    result = validate_feed_event(
        "duo", event("nl.duo.inburgeringsplicht.ingetrokken", data, "urn:nld:duo:feed"), P
    )
    assert isinstance(result, FeedRecord)
    assert result.envelope.data is not None
    assert result.envelope.data["gewijzigd_op"] == "2024-02-12T09:00:00+01:00"
    assert result.envelope.data["datum"] == "2023-12-01"


def test_the_partners_trace_context_is_carried_to_the_record_and_other_extensions_dropped() -> None:
    from contracts import from_kafka, to_kafka

    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    sent = to_kafka(event("nl.coa.vergunninghouder.gewijzigd", COA), "111222333")
    headers = [
        *sent.headers,
        ("ce_traceparent", traceparent.encode()),
        ("ce_tracestate", b"coa=7"),
        ("ce_partnerextension", b"anything"),  # accepted, not carried
    ]
    received = from_kafka(b"111222333", headers, sent.value)
    result = validate_feed_event("coa", received, P)
    assert isinstance(result, FeedRecord)
    assert (result.envelope.traceparent, result.envelope.tracestate) == (traceparent, "coa=7")
    out = dict(to_kafka(result.envelope, result.pseudonym).headers)
    assert out["ce_traceparent"] == traceparent.encode()
    assert out["ce_tracestate"] == b"coa=7"
    assert "ce_partnerextension" not in out
    broken = [(k, b"not-a-trace" if k == "ce_traceparent" else v) for k, v in headers]
    assert from_kafka(b"111222333", broken, sent.value).traceparent is None  # dropped, not fatal


STATS = {
    "bsn": "111222333",
    "maand": "2025-03",
    "categorie": "werknemer",
    "gewijzigd_op": "2025-04-20T06:00:00Z",
}
STATS_TYPE = "nl.cbs.sociaaleconomisch.maand"


def test_a_cbs_month_becomes_a_pseudonymised_stats_record() -> None:
    result = validate_feed_event("stats", event(STATS_TYPE, STATS, "urn:nld:cbs:stats"), P)
    assert isinstance(result, FeedRecord)
    assert result.envelope.type == "nl.ketenmonitor.record.stats"
    assert result.envelope.id == derived_id("urn:nld:cbs:stats", "e-1")
    assert result.envelope.data == {
        "pseudonym": P.pseudonymise("111222333"),
        "maand": "2025-03",
        "categorie": "werknemer",
        "gewijzigd_op": "2025-04-20T06:00:00Z",
    }


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"maand": "2025-13"}, "field_invalid"),
        ({"maand": "2025-3"}, "field_invalid"),
        ({"categorie": "gepensioneerd"}, "field_invalid"),
        ({"gewijzigd_op": "2025-04-20T06:00:00"}, "datetime_without_offset"),
        ({"bsn": "111222334"}, "bsn_invalid"),
        ({"categorie": None}, "field_invalid"),
    ],
)
def test_invalid_cbs_months_are_rejected_with_their_code(change: dict[str, Any], code: str) -> None:
    result = validate_feed_event(
        "stats", event(STATS_TYPE, {**STATS, **change}, "urn:nld:cbs:stats"), P
    )
    assert isinstance(result, FeedRejection)
    assert result.code == code
    assert "111222334" not in result.detail


def test_a_cbs_event_type_is_not_a_coa_one() -> None:
    result = validate_feed_event("coa", event(STATS_TYPE, STATS), P)
    assert isinstance(result, FeedRejection)
    assert result.code == "type_unknown"


@pytest.mark.parametrize(
    ("feed", "type_", "data", "source", "record"),
    [
        ("coa", "nl.coa.vergunninghouder.gewijzigd", COA, "urn:nld:coa:feed", CoaRecord),
        ("stats", STATS_TYPE, STATS, "urn:nld:cbs:stats", StatsRecord),
        (
            "duo",
            "nl.duo.examen.uitslag",
            {
                "bsn": "111222333",
                "onderdeel": "knm",
                "niveau": "B1",
                "resultaat": "behaald",
                "datum_examen": "2025-05-12",
            },
            "urn:nld:duo:feed",
            DuoRecord,
        ),
    ],
)
def test_a_derived_record_is_what_its_contracts_validation_makes(
    feed: str, type_: str, data: dict[str, Any], source: str, record: type[BaseModel]
) -> None:
    # Derived envelopes and records are built without validating again: they must be exactly
    # what validation would have made of them.
    traced = Envelope(
        id="e-9",
        source=source,
        type=type_,
        data=data,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    result = validate_feed_event(feed, traced, P)
    assert isinstance(result, FeedRecord)
    assert Envelope.model_validate(result.envelope.model_dump()) == result.envelope
    assert result.envelope.data is not None
    validated = record.model_validate(result.envelope.data).model_dump(mode="json")
    assert validated == result.envelope.data
