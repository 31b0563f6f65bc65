"""A guard against a mass retraction: a delivery compared with the release in force (SPEC 11).

The classic failure is an export run with the wrong filter: a file of 12 persons that would
retract the other 4,000 of a municipality's quarter. Large changes are warnings in the report,
and such a release needs an explicit confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.domain.rows import RowError

#: Below this many retractions a release never needs a confirmation (ordinary corrections).
MIN_RETRACTIONS = 10


@dataclass(frozen=True, slots=True)
class Preview:
    """What releasing a delivery would do."""

    publish: int  # rows that would go to records.municipal.v1
    retractions: int  # persons of the release in force that this one no longer holds
    previous_persons: int  # persons of the release in force (0 when there is none)

    def needs_confirmation(self, share: float) -> bool:
        return self.retractions >= MIN_RETRACTIONS and self.retractions > share * max(
            self.previous_persons, 1
        )

    def warnings(self, share: float) -> list[RowError]:
        found = []
        dropped = self.previous_persons - self.publish
        if dropped >= MIN_RETRACTIONS and dropped > share * self.previous_persons:
            found.append(
                RowError(
                    0,
                    "_file",
                    "count_drop",
                    f"{self.publish} persons, {dropped} fewer than the {self.previous_persons} "
                    "of the release in force",
                    "warning",
                )
            )
        if self.needs_confirmation(share):
            found.append(
                RowError(
                    0,
                    "_file",
                    "mass_retraction",
                    f"releasing this would retract {self.retractions} of the "
                    f"{self.previous_persons} persons of the release in force; the release "
                    "then needs confirm_retractions=true",
                    "warning",
                )
            )
        return found
