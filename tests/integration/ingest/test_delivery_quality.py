"""Delivery quality of a year (GET /v1/deliveries/quality): the yearly report's last chapter."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ingest.adapters.tables import TABLES, DeliveryErrorRow, DeliveryRow
from ingest.domain.access import Admin
from ingest.service.quality import delivery_quality
from ingest.service.unit_of_work import SqlDeliveryStore
from ketenkit import Database

from .conftest import Ingest
from .test_deliveries import HEADER, rows


def test_quality_counts_releases_per_quarter_and_errors_by_code(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344", "GM0014")
    first = ingest.upload(token, rows("111222333"), quarter="2026-Q1").json()
    released = ingest.client.post(
        f"/v1/deliveries/{first['delivery_id']}/release", headers=ingest.auth(token)
    )
    assert released.status_code == 200
    nil = ingest.upload(token, b"", municipality="GM0014", quarter="2026-Q2", nil_return="true")
    assert nil.json()["status"] == "released"
    bad = HEADER + "123456789;GM0344;gezinsmigrant;2026-04-06;2026-05-10;b1\n"  # no 11-proof BSN
    kept = ingest.upload(token, bad, quarter="2026-Q2").json()
    assert kept["counts"]["invalid"] == 1

    answer = ingest.client.get(
        "/v1/deliveries/quality",
        params={"year": 2026, "as_of": "2026-12-31"},
        headers=ingest.admin(),
    )
    assert answer.status_code == 200, answer.text
    quality = answer.json()
    assert (quality["year"], quality["as_of"]) == (2026, "2026-12-31")
    assert quality["generated_at"]
    q1, q2, q3, q4 = quality["quarters"]
    assert q1["quarter"] == "2026-Q1" and q1["due"] is True
    assert q1["municipalities"] == 342
    # Released today, long after 2026-Q1's due date.
    assert (q1["on_time"], q1["late"], q1["missing"]) == (0, 1, 341)
    assert (q2["on_time"], q2["late"], q2["missing"]) == (0, 1, 341)
    assert q2["errors"] == [{"code": "bsn_invalid", "severity": "error", "n": 1}]
    assert q1["errors"] == []
    assert q4["due"] is False and q4["missing"] is None and q4["pct_on_time"] is None
    assert q3["pct_on_time"] == 0.0

    before = ingest.client.get(
        "/v1/deliveries/quality",
        params={"year": 2026, "as_of": "2026-06-30"},
        headers=ingest.admin(),
    ).json()
    assert before["quarters"][0]["late"] == 0  # nothing was released by then
    assert before["quarters"][1]["errors"] == []  # nor received


def test_quality_is_for_the_operator_only(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    url = "/v1/deliveries/quality"
    assert ingest.client.get(url, params={"year": 2026}).status_code == 401
    refused = ingest.client.get(url, params={"year": 2026}, headers=ingest.auth(token))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    missing = ingest.client.get(url, headers=ingest.admin())
    assert missing.status_code == 422
    assert "year" in [e["loc"][-1] for e in missing.json()["errors"]]


def test_quality_refuses_a_day_out_of_range(ingest: Ingest) -> None:
    for day in ("9999-12-31", "2021-12-31"):
        refused = ingest.client.get(
            "/v1/deliveries/quality", params={"year": 2026, "as_of": day}, headers=ingest.admin()
        )
        assert refused.status_code == 422, day
        assert "as_of" in [e["loc"][-1] for e in refused.json()["errors"]]


async def test_errors_count_by_the_dutch_day_they_were_received(database_url: str) -> None:
    """23:30 UTC on 30 June is 01:30 on 1 July in Amsterdam: not received by 30 June."""
    db = Database(database_url)
    await db.create_tables(TABLES)
    try:
        async with db.transaction() as session:
            for n, received in enumerate(
                (
                    datetime(2026, 6, 30, 21, 30, tzinfo=UTC),
                    datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
                )
            ):
                session.add(
                    DeliveryRow(
                        id=f"d{n}",
                        municipality="GM0344",
                        quarter="2026-Q2",
                        status="validated",
                        contact_id="c",
                        received_at=received,
                    )
                )
                session.add(
                    DeliveryErrorRow(
                        delivery_id=f"d{n}", row=1, field="bsn", code="bsn_invalid", message="-"
                    )
                )
        quality = await delivery_quality(
            SqlDeliveryStore(db, notify=lambda: None),
            caller=Admin(),
            year=2026,
            as_of=date(2026, 6, 30),
        )
        assert [(e.code, e.n) for e in quality.quarters[1].errors] == [("bsn_invalid", 1)]
    finally:
        await db.dispose()
