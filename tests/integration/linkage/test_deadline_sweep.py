"""Merging again without an event: a PIP deadline that passes without a PIP changes the record
(the sweep emits it); monitor columns an older version left empty are filled in."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from ketenkit import Database, OutboxRelay
from linkage.metrics import LinkageMetrics
from linkage.service.linking import Linker
from linkage.service.unit_of_work import SqlLinkingStore
from tests.helpers import eventually_sync, read_topic
from tests.linkage_events import duo, municipal, pseudonym

from .conftest import Linkage


def record_of(linkage: Linkage, p: str) -> dict[str, Any] | None:
    response = linkage.client.get(f"/v1/records/{p}", headers=linkage.admin())
    return response.json() if response.status_code == 200 else None


def sweep(linkage: Linkage, today: date, *, stale: bool = False) -> int:
    """Run the sweep (or the stale refresh) on the app's database as if it were ``today`` (the
    app's relay publishes)."""

    async def go() -> int:
        db = Database(linkage.settings.database_url)
        topic = linkage.settings.topic("monitoring.records.v1")
        relay = OutboxRelay(db, KafkaBroker(linkage.bootstrap))  # notified, never started
        linker = Linker(
            store=SqlLinkingStore(db, notify=relay.notify),
            topic=topic,
            metrics=LinkageMetrics(CollectorRegistry()),
            today=lambda: today,
        )
        try:
            if stale:
                return await linker.refresh_stale(page=2)
            return await linker.sweep_deadlines(page=2)  # several pages, too
        finally:
            await db.dispose()

    return asyncio.run(go())


def test_a_passed_deadline_without_pip_emits_pip_tijdig_false_once(linkage: Linkage) -> None:
    today = date.today()
    notice = (today - timedelta(days=20)).isoformat()
    open_ = [pseudonym(700 + n) for n in range(3)]
    with_pip = pseudonym(710)
    for p in [*open_, with_pip]:
        pip: dict[str, Any] = {"datum_eerste_pip": notice} if p == with_pip else {}
        linkage.send(
            duo(p, f"v-{p[:8]}", "vastgesteld", datum_kennisgeving=notice),
            municipal(p, f"m-{p[:8]}", datum_inschrijving_brp=notice, **pip),
        )
    for p in [*open_, with_pip]:
        eventually_sync(lambda: record_of(linkage, p), message="records linked")  # noqa: B023
    first = record_of(linkage, open_[0])
    assert first is not None
    assert first["pip_tijdig"] is None  # the deadline (notice + 70 days) lies ahead
    deadline = date.fromisoformat(first["pip_deadline"])

    assert sweep(linkage, deadline) == 0  # on the deadline day a PIP is still on time
    assert sweep(linkage, deadline + timedelta(days=1)) == len(open_)
    for p in open_:
        record = eventually_sync(
            lambda: (r := record_of(linkage, p)) and r["version"] == 2 and r,  # noqa: B023
            message="the swept version stored",
        )
        assert record["pip_tijdig"] is False
    assert record_of(linkage, with_pip)["version"] == 1  # type: ignore[index]
    assert sweep(linkage, deadline + timedelta(days=2)) == 0  # once

    topic = linkage.settings.topic("monitoring.records.v1")
    messages = asyncio.run(read_topic(linkage.bootstrap, topic, count=2 * len(open_) + 1))
    swept = [json.loads(m.value) for m in messages if json.loads(m.value)["version"] == 2]
    assert sorted(r["pseudonym"] for r in swept) == sorted(open_)
    assert all(r["pip_tijdig"] is False for r in swept)


def test_monitor_columns_an_older_version_left_empty_are_filled_in(linkage: Linkage) -> None:
    persons = [pseudonym(720 + n) for n in range(5)]
    for p in persons:
        linkage.send(duo(p, f"v-{p[:8]}", "vastgesteld"), municipal(p, f"m-{p[:8]}"))
    for p in persons:
        eventually_sync(lambda: record_of(linkage, p), message="records linked")  # noqa: B023

    def report_population() -> Any:
        figures = linkage.client.get(
            "/v1/report/figures", params={"year": 2024}, headers=linkage.reader()
        ).json()
        return {
            (r["cohort"], r["arbeidsmarktregio"]): r["n"]
            for r in figures["tables"]["bevolking_arbeidsmarktregio"]["rows"]
        }[(2024, "totaal")]

    assert report_population() is None  # 5: suppressed, but counted
    statuses = {
        r["status"]: r["n"]
        for r in linkage.client.get(
            "/v1/report/figures", params={"year": 2024}, headers=linkage.reader()
        ).json()["tables"]["status"]["rows"]
        if r["cohort"] == 2024
    }
    assert statuses["totaal"] is None

    async def as_an_older_version_left_them() -> None:
        db = Database(linkage.settings.database_url)
        try:
            async with db.engine.begin() as connection:
                await connection.execute(
                    text("UPDATE persons SET status = NULL, arbeidsmarktregio = NULL")
                )
        finally:
            await db.dispose()

    asyncio.run(as_an_older_version_left_them())
    assert report_population() == 0  # the region is unknown: nobody counted
    assert sweep(linkage, date.today(), stale=True) == 0  # the records are as they were
    assert report_population() is None  # all 5 back in their region
    for p in persons:
        assert record_of(linkage, p)["version"] == 1  # type: ignore[index]
