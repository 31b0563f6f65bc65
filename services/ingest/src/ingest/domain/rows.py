"""Validation of one row of a municipal delivery (SPEC sections 7 and 10), without I/O.

Every problem becomes a :class:`RowError` with a stable code and the field the rule is about.
The BSN leaves this module only as a pseudonym (and masked in messages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final, get_args

from contracts import BsnInvalid, Pseudonymiser, Quarter, mask_bsn
from contracts.base import Doelgroep, Leerroute, RedenUitstroom, TrajectStatus
from contracts.privacy import mask_text
from contracts.reference import is_valid, merged_into_during
from ingest.domain.keyset import KeySet

REQUIRED: Final = ("bsn", "gemeentecode", "doelgroep")
DATE_FIELDS: Final = (
    "datum_inschrijving_brp",
    "datum_start_brede_intake",
    "datum_einde_brede_intake",
    "datum_eerste_pip",
    "datum_laatste_pip",
    "ontzorgen_start",
    "ontzorgen_einde",
    "pvt_datum_afgerond",
    "map_datum_afgerond",
    "datum_uitstroom",
)
# The closed lists come from the contract the released rows must meet (one source of truth).
ENUMS: Final[dict[str, frozenset[str]]] = {
    "doelgroep": frozenset(get_args(Doelgroep)),
    "leerroute": frozenset(get_args(Leerroute)),
    "pvt_status": frozenset(get_args(TrajectStatus)),
    "map_status": frozenset(get_args(TrajectStatus)),
    "reden_uitstroom": frozenset(get_args(RedenUitstroom)),
}
FIELDS: Final = (
    "bsn",
    "gemeentecode",
    "doelgroep",
    *DATE_FIELDS,
    "leerroute",
    "pvt_status",
    "map_status",
    "reden_uitstroom",
)
# (earlier, later): the later field must not hold an earlier date; the error names `later`.
DATE_ORDER: Final = (
    ("datum_start_brede_intake", "datum_einde_brede_intake"),
    ("datum_start_brede_intake", "datum_eerste_pip"),
    ("datum_eerste_pip", "datum_laatste_pip"),
    ("ontzorgen_start", "ontzorgen_einde"),
)
#: Distinct gemeentecode values remembered per delivery (there are some 350 real ones).
CODE_CACHE_SIZE: Final = 4096
# A rule about a part of the trajectory applies to every field of that part.
MAP_FIELDS: Final = ("map_status", "map_datum_afgerond")
ONTZORGEN_FIELDS: Final = ("ontzorgen_start", "ontzorgen_einde")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in a delivery: row 0 is the file itself; ``severity`` error or warning."""

    row: int
    field: str
    code: str
    message: str
    severity: str = "error"

    def __post_init__(self) -> None:
        # Messages echo only values of closed formats; this backstop masks whatever slips by
        # (a column name, a parser's message) before it reaches the report or a table.
        object.__setattr__(self, "field", mask_text(self.field))
        object.__setattr__(self, "message", mask_text(self.message))


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """The outcome for one row: its pseudonym (when the BSN was valid), data and errors."""

    row: int
    pseudonym: str | None
    data: dict[str, str | None] | None  # the validated fields, ISO strings; None when invalid
    errors: tuple[RowError, ...]

    @property
    def valid(self) -> bool:
        return not self.errors


class RowValidator:
    """Checks the rows of one delivery (municipality + quarter); remembers persons seen."""

    def __init__(
        self, *, municipality: str, quarter: Quarter, pseudonymiser: Pseudonymiser
    ) -> None:
        self.municipality = municipality
        self.quarter = quarter
        self.pseudonymiser = pseudonymiser
        self._seen = KeySet()  # 64-bit prefixes of pseudonyms: no BSN kept, ~8 bytes each
        self._code_cache: dict[str, str | None] = {}

    def _code_error(self, code: str) -> str | None:
        if code in self._code_cache:
            return self._code_cache[code]
        last_day = self.quarter.end
        result: str | None
        if not _CODE.match(code):
            result = "municipality_unknown"
        elif is_valid(code, last_day):
            result = None if code == self.municipality else "municipality_mismatch"
        elif merged_into_during(code, self.municipality, self.quarter.start, last_day):
            result = None
        else:
            result = "municipality_unknown"
        if len(self._code_cache) < CODE_CACHE_SIZE:  # a hostile file of distinct junk stays small
            self._code_cache[code] = result
        return result

    def check(self, row: int, raw: dict[str, str]) -> CheckedRow:
        errors: list[RowError] = []

        def fail(field: str, code: str, message: str) -> None:
            errors.append(RowError(row, field, code, message))

        values = {name: (raw.get(name) or "").strip() for name in FIELDS}
        for name in REQUIRED:
            if not values[name]:
                fail(name, "field_missing", f"{name} is required")

        pseudonym: str | None = None
        bsn = values["bsn"]
        if bsn:
            try:
                pseudonym = self.pseudonymiser.pseudonymise(bsn)
            except BsnInvalid as exc:
                fail("bsn", "bsn_invalid", f"BSN {mask_bsn(bsn)}: {exc.detail}")
        if pseudonym is not None:
            key = int(pseudonym[:16], 16)
            if key in self._seen:
                fail("bsn", "duplicate_person", f"BSN {mask_bsn(bsn)} appears in an earlier row")
            else:
                self._seen.add(key)

        code = values["gemeentecode"]
        if code and (problem := self._code_error(code)):
            if problem == "municipality_mismatch":
                fail(
                    "gemeentecode",
                    problem,
                    f"{code} is another municipality than {self.municipality}",
                )
            elif _CODE.match(code):
                fail("gemeentecode", problem, f"{code} is not a municipality on {self.quarter.end}")
            else:  # never echoed: a file with its columns swapped would put BSNs here
                fail("gemeentecode", problem, "gemeentecode must be a code GMnnnn")

        for name, allowed in ENUMS.items():
            value = values[name]
            if value and value not in allowed:
                fail(name, "field_invalid", f"{name} must be one of {', '.join(sorted(allowed))}")

        dates: dict[str, date] = {}
        for name in DATE_FIELDS:
            value = values[name]
            if not value:
                continue
            parsed = _parse_date(value)
            if parsed is None:
                fail(name, "date_invalid", f"{name} must be a date written YYYY-MM-DD")
            elif parsed > self.quarter.end:
                fail(
                    name,
                    "date_after_period",
                    f"{name} {value} is after the quarter ({self.quarter})",
                )
            else:
                dates[name] = parsed
        for earlier, later in DATE_ORDER:
            if earlier in dates and later in dates and dates[later] < dates[earlier]:
                fail(later, "date_order", f"{later} is before {earlier}")

        if values["datum_eerste_pip"] and not values["leerroute"]:
            fail("leerroute", "leerroute_missing", "a PIP is set, so the leerroute is required")
        if values["leerroute"] == "onderwijs":
            for name in MAP_FIELDS:
                if values[name]:
                    fail(name, "map_not_applicable", "the onderwijs route has no MAP")
        if values["doelgroep"] and values["doelgroep"] != "asielstatushouder":
            for name in ONTZORGEN_FIELDS:
                if values[name]:
                    fail(
                        name,
                        "ontzorgen_not_applicable",
                        "ontzorgen applies to asylum status holders only",
                    )

        if errors:
            return CheckedRow(row, pseudonym, None, tuple(errors))
        data = {name: (values[name] or None) for name in FIELDS if name != "bsn"}
        return CheckedRow(row, pseudonym, data, ())


def _parse_date(value: str) -> date | None:
    if not _ISO_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def unknown_columns(header: list[str]) -> list[RowError]:
    """Warnings for columns this system does not know (ignored, not errors)."""
    known = set(FIELDS)
    return [
        RowError(
            0, name, "column_unknown", f"column {name!r} is not used and was ignored", "warning"
        )
        for name in header
        if name not in known
    ]
