"""Where the delivery handlers read and write: a read-only view, or one transaction whose
events go out through the outbox once it commits."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.exc import IntegrityError

from ingest.adapters.delivery_repository import (
    Conflict,
    DeliveryRepository,
    SqlDeliveryRepository,
)
from ketenkit import Database


class DeliveryStore(ABC):
    @abstractmethod
    def reading(self) -> AbstractAsyncContextManager[DeliveryRepository]:
        """A view to read from; what is written through it is not kept."""

    @abstractmethod
    def writing(self) -> AbstractAsyncContextManager[DeliveryRepository]:
        """One transaction: kept (events and all) when the block ends normally, nothing kept
        when it raises; ``Conflict`` when a uniqueness rule refused it."""


class SqlDeliveryStore(DeliveryStore):
    def __init__(self, db: Database, *, notify: Callable[[], None]) -> None:
        self.db = db
        self._notify = notify  # wakes the outbox relay after a commit that queued events

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[DeliveryRepository]:
        async with self.db.sessions() as session:
            yield SqlDeliveryRepository(session)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[DeliveryRepository]:
        published = False
        try:
            async with self.db.transaction() as session:
                repository = SqlDeliveryRepository(session)
                yield repository
                published = repository.published
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc
        if published:
            self._notify()
