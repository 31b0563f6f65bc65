"""Fakes of the portal's ports (they subclass the ports, as the service layer expects)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any, BinaryIO

from portal.adapters.ports import Ingest, Linkage, Registry, SessionStore
from portal.domain.deliveries import Delivery, Preview, ReportPage
from portal.domain.errors import NotAllowed, Refused
from portal.domain.identity import Identity, Session


class FakeRegistry(Registry):
    def __init__(self, known: dict[str, Identity] | None = None) -> None:
        self.known = dict(known or {})
        self.pending: list[dict[str, Any]] = []
        self.without_primary: list[str] = []

    async def whoami(self, token: str) -> Identity | None:
        return self.known.get(token)

    async def register(self, registration: dict[str, Any], *, client: str) -> dict[str, Any]:
        return {"contact_id": "c-new", "status": "pending", "token": "t" * 43}

    async def contacts(self, token: str, *, status: str | None = None) -> list[dict[str, Any]]:
        return self.pending

    async def approve(self, token: str, contact_id: str) -> dict[str, Any]:
        return {}

    async def withdraw(self, token: str, contact_id: str) -> dict[str, Any]:
        return {}

    async def coverage(self, token: str) -> dict[str, Any]:
        return {
            "as_of": "2026-12-01",
            "total": 342,
            "with_active_primary": 342 - len(self.without_primary),
            "without_active_primary": self.without_primary,
        }


class FakeIngest(Ingest):
    def __init__(self) -> None:
        self.by_municipality: dict[str, list[Delivery]] = {}
        self.overdue_items: list[dict[str, Any]] = []
        self.asked: list[tuple[str, str]] = []
        self.quality: dict[str, Any] | None = None  # None: the caller may not read it

    async def deliveries(self, token: str, *, municipality: str) -> list[Delivery]:
        self.asked.append((token, municipality))
        return self.by_municipality.get(municipality, [])

    async def delivery(self, token: str, delivery_id: str) -> Delivery:
        raise NotImplementedError

    async def report(
        self, token: str, delivery_id: str, *, code: str | None, limit: int
    ) -> ReportPage:
        return ReportPage()

    async def report_csv(self, token: str, delivery_id: str) -> AsyncIterator[bytes]:
        yield b""

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
        raise NotImplementedError

    async def preview(self, token: str, delivery_id: str) -> Preview:
        return Preview(publish=0, retractions=0, previous_persons=0)

    async def release(
        self, token: str, delivery_id: str, *, accept_partial: bool, confirm_retractions: bool
    ) -> Delivery:
        raise NotImplementedError

    async def overdue(self, token: str, *, as_of: date) -> list[dict[str, Any]]:
        return self.overdue_items

    async def delivery_quality(self, token: str, *, year: int, as_of: date) -> dict[str, Any]:
        if self.quality is None:
            raise NotAllowed("forbidden")
        return self.quality

    async def guidelines(self, document: str) -> tuple[bytes, str]:
        return b"", "application/octet-stream"


class FakeLinkage(Linkage):
    def __init__(self, known: dict[str, Identity] | None = None) -> None:
        self.known = dict(known or {})
        self.figures: dict[str, Any] | None = None
        self.published: list[dict[str, Any]] = []

    async def whoami(self, token: str) -> Identity | None:
        return self.known.get(token)

    async def monitor(self, token: str, *, as_of: date, by: str) -> dict[str, Any]:
        return {"as_of": as_of.isoformat(), "by": by.split(","), "rows": []}

    async def monitor_csv(self, token: str, *, as_of: date, by: str) -> bytes:
        return b""

    async def report_figures(self, token: str, *, year: int, as_of: date) -> dict[str, Any]:
        assert self.figures is not None, "give the fake its figures"
        return self.figures

    async def publications(self, token: str) -> list[dict[str, Any]]:
        return list(self.published)

    async def publication(self, token: str, publication_id: str) -> dict[str, Any]:
        found = next((p for p in self.published if p["id"] == publication_id), None)
        if found is None:
            raise Refused(status=404, code="publication_not_found", detail="")
        return found


class FakeSessionStore(SessionStore):
    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}

    async def add(self, key: str, session: Session) -> None:
        self.sessions[key] = session

    async def get(self, key: str) -> Session | None:
        return self.sessions.get(key)

    async def touch(self, key: str, seen_at: datetime) -> None:
        if key in self.sessions:
            self.sessions[key] = replace(self.sessions[key], seen_at=seen_at)

    async def remove(self, key: str) -> None:
        self.sessions.pop(key, None)

    async def remove_expired(self, *, idle_before: datetime, started_before: datetime) -> int:
        gone = [
            k
            for k, s in self.sessions.items()
            if s.seen_at < idle_before or s.started_at < started_before
        ]
        for k in gone:
            del self.sessions[k]
        return len(gone)
