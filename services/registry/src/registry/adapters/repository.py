"""Contacts in and out of the store: the port the service uses, and its SQL implementation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.adapters.tables import ContactMunicipalityRow, ContactRow
from registry.domain.contact import Berichtgever, Contact
from registry.domain.errors import PrimaryConflict

#: The stored status of an erased contact: a row with ids only, invisible to every read.
ERASED = "erased"


class ContactRepository(ABC):
    """What the service needs from the store."""

    @abstractmethod
    async def add(self, contact: Contact) -> None: ...

    @abstractmethod
    async def get(self, contact_id: str) -> Contact | None: ...

    @abstractmethod
    async def get_by_token_hash(self, token_sha256: str) -> Contact | None: ...

    @abstractmethod
    async def save(self, contact: Contact) -> None: ...

    @abstractmethod
    async def erase(self, contact_id: str) -> None:
        """Keep only the ids and an erased status; the contact is gone for every read."""

    @abstractmethod
    async def for_municipality(self, code: str) -> list[Contact]: ...

    @abstractmethod
    async def search(self, *, status: str | None, municipality: str | None) -> list[Contact]: ...

    @abstractmethod
    async def active_primary_ids(self, codes: tuple[str, ...]) -> dict[str, str]:
        """Municipality code -> id of its active primary contact, for those that have one."""

    @abstractmethod
    async def codes_with_active_primary(self) -> set[str]: ...

    @abstractmethod
    async def counts(self) -> Counter[tuple[str, str]]:
        """Number of contacts per (status, role)."""


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything here is stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SqlContactRepository(ContactRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _codes(self, contact_id: str) -> tuple[str, ...]:
        rows = await self.session.exec(
            select(ContactMunicipalityRow.code)
            .where(ContactMunicipalityRow.contact_id == contact_id)
            .order_by(col(ContactMunicipalityRow.code))
        )
        return tuple(rows.all())

    async def _to_domain(self, row: ContactRow) -> Contact:
        return Contact(
            id=row.id,
            municipality_codes=await self._codes(row.id),
            berichtgever=Berichtgever(
                name=row.berichtgever_name,
                kind=row.berichtgever_kind,  # type: ignore[arg-type]
                software_package=row.software_package,
            ),
            name=row.name,
            email=row.email,
            phone=row.phone,
            role=row.role,  # type: ignore[arg-type]
            token_sha256=row.token_sha256,
            registered_at=_aware(row.registered_at),
            updated_at=_aware(row.updated_at),
            status=row.status,  # type: ignore[arg-type]
            version=row.version,
        )

    def _fill(self, row: ContactRow, contact: Contact) -> None:
        row.status = contact.status
        row.role = contact.role
        row.name = contact.name
        row.email = contact.email
        row.phone = contact.phone
        row.updated_at = contact.updated_at
        row.version = contact.version

    async def add(self, contact: Contact) -> None:
        self.session.add(
            ContactRow(
                id=contact.id,
                status=contact.status,
                role=contact.role,
                berichtgever_name=contact.berichtgever.name,
                berichtgever_kind=contact.berichtgever.kind,
                software_package=contact.berichtgever.software_package,
                name=contact.name,
                email=contact.email,
                phone=contact.phone,
                token_sha256=contact.token_sha256,
                registered_at=contact.registered_at,
                updated_at=contact.updated_at,
                version=contact.version,
            )
        )
        await self.session.flush()
        for code in contact.municipality_codes:
            self.session.add(
                ContactMunicipalityRow(
                    contact_id=contact.id, code=code, role=contact.role, status=contact.status
                )
            )
        await self.session.flush()

    async def get(self, contact_id: str) -> Contact | None:
        row = await self.session.get(ContactRow, contact_id)
        return await self._to_domain(row) if row and row.status != ERASED else None

    async def get_by_token_hash(self, token_sha256: str) -> Contact | None:
        result = await self.session.exec(
            select(ContactRow).where(
                ContactRow.token_sha256 == token_sha256, ContactRow.status != ERASED
            )
        )
        row = result.first()
        return await self._to_domain(row) if row else None

    async def save(self, contact: Contact) -> None:
        row = await self.session.get(ContactRow, contact.id)
        if row is None:
            raise LookupError(contact.id)
        self._fill(row, contact)
        row.token_sha256 = contact.token_sha256
        self.session.add(row)
        # Rewrite the copies: first leave the partial unique index, then enter it again.
        await self.session.exec(
            delete(ContactMunicipalityRow).where(
                col(ContactMunicipalityRow.contact_id) == contact.id
            )
        )
        await self.session.flush()
        for code in contact.municipality_codes:
            self.session.add(
                ContactMunicipalityRow(
                    contact_id=contact.id, code=code, role=contact.role, status=contact.status
                )
            )
        try:
            await self.session.flush()
        except IntegrityError as exc:
            # Another approval of a primary got there first (the check before ran in a
            # transaction that could not see it): the partial unique index decides.
            if contact.is_active_primary:
                raise PrimaryConflict(list(contact.municipality_codes)) from exc
            raise

    async def erase(self, contact_id: str) -> None:
        row = await self.session.get(ContactRow, contact_id)
        if row is None:
            raise LookupError(contact_id)
        row.status = ERASED
        row.name = row.email = row.berichtgever_name = ""
        row.phone = row.software_package = None
        row.token_sha256 = f"erased:{contact_id}"  # unique, and never the hash of a token
        self.session.add(row)
        await self.session.exec(
            update(ContactMunicipalityRow)
            .where(col(ContactMunicipalityRow.contact_id) == contact_id)
            .values(status=ERASED)
        )
        await self.session.flush()

    async def for_municipality(self, code: str) -> list[Contact]:
        return await self.search(status=None, municipality=code)

    async def search(self, *, status: str | None, municipality: str | None) -> list[Contact]:
        query = select(ContactRow).where(ContactRow.status != ERASED)
        if status is not None:
            query = query.where(ContactRow.status == status)
        if municipality is not None:
            query = query.join(
                ContactMunicipalityRow, col(ContactMunicipalityRow.contact_id) == col(ContactRow.id)
            ).where(ContactMunicipalityRow.code == municipality)
        result = await self.session.exec(
            query.order_by(col(ContactRow.registered_at), col(ContactRow.id))
        )
        return [await self._to_domain(row) for row in result.all()]

    async def active_primary_ids(self, codes: tuple[str, ...]) -> dict[str, str]:
        result = await self.session.exec(
            select(ContactMunicipalityRow.code, ContactMunicipalityRow.contact_id).where(
                col(ContactMunicipalityRow.code).in_(codes),
                ContactMunicipalityRow.role == "primary",
                ContactMunicipalityRow.status == "active",
            )
        )
        return dict(result.all())

    async def codes_with_active_primary(self) -> set[str]:
        result = await self.session.exec(
            select(ContactMunicipalityRow.code).where(
                ContactMunicipalityRow.role == "primary", ContactMunicipalityRow.status == "active"
            )
        )
        return set(result.all())

    async def counts(self) -> Counter[tuple[str, str]]:
        result = await self.session.exec(
            select(ContactRow.status, ContactRow.role, func.count()).group_by(
                col(ContactRow.status), col(ContactRow.role)
            )
        )
        return Counter({(status, role): count for status, role, count in result.all()})
