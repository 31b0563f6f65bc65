"""Who may write and read which topic: one Kafka principal per service and chain partner.

The broker enforces this with ACLs (``ketenkit.kafka_access`` applies it: the local launcher's
secure mode and compose's provisioning job). Anything not listed here is denied; the
administrator principal is a super user and is used only for provisioning.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.topics import (
    DEADLETTER,
    FEEDS_COA,
    FEEDS_DUO,
    FEEDS_STATS,
    INGEST_DELIVERIES,
    MONITORING_RECORDS,
    RECORDS_COA,
    RECORDS_DUO,
    RECORDS_MUNICIPAL,
    RECORDS_STATS,
    REGISTRY_CONTACTS,
    Topic,
)

ADMIN_PRINCIPAL = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """A Kafka user. Its consumer groups are ``<topic prefix><name>.*``, as the services name
    theirs (``ketenkit.group_id``), so a principal can never join another's group."""

    name: str
    description: str
    writes: tuple[Topic, ...] = ()
    reads: tuple[Topic, ...] = ()


PRINCIPALS: tuple[Principal, ...] = (
    Principal(
        "registry",
        "The registry service: publishes contact states (it consumes nothing to dead-letter).",
        writes=(REGISTRY_CONTACTS,),
    ),
    Principal(
        "ingest",
        "The ingest service: the only writer of records.*; reads the feeds and the registry.",
        writes=(
            INGEST_DELIVERIES,
            RECORDS_MUNICIPAL,
            RECORDS_COA,
            RECORDS_DUO,
            RECORDS_STATS,
            DEADLETTER,
        ),
        reads=(FEEDS_COA, FEEDS_DUO, FEEDS_STATS, REGISTRY_CONTACTS),
    ),
    Principal(
        "linkage",
        "The linkage service: reads records.*, writes monitoring records.",
        writes=(MONITORING_RECORDS, DEADLETTER),
        reads=(RECORDS_MUNICIPAL, RECORDS_COA, RECORDS_DUO, RECORDS_STATS),
    ),
    Principal("coa", "COA delivers its feed, and nothing else.", writes=(FEEDS_COA,)),
    Principal("duo", "DUO delivers its feed, and nothing else.", writes=(FEEDS_DUO,)),
    Principal(
        "stats",
        "CBS's registers deliver the monthly socio-economic categories, and nothing else.",
        writes=(FEEDS_STATS,),
    ),
    Principal(
        "operator",
        "The operator's CLI: lists dead letters and replays those of records.* (the events "
        "linkage refused) to their topic; feed events are resent by their supplier and a "
        "contact's state by the registry.",
        writes=(RECORDS_MUNICIPAL, RECORDS_COA, RECORDS_DUO, RECORDS_STATS),
        reads=(DEADLETTER,),
    ),
    Principal(
        "cbs",
        "CBS reads the monitoring records and the register downstream.",
        reads=(MONITORING_RECORDS, REGISTRY_CONTACTS),
    ),
)
BY_PRINCIPAL = {principal.name: principal for principal in PRINCIPALS}
