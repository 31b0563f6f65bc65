"""HTML to PDF with WeasyPrint (the guidelines as CBS publishes such documents: on paper too)."""

from __future__ import annotations


def pdf_of(html: str) -> bytes:
    """The PDF of a self-contained HTML page (its styles inline, no remote resources)."""
    from weasyprint import HTML  # imported here: a service that never renders does not pay

    # No base URL: links stay links, and nothing is fetched from anywhere while rendering.
    document: bytes = HTML(string=html).write_pdf()
    return document
