"""The register's commands: register, approve, withdraw, update, new token, erase.

Each is one unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from registry.domain.access import Caller, require_admin, require_admin_or_self
from registry.domain.contact import Berichtgever, Contact, Role
from registry.domain.errors import ContactNotFound, PrimaryConflict
from registry.domain.tokens import hash_token, new_token
from registry.service.events import EVENT_TYPES, contact_state
from registry.service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Registration:
    """A validated self-registration."""

    municipality_codes: tuple[str, ...]
    berichtgever: Berichtgever
    name: str
    email: str
    phone: str | None
    role: Role


@dataclass(frozen=True, slots=True)
class ContactChanges:
    """Fields a PATCH may change; ``None`` leaves a field as it is."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    clear_phone: bool = False
    role: Role | None = None


async def _record(uow: UnitOfWork, contact: Contact) -> None:
    for change in contact.changes:
        if change == "erased":
            await uow.publish_tombstone(contact.id)
        else:
            await uow.publish(contact_state(contact), EVENT_TYPES[change], contact.version)
    contact.changes.clear()


async def _load(uow: UnitOfWork, contact_id: str) -> Contact:
    contact = await uow.contacts.get(contact_id)
    if contact is None:
        raise ContactNotFound(contact_id)
    return contact


async def _check_primary(uow: UnitOfWork, contact: Contact) -> None:
    if not contact.is_active_primary:
        return
    holders = await uow.contacts.active_primary_ids(contact.municipality_codes)
    taken = sorted(code for code, holder in holders.items() if holder != contact.id)
    if taken:
        raise PrimaryConflict(taken)


async def register(
    uow: UnitOfWork, *, registration: Registration, now: datetime
) -> tuple[Contact, str]:
    """Record a pending registration; return it with its token (shown once, stored hashed)."""
    token = new_token()
    contact = Contact(
        id=str(uuid.uuid4()),
        municipality_codes=tuple(sorted(set(registration.municipality_codes))),
        berichtgever=registration.berichtgever,
        name=registration.name,
        email=registration.email.lower(),
        phone=registration.phone,
        role=registration.role,
        token_sha256=hash_token(token),
        registered_at=now,
        updated_at=now,
        changes=["registered"],
    )
    async with uow:
        await uow.contacts.add(contact)
        await _record(uow, contact)
        await uow.commit()
    return contact, token


async def approve(uow: UnitOfWork, *, caller: Caller, contact_id: str, now: datetime) -> Contact:
    """Admin: pending -> active; 409 when a municipality already has an active primary."""
    require_admin(caller)
    async with uow:
        contact = await _load(uow, contact_id)
        if contact.approve(now):
            await _check_primary(uow, contact)
            await uow.contacts.save(contact)
            await _record(uow, contact)
            await uow.commit()
    return contact


async def withdraw(uow: UnitOfWork, *, caller: Caller, contact_id: str, now: datetime) -> Contact:
    """Admin or the contact itself: -> withdrawn; its token stops working everywhere."""
    require_admin_or_self(caller, contact_id)
    async with uow:
        contact = await _load(uow, contact_id)
        if contact.withdraw(now):
            await uow.contacts.save(contact)
            await _record(uow, contact)
            await uow.commit()
    return contact


async def update(
    uow: UnitOfWork, *, caller: Caller, contact_id: str, changes: ContactChanges, now: datetime
) -> Contact:
    """Admin or the contact itself: name, e-mail, phone, role."""
    require_admin_or_self(caller, contact_id)
    async with uow:
        contact = await _load(uow, contact_id)
        changed = contact.update(
            now,
            name=changes.name,
            email=changes.email,
            phone=changes.phone,
            clear_phone=changes.clear_phone,
            role=changes.role,
        )
        if changed:
            await _check_primary(uow, contact)
            await uow.contacts.save(contact)
            await _record(uow, contact)
            await uow.commit()
    return contact


async def replace_token(
    uow: UnitOfWork, *, caller: Caller, contact_id: str, now: datetime
) -> tuple[Contact, str]:
    """Admin: a new token for a contact who lost theirs; the old one stops working at once."""
    require_admin(caller)
    token = new_token()
    async with uow:
        contact = await _load(uow, contact_id)
        contact.replace_token(now, hash_token(token))
        await uow.contacts.save(contact)
        await _record(uow, contact)
        await uow.commit()
    return contact, token


async def erase(uow: UnitOfWork, *, caller: Caller, contact_id: str) -> None:
    """Admin: erase a withdrawn contact's personal data; a tombstone follows on the topic."""
    require_admin(caller)
    async with uow:
        contact = await _load(uow, contact_id)
        contact.erase()
        await uow.contacts.erase(contact.id)
        await _record(uow, contact)
        await uow.commit()
