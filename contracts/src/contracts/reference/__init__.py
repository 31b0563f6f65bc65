"""Reference data: Dutch municipalities over time (codes, mergers, provinces)."""

from contracts.reference.gemeenten import (
    Merger,
    Municipality,
    current_code,
    is_valid,
    merged_into_during,
    merger_date,
    municipalities_on,
    municipality,
    predecessors,
    province,
    require_valid,
)

__all__ = [
    "Merger",
    "Municipality",
    "current_code",
    "is_valid",
    "merged_into_during",
    "merger_date",
    "municipalities_on",
    "municipality",
    "predecessors",
    "province",
    "require_valid",
]
