"""Signing in with a token, the session on every page, signing out."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.adapters.ports import Linkage, Registry, SessionStore
from portal.domain.errors import NotSignedIn
from portal.domain.identity import Identity, Session


@dataclass(frozen=True, slots=True)
class Lifetimes:
    idle: timedelta
    longest: timedelta


async def identify(token: str, registry: Registry, linkage: Linkage) -> Identity | None:
    """The registry knows the admin and the contacts; linkage knows the analysts' reader."""
    token = token.strip()
    if not token or len(token) > 512 or not token.isascii():
        return None
    found = await registry.whoami(token)
    if found is None:
        found = await linkage.whoami(token)
    return found


async def sign_in(
    token: str, *, registry: Registry, linkage: Linkage, sessions: SessionStore, now: datetime
) -> tuple[str, Session]:
    """A new session (and the cookie value that names it) for a token that works."""
    identity = await identify(token, registry, linkage)
    if identity is None:
        raise NotSignedIn("token_unknown")
    key = secrets.token_urlsafe(32)
    session = Session(token=token.strip(), identity=identity, started_at=now, seen_at=now)
    await sessions.add(key, session)
    return key, session


async def current(
    key: str | None,
    *,
    registry: Registry,
    linkage: Linkage,
    sessions: SessionStore,
    now: datetime,
    lifetimes: Lifetimes,
) -> Session:
    """The visitor's session, checked again against the services on every page: a withdrawn
    contact, a replaced token or a changed admin token ends it at once."""
    if not key:
        raise NotSignedIn("no_session")
    session = await sessions.get(key)
    if session is None:
        raise NotSignedIn("no_session")
    if session.expired(now, idle=lifetimes.idle, longest=lifetimes.longest):
        await sessions.remove(key)
        raise NotSignedIn("expired")
    identity = await identify(session.token, registry, linkage)
    if identity is None:
        await sessions.remove(key)
        raise NotSignedIn("token_revoked")
    await sessions.touch(key, now)
    return Session(session.token, identity, session.started_at, now)


async def sign_out(key: str | None, *, sessions: SessionStore) -> None:
    if key:
        await sessions.remove(key)
