"""A dry run of a delivery (SPEC section 11): every check of an upload, nothing kept or sent.

Software suppliers and contacts try a file before they deliver it; the answer has the same
counts, errors and warnings a real upload's report would have, the plausibility warnings too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

from contracts import Pseudonymiser, Quarter
from ingest.adapters.files import DeliveryFile, FileProblem, empty_delivery
from ingest.domain.plausibility import Preview
from ingest.domain.rows import RowError, RowValidator, unknown_columns
from ingest.service.checking import checked_rows

#: Errors listed in a dry run's answer at most (the counts are always complete).
MAX_LISTED = 10_000


@dataclass
class DryRun:
    status: str  # validated or rejected
    counts: dict[str, int]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False


def check_file(
    body: IO[bytes],
    content_type: str,
    *,
    municipality: str,
    quarter: Quarter,
    pseudonymiser: Pseudonymiser,
    max_line: int,
    previous: list[str],
    retraction_share: float,
) -> DryRun:
    """Validate ``body`` as an upload would (blocking: run it in a worker thread)."""
    validator = RowValidator(
        municipality=municipality, quarter=quarter, pseudonymiser=pseudonymiser
    )
    reader = DeliveryFile(body, content_type, max_line=max_line)
    counts = {"rows": 0, "valid": 0, "invalid": 0, "errors": 0, "warnings": 0}
    result = DryRun("validated", counts)
    seen: set[str] = set()
    try:
        for checked in checked_rows(reader.rows(), validator):
            problems = checked.errors
            if checked.valid and checked.pseudonym:
                seen.add(checked.pseudonym)
            counts["rows"] += 1
            counts["invalid" if problems else "valid"] += 1
            counts["errors"] += len(problems)
            room = MAX_LISTED - len(result.errors)
            result.errors.extend(problems[: max(0, room)])
            result.errors_truncated |= len(problems) > room
        if not counts["rows"]:
            raise empty_delivery()
    except FileProblem as problem:
        return DryRun(
            "rejected",
            {"rows": 0, "valid": 0, "invalid": 0, "errors": 1, "warnings": 0},
            [RowError(0, "_file", problem.code, str(problem))],
        )
    retracted = sum(1 for p in previous if p not in seen) if previous else 0
    preview = Preview(
        publish=counts["valid"], retractions=retracted, previous_persons=len(previous)
    )
    result.warnings = [*unknown_columns(reader.header), *preview.warnings(retraction_share)]
    counts["warnings"] = len(result.warnings)
    return result
