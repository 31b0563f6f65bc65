"""What can go wrong behind a page, in the portal's own words (the pages show it in Dutch)."""

from __future__ import annotations

from dataclasses import dataclass, field


class PortalError(Exception):
    """Base of the portal's errors."""


class NotSignedIn(PortalError):
    """No session, an expired one, or one whose token no longer works."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class NotAllowed(PortalError):
    """Signed in, but this page is not for this kind of visitor."""


class CsrfRefused(PortalError):
    """A form came without its valid CSRF token (another site, or an old page)."""


class NotYetKnown(PortalError):
    """The registry knows the visitor but another service has not heard of it yet (it learns
    of new and changed contacts through Kafka, a moment later)."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


class Unavailable(PortalError):
    """A service the page needs does not answer."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


class RendererBusy(PortalError):
    """Another yearly report is being made: rendering takes seconds of a CPU, one at a time."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One field's problem as a service reported it: where (``loc``), which code, its text."""

    loc: tuple[str, ...]
    code: str
    message: str


@dataclass
class Refused(PortalError):
    """A service refused the request (4xx): its problem+json, for the page to explain."""

    status: int
    code: str
    detail: str
    fields: list[FieldProblem] = field(default_factory=list)
    members: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.code}: {self.detail}")
