"""The port through which the linker reads and writes, and its SQL implementation over one
transaction's session (the statements themselves are in ``store``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from ketenkit import Claim, Outgoing, add_to_outbox, claim
from linkage.adapters import store
from linkage.adapters.store import MergeState, Person
from linkage.domain.facts import Fact

#: (source, event id) of an event.
EventKey = tuple[str, str]


class LinkingRepository(ABC):
    """What one batch (or one page of merging again) sees, inside one transaction."""

    @abstractmethod
    async def claim(
        self, consumer: str, events: Sequence[EventKey], digests: Sequence[str]
    ) -> list[Claim]:
        """Per event, whether it is new; else the content digest its first sighting stored."""

    @abstractmethod
    async def legacy_digests(self, events: Sequence[EventKey]) -> dict[EventKey, str]:
        """Digests of events claimed before digests were kept with their claim."""

    @abstractmethod
    async def add_facts(self, facts: Sequence[tuple[str, Fact, str]]) -> None:
        """(pseudonym, fact, the fact's canonical JSON) of new events."""

    @abstractmethod
    async def merge_states(self, pseudonyms: Sequence[str]) -> dict[str, MergeState]:
        """What decides whether new facts can change these persons' records (rows locked)."""

    @abstractmethod
    async def persons(self, pseudonyms: Sequence[str]) -> dict[str, Person]:
        """These persons' rows, locked for this transaction."""

    @abstractmethod
    async def facts_of(self, pseudonyms: Sequence[str]) -> dict[str, list[Fact]]: ...

    @abstractmethod
    async def save_persons(self, *, added: Sequence[Person], changed: Sequence[Person]) -> None:
        """``added``: persons the store did not have (another instance adding one meanwhile
        fails the transaction); ``changed``: persons read in this transaction."""

    @abstractmethod
    async def deadline_passed_without_pip(
        self, *, today: date, after: str, limit: int
    ) -> list[Person]:
        """A page (by pseudonym, after ``after``) of emitted records whose PIP deadline passed
        without a PIP."""

    @abstractmethod
    async def stale_persons(self, *, after: str, limit: int) -> list[Person]:
        """A page of complete persons whose monitor columns an older version wrote."""

    @abstractmethod
    async def publish(self, events: Sequence[Outgoing]) -> None:
        """Queue events: they go out only if this transaction commits."""


class SqlLinkingRepository(LinkingRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.published = False  # events queued: the relay is woken after the commit

    async def claim(
        self, consumer: str, events: Sequence[EventKey], digests: Sequence[str]
    ) -> list[Claim]:
        return await claim(self.session, consumer=consumer, events=events, digests=digests)

    async def legacy_digests(self, events: Sequence[EventKey]) -> dict[EventKey, str]:
        return await store.legacy_digests_of(self.session, events)

    async def add_facts(self, facts: Sequence[tuple[str, Fact, str]]) -> None:
        await store.add_facts(self.session, facts)

    async def merge_states(self, pseudonyms: Sequence[str]) -> dict[str, MergeState]:
        return await store.merge_states(self.session, pseudonyms)

    async def persons(self, pseudonyms: Sequence[str]) -> dict[str, Person]:
        return await store.persons(self.session, pseudonyms)

    async def facts_of(self, pseudonyms: Sequence[str]) -> dict[str, list[Fact]]:
        return await store.facts_of(self.session, pseudonyms)

    async def save_persons(self, *, added: Sequence[Person], changed: Sequence[Person]) -> None:
        await store.save_persons(self.session, added=added, changed=changed)

    async def deadline_passed_without_pip(
        self, *, today: date, after: str, limit: int
    ) -> list[Person]:
        return await store.deadline_passed_without_pip(
            self.session, today=today, after=after, limit=limit
        )

    async def stale_persons(self, *, after: str, limit: int) -> list[Person]:
        return await store.stale_persons(self.session, after=after, limit=limit)

    async def publish(self, events: Sequence[Outgoing]) -> None:
        await add_to_outbox(self.session, events)
        self.published = self.published or bool(events)
