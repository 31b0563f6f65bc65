"""Sessions in the portal's own small table, shared by every portal instance.

The row is named by a hash of the cookie's value and its content (the token among it) is sealed
with a key derived from that value too: the table alone opens no session and shows no token.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, DateTime, or_
from sqlmodel import Field, SQLModel, col, delete, update

from ketenkit import Database
from portal.adapters.ports import SessionStore
from portal.domain.identity import Identity, Session


class SessionRow(SQLModel, table=True):
    __tablename__ = "portal_sessions"

    id: str = Field(primary_key=True, max_length=64)
    sealed: str = Field(max_length=8192)
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


TABLES: list[type[SQLModel]] = [SessionRow]


def _row_id(key: str) -> str:
    return hashlib.sha256(b"portal-session-id:" + key.encode()).hexdigest()


def _sealer(key: str) -> Fernet:
    digest = hashlib.sha256(b"portal-session-seal:" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; every moment here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SqlSessionStore(SessionStore):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, key: str, session: Session) -> None:
        content = {
            "token": session.token,
            "role": session.identity.role,
            "contact_id": session.identity.contact_id,
            "name": session.identity.name,
            "municipality_codes": list(session.identity.municipality_codes),
        }
        sealed = _sealer(key).encrypt(json.dumps(content).encode()).decode()
        async with self.db.transaction() as s:
            s.add(
                SessionRow(
                    id=_row_id(key),
                    sealed=sealed,
                    started_at=session.started_at,
                    seen_at=session.seen_at,
                )
            )

    async def get(self, key: str) -> Session | None:
        async with self.db.sessions() as s:
            row = await s.get(SessionRow, _row_id(key))
        if row is None:
            return None
        try:
            content = json.loads(_sealer(key).decrypt(row.sealed.encode()))
        except (InvalidToken, ValueError):
            return None
        identity = Identity(
            role=content["role"],
            contact_id=content.get("contact_id"),
            name=content.get("name"),
            municipality_codes=tuple(content.get("municipality_codes", ())),
        )
        return Session(
            token=content["token"],
            identity=identity,
            started_at=_aware(row.started_at),
            seen_at=_aware(row.seen_at),
        )

    async def touch(self, key: str, seen_at: datetime) -> None:
        async with self.db.transaction() as s:
            await s.exec(
                update(SessionRow).where(col(SessionRow.id) == _row_id(key)).values(seen_at=seen_at)
            )

    async def remove(self, key: str) -> None:
        async with self.db.transaction() as s:
            await s.exec(delete(SessionRow).where(col(SessionRow.id) == _row_id(key)))

    async def remove_expired(self, *, idle_before: datetime, started_before: datetime) -> int:
        async with self.db.transaction() as s:
            result = await s.exec(
                delete(SessionRow).where(
                    or_(
                        col(SessionRow.seen_at) < idle_before,
                        col(SessionRow.started_at) < started_before,
                    )
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)
