"""The plumbing the Ketenmonitor services share, written once.

Broker and consumer settings (:mod:`ketenkit.broker`), retries and dead letters
(:mod:`ketenkit.deadletter`), the async store (:mod:`ketenkit.db`), processed-event ids
(:mod:`ketenkit.dedup`), the transactional outbox (:mod:`ketenkit.outbox`), health, problem
details, consumer lag, settings and the local Kafka launcher.
"""

from ketenkit.broker import group_id, make_broker, subscribe_batch
from ketenkit.db import Database
from ketenkit.deadletter import DeadLetterPolicy, Rejected, dead_letter, is_transient, safe_key
from ketenkit.dedup import Claim, ProcessedEvent, claim, claim_new
from ketenkit.messages import Outgoing, publish_all
from ketenkit.outbox import OutboxRelay, OutboxRow, add_to_outbox
from ketenkit.problems import FieldError, Problem, ProblemDetail
from ketenkit.runtime import ServiceRuntime, create_http_app
from ketenkit.settings import InsecureSettingsError, ServiceSettings, WebSettings

__all__ = [
    "Claim",
    "Database",
    "DeadLetterPolicy",
    "FieldError",
    "InsecureSettingsError",
    "OutboxRelay",
    "OutboxRow",
    "Outgoing",
    "Problem",
    "ProblemDetail",
    "ProcessedEvent",
    "Rejected",
    "ServiceRuntime",
    "ServiceSettings",
    "WebSettings",
    "add_to_outbox",
    "claim",
    "claim_new",
    "create_http_app",
    "dead_letter",
    "group_id",
    "is_transient",
    "make_broker",
    "publish_all",
    "safe_key",
    "subscribe_batch",
]
