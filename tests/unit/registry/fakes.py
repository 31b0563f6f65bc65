"""In-memory stand-ins that subclass the registry's real ports."""

from __future__ import annotations

from collections import Counter

from contracts import ContactState
from registry.adapters.repository import ContactRepository
from registry.domain.contact import Contact
from registry.service.unit_of_work import UnitOfWork


class FakeContactRepository(ContactRepository):
    def __init__(self) -> None:
        self.rows: dict[str, Contact] = {}

    async def add(self, contact: Contact) -> None:
        self.rows[contact.id] = contact.copy()

    async def get(self, contact_id: str) -> Contact | None:
        row = self.rows.get(contact_id)
        return row.copy() if row else None

    async def get_by_token_hash(self, token_sha256: str) -> Contact | None:
        return next((c.copy() for c in self.rows.values() if c.token_sha256 == token_sha256), None)

    async def save(self, contact: Contact) -> None:
        self.rows[contact.id] = contact.copy()

    async def erase(self, contact_id: str) -> None:
        del self.rows[contact_id]

    async def for_municipality(self, code: str) -> list[Contact]:
        return [c.copy() for c in self.rows.values() if code in c.municipality_codes]

    async def search(self, *, status: str | None, municipality: str | None) -> list[Contact]:
        return [
            c.copy()
            for c in self.rows.values()
            if (status is None or c.status == status)
            and (municipality is None or municipality in c.municipality_codes)
        ]

    async def active_primary_ids(self, codes: tuple[str, ...]) -> dict[str, str]:
        return {
            code: c.id
            for c in self.rows.values()
            if c.is_active_primary
            for code in c.municipality_codes
            if code in codes
        }

    async def codes_with_active_primary(self) -> set[str]:
        return {
            code for c in self.rows.values() if c.is_active_primary for code in c.municipality_codes
        }

    async def counts(self) -> Counter[tuple[str, str]]:
        return Counter((c.status, c.role) for c in self.rows.values())


class FakeUnitOfWork(UnitOfWork):
    """Keeps changes only on commit, like the real one; events land in ``published``."""

    def __init__(self) -> None:
        self.committed = FakeContactRepository()
        self.published: list[tuple[str, int, ContactState]] = []
        self._pending: list[tuple[str, int, ContactState]] = []
        self.tombstones: list[str] = []
        self.tombstones_pending: list[str] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        self.contacts = FakeContactRepository()
        self.contacts.rows = {k: v.copy() for k, v in self.committed.rows.items()}
        return self

    async def commit(self) -> None:
        assert isinstance(self.contacts, FakeContactRepository)
        self.committed.rows = self.contacts.rows
        self.published += self._pending
        self._pending = []
        self.tombstones += self.tombstones_pending
        self.tombstones_pending = []

    async def rollback(self) -> None:
        self._pending = []
        self.tombstones_pending = []

    async def publish(self, state: ContactState, event_type: str, sequence: int) -> None:
        self._pending.append((event_type, sequence, state))

    async def publish_tombstone(self, contact_id: str) -> None:
        self.tombstones_pending.append(contact_id)
