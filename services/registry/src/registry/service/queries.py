"""Reads of the register, and who the caller is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from contracts.reference import municipalities_on
from registry.domain.access import (
    Admin,
    Anonymous,
    Caller,
    ContactCaller,
    require_admin,
    require_reader_of,
)
from registry.domain.contact import Contact
from registry.domain.errors import ContactNotFound, NotAuthenticated
from registry.domain.tokens import hash_token, same_secret
from registry.service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Coverage:
    """Municipalities valid on ``as_of`` and which of them have an active primary contact."""

    as_of: date
    total: int
    with_active_primary: int
    without_active_primary: list[str]


async def identify(uow: UnitOfWork, *, token: str | None, admin_token: str) -> Caller:
    """The caller behind a bearer token; 401 for an unknown, pending or withdrawn token."""
    if token is None:
        return Anonymous()
    if same_secret(token, admin_token):
        return Admin()
    async with uow:
        contact = await uow.contacts.get_by_token_hash(hash_token(token))
    if contact is None or not contact.can_act:
        raise NotAuthenticated("unknown, pending or withdrawn token")
    return ContactCaller(contact)


async def get_contact(uow: UnitOfWork, *, caller: Caller, contact_id: str) -> Contact:
    async with uow:
        contact = await uow.contacts.get(contact_id)
    if contact is None:
        # Only an admin learns that an id does not exist; a contact gets 403 as for "not yours".
        require_admin(caller)
        raise ContactNotFound(contact_id)
    require_reader_of(caller, contact.municipality_codes)
    return contact


async def municipality_contacts(uow: UnitOfWork, *, caller: Caller, code: str) -> list[Contact]:
    require_reader_of(caller, (code,))
    async with uow:
        return await uow.contacts.for_municipality(code)


async def contacts(
    uow: UnitOfWork, *, caller: Caller, status: str | None, municipality: str | None
) -> list[Contact]:
    """Admin: the contacts, filtered (the approval queue is ``status="pending"``)."""
    require_admin(caller)
    async with uow:
        return await uow.contacts.search(status=status, municipality=municipality)


async def coverage(uow: UnitOfWork, *, caller: Caller, today: date) -> Coverage:
    require_admin(caller)
    return await coverage_figures(uow, today=today)


async def coverage_figures(uow: UnitOfWork, *, today: date) -> Coverage:
    """Coverage without an access check (for the metrics)."""
    codes = [m.code for m in municipalities_on(today)]
    async with uow:
        covered = await uow.contacts.codes_with_active_primary()
    without = [code for code in codes if code not in covered]
    return Coverage(
        as_of=today,
        total=len(codes),
        with_active_primary=len(codes) - len(without),
        without_active_primary=without,
    )


async def contact_counts(uow: UnitOfWork) -> Counter[tuple[str, str]]:
    async with uow:
        return await uow.contacts.counts()
