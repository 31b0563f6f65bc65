"""RFC 9457 problem details (``application/problem+json``) for every HTTP error."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.privacy import mask_text

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)


class FieldError(BaseModel):
    """One problem with one field."""

    loc: list[str | int] = Field(
        description="Where: body/query/path/header, then the field.",
        examples=[["body", "contact", "email"]],
    )
    code: str = Field(description="Stable machine-readable code.", examples=["value_error"])
    msg: str = Field(
        description="What is wrong, for people.", examples=["value is not a valid email address"]
    )


class ProblemDetail(BaseModel):
    """An RFC 9457 problem; ``errors`` lists field-level problems. Extension members (figures a
    client acts on, e.g. ``retractions``) are allowed, as the RFC allows them."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank")
    title: str = Field(examples=["Request is invalid"])
    status: int = Field(examples=[422])
    detail: str | None = Field(default=None)
    code: str | None = Field(default=None, description="Stable code of the problem.")
    errors: list[FieldError] = Field(default_factory=list)


class Problem(Exception):
    """Raise in a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        *,
        code: str | None = None,
        detail: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title)
        self.problem = ProblemDetail(
            title=title, status=status, code=code, detail=detail, errors=errors or []
        )
        self.headers = headers


def problem_response(problem: ProblemDetail, headers: dict[str, str] | None = None) -> JSONResponse:
    # The backstop of SPEC section 11: no problem text ever shows a number that may be a BSN.
    masked = problem.model_copy(
        update={
            "title": mask_text(problem.title),
            "detail": mask_text(problem.detail) if problem.detail is not None else None,
            "errors": [e.model_copy(update={"msg": mask_text(e.msg)}) for e in problem.errors],
        }
    )
    return JSONResponse(
        masked.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def unauthenticated(detail: str) -> JSONResponse:
    """401 with the Bearer challenge (missing, unknown, pending or withdrawn token)."""
    problem = ProblemDetail(
        title="Not authenticated", status=401, code="not_authenticated", detail=detail
    )
    return problem_response(problem, {"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> JSONResponse:
    """403: a valid token without the right."""
    return problem_response(
        ProblemDetail(title="Forbidden", status=403, code="forbidden", detail=detail)
    )


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for error in exc.errors():
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        errors.append(
            FieldError(
                loc=loc,
                code=str(error.get("type", "invalid")),
                msg=str(error.get("msg", "invalid")),
            )
        )
    return errors


def _status_code_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"


def install_problem_handlers(app: FastAPI) -> None:
    """Answer validation errors, HTTP errors and :class:`Problem` as problem+json."""

    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc.problem, exc.headers)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _validation_errors(exc)
        malformed = any(e.code == "json_invalid" for e in errors)
        problem = ProblemDetail(
            title="Request body is not valid JSON" if malformed else "Request is invalid",
            status=400 if malformed else 422,
            code="json_invalid" if malformed else "validation_failed",
            errors=errors,
        )
        return problem_response(problem)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail: Any = exc.detail
        problem = ProblemDetail(
            title=str(detail) if isinstance(detail, str) else "HTTP error",
            status=exc.status_code,
            code=_status_code_name(exc.status_code),
        )
        return problem_response(problem, dict(exc.headers) if exc.headers else None)

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        # A bug: say so without details (they go to the log with the traceback).
        logger.error("request_failed", exc_info=exc)
        return problem_response(
            ProblemDetail(title="Internal error", status=500, code="internal_error")
        )

    app.add_exception_handler(Exception, on_unexpected)
    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
