"""What the report is made of, fetched over the services' HTTP APIs: linkage's figures (live, or
as a publication froze them) and ingest's delivery quality (always live, stamped with its time).
The report computes nothing from records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts.publications import DeliveryQuality, PublishedFigures, ReportFigures

#: (service, path) -> the decoded JSON answer; raises SystemExit with the service's problem.
Get = Callable[[str, str], Any]


@dataclass(frozen=True)
class Sources:
    figures: ReportFigures
    quality: DeliveryQuality | None
    publication: PublishedFigures | None = None
    quality_missing: str | None = None  # why the delivery quality is not in the report


def fetch_sources(
    get: Get, *, year: int | None, as_of: date | None, publication: str | None
) -> Sources:
    """The figures of ``year`` as of ``as_of``, or those of a publication."""
    frozen = None
    if publication is not None:
        frozen = PublishedFigures.model_validate(get("linkage", f"/v1/publications/{publication}"))
        figures = frozen.figures
    else:
        if year is None:
            raise SystemExit("give --year (or --publication)")
        query = f"?year={year}" + (f"&as_of={as_of.isoformat()}" if as_of else "")
        figures = ReportFigures.model_validate(get("linkage", "/v1/report/figures" + query))
    try:
        quality = DeliveryQuality.model_validate(
            get(
                "ingest",
                f"/v1/deliveries/quality?year={figures.year}&as_of={figures.as_of.isoformat()}",
            )
        )
        missing = None
    except SystemExit as exc:  # e.g. the analysts' token, which reads linkage's aggregates only
        quality, missing = None, str(exc)
    return Sources(figures=figures, quality=quality, publication=frozen, quality_missing=missing)
