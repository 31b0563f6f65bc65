"""Validating a received delivery's file in batches, and ending a delivery as rejected: a file
unusable as a whole, a failure on our side, or a validation that stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from datetime import timedelta
from itertools import islice
from typing import IO

from contracts import Quarter
from ingest.adapters.delivery_repository import DeliveryRepository
from ingest.adapters.files import DeliveryFile, FileProblem, empty_delivery
from ingest.adapters.tables import DeliveryRow
from ingest.domain.rows import CheckedRow, RowValidator, unknown_columns
from ingest.service.checking import checked_rows
from ingest.service.delivery_context import DeliveryContext, emit, preview_of

logger = logging.getLogger(__name__)
BATCH = 2000
MAX_WARNINGS = 100


async def validate(
    ctx: DeliveryContext, delivery: DeliveryRow, content_type: str, body: IO[bytes]
) -> None:
    """Read the file in batches (each its own transaction, recording progress); end validated,
    or rejected when the file is unusable as a whole."""
    validator = RowValidator(
        municipality=delivery.municipality,
        quarter=Quarter.parse(delivery.quarter),
        pseudonymiser=ctx.pseudonymiser,
    )
    reader = DeliveryFile(body, content_type, max_line=ctx.max_line)
    rows = checked_rows(reader.rows(), validator)

    def next_batch() -> list[CheckedRow]:
        return list(islice(rows, BATCH))

    counts = {"rows": 0, "valid": 0, "invalid": 0, "errors": 0}
    warnings: int | None = None  # of the header, once it has been read
    try:
        while batch := await asyncio.to_thread(next_batch):
            async with ctx.store.writing() as repo:
                if warnings is None:
                    warnings = await _add_warnings(repo, delivery.id, reader.header)
                await repo.add_records(
                    delivery.id,
                    [
                        (c.row, c.pseudonym, c.data)
                        for c in batch
                        if c.valid and c.pseudonym and c.data
                    ],
                )
                errors = [e for c in batch for e in c.errors]
                await repo.add_errors(
                    delivery.id, [(e.row, e.field, e.code, e.message, e.severity) for e in errors]
                )
                await repo.mark_progress(delivery.id, at=ctx.now())
            for error in errors:
                ctx.metrics.validation_errors.labels("municipal", error.code).inc()
            counts["rows"] += len(batch)
            valid = sum(1 for c in batch if c.valid)
            counts["valid"] += valid
            counts["invalid"] += len(batch) - valid
            counts["errors"] += len(errors)
        if not counts["rows"]:
            raise empty_delivery()
    except FileProblem as problem:
        await reject(ctx, delivery, problem)
        return
    async with ctx.store.writing() as repo:
        if warnings is None:
            warnings = await _add_warnings(repo, delivery.id, reader.header)
        row = await repo.get(delivery.id)
        assert row is not None
        if row.status != "received":  # judged stalled meanwhile: its rejection stands
            return
        row.valid = counts["valid"]
        plausible = (await preview_of(repo, row)).warnings(ctx.retraction_share)
        await repo.add_errors(
            delivery.id, [(w.row, w.field, w.code, w.message, w.severity) for w in plausible]
        )
        row.status = "validated"
        row.rows, row.valid, row.invalid, row.errors = (
            counts["rows"],
            counts["valid"],
            counts["invalid"],
            counts["errors"],
        )
        row.warnings = warnings + len(plausible)
        await repo.save(row)
        await emit(ctx, repo, row, "validated")
    copy_into(delivery, row)
    ctx.metrics.deliveries.labels("validated").inc()
    ctx.metrics.records.labels("municipal", "accepted").inc(counts["valid"])
    ctx.metrics.records.labels("municipal", "rejected").inc(counts["invalid"])
    logger.info("delivery_validated", extra={"delivery_id": delivery.id, **counts})


async def _add_warnings(repo: DeliveryRepository, delivery_id: str, header: list[str]) -> int:
    """Warn of the header's unknown columns; return how many warnings that made."""
    warnings = unknown_columns(header)[:MAX_WARNINGS]
    await repo.add_errors(
        delivery_id, [(w.row, w.field[:100], w.code, w.message, w.severity) for w in warnings]
    )
    return len(warnings)


async def reject(ctx: DeliveryContext, delivery: DeliveryRow, problem: FileProblem) -> bool:
    """End a received delivery as rejected with ``problem`` (row 0); False if it had ended."""
    async with ctx.store.writing() as repo:
        row = await repo.get(delivery.id)
        assert row is not None
        if row.status != "received":
            return False
        await repo.forget_rows(delivery.id)
        await repo.add_errors(delivery.id, [(0, "_file", problem.code, str(problem), "error")])
        row.status = "rejected"
        row.rows = row.valid = row.invalid = row.warnings = 0
        row.errors = 1
        await repo.save(row)
        await emit(ctx, repo, row, "rejected")
    copy_into(delivery, row)
    ctx.metrics.deliveries.labels("rejected").inc()
    ctx.metrics.validation_errors.labels("municipal", problem.code).inc()
    logger.info("delivery_rejected", extra={"delivery_id": delivery.id, "code": problem.code})
    return True


async def reject_stalled(
    ctx: DeliveryContext, *, stalled_after: timedelta, running: Collection[str]
) -> int:
    """Reject deliveries whose validation stopped (a restart, a crash): never ``received``
    for ever. A validation in progress records its progress with every batch; ``running``
    are the ids of this process's validations."""
    async with ctx.store.reading() as repo:
        stalled = await repo.stalled(before=ctx.now() - stalled_after)
    rejected = 0
    for delivery in stalled:
        if delivery.id in running:
            continue
        if await reject(
            ctx,
            delivery,
            FileProblem(
                "processing_failed",
                "the validation of this file was interrupted; deliver it again",
            ),
        ):
            rejected += 1
    return rejected


def copy_into(target: DeliveryRow, source: DeliveryRow) -> None:
    for name in DeliveryRow.model_fields:
        setattr(target, name, getattr(source, name))
