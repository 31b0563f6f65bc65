"""Ingest's HTTP API (SPEC section 7): parse, call the service, answer; its refusals are the
domain's, answered by the kit."""

import csv
import hashlib
import io
import json
import tempfile
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from contracts.publications import DeliveryQuality
from ingest.adapters.files import CSV_TYPES, NDJSON_TYPES, media_type
from ingest.domain.access import Caller, ContactCaller
from ingest.domain.errors import (
    UploadInvalid,
)
from ingest.domain.search import DeliverySearch
from ingest.entrypoints.schemas import (
    SAMPLE_CSV,
    SAMPLE_NDJSON,
    DeliveryOut,
    DryRunOut,
    OverdueItem,
    OverdueOut,
    PreviewOut,
    ReportOut,
)
from ingest.service.deliveries import Deliveries
from ingest.service.quality import delivery_quality
from ketenkit import Problem, ProblemDetail
from ketenkit.rate_limit import RateLimiter, retry_after
from ketenkit.report_query import ReportDay, ReportYear, report_day

bearer = HTTPBearer(auto_error=False, description="A contact's personal token, or the admin token.")
Municipality = Annotated[str, Query(pattern=r"^GM\d{4}$", examples=["GM0344"])]
QuarterParam = Annotated[str, Query(max_length=7, examples=["2025-Q3"], description="YYYY-Qn")]
DeliveryId = Annotated[str, Path(max_length=64)]
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetail, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 409, 413, 415, 422, 429)
}
SPOOL_IN_MEMORY = 1024 * 1024
MIN_AS_OF = date(2022, 1, 1)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def build_router(
    deliveries: Deliveries, *, max_upload_bytes: int, dry_runs: RateLimiter | None = None
) -> APIRouter:
    router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"], responses=ERRORS)
    dry_runs = dry_runs or RateLimiter(0)

    async def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        return await deliveries.identify(credentials.credentials if credentials else None)

    Who = Annotated[Caller, Depends(caller)]  # noqa: N806 - a type alias

    @router.post(
        "",
        status_code=202,
        response_model=DeliveryOut,
        responses={200: {"model": DryRunOut, "description": "dry_run=true: the checks only."}},
        summary="Deliver a quarter's file (aanleveren), streamed; or a nil return",
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {
                    "text/csv": {"schema": {"type": "string"}, "example": SAMPLE_CSV},
                    "application/x-ndjson": {
                        "schema": {"type": "string"},
                        "example": SAMPLE_NDJSON,
                    },
                },
            }
        },
    )
    async def upload(
        request: Request,
        who: Who,
        municipality: Municipality,
        quarter: QuarterParam,
        nil_return: bool = False,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        confirm_retractions: Annotated[
            bool, Query(description="A nil return after a release in force retracts everyone.")
        ] = False,
        dry_run: Annotated[
            bool,
            Query(description="Only check the file: 200 with counts, errors and warnings."),
        ] = False,
    ) -> DeliveryOut | JSONResponse:
        content_type = request.headers.get("content-type", "")
        kind = media_type(content_type)
        unsupported = UploadInvalid(
            415, "content-type", "media_type_unsupported", "send text/csv or application/x-ndjson"
        )
        if not nil_return and kind and kind not in CSV_TYPES | NDJSON_TYPES:
            raise unsupported
        # Who, for which municipality and quarter: decided before a byte of the body is read.
        deliveries.check_upload(caller=who, municipality=municipality, quarter=quarter)
        if dry_run and not nil_return and (wait := dry_runs.hit(_caller_key(who))) is not None:
            raise Problem(
                429,
                "Too many test deliveries",
                code="rate_limited",
                detail=f"at most {dry_runs.per_minute} test deliveries a minute; try again later",
                headers={"Retry-After": retry_after(wait)},
            )
        # The upload goes to a spool (memory, then a temporary file); from deliveries.upload on
        # it is that method's to close, since validation may go on after the answer.
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        try:
            size = 0
            digest = hashlib.sha256()  # binds an Idempotency-Key to this body
            async for chunk in request.stream():
                size += len(chunk)
                digest.update(chunk)
                if size > max_upload_bytes:
                    raise UploadInvalid(
                        413,
                        "body",
                        "body_too_large",
                        f"the upload limit is {max_upload_bytes:,} bytes",  # commas: not a BSN
                    )
                spool.write(chunk)
            spool.seek(0)
            if not nil_return and not kind:
                if size:  # a body must say what it is
                    raise unsupported
                kind = "text/csv"  # nothing at all: a delivery, rejected as empty_delivery
        except BaseException:
            spool.close()
            raise
        if dry_run and not nil_return:
            with spool:
                checked = await deliveries.dry_run(
                    caller=who,
                    municipality=municipality,
                    quarter=quarter,
                    content_type=kind,
                    body=spool,
                )
            return JSONResponse(DryRunOut.of(checked).model_dump(mode="json"), status_code=200)
        delivery = await deliveries.upload(
            caller=who,
            municipality=municipality,
            quarter=quarter,
            content_type=kind,
            body=spool,
            body_size=size,
            body_sha256=digest.hexdigest(),
            idempotency_key=idempotency_key,
            nil_return=nil_return,
            confirm_retractions=confirm_retractions,
        )
        return DeliveryOut.of(delivery)

    @router.get("", summary="Deliveries (admin: all; a contact: its own municipalities)")
    async def find(
        who: Who,
        municipality: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
        quarter: Annotated[str | None, Query(max_length=7)] = None,
        status: Literal["received", "validated", "released", "superseded", "rejected"]
        | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> list[DeliveryOut]:
        search = DeliverySearch(
            municipality=municipality, quarter=quarter, status=status, limit=limit, offset=offset
        )
        rows = await deliveries.find(caller=who, search=search)
        return [DeliveryOut.of(row) for row in rows]

    @router.get("/overdue", summary="Municipality-quarters overdue on as_of (default today)")
    async def overdue(who: Who, as_of: date | None = None) -> OverdueOut:
        day = as_of or deliveries.today()
        if not MIN_AS_OF <= day <= deliveries.today() + timedelta(days=366):
            raise UploadInvalid(
                422,
                "as_of",
                "field_invalid",
                "as_of must lie between 2022-01-01 and a year from today",
            )
        items = await deliveries.overdue(caller=who, as_of=day)
        return OverdueOut(as_of=day, count=len(items), items=[OverdueItem.of(i) for i in items])

    @router.get(
        "/quality",
        summary="Delivery quality of a year per quarter: on time, late, missing; errors by code "
        "(admin)",
    )
    async def quality(
        who: Who,
        year: ReportYear,
        as_of: ReportDay = None,
    ) -> DeliveryQuality:
        day = report_day(year, as_of, deliveries.today())
        return await delivery_quality(deliveries.store, caller=who, year=year, as_of=day)

    @router.get("/{delivery_id}", summary="A delivery's status and counts")
    async def get(delivery_id: DeliveryId, who: Who) -> DeliveryOut:
        return DeliveryOut.of(await deliveries.get(caller=who, delivery_id=delivery_id))

    @router.get(
        "/{delivery_id}/report",
        summary="Every error with row, field, code and message (controleren); JSON or CSV",
        response_model=ReportOut,
        responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    async def report(delivery_id: DeliveryId, who: Who, request: Request) -> Response:
        delivery = await deliveries.get(caller=who, delivery_id=delivery_id)
        pages = await deliveries.report(caller=who, delivery_id=delivery_id)
        if "text/csv" in request.headers.get("accept", ""):
            return StreamingResponse(
                _csv_report(pages),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="report-{delivery_id}.csv"'},
            )
        return StreamingResponse(
            _json_report(delivery.id, delivery.status, pages), media_type="application/json"
        )

    @router.post(
        "/{delivery_id}/release",
        summary="Release (vrijgeven) to CBS; a later release supersedes the earlier one",
    )
    async def release(
        delivery_id: DeliveryId,
        who: Who,
        accept_partial: bool = False,
        confirm_retractions: Annotated[
            bool,
            Query(description="Release although it retracts many persons of the release in force."),
        ] = False,
    ) -> DeliveryOut:
        delivery = await deliveries.release(
            caller=who,
            delivery_id=delivery_id,
            accept_partial=accept_partial,
            confirm_retractions=confirm_retractions,
        )
        return DeliveryOut.of(delivery)

    @router.get(
        "/{delivery_id}/preview",
        summary="What a release would do now: rows published, persons retracted",
    )
    async def preview(delivery_id: DeliveryId, who: Who) -> PreviewOut:
        figures = await deliveries.preview(caller=who, delivery_id=delivery_id)
        return PreviewOut(
            publish=figures.publish,
            retractions=figures.retractions,
            previous_persons=figures.previous_persons,
        )

    return router


async def _csv_report(pages: AsyncIterator[Any]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "field", "code", "message", "severity"])
    async for page in pages:
        for e in page:
            writer.writerow([e.row, neutralise(e.field), e.code, neutralise(e.message), e.severity])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


async def _json_report(
    delivery_id: str, status: str, pages: AsyncIterator[Any]
) -> AsyncIterator[str]:
    yield json.dumps({"delivery_id": delivery_id, "status": status})[:-1] + ', "errors": ['
    first = True
    async for page in pages:
        for e in page:
            item = json.dumps(
                {
                    "row": e.row,
                    "field": e.field,
                    "code": e.code,
                    "message": e.message,
                    "severity": e.severity,
                }
            )
            yield item if first else "," + item
            first = False
    yield "]}"


def _caller_key(who: Caller) -> str:
    return who.contact_id if isinstance(who, ContactCaller) else "admin"
