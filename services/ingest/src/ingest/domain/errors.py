"""What can go wrong with deliveries, in the domain's own words."""

from __future__ import annotations


class IngestError(Exception):
    """Base of ingest's rule violations."""


class NotAuthenticated(IngestError):
    """Missing, unknown, pending or withdrawn token (HTTP 401)."""


class NotAllowed(IngestError):
    """A valid token without the right (HTTP 403)."""


class DeliveryNotFound(IngestError):
    """No delivery with that id (HTTP 404)."""


class QuarterNotEnded(IngestError):
    """Deliveries are for quarters that have ended (HTTP 422 ``quarter_not_ended``)."""


class ReleaseRefused(IngestError):
    """A delivery cannot be released now (HTTP 409); ``code`` says why, ``members`` the figures."""

    def __init__(self, code: str, message: str, **members: int) -> None:
        super().__init__(message)
        self.code = code
        self.members = members


class UploadInvalid(IngestError):
    """The request itself is wrong (HTTP 4xx); ``field`` and ``code`` say where and what."""

    def __init__(self, status: int, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.code = code
