"""What ingest refuses, in the domain's own words; each refusal carries its HTTP status and
stable code, and the kit answers it as problem+json."""

from __future__ import annotations

from contracts.problems import FieldError, NotAllowed, NotAuthenticated, Refusal

__all__ = [
    "DeliveryNotFound",
    "IngestError",
    "NotAllowed",
    "NotAuthenticated",
    "QuarterNotEnded",
    "ReleaseRefused",
    "UploadInvalid",
]

# Where a refused request parameter travels, for the field-level error's ``loc``.
HEADERS = frozenset({"content-type", "idempotency-key"})


class IngestError(Refusal):
    """Base of ingest's rule violations."""

    title = "Ingest error"


class DeliveryNotFound(IngestError):
    """No delivery with that id."""

    status = 404
    code = "delivery_not_found"
    title = "Delivery not found"

    def __init__(self, delivery_id: str = "") -> None:
        # The id is not repeated: the caller sent it, and it may be a probe.
        super().__init__()
        self.delivery_id = delivery_id


class QuarterNotEnded(IngestError):
    """Deliveries are for quarters that have ended."""

    status = 422
    code = "quarter_not_ended"
    title = "Quarter has not ended"

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            errors=[FieldError(loc=["query", "quarter"], code="quarter_not_ended", msg=message)],
        )


class ReleaseRefused(IngestError):
    """A delivery cannot be released now; ``code`` says why, ``members`` the figures."""

    status = 409
    title = "Release refused"

    def __init__(self, code: str, message: str, **members: int) -> None:
        self.code = code
        super().__init__(message, members=members)  # e.g. retractions, previous_persons


class UploadInvalid(IngestError):
    """The request itself is wrong (4xx); ``field`` and ``code`` say where and what."""

    title = "Upload refused"

    def __init__(self, status: int, field: str, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.field = field
        where = "header" if field in HEADERS else ("body" if field == "body" else "query")
        super().__init__(message, errors=[FieldError(loc=[where, field], code=code, msg=message)])
