"""The settings every service shares; each service subclasses it with its own fields."""

from __future__ import annotations

import secrets
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Values that must never reach production (examples from docs, compose files and tests).
INSECURE_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "admin", "dev", "test", "password", "token"}
)
MIN_SECRET_LENGTH = 32


class InsecureSettingsError(RuntimeError):
    """Production mode was asked to start with a missing or default secret."""


class ServiceSettings(BaseSettings):
    """Environment configuration (SPEC section 2). Nothing is read at import time."""

    model_config = SettingsConfigDict(
        env_prefix="KETENMONITOR_", extra="ignore", populate_by_name=True, frozen=True
    )

    service_name: str = Field(default="ketenmonitor", description="Name in logs and metrics.")
    env: Literal["dev", "production"] = Field(default="dev")
    kafka_bootstrap_servers: str = Field(
        default="localhost:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    database_url: str = Field(default="", description="SQLAlchemy async URL; default SQLite.")
    admin_token: SecretStr | None = Field(default=None)
    reader_token: SecretStr | None = Field(default=None)
    http_host: str = Field(default="127.0.0.1")
    http_port: int = Field(default=8000, ge=1, le=65535)
    topic_prefix: str = Field(default="", description="Prefix for every topic name (tests).")
    consumer_max_records: int = Field(default=500, ge=1)
    consumer_batch_timeout_ms: int = Field(default=100, ge=1)
    handler_max_retries: int = Field(default=3, ge=0)
    handler_backoff_seconds: float = Field(default=0.2, gt=0)
    handler_backoff_max_seconds: float = Field(default=10.0, gt=0)
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    lag_poll_seconds: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _defaults_and_production_rules(self) -> Self:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite+aiosqlite:///.data/{self.service_name}.db"
            )
        if self.env == "production":
            self.require_secret("admin_token", self.admin_token)
            if self.reader_token is not None:
                self.require_secret("reader_token", self.reader_token)
        elif self.admin_token is None:
            # Dev mode makes one up and the launcher prints it; see SPEC section 2.
            object.__setattr__(self, "admin_token", SecretStr(secrets.token_urlsafe(32)))
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

    def topic(self, name: str) -> str:
        """The real name of catalogue topic ``name`` (with the configured prefix)."""
        return self.topic_prefix + name
