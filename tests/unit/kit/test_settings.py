from typing import Any

import pytest
from pydantic import SecretStr

from ketenkit import InsecureSettingsError, ServiceSettings

STRONG = "x" * 12 + "-strong-secret-value-123"
KAFKA_LOGIN: dict[str, Any] = {
    "kafka_security_protocol": "SASL_PLAINTEXT",
    "kafka_username": "registry",
    "kafka_password": SecretStr("k" * 40),
}


def test_settings_read_the_shared_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:29092")
    monkeypatch.setenv("KETENMONITOR_DATABASE_URL", "postgresql+asyncpg://u:p@db/x")
    monkeypatch.setenv("KETENMONITOR_ADMIN_TOKEN", STRONG)
    settings = ServiceSettings()
    assert settings.kafka_bootstrap_servers == "broker:29092"
    assert settings.database_url == "postgresql+asyncpg://u:p@db/x"
    assert settings.admin_token == SecretStr(STRONG)


def test_dev_mode_makes_up_an_admin_token_and_a_sqlite_store() -> None:
    settings = ServiceSettings(service_name="registry")
    assert settings.admin_token is not None
    assert len(settings.admin_token.get_secret_value()) >= 32
    assert settings.database_url == "sqlite+aiosqlite:///.data/registry.db"


@pytest.mark.parametrize("token", [None, "changeme", "secret", "short-but-not-default"])
def test_production_refuses_missing_default_or_short_admin_token(token: str | None) -> None:
    with pytest.raises(InsecureSettingsError, match="KETENMONITOR_ADMIN_TOKEN"):
        ServiceSettings(env="production", admin_token=SecretStr(token) if token else None)


def test_production_accepts_strong_secrets_and_never_shows_them() -> None:
    settings = ServiceSettings(env="production", admin_token=SecretStr(STRONG), **KAFKA_LOGIN)
    assert STRONG not in repr(settings)
    assert "k" * 40 not in repr(settings)


def test_production_warns_about_kafka_without_a_login_and_refuses_a_weak_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ServiceSettings(env="production", admin_token=SecretStr(STRONG))  # SPEC's secrets suffice
    assert "kafka_without_login" in caplog.text
    weak = {**KAFKA_LOGIN, "kafka_password": SecretStr("changeme")}
    with pytest.raises(InsecureSettingsError, match="KETENMONITOR_KAFKA_PASSWORD"):
        ServiceSettings(env="production", admin_token=SecretStr(STRONG), **weak)


def test_sasl_needs_a_username_and_a_password() -> None:
    with pytest.raises(ValueError, match="KETENMONITOR_KAFKA_USERNAME"):
        ServiceSettings(kafka_security_protocol="SASL_PLAINTEXT", kafka_username="ingest")


def test_the_kafka_login_reaches_faststream_and_aiokafka_alike() -> None:
    assert ServiceSettings().kafka_security() is None
    assert ServiceSettings().kafka_client_options() == {}
    options = ServiceSettings(**KAFKA_LOGIN).kafka_client_options()
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "registry"
    assert options["sasl_plain_password"] == "k" * 40
    over_tls = ServiceSettings(**{**KAFKA_LOGIN, "kafka_security_protocol": "SASL_SSL"})
    assert over_tls.kafka_client_options()["security_protocol"] == "SASL_SSL"
    assert over_tls.kafka_client_options()["ssl_context"] is not None


def test_topic_prefix_applies_to_catalogue_names() -> None:
    assert ServiceSettings(topic_prefix="t1.").topic("feeds.coa.v1") == "t1.feeds.coa.v1"
