"""Where a municipality stands per quarter ("Mijn gemeenten"), from its deliveries and the date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from contracts import Quarter

QuarterState = Literal["nog_niet", "te_leveren", "te_laat", "gevalideerd", "vrijgegeven", "nihil"]

#: How the pages name each state, in Dutch.
STATE_LABELS: dict[QuarterState, str] = {
    "nog_niet": "nog niet",
    "te_leveren": "te leveren",
    "te_laat": "te laat",
    "gevalideerd": "gevalideerd",
    "vrijgegeven": "vrijgegeven",
    "nihil": "nihil",
}
NEXT_STEPS: dict[QuarterState, str] = {
    "nog_niet": "Aanleveren kan na afloop van het kwartaal.",
    "te_leveren": "Lever het bestand aan, of meld een nihil-levering.",
    "te_laat": "De termijn is verstreken: lever zo snel mogelijk aan.",
    "gevalideerd": "Controleer het rapport en geef de levering vrij.",
    "vrijgegeven": "Geleverd. Een correctie kan altijd nog.",
    "nihil": "Nihil gemeld. Een levering met gegevens kan alsnog.",
}
FIRST_QUARTER = Quarter(2022, 1)


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    """What the portal needs of one delivery (from ingest's ``GET /v1/deliveries``)."""

    delivery_id: str
    municipality: str
    quarter: str
    status: str
    nil_return: bool
    received_at: str


@dataclass(frozen=True, slots=True)
class QuarterLine:
    quarter: Quarter
    due_date: date
    state: QuarterState
    latest: DeliverySummary | None  # the delivery to open: the release, else the newest

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def next_step(self) -> str:
        return NEXT_STEPS[self.state]

    @property
    def may_upload(self) -> bool:
        return self.state != "nog_niet"


def quarter_lines(
    municipality: str,
    deliveries: Iterable[DeliverySummary],
    *,
    today: date,
    shown: int | None = None,
) -> list[QuarterLine]:
    """The current quarter and those before it, newest first, back to 2022-Q1 (the first the
    monitor asks for) or ``shown`` quarters.

    Released beats validated beats anything else; a released nil return is ``nihil``. Without a
    release the state follows the due date: delivering on the due date is on time.
    """
    by_quarter: dict[str, list[DeliverySummary]] = {}
    for d in deliveries:
        if d.municipality == municipality:
            by_quarter.setdefault(d.quarter, []).append(d)
    lines: list[QuarterLine] = []
    quarter = Quarter.of(today)
    while (shown is None or len(lines) < shown) and not quarter < FIRST_QUARTER:
        found = sorted(by_quarter.get(str(quarter), []), key=lambda d: d.received_at)
        lines.append(_line(quarter, found, today))
        quarter = quarter.previous()
    return lines


def _line(quarter: Quarter, found: Sequence[DeliverySummary], today: date) -> QuarterLine:
    released = [d for d in found if d.status == "released"]
    validated = [d for d in found if d.status == "validated"]
    newest = found[-1] if found else None
    if released:
        latest = released[-1]
        state: QuarterState = "nihil" if latest.nil_return else "vrijgegeven"
        return QuarterLine(quarter, quarter.due_date, state, latest)
    if validated:
        return QuarterLine(quarter, quarter.due_date, "gevalideerd", validated[-1])
    if today <= quarter.end:
        return QuarterLine(quarter, quarter.due_date, "nog_niet", newest)
    state = "te_laat" if today > quarter.due_date else "te_leveren"
    return QuarterLine(quarter, quarter.due_date, state, newest)


def ended_quarters(today: date) -> list[Quarter]:
    """The quarters that have ended by ``today``, newest first, back to 2022-Q1 (deliverable)."""
    found: list[Quarter] = []
    quarter = Quarter.of(today).previous()
    while not quarter < FIRST_QUARTER:
        found.append(quarter)
        quarter = quarter.previous()
    return found
