"""The yearly monitor report (CBS's Statistiek Wet inburgering): HTML and PDF from the figures
linkage and ingest serve."""

from ketentools.report.render import html_of, pdf_of, write
from ketentools.report.sources import Sources, fetch_sources

__all__ = ["Sources", "fetch_sources", "html_of", "pdf_of", "write"]
