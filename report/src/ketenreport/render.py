"""The report as one self-contained HTML page (Jinja2), and the PDF of that page (WeasyPrint)."""

from __future__ import annotations

import json
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


def html_of(sources: Sources) -> str:
    figures = sources.figures
    data = {
        "figures": figures.model_dump(mode="json"),
        "delivery_quality": sources.quality.model_dump(mode="json") if sources.quality else None,
    }
    return _ENVIRONMENT.get_template("swi.html.j2").render(
        figures=figures,
        publication=sources.publication,
        chapters=chapters(sources),
        # The figures themselves travel with the report, for whoever reuses them (not run).
        data=json.dumps(data, sort_keys=True, ensure_ascii=False).replace("</", "<\\/"),
    )


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
