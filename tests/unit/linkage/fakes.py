"""In-memory stand-ins that subclass the linker's real ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date

from ketenkit import Claim, Outgoing
from linkage.adapters.linking_repository import EventKey, LinkingRepository
from linkage.adapters.store import MergeState, Person
from linkage.domain.facts import Fact
from linkage.service.unit_of_work import LinkingStore


class PersonTaken(Exception):
    """Another transaction added the person first (the table's primary key)."""


@dataclass
class State:
    claims: dict[tuple[str, str, str], str] = field(default_factory=dict)
    facts: dict[str, list[Fact]] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    outbox: list[Outgoing] = field(default_factory=list)

    def copy(self) -> State:
        return State(
            claims=dict(self.claims),
            facts={p: list(f) for p, f in self.facts.items()},
            persons={p: dict(row) for p, row in self.persons.items()},
            outbox=list(self.outbox),
        )


class FakeLinkingRepository(LinkingRepository):
    def __init__(self, state: State) -> None:
        self.state = state
        self.merged: list[str] = []  # persons whose full rows were read

    async def claim(
        self, consumer: str, events: Sequence[EventKey], digests: Sequence[str]
    ) -> list[Claim]:
        found = []
        for (source, event_id), digest in zip(events, digests, strict=True):
            key = (consumer, source, event_id)
            if key in self.state.claims:
                found.append(Claim(new=False, sha256=self.state.claims[key]))
            else:
                self.state.claims[key] = digest
                found.append(Claim(new=True))
        return found

    async def legacy_digests(self, events: Sequence[EventKey]) -> dict[EventKey, str]:
        return {}

    async def add_facts(self, facts: Sequence[tuple[str, Fact, str]]) -> None:
        for pseudonym, fact, _ in facts:
            self.state.facts.setdefault(pseudonym, []).append(fact)

    async def merge_states(self, pseudonyms: Sequence[str]) -> dict[str, MergeState]:
        return {
            p: MergeState(row["datum_start"], row["complete"], row["in_scope"])
            for p in pseudonyms
            if (row := self.state.persons.get(p)) is not None
        }

    async def persons(self, pseudonyms: Sequence[str]) -> dict[str, Person]:
        self.merged += pseudonyms
        return {p: dict(self.state.persons[p]) for p in pseudonyms if p in self.state.persons}

    async def facts_of(self, pseudonyms: Sequence[str]) -> dict[str, list[Fact]]:
        return {p: list(self.state.facts.get(p, [])) for p in pseudonyms}

    async def save_persons(self, *, added: Sequence[Person], changed: Sequence[Person]) -> None:
        for person in added:
            if person["pseudonym"] in self.state.persons:
                raise PersonTaken(person["pseudonym"])
            self.state.persons[person["pseudonym"]] = dict(person)
        for person in changed:
            self.state.persons[person["pseudonym"]] = dict(person)

    def _page(self, rows: list[Person], after: str, limit: int) -> list[Person]:
        return sorted(
            (dict(r) for r in rows if r["pseudonym"] > after), key=lambda r: r["pseudonym"]
        )[:limit]

    async def deadline_passed_without_pip(
        self, *, today: date, after: str, limit: int
    ) -> list[Person]:
        rows = [
            r
            for r in self.state.persons.values()
            if r["emitted"]
            and r["datum_pip"] is None
            and r["pip_deadline"] is not None
            and r["pip_deadline"] < today
        ]
        return self._page(rows, after, limit)

    async def stale_persons(self, *, after: str, limit: int) -> list[Person]:
        rows = [r for r in self.state.persons.values() if r["complete"] and r["status"] is None]
        return self._page(rows, after, limit)

    async def publish(self, events: Sequence[Outgoing]) -> None:
        self.state.outbox.extend(events)


class FakeLinkingStore(LinkingStore):
    """Keeps a transaction's changes only when it ends normally, like the real one."""

    def __init__(self) -> None:
        self.state = State()
        self.repository: type[FakeLinkingRepository] = FakeLinkingRepository
        self.last: FakeLinkingRepository | None = None

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[LinkingRepository]:
        working = self.state.copy()
        self.last = self.repository(working)
        yield self.last
        self.state = working
