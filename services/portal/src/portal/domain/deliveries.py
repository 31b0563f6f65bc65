"""A delivery as the portal shows it, and the rows of its validation report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contracts.delivery_codes import DELIVERY_CODES, meaning
from portal.domain.quarters import DeliverySummary
from portal.domain.texts import delivery_status


@dataclass(frozen=True, slots=True)
class Counts:
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    errors: int = 0
    warnings: int = 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery with its counts (ingest's ``DeliveryOut``)."""

    summary: DeliverySummary
    counts: Counts
    released_at: str | None
    superseded_by: str | None

    @property
    def id(self) -> str:
        return self.summary.delivery_id

    @property
    def status(self) -> str:
        return self.summary.status

    @property
    def status_label(self) -> str:
        return delivery_status(self.summary.status)

    @property
    def checking(self) -> bool:
        """Validation still runs: the page looks again in a moment."""
        return self.summary.status == "received" and not self.summary.nil_return

    @property
    def releasable(self) -> bool:
        return self.summary.status == "validated" and self.counts.valid > 0

    @classmethod
    def of(cls, body: dict[str, Any]) -> Delivery:
        return cls(
            summary=summary_of(body),
            counts=Counts(**{k: int(v) for k, v in body.get("counts", {}).items()}),
            released_at=body.get("released_at"),
            superseded_by=body.get("superseded_by"),
        )


def summary_of(body: dict[str, Any]) -> DeliverySummary:
    return DeliverySummary(
        delivery_id=str(body["delivery_id"]),
        municipality=str(body["municipality"]),
        quarter=str(body["quarter"]),
        status=str(body["status"]),
        nil_return=bool(body.get("nil_return", False)),
        received_at=str(body.get("received_at", "")),
    )


@dataclass(frozen=True, slots=True)
class ReportLine:
    row: int
    field: str
    code: str
    message: str
    severity: str

    @property
    def meaning(self) -> str:
        """The code's meaning in Dutch (the service's message is the detail, in English)."""
        return meaning(self.code)

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning" or (
            self.code in DELIVERY_CODES and DELIVERY_CODES[self.code].level == "waarschuwing"
        )


@dataclass
class ReportPage:
    """The first lines of a report (filtered by code), with the counts of the whole report."""

    lines: list[ReportLine] = field(default_factory=list)
    by_code: dict[str, int] = field(default_factory=dict)
    total: int = 0
    matching: int = 0

    @property
    def truncated(self) -> bool:
        return self.matching > len(self.lines)

    def take(self, line: ReportLine, *, code: str | None, limit: int) -> None:
        self.total += 1
        self.by_code[line.code] = self.by_code.get(line.code, 0) + 1
        if code is None or line.code == code:
            self.matching += 1
            if len(self.lines) < limit:
                self.lines.append(line)


@dataclass(frozen=True, slots=True)
class Preview:
    """What a release would do now (ingest's ``GET /v1/deliveries/{id}/preview``)."""

    publish: int
    retractions: int
    previous_persons: int

    @property
    def is_correction(self) -> bool:
        return self.previous_persons > 0
