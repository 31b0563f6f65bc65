"""The delivery guidelines, public (SPEC section 11): HTML, PDF, Table Schema and a template."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from contracts.delivery_codes import DELIVERY_CODES
from ingest.adapters.pdf import pdf_of
from ingest.domain import guidelines

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
_CACHE = {"Cache-Control": "public, max-age=3600"}


def _shown(example: guidelines.Example) -> str:
    last = example.rows[-1]
    value = last.get(example.field, "")
    shown = f"{example.field}: {value!r}" if value else f"{example.field} leeg"
    if example.code == "duplicate_person":
        return f"twee rijen met bsn {last['bsn']}"
    if example.code == "date_order":
        return f"datum_start_brede_intake {last['datum_start_brede_intake']}, {shown}"
    if example.code == "map_not_applicable":
        return f"leerroute 'onderwijs', {shown}"
    if example.code == "ontzorgen_not_applicable":
        return f"doelgroep {last['doelgroep']!r}, {shown}"
    return shown


def template_csv() -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(guidelines.template_rows())
    return buffer.getvalue()


@cache
def guidelines_html() -> str:
    """The guidelines page (rendered once: it changes only with the code)."""
    schema = {f["name"]: f for f in guidelines.table_schema()["fields"]}
    fields: list[dict[str, Any]] = []
    for name, (text, empty) in guidelines.FIELD_TEXTS.items():
        constraints = schema[name].get("constraints", {})
        fields.append(
            {
                "name": name,
                "text": text,
                "empty": empty,
                "type": schema[name]["type"],
                "required": constraints.get("required", False),
                "enum": constraints.get("enum"),
                "pattern": constraints.get("pattern"),
            }
        )
    by_level: dict[str, list[dict[str, str]]] = {}
    file_examples = {e.code: e.description for e in guidelines.FILE_EXAMPLES}
    for code in DELIVERY_CODES.values():
        by_level.setdefault(code.level, []).append(
            {
                "code": code.code,
                "meaning": code.meaning,
                "example": file_examples.get(code.code, ""),
            }
        )
    return _TEMPLATES.get_template("guidelines.html").render(
        fields=fields,
        rules=guidelines.RULES,
        due_days=guidelines.DUE_DAYS,
        example_municipality=guidelines.EXAMPLE_MUNICIPALITY,
        example_quarter=guidelines.EXAMPLE_QUARTER,
        row_examples=[{"code": e.code, "shown": _shown(e)} for e in guidelines.EXAMPLES],
        meanings={c.code: c.meaning for c in DELIVERY_CODES.values()},
        file_codes=by_level.get("bestand", []),
        warnings=by_level.get("waarschuwing", []),
        refusals=by_level.get("verzoek", []),
        template=template_csv(),
        glossary=guidelines.GLOSSARY,
    )


_RENDERING = threading.Lock()


@cache
def _rendered() -> bytes:
    return pdf_of(guidelines_html())


def _pdf() -> bytes:
    """Rendered once per process; requests that come while it renders wait for that render
    (a burst of them at start would otherwise render once in every worker thread)."""
    with _RENDERING:
        return _rendered()


def build_router() -> APIRouter:
    router = APIRouter(tags=["guidelines"])

    @router.get(
        "/v1/guidelines",
        summary="The delivery guidelines (HTML, Dutch), public",
        response_class=HTMLResponse,
    )
    async def page() -> HTMLResponse:
        return HTMLResponse(guidelines_html(), headers=_CACHE)

    @router.get("/v1/guidelines.pdf", summary="The delivery guidelines as PDF, public")
    async def pdf() -> Response:
        # Rendering takes a second or two, once per process: off the event loop.
        body = await asyncio.to_thread(_pdf)
        return Response(
            body,
            media_type="application/pdf",
            headers={**_CACHE, "Content-Disposition": 'inline; filename="richtlijnen.pdf"'},
        )

    @router.get(
        "/v1/guidelines/schema.json", summary="The delivery file as a Frictionless Table Schema"
    )
    async def schema() -> Response:
        return Response(
            json.dumps(guidelines.table_schema(), ensure_ascii=False, indent=2),
            media_type="application/json",
            headers=_CACHE,
        )

    @router.get(
        "/v1/guidelines/template.csv", summary="A CSV template: the header and correct example rows"
    )
    async def template() -> Response:
        return Response(
            template_csv(),
            media_type="text/csv; charset=utf-8",
            headers={**_CACHE, "Content-Disposition": 'attachment; filename="template.csv"'},
        )

    return router
