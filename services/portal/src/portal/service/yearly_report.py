"""The yearly report for an operator or analyst: the figures from linkage (live or a
publication's), the delivery quality from ingest (operators only), rendered one at a time."""

from __future__ import annotations

import asyncio
from datetime import date

from contracts.publications import DeliveryQuality, PublishedFigures, ReportFigures
from ketenreport import Page, Sources, page_of, pdf_of
from portal.adapters.ports import Ingest, Linkage
from portal.domain.errors import NotAllowed, RendererBusy


async def sources(
    ingest: Ingest,
    linkage: Linkage,
    token: str,
    *,
    year: int,
    as_of: date,
    publication: str | None,
) -> Sources:
    frozen = None
    if publication:
        frozen = PublishedFigures.model_validate(await linkage.publication(token, publication))
        figures = frozen.figures
    else:
        figures = ReportFigures.model_validate(
            await linkage.report_figures(token, year=year, as_of=as_of)
        )
    try:
        quality = DeliveryQuality.model_validate(
            await ingest.delivery_quality(token, year=figures.year, as_of=figures.as_of)
        )
        missing = None
    except NotAllowed:
        quality, missing = None, "alleen beheerders zien de kwaliteit van de leveringen."
    return Sources(figures=figures, quality=quality, publication=frozen, quality_missing=missing)


class Renderer:
    """Renders off the event loop, one report at a time; a second request meanwhile is told
    to wait instead of queueing up CPU."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def page(self, report: Sources) -> Page:
        async with self._turn():
            return await asyncio.to_thread(page_of, report)

    async def pdf(self, report: Sources) -> bytes:
        async with self._turn():
            page = await asyncio.to_thread(page_of, report)
            return await asyncio.to_thread(pdf_of, page.html)

    def _turn(self) -> asyncio.Lock:
        if self._lock.locked():
            raise RendererBusy("a report is being made")
        return self._lock
