"""The yearly monitor report (CBS's Statistiek Wet inburgering): HTML and PDF from the figures
linkage and ingest serve."""

from ketenreport.render import html_of, pdf_of, write
from ketenreport.sources import Sources, fetch_sources

__all__ = ["Sources", "fetch_sources", "html_of", "pdf_of", "write"]
