"""What the portal needs of the other services and of its session store (abstract ports).

The adapters implement them over HTTP and SQL; unit tests use fakes that subclass them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any, BinaryIO

from portal.domain.deliveries import Delivery, Preview, ReportPage
from portal.domain.identity import Identity, Session


class Registry(ABC):
    @abstractmethod
    async def whoami(self, token: str) -> Identity | None:
        """The admin or the active contact behind ``token``; None when it is neither."""

    @abstractmethod
    async def register(self, registration: dict[str, Any], *, client: str) -> dict[str, Any]:
        """``{contact_id, status, token}``; raises ``Refused`` with field problems. ``client`` is
        the visitor's address: the registry limits registrations per address, not per portal."""

    @abstractmethod
    async def contacts(self, token: str, *, status: str | None = None) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def approve(self, token: str, contact_id: str) -> dict[str, Any]: ...

    @abstractmethod
    async def withdraw(self, token: str, contact_id: str) -> dict[str, Any]: ...

    @abstractmethod
    async def coverage(self, token: str) -> dict[str, Any]: ...


class Ingest(ABC):
    @abstractmethod
    async def deliveries(self, token: str, *, municipality: str) -> list[Delivery]: ...

    @abstractmethod
    async def delivery(self, token: str, delivery_id: str) -> Delivery: ...

    @abstractmethod
    async def report(
        self, token: str, delivery_id: str, *, code: str | None, limit: int
    ) -> ReportPage: ...

    @abstractmethod
    def report_csv(self, token: str, delivery_id: str) -> AsyncIterator[bytes]:
        """The whole report as CSV, streamed through."""

    @abstractmethod
    async def upload(
        self,
        token: str,
        *,
        municipality: str,
        quarter: str,
        body: BinaryIO | None,
        content_type: str,
        idempotency_key: str,
    ) -> Delivery:
        """A file (streamed from ``body``), or a nil return when ``body`` is None."""

    @abstractmethod
    async def preview(self, token: str, delivery_id: str) -> Preview: ...

    @abstractmethod
    async def release(
        self, token: str, delivery_id: str, *, accept_partial: bool, confirm_retractions: bool
    ) -> Delivery: ...

    @abstractmethod
    async def overdue(self, token: str, *, as_of: date) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def delivery_quality(self, token: str, *, year: int, as_of: date) -> dict[str, Any]:
        """The delivery quality of a year (admin only: ``NotAllowed`` for others)."""

    @abstractmethod
    async def guidelines(self, document: str) -> tuple[bytes, str]:
        """A public guidelines document (``.pdf``, ``/schema.json``, ``/template.csv``) and
        its media type."""


class Linkage(ABC):
    @abstractmethod
    async def whoami(self, token: str) -> Identity | None:
        """The admin or the analysts' reader behind ``token``; None otherwise."""

    @abstractmethod
    async def monitor(self, token: str, *, as_of: date, by: str) -> dict[str, Any]: ...

    @abstractmethod
    async def monitor_csv(self, token: str, *, as_of: date, by: str) -> bytes: ...

    @abstractmethod
    async def report_figures(self, token: str, *, year: int, as_of: date) -> dict[str, Any]:
        """The yearly report's figures, live."""

    @abstractmethod
    async def publications(self, token: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def publication(self, token: str, publication_id: str) -> dict[str, Any]:
        """A publication with its frozen figures."""


class SessionStore(ABC):
    """Sessions by the browser's cookie value (which the store never keeps as such)."""

    @abstractmethod
    async def add(self, key: str, session: Session) -> None: ...

    @abstractmethod
    async def get(self, key: str) -> Session | None: ...

    @abstractmethod
    async def touch(self, key: str, seen_at: datetime) -> None: ...

    @abstractmethod
    async def remove(self, key: str) -> None: ...

    @abstractmethod
    async def remove_expired(self, *, idle_before: datetime, started_before: datetime) -> int: ...
