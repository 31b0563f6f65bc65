"""Municipal deliveries as the HTTP entrypoint and the app see them: deliver (aanleveren),
check (controleren), release (vrijgeven). The work is in the handler modules; this holds what
lives longer than a request: the validations that run on after an upload's answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from typing import IO

from contracts import Quarter
from ingest.adapters.files import FileProblem
from ingest.adapters.tables import DeliveryErrorRow, DeliveryRow
from ingest.domain.access import Caller, require_contact_for
from ingest.domain.overdue import Overdue
from ingest.domain.plausibility import Preview
from ingest.domain.search import DeliverySearch
from ingest.service import delivery_queries, receiving, releasing, validation
from ingest.service.callers import identify
from ingest.service.delivery_context import DeliveryContext, quarter_of
from ingest.service.dry_run import DryRun, check_file
from ingest.service.unit_of_work import DeliveryStore
from ketenkit.tracing import span

logger = logging.getLogger(__name__)


class Deliveries:
    def __init__(
        self,
        ctx: DeliveryContext,
        *,
        admin_token: str,
        validation_wait_seconds: float = 2.0,
        stalled_after_seconds: float = 120.0,
    ) -> None:
        self.ctx = ctx
        self._admin_token = admin_token
        self.validation_wait_seconds = validation_wait_seconds
        self.stalled_after = timedelta(seconds=stalled_after_seconds)
        self._validations: dict[str, asyncio.Task[None]] = {}  # delivery id -> its validation

    @property
    def store(self) -> DeliveryStore:
        return self.ctx.store

    def today(self) -> date:
        return self.ctx.today()

    async def identify(self, token: str | None) -> Caller:
        return await identify(self.store, admin_token=self._admin_token, token=token)

    def check_upload(self, *, caller: Caller, municipality: str, quarter: str) -> None:
        receiving.check_upload(self.ctx, caller=caller, municipality=municipality, quarter=quarter)

    async def upload(
        self,
        *,
        caller: Caller,
        municipality: str,
        quarter: str,
        content_type: str,
        body: IO[bytes],
        body_size: int,
        body_sha256: str,
        idempotency_key: str | None,
        nil_return: bool,
        confirm_retractions: bool = False,
    ) -> DeliveryRow:
        """Store the upload and validate it; answer once validated or after a short wait.

        ``body`` becomes this method's: it is closed here, or by the validation that runs on
        after the answer (a 200 MB file does not hold the request for minutes).
        """
        handed_over = False
        upload_span = span(
            "delivery.upload",
            attributes={"municipality": municipality, "quarter": quarter, "bytes": body_size},
        )
        try:
            with upload_span as upload_trace:
                delivery, new = await receiving.receive(
                    self.ctx,
                    caller=caller,
                    municipality=municipality,
                    quarter=quarter,
                    content_type=content_type,
                    body_size=body_size,
                    body_sha256=body_sha256,
                    idempotency_key=idempotency_key,
                    nil_return=nil_return,
                    confirm_retractions=confirm_retractions,
                )
                upload_trace.set_attribute("delivery.id", delivery.id)
            if not new or delivery.nil_return:
                # an idempotent repeat (its validation, if still running, is the first one's),
                # or a nil return (released at once)
                return delivery
            task = asyncio.create_task(
                self._validate_then_close(delivery, content_type, body),
                name=f"validate-{delivery.id}",
            )
            handed_over = True
            self._validations[delivery.id] = task
            task.add_done_callback(lambda _: self._validations.pop(delivery.id, None))
            await asyncio.wait({task}, timeout=self.validation_wait_seconds)
        finally:
            if not handed_over:
                body.close()
        async with self.store.reading() as repo:
            current = await repo.get(delivery.id)
        return current or delivery

    async def _validate_then_close(
        self, delivery: DeliveryRow, content_type: str, body: IO[bytes]
    ) -> None:
        try:
            with span(
                "delivery.validate",
                parent=delivery.traceparent,
                attributes={"delivery.id": delivery.id},
            ):
                await validation.validate(self.ctx, delivery, content_type, body)
        except asyncio.CancelledError:
            raise  # shutting down: the delivery stays received; see reject_stalled
        except Exception as exc:
            logger.error(
                "delivery_validation_failed",
                extra={"delivery_id": delivery.id, "error": type(exc).__name__},
                exc_info=exc,
            )
            await validation.reject(
                self.ctx,
                delivery,
                FileProblem(
                    "processing_failed",
                    "the file could not be validated because of a failure on our side; "
                    "deliver it again",
                ),
            )
        finally:
            body.close()

    async def dry_run(
        self, *, caller: Caller, municipality: str, quarter: str, content_type: str, body: IO[bytes]
    ) -> DryRun:
        """Every check of an upload, the plausibility ones too; nothing stored or published."""
        require_contact_for(caller, municipality)
        period: Quarter = quarter_of(self.ctx, quarter, municipality)
        async with self.store.reading() as repo:
            previous = await repo.current_release(municipality=municipality, quarter=str(period))
            known = await repo.pseudonyms_of(previous.id) if previous else []
        return await asyncio.to_thread(
            check_file,
            body,
            content_type,
            municipality=municipality,
            quarter=period,
            pseudonymiser=self.ctx.pseudonymiser,
            max_line=self.ctx.max_line,
            previous=known,
            retraction_share=self.ctx.retraction_share,
        )

    async def reject_stalled(self) -> int:
        return await validation.reject_stalled(
            self.ctx, stalled_after=self.stalled_after, running=self._validations.keys()
        )

    async def stop(self) -> None:
        """Cancel validations still running (their deliveries are rejected as stalled later)."""
        tasks = list(self._validations.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def release(
        self,
        *,
        caller: Caller,
        delivery_id: str,
        accept_partial: bool,
        confirm_retractions: bool = False,
    ) -> DeliveryRow:
        return await releasing.release(
            self.ctx,
            caller=caller,
            delivery_id=delivery_id,
            accept_partial=accept_partial,
            confirm_retractions=confirm_retractions,
        )

    async def preview(self, *, caller: Caller, delivery_id: str) -> Preview:
        return await delivery_queries.preview(self.store, caller=caller, delivery_id=delivery_id)

    async def get(self, *, caller: Caller, delivery_id: str) -> DeliveryRow:
        return await delivery_queries.get(self.store, caller=caller, delivery_id=delivery_id)

    async def report(
        self, *, caller: Caller, delivery_id: str
    ) -> AsyncIterator[Sequence[DeliveryErrorRow]]:
        return await delivery_queries.report(self.store, caller=caller, delivery_id=delivery_id)

    async def find(self, *, caller: Caller, search: DeliverySearch) -> Sequence[DeliveryRow]:
        return await delivery_queries.find(self.store, caller=caller, search=search)

    async def overdue(self, *, caller: Caller, as_of: date) -> list[Overdue]:
        return await delivery_queries.overdue(self.store, caller=caller, as_of=as_of)

    async def refresh_overdue(self) -> None:
        await delivery_queries.refresh_overdue(self.ctx)
