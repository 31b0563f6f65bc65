"""Linkage's Kafka subscriber: thin, one service call (its docstring feeds AsyncAPI)."""

from __future__ import annotations

from typing import Annotated

from contracts import CoaRecord, DuoRecord, MunicipalRecord, MunicipalRecordRetracted, StatsRecord
from contracts.topics import RECORDS_COA, RECORDS_DUO, RECORDS_MUNICIPAL, RECORDS_STATS
from ketenkit import ServiceRuntime, group_id, subscribe_batch
from ketenkit.incoming import Incoming, batch_schema
from linkage.service.linking import Linker

RecordBatch = Annotated[
    list[Incoming],
    batch_schema(MunicipalRecord, MunicipalRecordRetracted, CoaRecord, DuoRecord, StatsRecord),
]


def register_subscribers(
    runtime: ServiceRuntime, linker: Linker, *, rebuild: str | None = None
) -> None:
    settings = runtime.settings

    @subscribe_batch(
        runtime.broker,
        settings,
        RECORDS_MUNICIPAL.name,
        RECORDS_COA.name,
        RECORDS_DUO.name,
        RECORDS_STATS.name,
        group_id=group_id(settings, f"records.{rebuild}" if rebuild else "records"),
        title="records",
        description="Pseudonymised municipal, COA, DUO and CBS records, co-partitioned by "
        "pseudonym; "
        "merged per person into monitoring.records.v1.",
    )
    async def on_records(batch: RecordBatch) -> None:
        """Merge each person's records and emit the monitoring records that changed."""
        rejections = await linker.apply(batch)
        if rebuild:  # the running instance dead-lettered these already
            return
        await runtime.policy.send(rejections)
