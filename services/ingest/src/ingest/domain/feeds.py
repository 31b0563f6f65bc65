"""Validation and pseudonymisation of the COA, DUO and CBS feed events (SPEC 7, 10, 11)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from contracts import (
    BsnInvalid,
    CbsSociaalEconomischMaand,
    CoaRecord,
    CoaVergunninghouderGewijzigd,
    DuoBeeindigd,
    DuoExamenUitslag,
    DuoIngetrokken,
    DuoRecord,
    DuoTermijnVerlengd,
    DuoVastgesteld,
    Envelope,
    Pseudonymiser,
    StatsRecord,
    derived_id,
    is_valid_bsn,
)
from contracts.feeds import COA_FEED_MODELS, DUO_FEED_MODELS, STATS_FEED_MODELS
from contracts.privacy import PERSONAL_FIELDS
from contracts.records import RECORD_COA, RECORD_DUO, RECORD_STATS, DuoKind
from contracts.reference import is_valid

INGEST_SOURCE = "urn:nld:ketenmonitor:ingest"
DUO_KINDS: dict[type[BaseModel], DuoKind] = {
    DuoVastgesteld: "vastgesteld",
    DuoExamenUitslag: "examen_uitslag",
    DuoTermijnVerlengd: "termijn_verlengd",
    DuoBeeindigd: "beeindigd",
    DuoIngetrokken: "ingetrokken",
}
MODELS: dict[str, dict[str, type[BaseModel]]] = {
    "coa": dict(COA_FEED_MODELS),
    "duo": dict(DUO_FEED_MODELS),
    "stats": dict(STATS_FEED_MODELS),
}
_DATE_ERRORS = {
    "date_from_datetime_parsing",
    "date_parsing",
    "date_type",
    "datetime_parsing",
    "datetime_type",
    "datetime_from_date_parsing",
    "date_from_datetime_inexact",
    "datetime_object_invalid",
}


@dataclass(frozen=True, slots=True)
class FeedRejection:
    """Why a feed event cannot go on; ``pseudonym`` is set when its BSN was valid (the DLQ key)."""

    code: str
    detail: str
    pseudonym: str | None = None


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A validated, pseudonymised record for its feed's ``records.*`` topic."""

    pseudonym: str
    envelope: Envelope


def pseudonym_of_key(pseudonymiser: Pseudonymiser, key: bytes | str | None) -> str | None:
    """A dead letter's key: the pseudonym of a feed event's key when that is a valid BSN."""
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
    return pseudonymiser.pseudonymise(text) if text and is_valid_bsn(text) else None


def _code_for(error: Any) -> str:
    field = str(error["loc"][0]) if error["loc"] else ""
    kind = str(error["type"])
    if kind == "missing":
        return "field_missing"
    if kind == "timezone_aware":
        return "datetime_without_offset"
    if field == "bsn":
        return "bsn_invalid"
    if kind in _DATE_ERRORS:
        return "date_invalid"
    return "field_invalid"


def validate_feed_event(
    feed: str, envelope: Envelope, pseudonymiser: Pseudonymiser
) -> FeedRecord | FeedRejection:
    """Check one feed event and turn it into its pseudonymised record."""
    model = MODELS[feed].get(envelope.type)
    if model is None:
        return FeedRejection("type_unknown", f"{envelope.type} is not a {feed.upper()} event type")
    data = envelope.data or {}
    raw_bsn = data.get("bsn")
    pseudonym: str | None = None
    if isinstance(raw_bsn, str):
        with contextlib.suppress(BsnInvalid):  # the model says why, below
            pseudonym = pseudonymiser.pseudonymise(raw_bsn)
    try:
        event = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "data"
        message = "fails the elfproef or is not nine digits" if field == "bsn" else first["msg"]
        return FeedRejection(_code_for(first), f"{field}: {message}", pseudonym)
    assert pseudonym is not None  # the model validated the BSN
    if isinstance(event, CoaVergunninghouderGewijzigd):
        return _coa_record(event, envelope, pseudonym)
    if isinstance(event, CbsSociaalEconomischMaand):
        return _stats_record(event, envelope, pseudonym)
    return _duo_record(event, envelope, pseudonym)


def _derived(envelope: Envelope, record_type: str, pseudonym: str, data: BaseModel) -> Envelope:
    # Same source event, same derived id and time: a replay yields an identical record. The
    # partner's trace context goes along, so one trace follows the event through the chain.
    # Built without validation: every value is a validated event's, a constant or a pseudonym
    # (tests hold the result to the Envelope's own validation), and validating again cost
    # more than the rest of building it.
    return Envelope.model_construct(
        id=derived_id(envelope.source, envelope.id),
        source=INGEST_SOURCE,
        type=record_type,
        time=envelope.time,
        subject=pseudonym,
        traceparent=envelope.traceparent,
        tracestate=envelope.tracestate,
        data=data.model_dump(mode="json"),
    )


def _coa_record(
    event: CoaVergunninghouderGewijzigd, envelope: Envelope, pseudonym: str
) -> FeedRecord | FeedRejection:
    if not is_valid(event.gemeentecode_koppeling, event.datum_koppeling):
        return FeedRejection(
            "municipality_unknown",
            f"gemeentecode_koppeling: {event.gemeentecode_koppeling} is not a municipality on "
            f"{event.datum_koppeling}",
            pseudonym,
        )
    # The validated event's values, as for _derived.
    record = CoaRecord.model_construct(
        pseudonym=pseudonym,
        datum_verblijfsvergunning=event.datum_verblijfsvergunning,
        gemeentecode_koppeling=event.gemeentecode_koppeling,
        datum_koppeling=event.datum_koppeling,
        datum_huisvesting=event.datum_huisvesting,
        instemming_voorinburgering=event.instemming_voorinburgering,
        gewijzigd_op=event.gewijzigd_op,
    )
    return FeedRecord(pseudonym, _derived(envelope, RECORD_COA, pseudonym, record))


def _duo_record(event: BaseModel, envelope: Envelope, pseudonym: str) -> FeedRecord:
    # Personal fields (the BSN, DUO's free-text toelichting) go no further than ingest.
    # The validated event's values, as for _derived.
    fields: dict[str, Any] = event.model_dump(exclude=set(PERSONAL_FIELDS))
    record = DuoRecord.model_construct(pseudonym=pseudonym, kind=DUO_KINDS[type(event)], **fields)
    return FeedRecord(pseudonym, _derived(envelope, RECORD_DUO, pseudonym, record))


def _stats_record(
    event: CbsSociaalEconomischMaand, envelope: Envelope, pseudonym: str
) -> FeedRecord:
    # The validated event's values, as for _derived.
    record = StatsRecord.model_construct(
        pseudonym=pseudonym,
        maand=event.maand,
        categorie=event.categorie,
        gewijzigd_op=event.gewijzigd_op,
    )
    return FeedRecord(pseudonym, _derived(envelope, RECORD_STATS, pseudonym, record))
