"""The settings every service shares; each service subclasses it with its own fields."""

from __future__ import annotations

import ipaddress
import secrets
import ssl
from typing import Any, Literal, Self

from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.topics import TopicOptions

#: Values that must never reach production (examples from docs, compose files and tests).
INSECURE_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "admin", "dev", "test", "password", "token"}
)
MIN_SECRET_LENGTH = 32


class InsecureSettingsError(RuntimeError):
    """Production mode was asked to start with a missing or default secret."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TopicSettings(BaseSettings):
    """How the catalogue's topics are made (services and the provisioning job alike)."""

    model_config = SettingsConfigDict(env_prefix="KETENMONITOR_", extra="ignore", frozen=True)

    env: Literal["dev", "production"] = Field(default="dev")
    kafka_replication_factor: int = Field(
        default=1, ge=1, description="Of the topics this service creates (3 in production)."
    )
    kafka_min_insync_replicas: int = Field(
        default=1, ge=1, description="The topics' min.insync.replicas (2 in production)."
    )
    feed_retention_days: float = Field(
        default=7.0, gt=0, description="How long feeds.* keep their events (they hold BSNs)."
    )

    def topic_options(self) -> TopicOptions:
        """The catalogue's settings for ``create_topics`` from this environment."""
        return TopicOptions(
            replication_factor=self.kafka_replication_factor,
            min_insync_replicas=self.kafka_min_insync_replicas,
            feed_retention_ms=round(self.feed_retention_days * 24 * 3600 * 1000),
        )


class WebSettings(BaseSettings):
    """What every HTTP service has, with or without Kafka (the portal has none)."""

    model_config = SettingsConfigDict(
        env_prefix="KETENMONITOR_", extra="ignore", populate_by_name=True, frozen=True
    )

    env: Literal["dev", "production"] = Field(default="dev")
    service_name: str = Field(default="ketenmonitor", description="Name in logs and metrics.")
    data_dir: str = Field(
        default=".data", description="Dev mode's local state: SQLite files, the dev pseudonym key."
    )
    database_url: str = Field(default="", description="SQLAlchemy async URL; default SQLite.")
    http_host: str = Field(default="127.0.0.1")
    http_port: int = Field(default=8000, ge=1, le=65535)
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies (addresses or networks, comma-separated) whose X-Forwarded-For "
        "names the client: the ingress, and for the registry the portal.",
    )

    @model_validator(mode="after")
    def _database_and_loopback(self) -> Self:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite+aiosqlite:///{self.data_dir}/{self.service_name}.db"
            )
        if self.env != "production" and not _is_loopback(self.http_host):
            raise InsecureSettingsError(
                f"KETENMONITOR_HTTP_HOST={self.http_host}: dev mode listens on loopback only "
                "(127.0.0.1, ::1, localhost); set KETENMONITOR_ENV=production with its "
                "secrets to serve a network"
            )
        return self

    @staticmethod
    def require_secret(name: str, value: SecretStr | None) -> None:
        """Refuse a missing, default or short secret (used in production mode)."""
        env_name = f"KETENMONITOR_{name.upper()}"
        if value is None:
            raise InsecureSettingsError(f"{env_name} is required when KETENMONITOR_ENV=production")
        plain = value.get_secret_value()
        if plain.strip().lower() in INSECURE_SECRETS or len(plain) < MIN_SECRET_LENGTH:
            raise InsecureSettingsError(
                f"{env_name} is a default or shorter than {MIN_SECRET_LENGTH} characters; "
                "production mode refuses it"
            )


class ServiceSettings(WebSettings, TopicSettings):
    """Environment configuration (SPEC section 2). Nothing is read at import time."""

    model_config = SettingsConfigDict(
        env_prefix="KETENMONITOR_", extra="ignore", populate_by_name=True, frozen=True
    )

    kafka_bootstrap_servers: str = Field(
        default="localhost:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        description="PLAINTEXT only in dev; production needs SCRAM-SHA-512 (own principal).",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        default="SCRAM-SHA-512"
    )
    kafka_username: str | None = Field(default=None, description="This service's principal.")
    kafka_password: SecretStr | None = Field(default=None)
    kafka_ssl_cafile: str | None = Field(
        default=None, description="CA bundle for SASL_SSL; the system's CAs when unset."
    )
    kafka_trusted_network: bool = Field(
        default=False,
        description="Production may use SASL_PLAINTEXT only inside a closed network (compose).",
    )
    admin_token: SecretStr | None = Field(default=None)
    reader_token: SecretStr | None = Field(default=None)
    topic_prefix: str = Field(default="", description="Prefix for every topic name (tests).")
    consumer_max_records: int = Field(default=500, ge=1)
    consumer_batch_timeout_ms: int = Field(default=100, ge=1)
    consumer_max_partition_fetch_bytes: int = Field(
        default=1_048_576,
        ge=65_536,
        description="What a consumer fetches ahead per partition (Kafka's "
        "max.partition.fetch.bytes): memory is this times the partitions it reads, "
        "and more again once the records are Python objects.",
    )
    handler_max_retries: int = Field(default=3, ge=0)
    handler_backoff_seconds: float = Field(default=0.2, gt=0)
    handler_backoff_max_seconds: float = Field(default=10.0, gt=0)
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    lag_poll_seconds: float = Field(default=5.0, gt=0)
    shutdown_seconds: float = Field(
        default=20.0,
        gt=0,
        description="Stopping gives up on the broker after this long (the outbox keeps what "
        "was not published); below Kubernetes' 30-second grace period.",
    )
    outbox_stall_seconds: float = Field(
        default=300.0, gt=0, description="Readiness says degraded when an outbox row is older."
    )
    lag_degraded_messages: int = Field(
        default=100_000, ge=1, description="Readiness says degraded above this consumer lag."
    )
    lag_degraded_seconds: float = Field(
        default=300.0, gt=0, description="... or when a partition waits this long unmoved."
    )

    @model_validator(mode="after")
    def _kafka_and_token_rules(self) -> Self:
        if self.kafka_security_protocol != "PLAINTEXT" and not (
            self.kafka_username and self.kafka_password
        ):
            raise ValueError(
                f"KETENMONITOR_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "KETENMONITOR_KAFKA_USERNAME and KETENMONITOR_KAFKA_PASSWORD"
            )
        if self.env == "production":
            self.require_secret("admin_token", self.admin_token)
            self._require_kafka_login()
            if self.reader_token is not None:
                self.require_secret("reader_token", self.reader_token)
        elif self.admin_token is None:
            # Dev mode makes one up and the launcher prints it; see SPEC section 2.
            object.__setattr__(self, "admin_token", SecretStr(secrets.token_urlsafe(32)))
        return self

    def _require_kafka_login(self) -> None:
        """SPEC section 11: SCRAM-SHA-512, over TLS unless the network is declared closed."""
        protocol = self.kafka_security_protocol
        if protocol == "PLAINTEXT":
            raise InsecureSettingsError(
                "KETENMONITOR_KAFKA_SECURITY_PROTOCOL=PLAINTEXT: production refuses a Kafka "
                "without login; use SASL_SSL with SCRAM-SHA-512 and this service's own "
                "KETENMONITOR_KAFKA_USERNAME and KETENMONITOR_KAFKA_PASSWORD"
            )
        if self.kafka_sasl_mechanism != "SCRAM-SHA-512":
            raise InsecureSettingsError(
                f"KETENMONITOR_KAFKA_SASL_MECHANISM={self.kafka_sasl_mechanism}: production "
                "needs SCRAM-SHA-512 (PLAIN sends the password itself)"
            )
        if protocol == "SASL_PLAINTEXT" and not self.kafka_trusted_network:
            raise InsecureSettingsError(
                "KETENMONITOR_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT sends every event "
                "unencrypted: production needs SASL_SSL, or KETENMONITOR_KAFKA_TRUSTED_NETWORK="
                "true when the broker is reached only inside a closed network"
            )
        self.require_secret("kafka_password", self.kafka_password)

    def kafka_security(self) -> BaseSecurity | None:
        """FastStream's security object for this service's principal (None for PLAINTEXT)."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return None
        assert self.kafka_username is not None
        assert self.kafka_password is not None
        context = None
        if self.kafka_security_protocol == "SASL_SSL":
            context = ssl.create_default_context(cafile=self.kafka_ssl_cafile)
        kind = {
            "SCRAM-SHA-512": SASLScram512,
            "SCRAM-SHA-256": SASLScram256,
            "PLAIN": SASLPlaintext,
        }[self.kafka_sasl_mechanism]
        return kind(
            self.kafka_username,
            self.kafka_password.get_secret_value(),
            ssl_context=context,
            use_ssl=context is not None,
        )

    def kafka_client_options(self) -> dict[str, Any]:
        """The same credentials as keyword arguments for a plain aiokafka client."""
        return parse_security(self.kafka_security())

    def topic(self, name: str) -> str:
        """The real name of catalogue topic ``name`` (with the configured prefix)."""
        return self.topic_prefix + name
