"""Municipal deliveries: deliver (aanleveren), check (controleren), release (vrijgeven)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import IO

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts import Pseudonymiser, Quarter, QuarterInvalid
from contracts.reference import is_valid
from ingest.adapters import store
from ingest.adapters.files import (
    MAX_LINE_CHARS,
    DeliveryFile,
    FileProblem,
    empty_delivery,
)
from ingest.adapters.tables import DeliveryErrorRow, DeliveryRow
from ingest.domain.access import (
    Admin,
    Caller,
    ContactCaller,
    readable_municipalities,
    require_contact_for,
    require_reader_of,
)
from ingest.domain.errors import (
    DeliveryNotFound,
    NotAuthenticated,
    QuarterNotEnded,
    ReleaseRefused,
    UploadInvalid,
)
from ingest.domain.overdue import Overdue, overdue_counts, overdue_figures, overdue_pairs
from ingest.domain.plausibility import Preview
from ingest.domain.rows import CheckedRow, RowValidator, unknown_columns
from ingest.metrics import IngestMetrics
from ingest.service.checking import checked_rows
from ingest.service.dry_run import DryRun, check_file
from ingest.service.events import delivery_event, record_event, retraction_event
from ketenkit import Database, OutboxRelay, Outgoing, add_to_outbox
from ketenkit.tracing import current_traceparent, span

logger = logging.getLogger(__name__)
BATCH = 2000
MAX_WARNINGS = 100


@dataclass(frozen=True, slots=True)
class Topics:
    deliveries: str
    records: str


class Deliveries:
    """The delivery use cases over ingest's store; events go out through the outbox."""

    def __init__(
        self,
        *,
        db: Database,
        relay: OutboxRelay,
        pseudonymiser: Pseudonymiser,
        topics: Topics,
        metrics: IngestMetrics,
        admin_token: str,
        retraction_share: float = 0.10,
        max_line: int = MAX_LINE_CHARS,
        validation_wait_seconds: float = 2.0,
        stalled_after_seconds: float = 120.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        today: Callable[[], date] = date.today,
    ) -> None:
        self.db = db
        self.relay = relay
        self.pseudonymiser = pseudonymiser
        self.topics = topics
        self.metrics = metrics
        self._admin_token = admin_token.encode()
        self.retraction_share = retraction_share
        self.max_line = max_line
        self.validation_wait_seconds = validation_wait_seconds
        self.stalled_after = timedelta(seconds=stalled_after_seconds)
        self._validations: dict[str, asyncio.Task[None]] = {}  # delivery id -> its validation
        self.now = now
        self.today = today

    # -- who is calling ---------------------------------------------------------------------

    async def identify(self, token: str | None) -> Caller:
        """Admin, an active contact (from the projection of registry.contacts.v1), or None."""
        if token is None:
            return None
        if hmac.compare_digest(token.encode(), self._admin_token):
            return Admin()
        digest = hashlib.sha256(token.encode()).hexdigest()
        async with self.db.sessions() as session:
            contact = await store.contact_by_token_hash(session, token_sha256=digest)
        if (
            contact is None
            or contact.status != "active"
            or not hmac.compare_digest(contact.token_sha256, digest)
        ):
            raise NotAuthenticated("unknown, pending or withdrawn token")
        return ContactCaller(contact.contact_id, frozenset(contact.municipality_codes))

    # -- aanleveren ---------------------------------------------------------------------------

    def _quarter(self, text: str, municipality: str) -> Quarter:
        try:
            quarter = Quarter.parse(text)
        except QuarterInvalid as exc:
            raise UploadInvalid(422, "quarter", "field_invalid", exc.detail) from None
        if quarter.end >= self.today():
            raise QuarterNotEnded(f"{quarter} ends on {quarter.end}; deliver after that day")
        if not is_valid(municipality, quarter.end):
            raise UploadInvalid(
                422,
                "municipality",
                "municipality_unknown",
                f"{municipality} is not a municipality on {quarter.end}",
            )
        return quarter

    def check_upload(self, *, caller: Caller, municipality: str, quarter: str) -> None:
        """Access, municipality and quarter of an upload, before its body is read."""
        require_contact_for(caller, municipality)
        self._quarter(quarter, municipality)

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
                delivery, new = await self._receive(
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
            period = Quarter.parse(delivery.quarter)
            task = asyncio.create_task(
                self._validate_then_close(delivery, period, content_type, body, body_size),
                name=f"validate-{delivery.id}",
            )
            handed_over = True
            self._validations[delivery.id] = task
            task.add_done_callback(lambda _: self._validations.pop(delivery.id, None))
            await asyncio.wait({task}, timeout=self.validation_wait_seconds)
        finally:
            if not handed_over:
                body.close()
        async with self.db.sessions() as session:
            current = await store.get_delivery(session, delivery_id=delivery.id)
        return current or delivery

    async def _validate_then_close(
        self, delivery: DeliveryRow, period: Quarter, content_type: str, body: IO[bytes], size: int
    ) -> None:
        try:
            with span(
                "delivery.validate",
                parent=delivery.traceparent,
                attributes={"delivery.id": delivery.id},
            ):
                await self._validate(delivery, period, content_type, body, size)
        except asyncio.CancelledError:
            raise  # shutting down: the delivery stays received; see reject_stalled
        except Exception as exc:
            logger.error(
                "delivery_validation_failed",
                extra={"delivery_id": delivery.id, "error": type(exc).__name__},
                exc_info=exc,
            )
            await self._reject(
                delivery,
                FileProblem(
                    "processing_failed",
                    "the file could not be validated because of a failure on our side; "
                    "deliver it again",
                ),
            )
        finally:
            body.close()
            self.relay.notify()

    async def dry_run(
        self, *, caller: Caller, municipality: str, quarter: str, content_type: str, body: IO[bytes]
    ) -> DryRun:
        """Every check of an upload, the plausibility ones too; nothing stored or published."""
        require_contact_for(caller, municipality)
        period = self._quarter(quarter, municipality)
        async with self.db.sessions() as session:
            previous = await store.current_release(
                session, municipality=municipality, quarter=str(period)
            )
            known = await store.pseudonyms_of(session, delivery_id=previous.id) if previous else []
        return await asyncio.to_thread(
            check_file,
            body,
            content_type,
            municipality=municipality,
            quarter=period,
            pseudonymiser=self.pseudonymiser,
            max_line=self.max_line,
            previous=known,
            retraction_share=self.retraction_share,
        )

    async def reject_stalled(self) -> int:
        """Reject deliveries whose validation stopped (a restart, a crash): never ``received``
        for ever. A validation in progress records its progress with every batch."""
        cutoff = self.now() - self.stalled_after
        async with self.db.sessions() as session:
            stalled = await store.stalled_deliveries(session, before=cutoff)
        rejected = 0
        for delivery in stalled:
            if delivery.id in self._validations:
                continue
            if await self._reject(
                delivery,
                FileProblem(
                    "processing_failed",
                    "the validation of this file was interrupted; deliver it again",
                ),
            ):
                rejected += 1
        return rejected

    async def stop(self) -> None:
        """Cancel validations still running (their deliveries are rejected as stalled later)."""
        tasks = list(self._validations.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _receive(
        self,
        *,
        caller: Caller,
        municipality: str,
        quarter: str,
        content_type: str,
        body_size: int,
        body_sha256: str,
        idempotency_key: str | None,
        nil_return: bool,
        confirm_retractions: bool,
    ) -> tuple[DeliveryRow, bool]:
        """The delivery made of this upload (True), or the one its Idempotency-Key made."""
        contact = require_contact_for(caller, municipality)
        period = self._quarter(quarter, municipality)
        if idempotency_key:
            async with self.db.sessions() as session:
                existing = await store.delivery_by_idempotency_key(
                    session, municipality=municipality, quarter=str(period), key=idempotency_key
                )
            if existing is not None:
                return _same_upload(existing, body_sha256), False
        if nil_return and body_size:
            raise UploadInvalid(
                422, "nil_return", "field_invalid", "a nil return has an empty body"
            )
        if nil_return and not confirm_retractions:
            # A nil return is released at once: after a release in force it retracts everyone.
            async with self.db.sessions() as session:
                previous = await store.current_release(
                    session, municipality=municipality, quarter=str(period)
                )
                persons = (
                    await store.count_persons(session, delivery_id=previous.id) if previous else 0
                )
            self._confirm(Preview(publish=0, retractions=persons, previous_persons=persons))
        delivery = DeliveryRow(
            id=str(uuid.uuid4()),
            municipality=municipality,
            quarter=str(period),
            status="received",
            nil_return=nil_return,
            contact_id=contact.contact_id,
            idempotency_key=idempotency_key,
            content_type=content_type or None,
            body_sha256=body_sha256,
            received_at=self.now(),
            traceparent=current_traceparent(),
        )
        try:
            async with self.db.transaction() as session:
                session.add(delivery)
                await session.flush()
                await self._emit(session, delivery, "received")
        except IntegrityError:  # the same key at the same moment: the other upload won
            async with self.db.sessions() as session:
                existing = await store.delivery_by_idempotency_key(
                    session,
                    municipality=municipality,
                    quarter=str(period),
                    key=idempotency_key or "",
                )
            if existing is None:
                raise
            return _same_upload(existing, body_sha256), False
        self.metrics.deliveries.labels("received").inc()
        if nil_return:
            released = await self._release(
                delivery.id, accept_partial=True, nil=True, by=contact.contact_id, confirmed=True
            )
            return released, True
        return delivery, True

    async def _validate(
        self, delivery: DeliveryRow, period: Quarter, content_type: str, body: IO[bytes], size: int
    ) -> None:
        validator = RowValidator(
            municipality=delivery.municipality, quarter=period, pseudonymiser=self.pseudonymiser
        )
        reader = DeliveryFile(body, content_type, max_line=self.max_line)
        rows = checked_rows(reader.rows(), validator)

        def next_batch() -> list[CheckedRow]:
            return list(islice(rows, BATCH))

        counts = {"rows": 0, "valid": 0, "invalid": 0, "errors": 0}
        warnings_added = False
        try:
            while batch := await asyncio.to_thread(next_batch):
                async with self.db.transaction() as session:
                    if not warnings_added:
                        warnings_added = True
                        await self._add_warnings(session, delivery, reader.header)
                    await store.add_records(
                        session,
                        delivery_id=delivery.id,
                        records=[
                            (c.row, c.pseudonym, c.data)
                            for c in batch
                            if c.valid and c.pseudonym and c.data
                        ],
                    )
                    errors = [e for c in batch for e in c.errors]
                    await store.add_errors(
                        session,
                        delivery_id=delivery.id,
                        errors=[(e.row, e.field, e.code, e.message, e.severity) for e in errors],
                    )
                    await store.mark_progress(session, delivery_id=delivery.id, at=self.now())
                for error in errors:
                    self.metrics.validation_errors.labels("municipal", error.code).inc()
                counts["rows"] += len(batch)
                valid = sum(1 for c in batch if c.valid)
                counts["valid"] += valid
                counts["invalid"] += len(batch) - valid
                counts["errors"] += len(errors)
            if not counts["rows"]:
                raise empty_delivery()
        except FileProblem as problem:
            await self._reject(delivery, problem)
            return
        async with self.db.transaction() as session:
            if not warnings_added:
                await self._add_warnings(session, delivery, reader.header)
            row = await store.get_delivery(session, delivery_id=delivery.id)
            assert row is not None
            if row.status != "received":  # judged stalled meanwhile: its rejection stands
                return
            row.valid = counts["valid"]
            plausible = (await self._preview(session, row)).warnings(self.retraction_share)
            await store.add_errors(
                session,
                delivery_id=delivery.id,
                errors=[(w.row, w.field, w.code, w.message, w.severity) for w in plausible],
            )
            delivery.warnings += len(plausible)
            row.status = "validated"
            row.rows, row.valid, row.invalid, row.errors = (
                counts["rows"],
                counts["valid"],
                counts["invalid"],
                counts["errors"],
            )
            row.warnings = delivery.warnings
            session.add(row)
            await self._emit(session, row, "validated")
        _copy(row, delivery)
        self.metrics.deliveries.labels("validated").inc()
        self.metrics.records.labels("municipal", "accepted").inc(counts["valid"])
        self.metrics.records.labels("municipal", "rejected").inc(counts["invalid"])
        logger.info("delivery_validated", extra={"delivery_id": delivery.id, **counts})

    async def _add_warnings(
        self, session: AsyncSession, delivery: DeliveryRow, header: list[str]
    ) -> None:
        warnings = unknown_columns(header)[:MAX_WARNINGS]
        delivery.warnings = len(warnings)
        await store.add_errors(
            session,
            delivery_id=delivery.id,
            errors=[(w.row, w.field[:100], w.code, w.message, w.severity) for w in warnings],
        )

    async def _reject(self, delivery: DeliveryRow, problem: FileProblem) -> bool:
        """End a received delivery as rejected with ``problem`` (row 0); False if it had ended."""
        async with self.db.transaction() as session:
            row = await store.get_delivery(session, delivery_id=delivery.id)
            assert row is not None
            if row.status != "received":
                return False
            await store.forget_rows(session, delivery_id=delivery.id)
            await store.add_errors(
                session,
                delivery_id=delivery.id,
                errors=[(0, "_file", problem.code, str(problem), "error")],
            )
            row.status = "rejected"
            row.rows = row.valid = row.invalid = row.warnings = 0
            row.errors = 1
            session.add(row)
            await self._emit(session, row, "rejected")
        _copy(row, delivery)
        self.metrics.deliveries.labels("rejected").inc()
        self.metrics.validation_errors.labels("municipal", problem.code).inc()
        logger.info("delivery_rejected", extra={"delivery_id": delivery.id, "code": problem.code})
        return True

    # -- vrijgeven ------------------------------------------------------------------------------

    async def _preview(self, session: AsyncSession, delivery: DeliveryRow) -> Preview:
        previous = await store.current_release(
            session, municipality=delivery.municipality, quarter=delivery.quarter
        )
        if previous is None or previous.id == delivery.id:
            return Preview(publish=delivery.valid, retractions=0, previous_persons=0)
        return Preview(
            publish=delivery.valid,
            retractions=await store.count_retracted(
                session, previous_id=previous.id, current_id=delivery.id
            ),
            previous_persons=await store.count_persons(session, delivery_id=previous.id),
        )

    async def preview(self, *, caller: Caller, delivery_id: str) -> Preview:
        """What releasing the delivery would do now (after the access check)."""
        delivery = await self.get(caller=caller, delivery_id=delivery_id)
        async with self.db.sessions() as session:
            return await self._preview(session, delivery)

    def _confirm(self, preview: Preview) -> None:
        if preview.needs_confirmation(self.retraction_share):
            raise ReleaseRefused(
                "confirm_retractions",
                f"releasing this would retract {preview.retractions} of the "
                f"{preview.previous_persons} persons of the release in force; check the file, "
                "or release with confirm_retractions=true",
                retractions=preview.retractions,
                previous_persons=preview.previous_persons,
            )

    async def release(
        self,
        *,
        caller: Caller,
        delivery_id: str,
        accept_partial: bool,
        confirm_retractions: bool = False,
    ) -> DeliveryRow:
        async with self.db.sessions() as session:
            delivery = await store.get_delivery(session, delivery_id=delivery_id)
        if delivery is None:
            if caller is None:
                raise NotAuthenticated("a bearer token is required")
            raise DeliveryNotFound(delivery_id)
        contact = require_contact_for(caller, delivery.municipality)
        try:
            # The release continues the upload's trace: one delivery, one trace, whose records
            # carry it on to linkage.
            with span(
                "delivery.release",
                parent=delivery.traceparent,
                links=[current_traceparent()],  # the request that released it: its own trace
                attributes={"delivery.id": delivery.id, "municipality": delivery.municipality},
            ):
                return await self._release(
                    delivery_id,
                    accept_partial=accept_partial,
                    nil=False,
                    by=contact.contact_id,
                    confirmed=confirm_retractions,
                )
        except IntegrityError:
            raise ReleaseRefused(
                "release_conflict",
                "another release of this municipality and quarter happened at the same moment; "
                "try again",
            ) from None

    async def _release(
        self, delivery_id: str, *, accept_partial: bool, nil: bool, by: str, confirmed: bool
    ) -> DeliveryRow:
        now = self.now()
        trace = current_traceparent()
        async with self.db.transaction() as session:
            delivery = await store.get_delivery(session, delivery_id=delivery_id)
            assert delivery is not None
            if delivery.status == "released" or (
                delivery.status == "superseded" and delivery.released_at
            ):
                return delivery  # releasing again publishes nothing
            if delivery.status != ("received" if nil else "validated"):
                raise ReleaseRefused(
                    "not_releasable", f"a {delivery.status} delivery cannot be released"
                )
            if delivery.invalid and not accept_partial:
                raise ReleaseRefused(
                    "rows_invalid",
                    f"{delivery.invalid} row(s) are invalid: fix "
                    "them, or release the valid rows with accept_partial=true",
                )
            if not nil and not delivery.valid:
                raise ReleaseRefused("nothing_to_release", "no row of this delivery is valid")
            if not confirmed:
                self._confirm(await self._preview(session, delivery))
            previous = await store.current_release(
                session, municipality=delivery.municipality, quarter=delivery.quarter
            )
            # Claim the release first: of two concurrent releases, exactly one changes the row.
            claimed = await session.exec(
                update(DeliveryRow)
                .where(
                    col(DeliveryRow.id) == delivery_id, col(DeliveryRow.status) == delivery.status
                )
                .values(status="released", released_at=now, released_by=by)
            )
            if claimed.rowcount != 1:
                raise ReleaseRefused("release_in_progress", "this delivery is being released")
            delivery.release_sequence = await store.next_release_sequence(
                session, municipality=delivery.municipality, quarter=delivery.quarter
            )
            delivery.status, delivery.released_at, delivery.released_by = "released", now, by
            session.add(delivery)
            published = 0
            async for page in store.records_of(session, delivery_id=delivery.id):
                await add_to_outbox(
                    session,
                    [
                        Outgoing.event(
                            self.topics.records,
                            record_event(delivery, r, now, traceparent=trace),
                            r.pseudonym,
                        )
                        for r in page
                    ],
                )
                published += len(page)
                await session.flush()
            retracted: list[str] = []
            if previous is not None:
                retracted = await store.retracted_pseudonyms(
                    session, previous_id=previous.id, current_id=delivery.id
                )
                await add_to_outbox(
                    session,
                    [
                        Outgoing.event(
                            self.topics.records,
                            retraction_event(delivery, p, now, traceparent=trace),
                            p,
                        )
                        for p in retracted
                    ],
                )
                await store.mark_superseded(session, delivery_id=previous.id, by=delivery.id)
                previous.status, previous.superseded_by = "superseded", delivery.id
                await self._emit(session, previous, "superseded")
            await self._emit(session, delivery, "released")
        self.relay.notify()
        self.metrics.deliveries.labels("released").inc()
        if previous is not None:
            self.metrics.deliveries.labels("superseded").inc()
        await self.refresh_overdue()
        logger.info(
            "delivery_released",
            extra={
                "delivery_id": delivery.id,
                "records": published,
                "retracted": len(retracted),
                "release_sequence": delivery.release_sequence,
            },
        )
        return delivery

    async def _emit(self, session: AsyncSession, delivery: DeliveryRow, status: str) -> None:
        envelope = delivery_event(delivery, status, self.now())  # type: ignore[arg-type]
        await add_to_outbox(
            session, [Outgoing.event(self.topics.deliveries, envelope, delivery.id)]
        )

    # -- controleren and reading ---------------------------------------------------------------

    async def get(self, *, caller: Caller, delivery_id: str) -> DeliveryRow:
        async with self.db.sessions() as session:
            delivery = await store.get_delivery(session, delivery_id=delivery_id)
        if delivery is None:
            readable_municipalities(caller)  # 401 before 404 for anonymous callers
            raise DeliveryNotFound(delivery_id)
        require_reader_of(caller, delivery.municipality)
        return delivery

    async def report(
        self, *, caller: Caller, delivery_id: str
    ) -> AsyncIterator[Sequence[DeliveryErrorRow]]:
        """The delivery's errors and warnings, page by page (after the access check)."""
        await self.get(caller=caller, delivery_id=delivery_id)

        async def pages() -> AsyncIterator[Sequence[DeliveryErrorRow]]:
            after = 0
            while True:
                async with self.db.sessions() as session:
                    page = await store.errors_page(session, delivery_id=delivery_id, after_id=after)
                if not page:
                    return
                yield page
                after = page[-1].id or 0

        return pages()

    async def find(
        self,
        *,
        caller: Caller,
        municipality: str | None,
        quarter: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[DeliveryRow]:
        allowed = readable_municipalities(caller)
        if municipality and allowed is not None and municipality not in allowed:
            require_reader_of(caller, municipality)
        async with self.db.sessions() as session:
            return await store.list_deliveries(
                session,
                municipalities=allowed,
                municipality=municipality,
                quarter=quarter,
                status=status,
                limit=limit,
                offset=offset,
            )

    async def overdue(self, *, caller: Caller, as_of: date) -> list[Overdue]:
        allowed = readable_municipalities(caller)
        async with self.db.sessions() as session:
            delivered = await store.delivered_pairs(session)
        return overdue_pairs(as_of, delivered, municipalities=allowed)

    async def refresh_overdue(self) -> None:
        today = self.today()
        async with self.db.sessions() as session:
            delivered = await store.delivered_pairs(session)
        figures = overdue_figures(overdue_counts(today, delivered), today)
        m = self.metrics
        m.overdue.set(sum(figures.by_quarter.values()))
        m.overdue_by_quarter.clear()  # a quarter delivered in full leaves the gauge
        for quarter, count in figures.by_quarter.items():
            m.overdue_by_quarter.labels(str(quarter)).set(count)
        m.latest_quarter_overdue.clear()
        m.latest_quarter_days_past_due.clear()
        if figures.latest is not None:
            label = str(figures.latest)
            m.latest_quarter_overdue.labels(label).set(figures.latest_overdue)
            m.latest_quarter_days_past_due.labels(label).set(figures.latest_days_past_due)


def _same_upload(existing: DeliveryRow, body_sha256: str) -> DeliveryRow:
    """The delivery an Idempotency-Key already made, if this is the same body again."""
    if existing.body_sha256 is not None and existing.body_sha256 != body_sha256:
        raise UploadInvalid(
            422,
            "idempotency-key",
            "idempotency_key_reused",
            "this Idempotency-Key was used for another file of this municipality and quarter; "
            "send a new file with a new key",
        )
    return existing


def _copy(source: DeliveryRow, target: DeliveryRow) -> None:
    for name in DeliveryRow.model_fields:
        setattr(target, name, getattr(source, name))
