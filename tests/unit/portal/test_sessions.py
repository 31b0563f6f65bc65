"""Signing in and the session on every page, with fakes of the services and the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.errors import NotSignedIn
from portal.domain.identity import Identity
from portal.service.sessions import Lifetimes, current, sign_in, sign_out

from .fakes import FakeLinkage, FakeRegistry, FakeSessionStore

pytestmark = pytest.mark.unit
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LIFETIMES = Lifetimes(idle=timedelta(minutes=30), longest=timedelta(hours=8))
CONTACT = Identity(role="contact", contact_id="c1", name="A", municipality_codes=("GM0344",))
READER = Identity(role="reader")


async def signed_in(
    registry: FakeRegistry, linkage: FakeLinkage, store: FakeSessionStore, token: str
) -> str:
    key, _ = await sign_in(token, registry=registry, linkage=linkage, sessions=store, now=T0)
    return key


async def test_a_contact_and_a_reader_sign_in_an_unknown_token_does_not() -> None:
    registry, linkage = FakeRegistry({"ct": CONTACT}), FakeLinkage({"rt": READER})
    store = FakeSessionStore()
    key, session = await sign_in(" ct ", registry=registry, linkage=linkage, sessions=store, now=T0)
    assert session.identity == CONTACT and session.token == "ct"
    _, reader = await sign_in("rt", registry=registry, linkage=linkage, sessions=store, now=T0)
    assert reader.identity.role == "reader"
    for wrong in ("", "nope", "x" * 600, "tökén"):
        with pytest.raises(NotSignedIn):
            await sign_in(wrong, registry=registry, linkage=linkage, sessions=store, now=T0)
    assert len(store.sessions) == 2
    # The cookie value is random and long; the store is keyed by it.
    assert len(key) >= 43 and key in store.sessions


async def test_a_session_ends_when_idle_too_long_or_too_old() -> None:
    registry, linkage, store = FakeRegistry({"ct": CONTACT}), FakeLinkage(), FakeSessionStore()
    key = await signed_in(registry, linkage, store, "ct")
    now = T0
    for _ in range(15):  # active every 29 minutes: fine for 7 hours and a quarter
        now += timedelta(minutes=29)
        await current(
            key, registry=registry, linkage=linkage, sessions=store, now=now, lifetimes=LIFETIMES
        )
    with pytest.raises(NotSignedIn) as ended:
        await current(
            key,
            registry=registry,
            linkage=linkage,
            sessions=store,
            now=T0 + timedelta(hours=8, minutes=1),
            lifetimes=LIFETIMES,
        )
    assert ended.value.reason == "expired"
    assert key not in store.sessions

    key = await signed_in(registry, linkage, store, "ct")
    with pytest.raises(NotSignedIn):
        await current(
            key,
            registry=registry,
            linkage=linkage,
            sessions=store,
            now=T0 + timedelta(minutes=31),
            lifetimes=LIFETIMES,
        )


async def test_a_withdrawn_contact_is_signed_out_at_the_next_page() -> None:
    registry, linkage, store = FakeRegistry({"ct": CONTACT}), FakeLinkage(), FakeSessionStore()
    key = await signed_in(registry, linkage, store, "ct")
    del registry.known["ct"]  # withdrawn (or its token replaced) in the registry
    with pytest.raises(NotSignedIn) as ended:
        await current(
            key, registry=registry, linkage=linkage, sessions=store, now=T0, lifetimes=LIFETIMES
        )
    assert ended.value.reason == "token_revoked"
    assert store.sessions == {}


async def test_the_identity_is_read_again_on_every_page_and_sign_out_forgets() -> None:
    registry, linkage, store = FakeRegistry({"ct": CONTACT}), FakeLinkage(), FakeSessionStore()
    key = await signed_in(registry, linkage, store, "ct")
    registry.known["ct"] = Identity(
        role="contact", contact_id="c1", name="A", municipality_codes=("GM0344", "GM0363")
    )
    session = await current(
        key, registry=registry, linkage=linkage, sessions=store, now=T0, lifetimes=LIFETIMES
    )
    assert session.identity.municipality_codes == ("GM0344", "GM0363")
    await sign_out(key, sessions=store)
    with pytest.raises(NotSignedIn):
        await current(
            key, registry=registry, linkage=linkage, sessions=store, now=T0, lifetimes=LIFETIMES
        )
    with pytest.raises(NotSignedIn):
        await current(
            None, registry=registry, linkage=linkage, sessions=store, now=T0, lifetimes=LIFETIMES
        )
