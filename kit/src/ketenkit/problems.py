"""RFC 9457 problem details (``application/problem+json``) for every HTTP error."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.privacy import mask_text
from contracts.problems import PROBLEM_JSON, FieldError, ProblemDetail, Refusal

logger = logging.getLogger(__name__)

__all__ = ["PROBLEM_JSON", "FieldError", "Problem", "ProblemDetail", "Refusal"]


class Problem(Refusal):
    """A refusal an entrypoint makes on the spot (a rate limit, an unknown token), with its
    status, title and code given here instead of by a class of its own."""

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
        self.status = status
        self.title = title
        self.code = code or _status_code_name(status)
        super().__init__(detail, errors=errors or (), headers=headers)


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
    """Answer validation errors, HTTP errors and every :class:`Refusal` as problem+json."""

    async def on_refusal(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refusal)
        return problem_response(exc.problem(), exc.headers())

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
    app.add_exception_handler(Refusal, on_refusal)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
