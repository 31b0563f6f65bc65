"""What each page shows, gathered from the services with the visitor's own token."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts import MunicipalityUnknown
from contracts.reference import municipality
from portal.adapters.ports import Ingest, Registry
from portal.domain.deliveries import Delivery
from portal.domain.errors import NotAllowed
from portal.domain.identity import Session
from portal.domain.quarters import QuarterLine, quarter_lines


@dataclass(frozen=True, slots=True)
class MunicipalityView:
    code: str
    name: str
    quarters: list[QuarterLine]
    deliveries: list[Delivery]


def require_contact(session: Session) -> None:
    if not session.identity.may_deliver:
        raise NotAllowed("aanleveren is voor contactpersonen")


def require_admin(session: Session) -> None:
    if not session.identity.may_administer:
        raise NotAllowed("beheer is voor beheerders")


def require_monitor(session: Session) -> None:
    if not session.identity.may_read_monitor:
        raise NotAllowed("de monitor is voor beheerders en analisten")


def name_of(code: str) -> str:
    try:
        return municipality(code).name
    except MunicipalityUnknown:
        return code


async def my_municipalities(
    session: Session, ingest: Ingest, *, today: date
) -> list[MunicipalityView]:
    """Per municipality of the contact: the quarters with their state and the deliveries."""
    require_contact(session)
    codes = session.identity.municipality_codes
    found = await asyncio.gather(
        *(ingest.deliveries(session.token, municipality=code) for code in codes)
    )
    views = []
    for code, deliveries in zip(codes, found, strict=True):
        lines = quarter_lines(code, [d.summary for d in deliveries], today=today)
        views.append(MunicipalityView(code, name_of(code), lines, deliveries))
    return views


@dataclass(frozen=True, slots=True)
class AdminDesk:
    pending: list[dict[str, Any]]
    coverage: dict[str, Any]
    without_primary_by_province: dict[str, list[tuple[str, str]]]
    overdue_by_quarter: dict[str, int]
    overdue_total: int


async def admin_desk(
    session: Session, registry: Registry, ingest: Ingest, *, today: date
) -> AdminDesk:
    """Registrations waiting, coverage per province, overdue deliveries per quarter."""
    require_admin(session)
    pending, coverage, overdue = await asyncio.gather(
        registry.contacts(session.token, status="pending"),
        registry.coverage(session.token),
        ingest.overdue(session.token, as_of=today),
    )
    by_province: dict[str, list[tuple[str, str]]] = {}
    for code in coverage.get("without_active_primary", []):
        try:
            known = municipality(code)
            by_province.setdefault(known.province, []).append((code, known.name))
        except MunicipalityUnknown:
            by_province.setdefault("onbekend", []).append((code, code))
    per_quarter: dict[str, int] = {}
    for item in overdue:
        per_quarter[item["quarter"]] = per_quarter.get(item["quarter"], 0) + 1
    return AdminDesk(
        pending=pending,
        coverage=coverage,
        without_primary_by_province=dict(sorted(by_province.items())),
        overdue_by_quarter=dict(sorted(per_quarter.items(), reverse=True)),
        overdue_total=len(overdue),
    )
