"""The yearly monitor report (CBS's Statistiek Wet inburgering): HTML and PDF from the figures
linkage and ingest serve."""

from ketenreport.render import Page, html_of, page_of, pdf_of, write
from ketenreport.sources import Sources, fetch_sources

__all__ = ["Page", "Sources", "fetch_sources", "html_of", "page_of", "pdf_of", "write"]
