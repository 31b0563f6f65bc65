"""Which media type an uploaded file is sent to ingest as (by its name, then its declared type)."""

from __future__ import annotations

CSV = "text/csv"
NDJSON = "application/x-ndjson"
_BY_SUFFIX = {".csv": CSV, ".txt": CSV, ".ndjson": NDJSON, ".jsonl": NDJSON}
_BY_DECLARED = {
    "text/csv": CSV,
    "application/csv": CSV,
    "application/vnd.ms-excel": CSV,  # what some browsers say of a .csv on Windows
    "application/x-ndjson": NDJSON,
    "application/jsonl": NDJSON,
}


def media_type_for(filename: str, declared: str | None) -> str | None:
    """``text/csv`` or ``application/x-ndjson``; None when the file is neither."""
    name = filename.lower()
    for suffix, kind in _BY_SUFFIX.items():
        if name.endswith(suffix):
            return kind
    return _BY_DECLARED.get((declared or "").split(";")[0].strip().lower())
