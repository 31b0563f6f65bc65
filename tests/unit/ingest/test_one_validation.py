"""One validation, not two: a row ingest reports as valid can never fail at release.

Rows are checked by ``RowValidator`` at upload and turned into ``MunicipalRecord`` events at
release; hypothesis throws valid, nearly valid and hostile values at both.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import Pseudonymiser, Quarter
from ingest.adapters.tables import DeliveryRecordRow, DeliveryRow
from ingest.domain.rows import DATE_FIELDS, ENUMS, RowValidator
from ingest.service.events import record_event

KEY = bytes(range(60, 92))
QUARTER = Quarter.parse("2025-Q2")

# Digits of other scripts (Arabic-Indic, full width): some regex digit classes match them.
OTHER_DIGITS = ["\u0662\u0660\u0662\u0665-\u0660\u0661-\u0660\u0666", "GM\uff10\uff13\uff14\uff14"]
junk = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "2025-1-6", "2025-02-30", *OTHER_DIGITS]),
    st.sampled_from(["2025-01-06 ", " b1", "B1", "2025-01-06\n", "2025-06-30", "2025-07-01"]),
)
dates = st.one_of(st.dates().map(lambda d: d.isoformat()), junk, st.just(""))


def field(name: str) -> st.SearchStrategy[str]:
    if name in DATE_FIELDS:
        return dates
    if name in ENUMS:
        return st.one_of(st.sampled_from(sorted(ENUMS[name])), junk, st.just(""))
    if name == "gemeentecode":
        return st.one_of(st.sampled_from(["GM0344", "GM0363", "GM9999"]), junk)
    return junk


rows = st.fixed_dictionaries(
    {"bsn": st.sampled_from(["111222333", "123456782", "12345678", "x"])},
    optional={name: field(name) for name in ("gemeentecode", "doelgroep", *DATE_FIELDS, *ENUMS)},
)


@settings(max_examples=500)
@given(rows)
def test_a_row_reported_valid_is_a_valid_record(raw: dict[str, str]) -> None:
    checked = RowValidator(
        municipality="GM0344", quarter=QUARTER, pseudonymiser=Pseudonymiser(KEY)
    ).check(1, raw)
    if not checked.valid:
        return
    assert checked.data is not None and checked.pseudonym is not None
    delivery = DeliveryRow(
        id="d-1",
        municipality="GM0344",
        quarter=str(QUARTER),
        status="validated",
        contact_id="c-1",
        release_sequence=1,
        received_at=datetime.now(UTC),
    )
    record = DeliveryRecordRow(
        delivery_id="d-1", row=1, pseudonym=checked.pseudonym, data=checked.data
    )
    record_event(delivery, record, datetime.now(UTC))  # raises if the contract disagrees
