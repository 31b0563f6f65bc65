"""The yearly report (ketenmonitor report): valid HTML with six chapters, every chart with a text
alternative, suppressed cells written as x, the same bytes for the same figures, and a PDF."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import html5lib
import pytest

from contracts.publications import DeliveryQuality, ReportFigures
from ketenreport import Sources, html_of, page_of, pdf_of
from tests.report_figures import sample_figures

CHAPTERS = ("over", "bevolking", "coa", "gemeente", "resultaten", "levering")


@pytest.fixture(scope="module")
def figures() -> ReportFigures:
    return sample_figures(2025, persons=1500)


def quality() -> DeliveryQuality:
    return DeliveryQuality.model_validate(
        {
            "year": 2025,
            "as_of": "2025-12-31",
            "generated_at": datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
            "quarters": [
                {
                    "quarter": f"2025-Q{n}",
                    "due_date": date(2025, 3 * n, 28).isoformat(),
                    "due": n < 4,
                    "municipalities": 342,
                    "on_time": 300 if n < 4 else 0,
                    "late": 30 if n < 4 else 0,
                    "missing": 12 if n < 4 else None,
                    "pct_on_time": 87.7 if n < 4 else None,
                    "errors": [{"code": "bsn_invalid", "severity": "error", "n": 17 * n}],
                }
                for n in range(1, 5)
            ],
        }
    )


def test_the_report_is_valid_html_with_every_chapter(figures: ReportFigures) -> None:
    html = html_of(Sources(figures=figures, quality=quality()))
    html5lib.HTMLParser(strict=True).parse(html)  # raises on any parse error
    for chapter in CHAPTERS:
        assert f'<section class="chapter" id="{chapter}"' in html
    assert "Statistiek Wet inburgering 2025" in html
    assert "2025*" in html  # the provisional cohort is marked
    assert "bsn_invalid" in html and "87,7" in html  # delivery quality, Dutch decimals


def test_every_chart_has_a_text_alternative_and_every_table_a_caption(
    figures: ReportFigures,
) -> None:
    html = html_of(Sources(figures=figures, quality=quality()))
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) >= 6
    for image in images:
        alt = re.search(r'alt="([^"]*)"', image)
        assert alt is not None and len(alt.group(1)) > 40, image[:80]
        assert "diagram" in alt.group(1) or "Mediaan" in alt.group(1)
    assert html.count("<table") == html.count("<caption>") >= 10
    assert 'scope="col"' in html and 'scope="row"' in html


def test_a_suppressed_cell_is_x_never_zero(figures: ReportFigures) -> None:
    table = figures.tables["bevolking_doelgroep"]
    rows = [dict(r) for r in table.rows]
    rows[0]["n"] = None  # as linkage suppresses it
    changed = figures.model_copy(
        update={
            "tables": {
                **figures.tables,
                "bevolking_doelgroep": table.model_copy(update={"rows": tuple(rows)}),
            }
        }
    )
    html = html_of(Sources(figures=changed, quality=None, quality_missing="ingest answered 403"))
    body = html.split('id="t-bevolking"')[1].split("</table>")[0]
    first_row = body.split("<tbody>")[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", first_row)[0] == "x"
    assert "Niet opgevraagd: ingest answered 403" in html


def test_the_same_figures_give_the_same_bytes(figures: ReportFigures) -> None:
    sources = Sources(figures=figures, quality=quality())
    assert html_of(sources) == html_of(sources)


def test_the_pdf_renders_and_its_first_pages_become_images(
    figures: ReportFigures, tmp_path: Path
) -> None:
    pdf = pdf_of(html_of(Sources(figures=figures, quality=quality())))
    assert pdf.startswith(b"%PDF-") and len(pdf) > 50_000
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is missing: apt-get install poppler-utils (.ci/run installs it)")
    path = tmp_path / "swi-2025.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "3", str(path), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    assert all(page.stat().st_size > 5_000 for page in pages)  # not blank


def test_the_page_names_the_hash_of_its_one_style_block(figures: ReportFigures) -> None:
    """The portal serves the report under a CSP that allows this style block and nothing else."""
    page = page_of(Sources(figures=figures, quality=None, quality_missing="-"))
    blocks = re.findall(r"<style>(.*?)</style>", page.html, flags=re.S)
    assert len(blocks) == 1
    digest = base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode()
    assert page.style_source == f"'sha256-{digest}'"
    assert "style=" not in page.html  # no inline style attribute anywhere
    assert "<script" not in page.html.replace('<script type="application/json" id="cijfers">', "")
