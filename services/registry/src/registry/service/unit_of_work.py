"""One atomic change of the register: the contacts it touched and the events it causes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts import ContactState
from ketenkit import Database, OutboxRelay, Outgoing, add_to_outbox
from registry.adapters.repository import ContactRepository, SqlContactRepository
from registry.service.events import contact_event


class UnitOfWork(ABC):
    """Use as ``async with uow:``; nothing is kept unless ``commit()`` is called."""

    contacts: ContactRepository

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    @abstractmethod
    async def commit(self) -> None: ...

    @abstractmethod
    async def rollback(self) -> None: ...

    @abstractmethod
    async def publish(self, state: ContactState, event_type: str, sequence: int) -> None:
        """Queue the event; it goes out only if this unit of work commits."""

    @abstractmethod
    async def publish_tombstone(self, contact_id: str) -> None:
        """Queue a tombstone for the contact's key: compaction then forgets its states."""


class SqlUnitOfWork(UnitOfWork):
    """State and events in one database transaction; the outbox relay publishes after commit."""

    def __init__(self, db: Database, relay: OutboxRelay, *, topic: str) -> None:
        self._db = db
        self._relay = relay
        self._topic = topic
        self._session: AsyncSession | None = None
        self._events = 0

    async def __aenter__(self) -> Self:
        self._session = self._db.sessions()
        self.contacts = SqlContactRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await super().__aexit__(exc_type, exc, tb)
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def commit(self) -> None:
        await self.session.commit()
        if self._events:
            self._events = 0
            self._relay.notify()

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()
        self._events = 0

    async def publish(self, state: ContactState, event_type: str, sequence: int) -> None:
        envelope = contact_event(state, event_type, sequence)
        await add_to_outbox(
            self.session, [Outgoing.event(self._topic, envelope, key=state.contact_id)]
        )
        self._events += 1

    async def publish_tombstone(self, contact_id: str) -> None:
        tombstone = Outgoing(topic=self._topic, key=contact_id, headers=(), value=None)
        await add_to_outbox(self.session, [tombstone])
        self._events += 1
