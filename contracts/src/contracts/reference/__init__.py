"""Reference data: Dutch municipalities over time (codes, mergers, provinces, regions)."""

from contracts.reference.gemeenten import (
    Merger,
    Municipality,
    current_code,
    is_valid,
    labour_market_region,
    labour_market_regions,
    merged_into_during,
    merger_date,
    municipalities_on,
    municipality,
    predecessors,
    province,
    provinces,
    require_valid,
)

__all__ = [
    "Merger",
    "Municipality",
    "current_code",
    "is_valid",
    "labour_market_region",
    "labour_market_regions",
    "merged_into_during",
    "merger_date",
    "municipalities_on",
    "municipality",
    "predecessors",
    "province",
    "provinces",
    "require_valid",
]
