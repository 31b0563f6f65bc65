"""Ketenmonitor contracts: event envelope, topic catalogue, event models and domain primitives.

Everything other packages may use is exported here; submodules are an implementation detail.
"""

from contracts.base import EXAM_COMPONENTS, Contract
from contracts.bsn import is_valid_bsn, mask_bsn, validate_bsn
from contracts.deliveries import DeliveryCounts, DeliveryEvent
from contracts.envelope import (
    Envelope,
    KafkaRecord,
    derived_id,
    from_kafka,
    sequence_number,
    sequence_text,
    to_kafka,
)
from contracts.errors import (
    BsnInvalid,
    ContractError,
    EnvelopeError,
    EnvelopeInvalid,
    MunicipalityUnknown,
    PayloadUnreadable,
    QuarterInvalid,
    TypeUnknown,
)
from contracts.feeds import (
    CbsSociaalEconomischMaand,
    CoaVergunninghouderGewijzigd,
    DuoBeeindigd,
    DuoExamenUitslag,
    DuoIngetrokken,
    DuoTermijnVerlengd,
    DuoVastgesteld,
)
from contracts.monitoring import Measure, MonitoringRecord, MonitorRow, MonitorTable, PendingPerson
from contracts.pseudonym import Pseudonymiser, PseudonymKeyInvalid, decode_pseudonym_key
from contracts.quarter import Quarter
from contracts.records import (
    CoaRecord,
    DuoRecord,
    MunicipalFields,
    MunicipalRecord,
    MunicipalRecordRetracted,
    StatsRecord,
)
from contracts.registry import Berichtgever, ContactState
from contracts.topics import CATALOGUE, Topic, create_topics

__all__ = [
    "CATALOGUE",
    "EXAM_COMPONENTS",
    "Berichtgever",
    "BsnInvalid",
    "CbsSociaalEconomischMaand",
    "CoaRecord",
    "CoaVergunninghouderGewijzigd",
    "ContactState",
    "Contract",
    "ContractError",
    "DeliveryCounts",
    "DeliveryEvent",
    "DuoBeeindigd",
    "DuoExamenUitslag",
    "DuoIngetrokken",
    "DuoRecord",
    "DuoTermijnVerlengd",
    "DuoVastgesteld",
    "Envelope",
    "EnvelopeError",
    "EnvelopeInvalid",
    "KafkaRecord",
    "Measure",
    "MonitorRow",
    "MonitorTable",
    "MonitoringRecord",
    "MunicipalFields",
    "MunicipalRecord",
    "MunicipalRecordRetracted",
    "MunicipalityUnknown",
    "PayloadUnreadable",
    "PendingPerson",
    "PseudonymKeyInvalid",
    "Pseudonymiser",
    "Quarter",
    "QuarterInvalid",
    "StatsRecord",
    "Topic",
    "TypeUnknown",
    "create_topics",
    "decode_pseudonym_key",
    "derived_id",
    "from_kafka",
    "is_valid_bsn",
    "mask_bsn",
    "sequence_number",
    "sequence_text",
    "to_kafka",
    "validate_bsn",
]
