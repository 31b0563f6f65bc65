"""The shape of every HTTP error of the services: RFC 9457 problem details
(``application/problem+json``), and :class:`Refusal`, the error a rule raises to be answered
with one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"


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


class Refusal(Exception):
    """A rule refused a request. Each kind says its HTTP ``status``, stable ``code`` and
    ``title`` once, as class attributes; an instance adds what is particular: the ``detail``
    for people, field-level ``errors`` and ``members`` (figures a client acts on). The kit's one
    handler answers every refusal as problem+json, so services only define them."""

    status: int = 400
    code: str = "refused"
    title: str = "Request refused"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        members: Mapping[str, int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors)
        self.members = dict(members or {})
        self.extra_headers = dict(headers or {})

    def problem(self) -> ProblemDetail:
        return ProblemDetail.model_validate(
            {
                "title": self.title,
                "status": self.status,
                "code": self.code,
                "detail": self.detail,
                "errors": self.errors,
                **self.members,
            }
        )

    def headers(self) -> dict[str, str] | None:
        # A 401 always says how to authenticate (RFC 9110 section 11.6.1).
        challenge = {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}
        return {**challenge, **self.extra_headers} or None


class NotAuthenticated(Refusal):
    """Missing, unknown, pending or withdrawn token."""

    status = 401
    code = "not_authenticated"
    title = "Not authenticated"


class NotAllowed(Refusal):
    """A valid token without the right."""

    status = 403
    code = "forbidden"
    title = "Forbidden"
