"""The guidelines as ingest serves them, public: HTML naming every code, a real PDF, the Table
Schema and the template (which frictionless accepts against that schema)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from frictionless import Resource, Schema

from contracts.delivery_codes import DELIVERY_CODES

from .conftest import Ingest

pytestmark = pytest.mark.integration


def test_the_guidelines_are_public_and_name_every_code(ingest_sqlite: Ingest) -> None:
    client = ingest_sqlite.client
    page = client.get("/v1/guidelines")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    missing = [code for code in DELIVERY_CODES if f'id="code-{code}"' not in html]
    assert missing == []
    for section in ("Privacy", "De velden", "Wanneer leveren", "Correcties", "Begrippen"):
        assert section in html
    pdf = client.get("/v1/guidelines.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 10_000


def test_schema_and_template_agree_with_each_other_and_with_ingest(
    ingest_sqlite: Ingest, tmp_path: Path
) -> None:
    client = ingest_sqlite.client
    schema = client.get("/v1/guidelines/schema.json").json()
    template = client.get("/v1/guidelines/template.csv")
    assert template.headers["content-type"].startswith("text/csv")
    (tmp_path / "template.csv").write_bytes(template.content)
    report = Resource(
        path="template.csv",
        basepath=str(tmp_path),
        schema=Schema.from_descriptor(schema),
        format="csv",
    ).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])
    # And ingest itself takes the template as a correct delivery (a dry run stores nothing).
    _, token = ingest_sqlite.contact("GM0344")
    checked = client.post(
        "/v1/deliveries?municipality=GM0344&quarter=2025-Q2&dry_run=true",
        headers={**ingest_sqlite.auth(token), "content-type": "text/csv"},
        content=io.BytesIO(template.content).read(),
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "validated"
    assert checked.json()["errors"] == [] and checked.json()["warnings"] == []
