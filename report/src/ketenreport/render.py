"""The report as one self-contained HTML page (Jinja2), and the PDF of that page (WeasyPrint)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ketenreport.document import chapters
from ketenreport.sources import Sources

_ENVIRONMENT = Environment(
    loader=PackageLoader("ketenreport", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Page:
    """The report's HTML, and the CSP source that allows its one inline style block (the
    portal's pages allow no inline style; this page is allowed exactly its own)."""

    html: str
    style_source: str


def page_of(sources: Sources) -> Page:
    figures = sources.figures
    css = _ENVIRONMENT.get_template("swi.css").render(year=figures.year)
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    data = {
        "figures": figures.model_dump(mode="json"),
        "delivery_quality": sources.quality.model_dump(mode="json") if sources.quality else None,
    }
    html = _ENVIRONMENT.get_template("swi.html.j2").render(
        css=css,
        figures=figures,
        publication=sources.publication,
        chapters=chapters(sources),
        # The figures themselves travel with the report, for whoever reuses them (not run).
        data=json.dumps(data, sort_keys=True, ensure_ascii=False).replace("</", "<\\/"),
    )
    return Page(html, f"'sha256-{digest}'")


def html_of(sources: Sources) -> str:
    return page_of(sources).html


def pdf_of(html: str) -> bytes:
    from weasyprint import HTML  # imported here: the HTML alone does not need it

    document: bytes = HTML(string=html).write_pdf()  # no base URL: nothing is fetched
    return document


def write(sources: Sources, out: Path) -> Path:
    """Write the report as HTML or PDF, by the extension of ``out``."""
    html = html_of(sources)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(pdf_of(html))
    elif out.suffix.lower() in (".html", ".htm"):
        out.write_text(html, encoding="utf-8")
    else:
        raise SystemExit(f"the report is written as .html or .pdf, not {out.suffix or out.name}")
    return out
