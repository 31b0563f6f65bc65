"""Builders of records.* events about one person, for linkage's tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from contracts import Envelope
from contracts.records import (
    RECORD_COA,
    RECORD_DUO,
    RECORD_MUNICIPAL,
    RECORD_MUNICIPAL_RETRACTED,
    RECORD_STATS,
)

SOURCE = "urn:nld:ketenmonitor:ingest"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def pseudonym(n: int) -> str:
    return hashlib.sha256(f"person-{n}".encode()).hexdigest()


def municipal(
    p: str,
    eid: str,
    *,
    quarter: str = "2024-Q2",
    seq: int = 1,
    municipality: str = "GM0344",
    row: int = 1,
    time: datetime = T0,
    **fields: Any,
) -> Envelope:
    data = {
        "pseudonym": p,
        "municipality": municipality,
        "quarter": quarter,
        "delivery_id": f"d-{eid}",
        "release_sequence": seq,
        "row": row,
        "gemeentecode": fields.pop("gemeentecode", municipality),
        "doelgroep": fields.pop("doelgroep", "gezinsmigrant"),
        **fields,
    }
    return Envelope(id=eid, source=SOURCE, type=RECORD_MUNICIPAL, time=time, subject=p, data=data)


def retracted(
    p: str, eid: str, *, quarter: str = "2024-Q2", seq: int = 2, municipality: str = "GM0344"
) -> Envelope:
    data = {
        "pseudonym": p,
        "municipality": municipality,
        "quarter": quarter,
        "delivery_id": f"d-{eid}",
        "release_sequence": seq,
    }
    return Envelope(
        id=eid, source=SOURCE, type=RECORD_MUNICIPAL_RETRACTED, time=T0, subject=p, data=data
    )


def coa(p: str, eid: str, *, changed: str = "2024-03-01T10:00:00Z", **fields: Any) -> Envelope:
    data = {
        "pseudonym": p,
        "datum_verblijfsvergunning": "2024-01-10",
        "gemeentecode_koppeling": "GM0344",
        "datum_koppeling": "2024-02-01",
        "datum_huisvesting": "2024-04-01",
        "gewijzigd_op": changed,
        **fields,
    }
    return Envelope(id=eid, source=SOURCE, type=RECORD_COA, time=T0, subject=p, data=data)


def duo(p: str, eid: str, kind: str, *, time: datetime = T0, **fields: Any) -> Envelope:
    defaults: dict[str, dict[str, Any]] = {
        "vastgesteld": {
            "datum_start_inburgeringsplicht": "2024-01-15",
            "datum_kennisgeving": "2024-01-20",
            "doelgroep": "gezinsmigrant",
            "gewijzigd_op": "2024-01-20T08:00:00Z",
        },
        "examen_uitslag": {
            "onderdeel": "lezen",
            "niveau": "B1",
            "resultaat": "behaald",
            "datum_examen": "2025-05-12",
        },
        "termijn_verlengd": {
            "verlenging_weken": 26,
            "besluit_id": "B-1",
            "datum_besluit": "2025-09-01",
        },
        "beeindigd": {"reden": "voldaan", "datum": "2026-03-01"},
        "ingetrokken": {"datum": "2024-02-10"},
    }
    data = {"pseudonym": p, "kind": kind, **defaults[kind], **fields}
    return Envelope(id=eid, source=SOURCE, type=RECORD_DUO, time=time, subject=p, data=data)


def stats(
    p: str,
    eid: str,
    maand: str,
    categorie: str,
    *,
    changed: str = "2025-01-10T06:00:00Z",
    time: datetime = T0,
) -> Envelope:
    data = {"pseudonym": p, "maand": maand, "categorie": categorie, "gewijzigd_op": changed}
    return Envelope(id=eid, source=SOURCE, type=RECORD_STATS, time=time, subject=p, data=data)
