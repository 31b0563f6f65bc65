"""Linkage's HTTP API (SPEC section 8): records, pending persons and the monitor table."""

import csv
import io
import json
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from contracts import Measure, MonitorRow, MonitorTable, PendingPerson
from contracts.publications import (
    Publication,
    PublicationRequest,
    PublishedFigures,
    ReportFigures,
    Revisions,
)
from ketenkit import Database, FieldError, Problem, ProblemDetail
from ketenkit.report_query import ReportDay, ReportYear, report_day
from linkage.domain.access import Caller, identify, require_admin
from linkage.domain.errors import PublicationNotFound
from linkage.service import publications
from linkage.service.monitor import GROUPS, monitor_table
from linkage.service.pending import pending_persons
from linkage.service.records import current_record

Found = TypeVar("Found")
bearer = HTTPBearer(
    auto_error=False, description="The admin token or the analysts' read-only token."
)
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetail, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 422)
}
#: The monitor's measures, in the contract's order (the CSV's columns).
MEASURES = tuple(
    name for name, field in MonitorRow.model_fields.items() if field.annotation is Measure
)


class CallerOut(BaseModel):
    """What a token may do here: ``admin`` everything, ``reader`` the aggregates."""

    role: Caller


def build_router(db: Database, *, admin_token: str, reader_token: str | None) -> APIRouter:
    router = APIRouter(prefix="/v1", responses=ERRORS)

    def caller(credentials: HTTPAuthorizationCredentials | None) -> Caller:
        token = credentials.credentials if credentials else None
        return identify(token, admin_token=admin_token, reader_token=reader_token)

    async def reader(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        caller(credentials)

    async def admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        require_admin(caller(credentials))

    Reader = Annotated[None, Depends(reader)]  # noqa: N806 - a type alias
    Admin = Annotated[None, Depends(admin)]  # noqa: N806 - a type alias

    @router.get(
        "/whoami",
        tags=["access"],
        summary="Which kind of token this is (admin or reader); 401 for any other",
    )
    async def whoami(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> CallerOut:
        return CallerOut(role=caller(credentials))

    @router.get(
        "/records/{pseudonym}",
        tags=["records"],
        summary="A person's current monitoring record with its lineage",
    )
    async def record(
        _: Admin, pseudonym: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
    ) -> dict[str, Any]:
        return await current_record(db, pseudonym)

    @router.get(
        "/pending",
        tags=["records"],
        summary="Persons that cannot be completed yet, with the sources they miss",
    )
    async def pending(
        _: Admin,
        older_than_days: Annotated[int, Query(ge=0, le=36500)] = 0,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
        gemeente: Annotated[
            str | None, Query(pattern=r"^GM\d{4}$", description="Current municipality code.")
        ] = None,
        missing: Annotated[
            Literal["municipal", "coa", "duo"] | None, Query(description="A missing source.")
        ] = None,
    ) -> list[PendingPerson]:
        return list(
            await pending_persons(
                db,
                older_than_days=older_than_days,
                today=date.today(),
                limit=limit,
                gemeente=gemeente,
                missing=missing,
            )
        )

    @router.get(
        "/monitor",
        tags=["monitor"],
        response_model=MonitorTable,
        summary="The monitor table with disclosure control; JSON or CSV",
        responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    async def monitor(
        _: Reader,
        request: Request,
        as_of: date | None = None,
        by: Annotated[str, Query(examples=["cohort,doelgroep"])] = "cohort,doelgroep",
        round_to: Annotated[int, Query(description="Round counts to 1, 10 or 100.")] = 1,
    ) -> Response:
        groups = [name.strip() for name in by.split(",") if name.strip()]
        unknown = [name for name in groups if name not in GROUPS]
        if not groups or unknown or len(set(groups)) != len(groups):
            raise Problem(
                422,
                "Unknown grouping",
                code="field_invalid",
                errors=[
                    FieldError(
                        loc=["query", "by"],
                        code="field_invalid",
                        msg=f"by is a comma list of {', '.join(GROUPS)}; got {by!r}",
                    )
                ],
            )
        if round_to not in (1, 10, 100):
            raise Problem(
                422,
                "Invalid rounding",
                code="field_invalid",
                errors=[
                    FieldError(
                        loc=["query", "round_to"],
                        code="field_invalid",
                        msg="round_to is 1, 10 or 100",
                    )
                ],
            )
        table = await monitor_table(db, as_of=as_of or date.today(), by=groups, round_to=round_to)
        if "text/csv" in request.headers.get("accept", ""):
            return Response(_csv(table, groups), media_type="text/csv; charset=utf-8")
        MonitorTable.model_validate(table)  # the contract holds; the grouping keys stay first
        return Response(json.dumps(table), media_type="application/json")

    @router.get(
        "/report/figures",
        tags=["publications"],
        summary="The yearly report's tables, live, with the report's disclosure control",
    )
    async def report_figures(
        _: Reader,
        year: ReportYear,
        as_of: ReportDay = None,
    ) -> ReportFigures:
        when = report_day(year, as_of, date.today())
        return ReportFigures.model_validate(await publications.figures(db, year=year, as_of=when))

    @router.post(
        "/publications",
        tags=["publications"],
        status_code=201,
        summary="Freeze the yearly report's figures as published (every call a new one)",
    )
    async def publish(_: Admin, request: PublicationRequest) -> Publication:
        return await publications.publish(db, request)

    @router.get("/publications", tags=["publications"], summary="The publications, oldest first")
    async def publications_list(_: Reader) -> list[Publication]:
        return await publications.listed(db)

    PublicationId = Annotated[str, Path(max_length=64)]  # noqa: N806 - a type alias

    @router.get(
        "/publications/{publication_id}",
        tags=["publications"],
        summary="A publication with its frozen figures, exactly as frozen",
    )
    async def publication(_: Reader, publication_id: PublicationId) -> PublishedFigures:
        return _existing(await publications.published(db, publication_id))

    @router.get(
        "/publications/{publication_id}/revisions",
        tags=["publications"],
        summary="The cells whose live value now differs from the published one",
    )
    async def publication_revisions(_: Reader, publication_id: PublicationId) -> Revisions:
        return _existing(await publications.revised(db, publication_id))

    return router


def _existing(found: Found | None) -> Found:
    """A publication, or the 404 for an id that names none."""
    if found is None:
        raise PublicationNotFound()
    return found


def _cell(value: Any) -> str:
    return "x" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _csv(table: dict[str, Any], groups: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [*groups, "n", "provisional", *(f"{m}_{p}" for m in MEASURES for p in ("n", "pct"))]
    )
    for row in table["rows"]:
        writer.writerow(
            [
                *(row.get(g) for g in groups),
                _cell(row["n"]),
                _cell(row["provisional"]),
                *(_cell(row[m][p]) for m in MEASURES for p in ("n", "pct")),
            ]
        )
    return buffer.getvalue()
