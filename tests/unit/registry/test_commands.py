from datetime import UTC, date, datetime

import pytest

from registry.domain.access import Admin, Anonymous, ContactCaller
from registry.domain.contact import Berichtgever
from registry.domain.errors import (
    ContactNotFound,
    InvalidTransition,
    NotAllowed,
    NotAuthenticated,
    PrimaryConflict,
)
from registry.domain.tokens import hash_token
from registry.service import commands, queries

from .fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ADMIN = "admin-token-" + "x" * 30


def registration(
    *codes: str, role: str = "primary", email: str = "A.de.Vries@Utrecht.nl"
) -> commands.Registration:
    return commands.Registration(
        municipality_codes=codes or ("GM0344",),
        berichtgever=Berichtgever(name="Gemeente Utrecht", kind="gemeente"),
        name="A. de Vries",
        email=email,
        phone=None,
        role=role,  # type: ignore[arg-type]
    )


async def registered(
    uow: FakeUnitOfWork, *codes: str, role: str = "primary", approve: bool = True
) -> tuple[str, str]:
    contact, token = await commands.register(
        uow, registration=registration(*codes, role=role), now=NOW
    )
    if approve:
        await commands.approve(uow, caller=Admin(), contact_id=contact.id, now=NOW)
    return contact.id, token


async def test_register_stores_only_the_hash_and_publishes_registered() -> None:
    uow = FakeUnitOfWork()
    contact, token = await commands.register(uow, registration=registration(), now=NOW)
    stored = uow.committed.rows[contact.id]
    assert stored.status == "pending"
    assert stored.token_sha256 == hash_token(token)
    assert stored.email == "a.de.vries@utrecht.nl"
    assert len(token) >= 43  # 256 bits, URL-safe base64
    ((event_type, sequence, state),) = uow.published
    assert (event_type, sequence) == ("nl.ketenmonitor.contact.registered", 1)
    assert token not in state.model_dump_json()


async def test_pending_and_withdrawn_tokens_do_not_authenticate() -> None:
    uow = FakeUnitOfWork()
    contact_id, token = await registered(uow, approve=False)
    with pytest.raises(NotAuthenticated):
        await queries.identify(uow, token=token, admin_token=ADMIN)
    await commands.approve(uow, caller=Admin(), contact_id=contact_id, now=NOW)
    caller = await queries.identify(uow, token=token, admin_token=ADMIN)
    assert isinstance(caller, ContactCaller)
    await commands.withdraw(uow, caller=caller, contact_id=contact_id, now=NOW)
    with pytest.raises(NotAuthenticated):
        await queries.identify(uow, token=token, admin_token=ADMIN)
    assert isinstance(await queries.identify(uow, token=ADMIN, admin_token=ADMIN), Admin)
    assert isinstance(await queries.identify(uow, token=None, admin_token=ADMIN), Anonymous)


async def test_second_active_primary_is_a_conflict_until_the_first_is_withdrawn() -> None:
    uow = FakeUnitOfWork()
    first, _ = await registered(uow, "GM0344")
    second, _ = await registered(uow, "GM0344", "GM0363", approve=False)
    with pytest.raises(PrimaryConflict) as conflict:
        await commands.approve(uow, caller=Admin(), contact_id=second, now=NOW)
    assert conflict.value.codes == ["GM0344"]
    assert uow.committed.rows[second].status == "pending"
    await commands.withdraw(uow, caller=Admin(), contact_id=first, now=NOW)
    assert (
        await commands.approve(uow, caller=Admin(), contact_id=second, now=NOW)
    ).status == "active"


async def test_backups_are_unlimited_and_a_backup_cannot_become_a_second_primary() -> None:
    uow = FakeUnitOfWork()
    await registered(uow, "GM0344")
    backups = [await registered(uow, "GM0344", role="backup") for _ in range(3)]
    assert all(uow.committed.rows[b].status == "active" for b, _ in backups)
    with pytest.raises(PrimaryConflict):
        await commands.update(
            uow,
            caller=Admin(),
            contact_id=backups[0][0],
            changes=commands.ContactChanges(role="primary"),
            now=NOW,
        )


async def test_approve_and_withdraw_twice_change_nothing_the_second_time() -> None:
    uow = FakeUnitOfWork()
    contact_id, _ = await registered(uow)
    await commands.approve(uow, caller=Admin(), contact_id=contact_id, now=NOW)
    await commands.withdraw(uow, caller=Admin(), contact_id=contact_id, now=NOW)
    await commands.withdraw(uow, caller=Admin(), contact_id=contact_id, now=NOW)
    assert [(t.rsplit(".", 1)[1], s) for t, s, _ in uow.published] == [
        ("registered", 1),
        ("approved", 2),
        ("withdrawn", 3),
    ]
    with pytest.raises(InvalidTransition):
        await commands.approve(uow, caller=Admin(), contact_id=contact_id, now=NOW)


async def test_contacts_may_change_only_themselves_and_anonymous_nothing() -> None:
    uow = FakeUnitOfWork()
    me, my_token = await registered(uow, "GM0344")
    other, _ = await registered(uow, "GM0344", role="backup")
    caller = await queries.identify(uow, token=my_token, admin_token=ADMIN)
    with pytest.raises(NotAllowed):
        await commands.withdraw(uow, caller=caller, contact_id=other, now=NOW)
    with pytest.raises(NotAllowed):
        await commands.approve(uow, caller=caller, contact_id=me, now=NOW)
    with pytest.raises(NotAuthenticated):
        await commands.update(
            uow,
            caller=Anonymous(),
            contact_id=me,
            changes=commands.ContactChanges(name="X"),
            now=NOW,
        )
    updated = await commands.update(
        uow,
        caller=caller,
        contact_id=me,
        changes=commands.ContactChanges(phone="+31 6 1234 5678"),
        now=NOW,
    )
    assert updated.phone == "+31 6 1234 5678"
    cleared = await commands.update(
        uow,
        caller=caller,
        contact_id=me,
        changes=commands.ContactChanges(clear_phone=True),
        now=NOW,
    )
    assert cleared.phone is None


async def test_reading_is_limited_to_own_municipalities() -> None:
    uow = FakeUnitOfWork()
    utrecht, token = await registered(uow, "GM0344")
    amsterdam, _ = await registered(uow, "GM0363")
    caller = await queries.identify(uow, token=token, admin_token=ADMIN)
    assert (await queries.get_contact(uow, caller=caller, contact_id=utrecht)).id == utrecht
    with pytest.raises(NotAllowed):
        await queries.get_contact(uow, caller=caller, contact_id=amsterdam)
    with pytest.raises(NotAllowed):
        await queries.municipality_contacts(uow, caller=caller, code="GM0363")
    with pytest.raises(NotAllowed):
        await queries.get_contact(uow, caller=caller, contact_id="no-such-id")
    with pytest.raises(ContactNotFound):
        await queries.get_contact(uow, caller=Admin(), contact_id="no-such-id")


async def test_coverage_counts_municipalities_with_an_active_primary() -> None:
    uow = FakeUnitOfWork()
    await registered(uow, "GM0344", "GM0363")
    await registered(uow, "GM0014", role="backup")
    await registered(uow, "GM0034", approve=False)
    figures = await queries.coverage(uow, caller=Admin(), today=date(2026, 11, 28))
    assert (figures.total, figures.with_active_primary) == (342, 2)
    assert "GM0344" not in figures.without_active_primary
    assert {"GM0014", "GM0034"} <= set(figures.without_active_primary)
    with pytest.raises(NotAllowed):
        await queries.coverage(
            uow,
            caller=ContactCaller(uow.committed.rows[next(iter(uow.committed.rows))]),
            today=date(2026, 11, 28),
        )
