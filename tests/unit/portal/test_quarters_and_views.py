"""Where a municipality stands per quarter, and the operators' desk, with fakes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts import Quarter
from contracts.delivery_codes import DELIVERY_CODES, meaning
from portal.domain.deliveries import Counts, Delivery
from portal.domain.errors import NotAllowed
from portal.domain.files import media_type_for
from portal.domain.identity import Identity, Session
from portal.domain.quarters import DeliverySummary, quarter_lines
from portal.service.views import admin_desk, my_municipalities
from tests.unit.ingest.test_guidelines import SPEC_CODES

from .fakes import FakeIngest, FakeRegistry

pytestmark = pytest.mark.unit
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def summary(
    quarter: str, status: str, *, nil: bool = False, at: str = "1", code: str = "GM0344"
) -> DeliverySummary:
    return DeliverySummary(f"d-{quarter}-{status}-{at}", code, quarter, status, nil, at)


def states(lines: list, quarters: list[str]) -> list[str]:  # type: ignore[type-arg]
    by = {str(line.quarter): line.state for line in lines}
    return [by[q] for q in quarters]


def test_each_quarter_gets_its_state_from_releases_and_the_due_date() -> None:
    deliveries = [
        summary("2026-Q2", "released"),
        summary("2026-Q2", "validated", at="2"),  # a correction not yet released
        summary("2026-Q1", "released", nil=True),
        summary("2025-Q4", "validated"),
        summary("2025-Q3", "rejected"),
    ]
    # 2026-Q3's due date is 28 October: on it still "te leveren", the day after "te laat".
    on_due = quarter_lines("GM0344", deliveries, today=date(2026, 10, 28))
    after = quarter_lines("GM0344", deliveries, today=date(2026, 10, 29))
    assert states(on_due, ["2026-Q4", "2026-Q3"]) == ["nog_niet", "te_leveren"]
    assert states(after, ["2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4", "2025-Q3"]) == [
        "te_laat",
        "vrijgegeven",
        "nihil",
        "gevalideerd",
        "te_laat",
    ]
    assert [str(line.quarter) for line in after][-1] == "2022-Q1"
    assert len(after) == 20  # 2026-Q4 back to 2022-Q1
    released = next(line for line in after if str(line.quarter) == "2026-Q2")
    assert released.latest is not None and released.latest.status == "released"
    assert not on_due[0].may_upload and on_due[1].may_upload
    assert Quarter.parse("2026-Q3").due_date == date(2026, 10, 28)


def test_other_municipalities_deliveries_do_not_count() -> None:
    other = DeliverySummary("x", "GM0363", "2026-Q2", "released", False, "1")
    lines = quarter_lines("GM0344", [other], today=date(2026, 12, 1), shown=3)
    assert [line.state for line in lines] == ["nog_niet", "te_laat", "te_laat"]


def test_file_kinds_by_name_then_by_declared_type() -> None:
    assert media_type_for("Q3.CSV", None) == "text/csv"
    assert media_type_for("levering.ndjson", "application/octet-stream") == "application/x-ndjson"
    assert media_type_for("export", "application/vnd.ms-excel") == "text/csv"
    assert media_type_for("foto.png", "image/png") is None


def test_every_code_has_a_dutch_meaning_and_unknown_codes_show_as_themselves() -> None:
    spec_codes = [*SPEC_CODES, "rows_invalid"]  # the codes the portal explains
    assert set(spec_codes) <= set(DELIVERY_CODES)
    assert all(c.meaning and c.meaning != c.code for c in DELIVERY_CODES.values())
    assert meaning("something_new") == "something_new"


async def test_a_contact_sees_each_of_its_municipalities_with_its_own_token() -> None:
    ingest = FakeIngest()
    ingest.by_municipality["GM0363"] = [
        Delivery(
            summary("2026-Q3", "validated", code="GM0363"), Counts(rows=3, valid=3), None, None
        )
    ]
    contact = Identity("contact", "c1", "A", ("GM0344", "GM0363"))
    session = Session("tok", contact, T0, T0)
    views = await my_municipalities(session, ingest, today=date(2026, 12, 1))
    assert [(v.code, v.name) for v in views] == [("GM0344", "Utrecht"), ("GM0363", "Amsterdam")]
    assert views[1].quarters[1].state == "gevalideerd"
    assert ingest.asked == [("tok", "GM0344"), ("tok", "GM0363")]
    with pytest.raises(NotAllowed):
        await my_municipalities(Session("a", Identity("admin"), T0, T0), ingest, today=T0.date())


async def test_the_desk_groups_uncovered_municipalities_by_province_and_overdue_by_quarter() -> (
    None
):
    registry, ingest = FakeRegistry(), FakeIngest()
    registry.without_primary = ["GM0014", "GM0344", "GM0363"]
    ingest.overdue_items = [
        {"municipality": "GM0014", "quarter": "2026-Q2", "due_date": "2026-07-28"},
        {"municipality": "GM0344", "quarter": "2026-Q2", "due_date": "2026-07-28"},
        {"municipality": "GM0344", "quarter": "2026-Q3", "due_date": "2026-10-28"},
    ]
    admin = Session("a", Identity("admin"), T0, T0)
    desk = await admin_desk(admin, registry, ingest, today=date(2026, 12, 1))
    assert desk.without_primary_by_province == {
        "Groningen": [("GM0014", "Groningen")],
        "Noord-Holland": [("GM0363", "Amsterdam")],
        "Utrecht": [("GM0344", "Utrecht")],
    }
    assert desk.overdue_by_quarter == {"2026-Q3": 1, "2026-Q2": 2}
    assert desk.overdue_total == 3
    with pytest.raises(NotAllowed):
        contact = Session("t", Identity("contact", "c", "A", ("GM0344",)), T0, T0)
        await admin_desk(contact, registry, ingest, today=T0.date())


def test_the_monitor_page_has_a_dutch_name_for_every_measure_of_the_contract() -> None:
    from contracts import Measure, MonitorRow
    from portal.domain.texts import MEASURES

    contract = [n for n, f in MonitorRow.model_fields.items() if f.annotation is Measure]
    assert list(MEASURES) == contract
