"""The guidelines are held to the validator: every example is reported with exactly its code,
every code the validator reports is explained, and the Table Schema agrees with ingest."""

from __future__ import annotations

import csv
import io
import re
import secrets
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import Pseudonymiser, Quarter
from contracts.delivery_codes import DELIVERY_CODES
from ingest.domain import guidelines
from ingest.domain.rows import FIELDS, RowValidator
from ingest.service.dry_run import DryRun, check_file
from ketenkit import problems

pytestmark = pytest.mark.unit
PSEUDONYMISER = Pseudonymiser(secrets.token_bytes(32))
INGEST = Path(guidelines.__file__).resolve().parents[1]


def dry_run(body: bytes) -> DryRun:
    return check_file(
        io.BytesIO(body),
        "text/csv",
        municipality=guidelines.EXAMPLE_MUNICIPALITY,
        quarter=Quarter.parse(guidelines.EXAMPLE_QUARTER),
        pseudonymiser=PSEUDONYMISER,
        max_line=1 << 20,
        previous=[],
        retraction_share=0.1,
    )


def as_csv(rows: tuple[dict[str, str], ...] | list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in FIELDS])
    return buffer.getvalue().encode()


@pytest.mark.parametrize("example", guidelines.EXAMPLES, ids=lambda e: e.code)
def test_every_example_row_is_reported_with_exactly_its_code(
    example: guidelines.Example,
) -> None:
    result = dry_run(as_csv(example.rows))
    found = [(e.row, e.field, e.code) for e in result.errors]
    assert found == [(len(example.rows), example.field, example.code)]


@pytest.mark.parametrize("example", guidelines.FILE_EXAMPLES, ids=lambda e: e.code)
def test_every_example_file_is_reported_with_exactly_its_code(
    example: guidelines.FileExample,
) -> None:
    result = dry_run(example.body)
    problems = [(e.row, e.code) for e in [*result.errors, *result.warnings]]
    assert (0, example.code) in problems
    assert {code for _, code in problems} == {example.code}


def test_the_template_is_a_correct_delivery() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(guidelines.template_rows())
    result = dry_run(buffer.getvalue().encode())
    assert result.status == "validated" and result.errors == [] and result.warnings == []
    assert result.counts["valid"] == len(guidelines.TEMPLATE_ROWS)


def test_every_row_and_file_code_has_an_example_and_every_code_a_meaning() -> None:
    with_example = {e.code for e in guidelines.EXAMPLES} | {
        e.code for e in guidelines.FILE_EXAMPLES
    }
    levels = {"rij", "bestand", "waarschuwing"}
    exempt = {"processing_failed", "count_drop", "mass_retraction"}  # need a failure or history
    wanted = {c.code for c in DELIVERY_CODES.values() if c.level in levels} - exempt
    assert wanted <= with_example, wanted - with_example


def test_every_code_written_in_ingest_is_documented() -> None:
    """A rule added to ingest without its explanation fails here."""
    patterns = [
        r'fail\(\s*[\w"]+,\s*"([a-z_]+)"',  # a row rule
        r'RowError\(\s*[^,]+,\s*[^,]+,\s*"([a-z_]+)"',
        r'FileProblem\(\s*"([a-z_]+)"',
        r'ReleaseRefused\(\s*"([a-z_]+)"',
        r'UploadInvalid\(\s*\d+,\s*"[^"]*",\s*"([a-z_]+)"',
        r'result = "([a-z_]+)"',  # the municipality rules
        r'code="([a-z_]+)"',  # a problem+json answer
    ]
    found: set[str] = set()
    kit = Path(problems.__file__).parent  # the kit's answers every service gives
    for path in [*INGEST.rglob("*.py"), kit / "problems.py", kit / "limits.py"]:
        text = path.read_text()
        for pattern in patterns:
            found |= set(re.findall(pattern, text))
    assert {"bsn_invalid", "municipality_unknown", "header_invalid", "rows_invalid"} <= found
    assert found - guidelines.documented_codes() == set()


values = st.sampled_from(["", "x", "2025-02-30", "2025-03-01", "2026-01-01", "GM0344", "b1"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({name: values for name in FIELDS}), max_size=4))
def test_whatever_a_file_holds_every_code_reported_is_documented(
    rows: list[dict[str, str]],
) -> None:
    validator = RowValidator(
        municipality="GM0344", quarter=Quarter(2025, 2), pseudonymiser=PSEUDONYMISER
    )
    for number, row in enumerate([*rows, *guidelines.TEMPLATE_ROWS], start=1):
        for error in validator.check(number, row).errors:
            assert error.code in DELIVERY_CODES, error.code


def test_the_table_schema_names_every_field_with_its_rules() -> None:
    schema = guidelines.table_schema()
    fields = {f["name"]: f for f in schema["fields"]}
    assert list(fields) == list(FIELDS)
    assert fields["bsn"]["constraints"] == {"required": True, "pattern": r"\d{9}", "unique": True}
    assert fields["leerroute"]["constraints"]["enum"] == ["b1", "onderwijs", "z"]
    assert fields["datum_eerste_pip"]["type"] == "date"
    assert all(f["description"] for f in schema["fields"])


def frictionless_problems(body: bytes, tmp_path: Path) -> set[tuple[int, str]]:
    """(row, field) of every cell frictionless finds wrong against the Table Schema."""
    from frictionless import Resource, Schema

    (tmp_path / "levering.csv").write_bytes(body)
    resource = Resource(
        path="levering.csv",
        basepath=str(tmp_path),
        schema=Schema.from_descriptor(guidelines.table_schema()),
        format="csv",
    )
    report = resource.validate()
    found = set()
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            field = getattr(error, "field_name", None)
            if error.type in ("primary-key", "unique-error"):
                field = "bsn"  # the key: one row per person
            assert row is not None and field is not None, error.note  # a cell, not the file
            found.add((row - 1, field))  # frictionless counts the header as row 1
    return found


def test_frictionless_accepts_the_template_and_rejects_what_ingest_rejects(
    tmp_path: Path,
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(guidelines.template_rows())
    assert frictionless_problems(buffer.getvalue().encode(), tmp_path) == set()

    # Rules a Table Schema can hold: a field's format, closed list, presence or uniqueness (the
    # elfproef, the municipality on a date and the rules between fields it cannot).
    good = guidelines.TEMPLATE_ROWS[0]
    cases = {
        "a BSN of five digits": [{**good, "bsn": "12345"}],
        "no doelgroep": [{**good, "doelgroep": ""}],
        "an unknown leerroute": [{**good, "leerroute": "c1"}],
        "a Dutch date": [{**good, "datum_inschrijving_brp": "06-01-2025"}],
        "the same person twice": [good, good],
    }
    for case, rows in cases.items():
        body = as_csv(rows).replace(b";", b",")
        ingest = {(e.row, e.field) for e in dry_run(body).errors}
        assert ingest, case
        assert frictionless_problems(body, tmp_path) == ingest, case


SPEC = Path(__file__).resolve().parents[3].parent / "shared" / "SPEC.md"
#: The delivery codes SPEC sections 7, 10 and 11 name (each checked to be in SPEC below).
SPEC_CODES = [
    "bsn_invalid",
    "field_missing",
    "field_invalid",
    "date_invalid",
    "date_order",
    "date_after_period",
    "leerroute_missing",
    "map_not_applicable",
    "ontzorgen_not_applicable",
    "duplicate_person",
    "municipality_unknown",
    "municipality_mismatch",
    "encoding_invalid",
    "header_invalid",
    "empty_delivery",
    "column_unknown",
    "quarter_not_ended",
    "processing_failed",
    "idempotency_key_reused",
    "confirm_retractions",
    "count_drop",
    "mass_retraction",
]


@pytest.mark.skipif(not SPEC.exists(), reason="../shared/SPEC.md is not beside the repository")
def test_the_specs_delivery_codes_and_the_guidelines_agree() -> None:
    text = SPEC.read_text()
    assert [code for code in SPEC_CODES if f"`{code}`" not in text] == []
    assert set(SPEC_CODES) - guidelines.documented_codes() == set()


def test_the_pdf_is_rendered_once_and_under_a_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests that arrive while it renders wait for that render instead of starting their
    own (a burst at start would render once in every worker thread)."""
    from ingest.entrypoints import guidelines as endpoint

    renders: list[bool] = []

    def render(html: str) -> bytes:
        renders.append(endpoint._RENDERING.locked())
        return b"%PDF"

    monkeypatch.setattr(endpoint, "pdf_of", render)
    endpoint._rendered.cache_clear()
    try:
        assert endpoint._pdf() == endpoint._pdf() == b"%PDF"
        assert renders == [True]
    finally:
        endpoint._rendered.cache_clear()
