"""Where the linker reads and writes: one transaction whose monitoring records go out through
the outbox once it commits."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from ketenkit import Database
from linkage.adapters.linking_repository import LinkingRepository, SqlLinkingRepository


class LinkingStore(ABC):
    @abstractmethod
    def writing(self) -> AbstractAsyncContextManager[LinkingRepository]:
        """One transaction: kept (events and all) when the block ends normally, nothing kept
        when it raises."""


class SqlLinkingStore(LinkingStore):
    def __init__(self, db: Database, *, notify: Callable[[], None]) -> None:
        self.db = db
        self._notify = notify  # wakes the outbox relay after a commit that queued records

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[LinkingRepository]:
        async with self.db.transaction() as session:
            repository = SqlLinkingRepository(session)
            yield repository
        if repository.published:
            self._notify()
